"""Who a signed-in person is in the alliance. Roles come from relations, never from a field."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from alliance.core.models import Notification
from alliance.core.staff import PARK_STAFF_GROUP, is_park_staff
from alliance.core.viewer import NavbarFacts, request_is_park_staff, request_navbar_facts
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


@cache
def _facts_sql() -> str:
    """One statement of scalar subqueries, written once from the models' tables and columns.

    Hand-written because it runs on every page: the ORM spends longer compiling its six
    subqueries than the database spends answering them (docs/benchmarks.md, "Paying back")."""
    quote = connection.ops.quote_name

    # Table and column names come from the models; every value is a parameter.
    def table(model) -> str:
        return quote(model._meta.db_table)

    def column(model, name: str) -> str:
        return quote(model._meta.get_field(name).column)

    def exists(model, name: str) -> str:
        return f"EXISTS(SELECT 1 FROM {table(model)} WHERE {column(model, name)} = %s)"  # noqa: S608

    members, group = get_user_model().groups.through, Group
    unread = (
        f"(SELECT COUNT(*) FROM {table(Notification)}"  # noqa: S608
        f" WHERE {column(Notification, 'recipient')} = %s"
        f" AND {column(Notification, 'read_at')} IS NULL)"
    )
    in_staff_group = (
        f"EXISTS(SELECT 1 FROM {table(members)} m INNER JOIN {table(group)} g"  # noqa: S608
        f" ON (m.{column(members, 'group')} = g.{column(group, 'id')})"
        f" WHERE m.{column(members, 'user')} = %s AND g.{column(group, 'name')} = %s)"
    )
    return ", ".join(
        [
            f"SELECT {unread}",
            in_staff_group,
            exists(IndustryChain, "chief"),
            exists(Department, "head"),
            exists(EnterpriseContact, "user"),
            f"(SELECT {column(Liaison, 'id')} FROM {table(Liaison)}"  # noqa: S608
            f" WHERE {column(Liaison, 'user')} = %s)",  # one at most: a one-to-one field
        ]
    )


def navbar_facts(user) -> NavbarFacts:
    """The bell's unread count and the person's roles in ONE query.

    The roles mirror `is_park_staff`, chain chiefs (`IndustryChain.chief`), department heads
    (`Department.head`), enterprise contacts and liaisons, each an EXISTS next to the COUNT.
    """
    if not (user.is_authenticated and user.is_active):
        return NavbarFacts()
    pk = user.pk
    with connection.cursor() as cursor:
        cursor.execute(_facts_sql(), [pk, pk, PARK_STAFF_GROUP, pk, pk, pk, pk])
        unread, in_staff_group, chairs, heads, secretary, liaison_id = cursor.fetchone()
    return NavbarFacts(
        unread=unread,
        is_park_staff=user.is_superuser or (user.is_staff and bool(in_staff_group)),
        chairs_chain=bool(chairs),
        heads_department=bool(heads),
        is_secretary=bool(secretary),
        is_liaison=liaison_id is not None,
        liaison_id=liaison_id,
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
