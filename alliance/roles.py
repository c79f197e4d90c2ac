"""Who a signed-in person is in the alliance. Roles come from relations, never from a field."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch, Q
from django.utils import timezone

from chains.models import IndustryChain
from enterprises.models import ChainMembership, Enterprise, EnterpriseContact
from liaisons.models import Department, Liaison, LiaisonAssignment

PARK_STAFF_GROUP = "park_staff"


def is_park_staff(user) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return user.is_staff and user.groups.filter(name=PARK_STAFF_GROUP).exists()


@dataclass
class AllianceProfile:
    is_park_staff: bool = False
    contacts: list[EnterpriseContact] = field(default_factory=list)
    liaison: Liaison | None = None
    assignments: list[LiaisonAssignment] = field(default_factory=list)
    chaired_chains: list[IndustryChain] = field(default_factory=list)
    headed_departments: list[Department] = field(default_factory=list)

    @property
    def has_role(self) -> bool:
        return bool(
            self.is_park_staff
            or self.contacts
            or self.liaison
            or self.chaired_chains
            or self.headed_departments
        )


def alliance_profile(user) -> AllianceProfile:
    """Everything the home page says about a person, in a fixed number of queries."""
    if not user.is_authenticated:
        return AllianceProfile()
    memberships = Prefetch(
        "enterprise__memberships", queryset=ChainMembership.objects.select_related("chain")
    )
    today = timezone.localdate()
    active = Q(until__isnull=True) | Q(until__gte=today)
    liaison = Liaison.objects.select_related("department").filter(user=user).first()
    assignments = []
    if liaison is not None:
        assignments = list(
            LiaisonAssignment.objects.filter(active, liaison=liaison)
            .select_related("enterprise", "enterprise__primary_chain")
            .order_by("-is_primary", "enterprise__name")
        )
    return AllianceProfile(
        is_park_staff=is_park_staff(user),
        contacts=list(
            EnterpriseContact.objects.filter(user=user)
            .select_related("enterprise")
            .prefetch_related(memberships, "enterprise__party_organizations")
        ),
        liaison=liaison,
        assignments=assignments,
        chaired_chains=list(IndustryChain.objects.filter(chief=user)),
        headed_departments=list(Department.objects.filter(head=user)),
    )


def enterprises_of(user) -> list[Enterprise]:
    return [contact.enterprise for contact in alliance_profile(user).contacts]
