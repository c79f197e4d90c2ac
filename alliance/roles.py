"""Who a signed-in person is in the alliance. Roles come from relations, never from a field."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import (
    Count,
    Exists,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
)
from django.utils import timezone

from alliance.models import Notification
from alliance.staff import PARK_STAFF_GROUP, is_park_staff
from alliance.viewer import NavbarFacts, request_is_park_staff, request_navbar_facts
from chains.models import IndustryChain
from enterprises.models import ChainMembership, EnterpriseContact, PartyOrganization
from liaisons.models import Department, Liaison, LiaisonAssignment, TaskForceMembership

__all__ = [
    "PARK_STAFF_GROUP",
    "AllianceProfile",
    "NavbarFacts",
    "is_park_staff",
    "request_is_park_staff",
    "request_navbar_facts",
]


def navbar_facts(user) -> NavbarFacts:
    """The bell's unread count and the person's roles in ONE query: the person's row with a
    subquery each (their count does not depend on how many rows the roles reach).

    The roles mirror `is_park_staff`, chain chiefs (`IndustryChain.chief`), department heads
    (`Department.head`), enterprise contacts and liaisons.
    """
    if not (user.is_authenticated and user.is_active):
        return NavbarFacts()
    person = OuterRef("pk")
    facts = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .values(
            unread=Subquery(
                Notification.objects.filter(recipient=person, read_at=None)
                .order_by()
                # COUNT as a plain function, not an aggregate: no GROUP BY, one row.
                .values(count=Func("pk", function="COUNT")),
                output_field=IntegerField(),
            ),
            in_staff_group=Exists(Group.objects.filter(user=person, name=PARK_STAFF_GROUP)),
            chairs_chain=Exists(IndustryChain.objects.filter(chief=person)),
            heads_department=Exists(Department.objects.filter(head=person)),
            is_secretary=Exists(EnterpriseContact.objects.filter(user=person)),
            # One at most: `Liaison.user` is a one-to-one field.
            liaison_id=Subquery(Liaison.objects.filter(user=person).values("pk")),
        )
        .first()
    )
    if facts is None:  # the account was deleted during the request
        return NavbarFacts()
    return NavbarFacts(
        unread=facts["unread"],
        is_park_staff=user.is_superuser or (user.is_staff and facts["in_staff_group"]),
        chairs_chain=facts["chairs_chain"],
        heads_department=facts["heads_department"],
        is_secretary=facts["is_secretary"],
        is_liaison=facts["liaison_id"] is not None,
        liaison_id=facts["liaison_id"],
    )


@dataclass
class AllianceProfile:
    is_park_staff: bool = False
    # Each contact's enterprise carries `memberships` (with chains), `party_organizations` and
    # `primary_assignments` (its active primary liaison, at most one) prefetched.
    contacts: list[EnterpriseContact] = field(default_factory=list)
    liaison: Liaison | None = None
    assignments: list[LiaisonAssignment] = field(default_factory=list)
    task_forces: list[TaskForceMembership] = field(default_factory=list)
    # Annotated with `member_count`.
    chaired_chains: list[IndustryChain] = field(default_factory=list)
    # Annotated with `active_liaison_count`.
    headed_departments: list[Department] = field(default_factory=list)

    @property
    def is_secretary(self) -> bool:
        return bool(self.contacts)

    @property
    def has_role(self) -> bool:
        return bool(
            self.is_park_staff
            or self.contacts
            or self.liaison
            or self.chaired_chains
            or self.headed_departments
        )


def _active_assignment(today) -> Q:
    return Q(until__isnull=True) | Q(until__gte=today)


def alliance_profile(user, *, today=None) -> AllianceProfile:
    """Everything the home page says about a person, in a fixed number of queries.

    The count depends on which roles the person holds, never on how many firms, chains or
    party organizations those roles reach.
    """
    if not user.is_authenticated:
        return AllianceProfile()
    today = today or timezone.localdate()
    active = _active_assignment(today)
    contacts = list(
        EnterpriseContact.objects.filter(user=user)
        .select_related("enterprise")
        .order_by("enterprise__name")
        .prefetch_related(
            Prefetch(
                "enterprise__memberships",
                queryset=ChainMembership.objects.select_related("chain").order_by(
                    "chain__order", "chain__code"
                ),
            ),
            Prefetch(
                "enterprise__party_organizations",
                queryset=PartyOrganization.objects.order_by("name"),
            ),
            Prefetch(
                "enterprise__liaison_assignments",
                queryset=LiaisonAssignment.objects.filter(active, is_primary=True).select_related(
                    "liaison__user", "liaison__department"
                ),
                to_attr="primary_assignments",
            ),
        )
    )
    liaison = Liaison.objects.select_related("department").filter(user=user).first()
    assignments: list[LiaisonAssignment] = []
    task_forces: list[TaskForceMembership] = []
    if liaison is not None:
        assignments = list(
            LiaisonAssignment.objects.filter(active, liaison=liaison)
            .select_related("enterprise", "enterprise__primary_chain")
            .order_by("-is_primary", "enterprise__name")
        )
        task_forces = list(
            TaskForceMembership.objects.filter(liaison=liaison)
            .select_related("chain")
            .order_by("chain__order", "chain__code")
        )
    return AllianceProfile(
        is_park_staff=is_park_staff(user),
        contacts=contacts,
        liaison=liaison,
        assignments=assignments,
        task_forces=task_forces,
        chaired_chains=list(
            IndustryChain.objects.filter(chief=user).annotate(
                member_count=Count("memberships", distinct=True)
            )
        ),
        headed_departments=list(
            Department.objects.filter(head=user).annotate(
                active_liaison_count=Count(
                    "liaisons", filter=Q(liaisons__is_active=True), distinct=True
                )
            )
        ),
    )
