"""Who may see a need, and in which capacity: the one place the needs pages scope from.

Every list starts from `needs_visible_to(user)`; every detail and action page gets its need
through `get_need_for_user`, so an id outside the user's scope answers 404 (never 403 with
details), and a role that may see a need but not act on it gets the same 404 on the action.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from alliance.core.staff import is_park_staff
from alliance.core.viewer import request_is_park_staff, request_navbar_facts
from enterprises.models import Enterprise, EnterpriseContact
from liaisons.models import Liaison, Need
from liaisons.needs.selectors import needs_visible_to
from liaisons.needs.workflow import LIAISON as LIAISON  # the roles' names, for the views
from liaisons.needs.workflow import OVERSEER as OVERSEER
from liaisons.needs.workflow import SECRETARY as SECRETARY
from liaisons.needs.workflow import STAFF as STAFF


@dataclass(frozen=True)
class NeedAccess:
    """The capacities in which one user deals with one need (a person may hold several); one
    field per role of the workflow table, named as the role."""

    secretary: bool = False
    liaison: bool = False
    staff: bool = False
    overseer: bool = False

    def has_any(self, roles: Collection[str]) -> bool:
        return any(getattr(self, role) for role in roles)

    @property
    def enterprise_view(self) -> bool:
        """Sees what the firm sees: public timeline entries and public attachments only."""
        return not (self.liaison or self.staff or self.overseer)

    @property
    def note_visibility(self) -> bool | None:
        """Forced visibility of a note this user adds, or None when they may choose."""
        if self.liaison or self.staff:
            return None
        # Chiefs and department heads write internal notes only; the firm's are public.
        return not self.overseer


def visible_needs(request: HttpRequest) -> QuerySet[Need]:
    """`needs_visible_to(request.user)`, built once per request from the request's one facts
    query (the roles held, shared with the navbar); every list, count and lookup of the request
    filters this one queryset."""
    visible = getattr(request, "_visible_needs", None)
    if visible is None:
        visible = request._visible_needs = needs_visible_to(
            request.user, roles=request_navbar_facts(request)
        )
    return visible


def need_detail_queryset(visible: QuerySet[Need]) -> QuerySet[Need]:
    return visible.select_related(
        "enterprise",
        "chain",
        "liaison__user",
        "liaison__department",
        "department",
        "submitted_by",
        "merged_into",
    )


def access_for(user, need: Need, *, staff: bool | None = None) -> NeedAccess:
    """Two small queries at most (park staff group unless `staff` is given, the firm's
    contacts); the rest comes with the need. The same relations as the services check."""
    return NeedAccess(
        secretary=EnterpriseContact.objects.filter(
            user=user, enterprise_id=need.enterprise_id
        ).exists(),
        liaison=need.liaison_id is not None and need.liaison.user_id == user.pk,
        staff=is_park_staff(user) if staff is None else staff,
        overseer=(need.department_id is not None and need.department.head_id == user.pk)
        or (need.chain_id is not None and need.chain.chief_id == user.pk),
    )


def get_need_for_user(request: HttpRequest, pk: int) -> tuple[Need, NeedAccess]:
    need = need_detail_queryset(visible_needs(request)).filter(pk=pk).first()
    if need is None:
        raise Http404
    return need, access_for(request.user, need, staff=request_is_park_staff(request))


def require(access: NeedAccess, roles: tuple[str, ...]) -> None:
    if not access.has_any(roles):
        raise Http404


def enterprises_of(user) -> QuerySet[Enterprise]:
    return Enterprise.objects.filter(contacts__user=user).order_by("name").distinct()


def liaison_of(user) -> Liaison | None:
    if not user.is_authenticated:
        return None
    return Liaison.objects.select_related("department").filter(user=user).first()
