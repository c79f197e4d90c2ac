"""Reads shared by the needs pages. `needs_visible_to` is the one scoping function for needs."""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet
from django.utils import timezone

from alliance.roles import is_park_staff
from chains.models import IndustryChain
from enterprises.models import EnterpriseContact
from liaisons.models import Department, Liaison, LiaisonAssignment, Need, NeedStatus


def needs_visible_to(user, *, today: date | None = None) -> QuerySet[Need]:
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
    only query made here is the park-staff group check.
    """
    if not (user.is_authenticated and user.is_active):
        return Need.objects.none()
    today = today or timezone.localdate()
    own_enterprise = Q(
        enterprise__in=EnterpriseContact.objects.filter(user=user).values("enterprise")
    )
    if is_park_staff(user):
        others = Q()
    else:
        active = Q(until__isnull=True) | Q(until__gte=today)
        others = (
            Q(liaison__in=Liaison.objects.filter(user=user).values("pk"))
            | Q(
                enterprise__in=LiaisonAssignment.objects.filter(active, liaison__user=user).values(
                    "enterprise"
                )
            )
            | Q(department__in=Department.objects.filter(head=user).values("pk"))
            | Q(chain__in=IndustryChain.objects.filter(chief=user).values("pk"))
        )
    return Need.objects.filter(own_enterprise | (~Q(status=NeedStatus.DRAFT) & others))
