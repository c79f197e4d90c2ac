"""Reads shared by the needs pages. `needs_visible_to` is the one scoping function for needs."""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol

from django.db.models import Case, F, Q, QuerySet, When
from django.utils import timezone

from alliance.core.staff import is_park_staff
from chains.models import IndustryChain
from enterprises.models import EnterpriseContact
from liaisons.models import (
    NEED_OPEN_STATUSES,
    Department,
    EscalationLevel,
    Liaison,
    LiaisonAssignment,
    Need,
    NeedEscalation,
    NeedStatus,
)
from liaisons.needs.clock import overdue_q
from liaisons.paging import BoundedCount, KeysetSection, bounded_count, bounded_counts


class HeldRoles(Protocol):
    """Which of the scope's roles a person holds (`alliance.core.viewer.NavbarFacts` answers it)."""

    is_park_staff: bool
    is_secretary: bool
    is_liaison: bool
    heads_department: bool
    chairs_chain: bool


def _need_scope(
    user,
    *,
    staff: bool | None = None,
    today: date | None = None,
    roles: HeldRoles | None = None,
) -> tuple[list[Q], bool]:
    """The scope of `needs_visible_to` as predicates whose OR is every need `user` may see:
    none for nobody, one for park staff, one per role (and the firm's own) for everybody else;
    and whether the person is park staff (whose one predicate is nearly the whole table).

    Without `roles` every role's branch is there (a role the person does not hold matches no
    row) and the only query made is the park-staff group check (skipped when `staff` is given).
    With `roles` (the request's facts, already read) only the branches of the roles held are
    built: the same rows, a smaller statement (a secretary's list is one indexed filter)."""
    if not (user.is_authenticated and user.is_active):
        return [], False
    if roles is not None:
        staff = roles.is_park_staff

    def own_enterprise() -> Q:
        return Q(enterprise__in=EnterpriseContact.objects.filter(user=user).values("enterprise"))

    not_draft = ~Q(status=NeedStatus.DRAFT)
    if is_park_staff(user) if staff is None else staff:
        if roles is not None and not roles.is_secretary:
            return [not_draft], True
        return [own_enterprise() | not_draft], True
    today = today or timezone.localdate()
    liaison = roles is None or roles.is_liaison
    # Each branch is built only for a role held: each subquery costs time to build, and a
    # page's facts usually name one role.
    branches = [
        (roles is None or roles.is_secretary, own_enterprise),
        (
            liaison,
            lambda: Q(liaison__in=Liaison.objects.filter(user=user).values("pk")) & not_draft,
        ),
        (
            liaison,
            lambda: (
                Q(
                    enterprise__in=LiaisonAssignment.objects.filter(
                        Q(until__isnull=True) | Q(until__gte=today), liaison__user=user
                    ).values("enterprise")
                )
                & not_draft
            ),
        ),
        (
            roles is None or roles.heads_department,
            lambda: Q(department__in=Department.objects.filter(head=user).values("pk")) & not_draft,
        ),
        (
            roles is None or roles.chairs_chain,
            lambda: Q(chain__in=IndustryChain.objects.filter(chief=user).values("pk")) & not_draft,
        ),
    ]
    return [build() for held, build in branches if held], False


def needs_visible_to(
    user,
    *,
    today: date | None = None,
    where: Q | None = None,
    staff: bool | None = None,
    roles: HeldRoles | None = None,
) -> QuerySet[Need]:
    """Every need `user` may see, and no other; every list and detail view starts here.

    - park staff: all needs;
    - an enterprise's contact (secretary): that enterprise's needs;
    - a liaison: the needs dispatched to them, and the needs of the firms they are actively
      assigned to (驻企);
    - a department head: the needs handled by the department;
    - a chain chief: the needs of the chain(s) they chair;
    - anybody else: none.
    A draft is the firm's own working copy: only its enterprise's contacts see it.

    The roles are subqueries of one SQL statement (no row is duplicated, so no DISTINCT), and the
    only query made here is the park-staff group check (skipped when the caller passes `staff`).

    For everybody but park staff the roles are a UNION of one branch per role, each served by
    its own index (enterprise, liaison, department, chain), and the page filters `id IN (…)`:
    an OR of the roles would make PostgreSQL walk the whole table in list order to find a
    secretary's few needs among 3 million.

    `where` (the same rows as `.filter(where)`) is put into every branch, so that each branch
    reads its own index with the filter (a chief's open needs: `(chain, status)`) instead of
    collecting all of the user's needs first; `count_visible_needs` counts such a filter.

    `roles` (a page's `request_navbar_facts`) leaves out the branches of roles not held.
    """
    scope, _staff = _need_scope(user, staff=staff, today=today, roles=roles)
    where = where if where is not None else Q()
    if not scope:
        return Need.objects.none()
    if len(scope) == 1:
        return Need.objects.filter(scope[0], where)
    branches = [Need.objects.filter(branch, where).order_by().values("pk") for branch in scope]
    return Need.objects.filter(pk__in=branches[0].union(*branches[1:], all=True))


def liaison_queue(liaison: Liaison | int) -> QuerySet[Need]:
    """The open needs dispatched to `liaison` (or the liaison of that id): their queue.

    A need dispatched to a liaison is in their scope whenever it is not a draft (the liaison
    branch of `needs_visible_to`), and no open status is a draft: so the queue is exactly
    `needs_visible_to(liaison.user).filter(liaison=liaison, status__in=NEED_OPEN_STATUSES)`
    (a test holds the two equal), read from the (liaison, status) index alone instead of
    intersected with the UNION of the liaison's scope, whose planning alone costs about as much
    as running it (measured in docs/benchmarks.md)."""
    if NeedStatus.DRAFT in NEED_OPEN_STATUSES:  # pragma: no cover - guards the reasoning above
        raise AssertionError("a draft is never part of a liaison's scope")
    return Need.objects.filter(liaison=liaison, status__in=NEED_OPEN_STATUSES)


def escalations_addressed(
    *,
    departments: list[int] | QuerySet | None = None,
    chains: list[int] | QuerySet | None = None,
    staff: bool = False,
) -> QuerySet[NeedEscalation]:
    """The escalations addressed to a person: the 催办 (URGE) addressed to the
    `departments` they head, the 督办 (SUPERVISE) addressed to the `chains` they chair (ids, or
    a query of them, used as a subquery; None: none), and, for park `staff`, every 督办.

    A rung records whom it went to (`NeedEscalation.chain` / `.department`, the need's when it
    was claimed), so each list is read from its own index, newest first; reading every 督办 and
    joining its need to find a chain's grew with the province (docs/benchmarks.md). The
    need must still be in that chain or department — what the person may open
    (`needs_visible_to`: a head sees the department's needs, a chief the chain's) — and not a
    draft (a rung is raised on an overdue open need, never on a draft); a test holds the
    result equal to the escalations of the needs in their scope."""
    addressed = Q(pk__in=[])
    if departments is not None:
        addressed |= Q(
            level=EscalationLevel.URGE,
            department__in=departments,
            need__department=F("department"),
        )
    if chains is not None:
        addressed |= Q(level=EscalationLevel.SUPERVISE, chain__in=chains, need__chain=F("chain"))
    if staff:
        addressed |= Q(level=EscalationLevel.SUPERVISE)
    return NeedEscalation.objects.filter(addressed, ~Q(need__status=NeedStatus.DRAFT))


def visible_needs_to_count(
    user,
    where: Q,
    *,
    check: Q | None = None,
    staff: bool | None = None,
    today: date | None = None,
    roles: HeldRoles | None = None,
) -> QuerySet | None:
    """The rows of `needs_visible_to(user).filter(where, check)` shaped for counting (None:
    nobody's), without `id IN (…)`: the distinct ids of the UNION of the scope's branches (those
    of `needs_visible_to`), each filtered by `where`. PostgreSQL reads each role's own index with
    it (a chief's open needs: `(chain, status)`) and never looks the needs up again by primary
    key. `check` is tested row by row on what `where` found, never used to choose an index: an
    OR of deadlines (`overdue_q`) would otherwise become a BitmapOr over every open need of the
    province to be ANDed with the chief's few thousand. Give `where` the
    indexable part (a status list) and `check` the rest. (Park staff have one branch, the
    whole table: there the check may pick an index.)

    Each of the supervision page's two counts used to join a chief's whole chain against the
    table; now each reads the role's index (measured in docs/benchmarks.md, "Supervision
    page")."""
    scope, whole_table = _need_scope(user, staff=staff, today=today, roles=roles)
    if not scope:
        return None
    check = check if check is not None else Q()
    if whole_table:  # park staff: no role index to keep, the check may pick its own
        return Need.objects.filter(scope[0], where, check).order_by().values("pk")
    # A CASE is opaque to the planner: it filters rows, it does not pick an index.
    rows = Case(When(check, then=True), default=False) if check else Q()
    branches = [
        Need.objects.filter(branch, where, rows).order_by().values("pk") for branch in scope
    ]
    return branches[0].union(*branches[1:]) if len(branches) > 1 else branches[0]


def count_visible_needs(user, where: Q, *, cap: int | None = None, **scope) -> BoundedCount:
    """`bounded_count(needs_visible_to(user).filter(where, check))`: see
    `visible_needs_to_count` (same keyword arguments)."""
    rows = visible_needs_to_count(user, where, **scope)
    return BoundedCount(0, False) if rows is None else bounded_count(rows, cap)


def inbox_sections(visible: QuerySet[Need], *, now: datetime) -> dict[str, KeysetSection]:
    """Park staff's inbox: the five sections waiting for a staff decision. Each ordering has a
    partial index per status; each section pages on its own cursor and shows a bounded count."""
    return {
        "submitted": KeysetSection(
            visible.filter(status=NeedStatus.SUBMITTED), "accept_due", nullable=True
        ),
        "accepted": KeysetSection(
            visible.filter(status=NeedStatus.ACCEPTED), "accepted_at", nullable=True
        ),
        "returns": KeysetSection(visible.filter(status=NeedStatus.RETURN_PENDING), "updated_at"),
        "extensions": KeysetSection(
            visible.filter(extension_requested__gt=0, status__in=NEED_OPEN_STATUSES),
            "resolve_due",
            nullable=True,
        ),
        "return_visits": KeysetSection(
            visible.filter(status=NeedStatus.REPLIED, rating_due__lt=now), "rating_due"
        ),
    }


def supervision_escalations(user, roles: HeldRoles) -> QuerySet[NeedEscalation]:
    """The escalations addressed to a chain chief, a department head or park staff. The ids of
    their departments and chains, not subqueries: PostgreSQL plans the joined page faster with
    a list."""
    heads, chains = roles.heads_department, roles.chairs_chain
    return escalations_addressed(
        departments=list(user.headed_departments.values_list("pk", flat=True)) if heads else None,
        chains=list(user.chaired_chains.values_list("pk", flat=True)) if chains else None,
        staff=roles.is_park_staff,
    )


def supervision_counts(user, roles: HeldRoles, *, now: datetime) -> dict[str, BoundedCount]:
    """The open and overdue needs in the viewer's scope as bounded counts ("10,000+"), both in one
    query: a province-wide COUNT of open needs on every visit would read hundreds of thousands of
    rows. Each count filters every branch of the scope (a chief's: their chains' needs on the
    (chain, status) index) instead of joining all of their needs against the table; only an open
    need runs late, so its status picks the index and the deadlines filter rows."""
    open_needs = Q(status__in=NEED_OPEN_STATUSES)
    return bounded_counts(
        {
            "open": visible_needs_to_count(user, open_needs, roles=roles),
            "overdue": visible_needs_to_count(user, open_needs, check=overdue_q(now), roles=roles),
        }
    )


def merge_candidates(visible: QuerySet[Need], need: Need, *, limit: int = 20) -> QuerySet[Need]:
    """The needs `need` may be merged into: the same firm's, visible to the viewer, not merged,
    rejected or a draft; newest first."""
    return (
        visible.filter(enterprise_id=need.enterprise_id)
        .exclude(pk=need.pk)
        .exclude(status__in=[NeedStatus.MERGED, NeedStatus.REJECTED, NeedStatus.DRAFT])
        .only("pk", "number", "title")
        .order_by("-created_at")[:limit]
    )
