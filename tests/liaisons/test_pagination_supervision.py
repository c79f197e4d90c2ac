"""The supervision page at ×100: its counts filter every branch of the user's scope
(`needs_visible_to(where=…)`, `count_visible_needs`) instead of joining all of a chief's needs
against the table. The scope stays one function: these tests prove the rows are the same as
`needs_visible_to(user).filter(…)` for every combination of roles."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import combinations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alliance.core.models import User
from alliance.roles import navbar_facts
from liaisons.models import NEED_OPEN_STATUSES, EscalationLevel, NeedEscalation, NeedStatus
from liaisons.needs.clock import overdue_q
from liaisons.needs.selectors import count_visible_needs, needs_visible_to
from tests import factories
from tests.liaisons.conftest import World, make_need

TODAY = date(2026, 11, 9)
ROLES = ("S", "L", "C", "H")
# Every subset of the four roles one person may hold, from none to all four.
COMBINATIONS = [c for n in range(len(ROLES) + 1) for c in combinations(ROLES, n)]


def _needs(world: World) -> None:
    """Needs in every status on both sides, some late, drafts, and needs of another side's
    liaison, so each branch of the scope has rows in and out of every filter."""
    now = timezone.now()
    for firm, liaison, other in (
        (world.enterprise1, world.liaison1, world.liaison2),
        (world.enterprise2, world.liaison2, world.liaison1),
    ):
        make_need(enterprise=firm, status=NeedStatus.DRAFT)
        make_need(enterprise=firm, status=NeedStatus.SUBMITTED)  # accept_due passed: late
        make_need(enterprise=firm, status=NeedStatus.SUBMITTED, accept_due=now + timedelta(days=1))
        make_need(enterprise=firm, status=NeedStatus.ACCEPTED)
        make_need(enterprise=firm, status=NeedStatus.DISPATCHED, liaison=liaison)
        make_need(enterprise=firm, status=NeedStatus.IN_PROGRESS, liaison=liaison)
        make_need(
            enterprise=firm,
            status=NeedStatus.IN_PROGRESS,
            liaison=other,  # helps a firm not assigned to them
            resolve_due=now - timedelta(hours=3),
        )
        make_need(enterprise=firm, status=NeedStatus.WAITING_ENTERPRISE, liaison=liaison)
        make_need(
            enterprise=firm,
            status=NeedStatus.LONG_TERM,
            liaison=liaison,
            milestone_due=now - timedelta(days=1),
        )
        make_need(enterprise=firm, status=NeedStatus.REPLIED, liaison=liaison)
        make_need(enterprise=firm, status=NeedStatus.CLOSED, liaison=liaison)
        make_need(enterprise=firm, status=NeedStatus.REJECTED)


def _person(world: World, roles: tuple[str, ...]) -> User:
    """A fresh user holding `roles` on side 1 (the chief of chain 1 and head of department 1),
    as a liaison of department 2 assigned to firm 1, once in the past and now."""
    user = factories.UserFactory(username="multi-" + ("".join(roles) or "none"))
    if "S" in roles:
        factories.EnterpriseContactFactory(user=user, enterprise=world.enterprise1)
    if "L" in roles:
        liaison = factories.LiaisonFactory(user=user, department=world.department2)
        factories.LiaisonAssignmentFactory(
            liaison=liaison, enterprise=world.enterprise2, since=date(2025, 1, 1), until=TODAY
        )
        factories.LiaisonAssignmentFactory(
            liaison=liaison,
            enterprise=world.enterprise1,
            is_primary=False,
            since=date(2024, 1, 1),
            until=date(2025, 6, 30),  # over: firm 1's needs are no longer theirs
        )
        make_need(enterprise=world.enterprise1, status=NeedStatus.DISPATCHED, liaison=liaison)
    if "C" in roles:
        world.chain1.chief = user
        world.chain1.save(update_fields=["chief"])
    if "H" in roles:
        world.department1.head = user
        world.department1.save(update_fields=["head"])
    return user


def _filters(now) -> list[tuple[Q, Q | None]]:
    """(where, check) pairs: nothing, open (the page's first count), overdue (its second), drafts
    (only the firm's own contacts see them) and a check alone."""
    return [
        (Q(), None),
        (Q(status__in=NEED_OPEN_STATUSES), None),
        (Q(status__in=NEED_OPEN_STATUSES), overdue_q(now)),
        (Q(status=NeedStatus.DRAFT), None),
        (Q(), overdue_q(now)),
    ]


def _assert_same_rows(user, now) -> None:
    """The pushed filters, the count and the scope built from the person's held roles (a page's
    facts query: only the branches of the roles held) all give the reference rows."""
    reference = needs_visible_to(user, today=TODAY)
    roles = navbar_facts(user)
    for where, check in _filters(now):
        expected = set(reference.filter(where, check or Q()).values_list("pk", flat=True))
        pushed = needs_visible_to(user, today=TODAY, where=where & (check or Q()))
        assert set(pushed.values_list("pk", flat=True)) == expected, (where, check)
        pruned = needs_visible_to(user, today=TODAY, roles=roles).filter(where, check or Q())
        assert set(pruned.values_list("pk", flat=True)) == expected, (where, check, roles)
        counted = count_visible_needs(user, where, check=check, today=TODAY)
        assert (counted.value, counted.capped) == (len(expected), False), (where, check)
        counted = count_visible_needs(user, where, check=check, today=TODAY, roles=roles)
        assert (counted.value, counted.capped) == (len(expected), False), (where, check, roles)


@pytest.mark.parametrize("roles", COMBINATIONS, ids=lambda c: "".join(c) or "none")
def test_pushed_filters_give_the_rows_of_the_scope_for_every_role_combination(world, roles):
    _needs(world)
    user = _person(world, roles)
    _assert_same_rows(user, timezone.now())


@pytest.mark.parametrize("role", ["staff", "S1", "L1", "C1", "H1", "S2", "L2", "C2", "H2"])
def test_pushed_filters_give_the_rows_of_the_scope_for_the_world_roles(world, role):
    _needs(world)
    _assert_same_rows(world.users[role], timezone.now())


def test_park_staff_who_is_also_a_secretary_sees_the_firms_drafts(world):
    _needs(world)
    staff = world.users["staff"]
    factories.EnterpriseContactFactory(user=staff, enterprise=world.enterprise2)
    now = timezone.now()
    _assert_same_rows(staff, now)
    drafts = count_visible_needs(staff, Q(status=NeedStatus.DRAFT), today=TODAY)
    assert drafts.value == 1


def test_nobody_counts_nothing(world, django_assert_num_queries):
    _needs(world)
    inactive = factories.UserFactory(username="gone", is_active=False)
    world.chain1.chief = inactive
    world.chain1.save(update_fields=["chief"])
    for user in (AnonymousUser(), inactive, world.users["outsider"]):
        with django_assert_num_queries(0 if user is not world.users["outsider"] else 1):
            count = count_visible_needs(user, Q(), today=TODAY)
        assert (count.value, count.capped) == (0, False)
        assert not needs_visible_to(user, where=Q(status=NeedStatus.DRAFT)).exists()


def test_the_count_stops_at_the_cap(world):
    _needs(world)
    count = count_visible_needs(world.users["C1"], Q(status__in=NEED_OPEN_STATUSES), cap=3)
    assert (count.value, count.capped) == (3, True)
    count = count_visible_needs(world.users["staff"], Q(), cap=3, staff=True)
    assert (count.value, count.capped) == (3, True)


def test_one_query_per_count_without_an_id_lookup(world, django_assert_num_queries):
    """The count is the UNION's own: no `id IN (…)` join of the user's needs with the table,
    and the deadline check is a CASE (a filter, not an index condition)."""
    _needs(world)
    with CaptureQueriesContext(connection) as captured:
        count = count_visible_needs(
            world.users["C1"],
            Q(status__in=NEED_OPEN_STATUSES),
            check=overdue_q(timezone.now()),
            staff=False,
        )
    assert count.value == 3  # firm 1: the late submission, the late in-progress, the milestone
    (sql,) = [q["sql"] for q in captured.captured_queries]
    assert "UNION" in sql and "LIMIT 10001" in sql
    assert '"liaisons_need"."id" IN' not in sql
    assert "CASE WHEN" in sql


def test_supervision_counts_match_the_needs_list(client, world):
    """The badges of the page are the numbers of the needs list behind their links."""
    _needs(world)
    for role in ("C1", "H2", "staff"):
        user = world.users[role]
        client.force_login(user)
        counts = client.get(reverse("liaisons:need-supervision")).context["counts"]
        visible = needs_visible_to(user)
        now = timezone.now()
        assert counts["open"].value == visible.filter(status__in=NEED_OPEN_STATUSES).count()
        assert counts["overdue"].value == visible.filter(overdue_q(now)).count()
        assert counts["overdue"].value > 0


def test_supervision_badges_read_in_chinese(client, world):
    _needs(world)
    client.force_login(world.users["C1"])
    body = client.get(reverse("liaisons:need-supervision")).content.decode()
    # Firm 1 (chain 1): eight open needs (the paused one too), three of them late.
    assert "在办需求8件" in body
    assert "已超期3件" in body


def test_the_chief_sees_the_supervision_of_their_chain_only(client, world):
    _needs(world)
    late = make_need(
        enterprise=world.enterprise2, status=NeedStatus.IN_PROGRESS, liaison=world.liaison2
    )
    NeedEscalation.objects.create(
        need=late, level=EscalationLevel.SUPERVISE, due_at=late.resolve_due
    )
    client.force_login(world.users["C1"])
    response = client.get(reverse("liaisons:need-supervision"))
    assert list(response.context["page"]) == []
    client.force_login(world.users["C2"])
    response = client.get(reverse("liaisons:need-supervision"))
    assert [e.need_id for e in response.context["page"]] == [late.pk]
