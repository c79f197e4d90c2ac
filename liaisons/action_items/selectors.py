"""Who sees which action item: `action_items_visible_to` is the one scoping function."""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet
from django.utils import timezone

from alliance.core.staff import is_park_staff
from enterprises.models import EnterpriseContact
from liaisons.models import ActionItem, ActionItemParticipant, Liaison, LiaisonAssignment


def action_items_visible_to(
    user, *, staff: bool | None = None, today: date | None = None
) -> QuerySet[ActionItem]:
    """Every action item `user` may see, and no other; every action items page starts here.

    - park staff: all items;
    - the owner: their own;
    - a chain chief: the items of the chain(s) they chair;
    - a liaison: the items their actively assigned firms take part in;
    - an enterprise's contact (secretary): the items their firm takes part in (read only);
    - a department head: the items owned by the department's liaisons;
    - anybody else: none.
    One SQL statement of subqueries (no DISTINCT needed); the only other query is the staff check
    (skipped when the caller already knows it: `staff`).
    """
    if not (user.is_authenticated and user.is_active):
        return ActionItem.objects.none()
    if is_park_staff(user) if staff is None else staff:
        return ActionItem.objects.all()
    today = today or timezone.localdate()
    active = Q(until__isnull=True) | Q(until__gte=today)
    firms = Q(enterprise__in=EnterpriseContact.objects.filter(user=user).values("enterprise")) | Q(
        enterprise__in=LiaisonAssignment.objects.filter(active, liaison__user=user).values(
            "enterprise"
        )
    )
    chaired = ActionItem.chains.through.objects.filter(industrychain__chief=user).values(
        "actionitem"
    )
    return ActionItem.objects.filter(
        Q(owner=user)
        | Q(pk__in=chaired)
        | Q(pk__in=ActionItemParticipant.objects.filter(firms).values("action_item"))
        | Q(owner__in=Liaison.objects.filter(department__head=user).values("user"))
    )
