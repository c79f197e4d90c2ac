"""needs_visible_to: the one scoping function for needs, role by role."""

import importlib
from dataclasses import dataclass
from datetime import date

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from alliance.core.models import User
from liaisons.models import (
    NEED_OPEN_STATUSES,
    EscalationLevel,
    Liaison,
    Need,
    NeedEscalation,
    NeedStatus,
)
from liaisons.needs.selectors import escalations_addressed, liaison_queue, needs_visible_to
from tests import factories
from tests.liaisons.conftest import make_need

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 9)


@dataclass
class Scene:
    people: dict[str, User]
    needs: dict[str, Need]


@pytest.fixture
def scene(db) -> Scene:
    """Two chains, a firm in each, two departments, their liaisons, chiefs and heads."""
    people = {
        name: factories.UserFactory(username=name)
        for name in ("s1", "s2", "l1", "l2", "c1", "c2", "h1", "h2", "outsider")
    }
    people["staff"] = factories.StaffFactory(username="staff")
    chain_a = factories.IndustryChainFactory(code="nev", chief=people["c1"])
    chain_b = factories.IndustryChainFactory(code="robotics", chief=people["c2"])
    e1 = factories.EnterpriseFactory(primary_chain=chain_a)
    e2 = factories.EnterpriseFactory(primary_chain=chain_b)
    factories.EnterpriseContactFactory(user=people["s1"], enterprise=e1)
    factories.EnterpriseContactFactory(user=people["s2"], enterprise=e2)
    d1 = factories.DepartmentFactory(name="科学技术局", head=people["h1"])
    d2 = factories.DepartmentFactory(name="人力资源和社会保障局", head=people["h2"])
    l1 = factories.LiaisonFactory(user=people["l1"], department=d1)
    l2 = factories.LiaisonFactory(user=people["l2"], department=d2)
    factories.LiaisonAssignmentFactory(liaison=l1, enterprise=e1, since=date(2026, 1, 1))
    # L2 served E1 until the summer: that firm's needs are no longer theirs to see.
    factories.LiaisonAssignmentFactory(
        liaison=l2, enterprise=e1, is_primary=False, since=date(2025, 1, 1), until=date(2026, 6, 30)
    )

    def need(name, enterprise, status, liaison=None):
        return factories.NeedFactory(
            title=name,
            enterprise=enterprise,
            status=status,
            liaison=liaison,
            department=liaison.department if liaison else None,
            submitted_at=None if status == NeedStatus.DRAFT else timezone.now(),
        )

    needs = {
        "n1": need("n1", e1, NeedStatus.SUBMITTED),
        "n2": need("n2", e1, NeedStatus.IN_PROGRESS, l1),
        "n3": need("n3", e2, NeedStatus.IN_PROGRESS, l1),  # L1 helps a firm not assigned to them
        "n4": need("n4", e2, NeedStatus.DISPATCHED, l2),
        "d1": need("d1", e1, NeedStatus.DRAFT),
        "d2": need("d2", e2, NeedStatus.DRAFT),
    }
    return Scene(people=people, needs=needs)


def visible(user) -> set[str]:
    return set(needs_visible_to(user, today=TODAY).values_list("title", flat=True))


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("staff", {"n1", "n2", "n3", "n4"}),
        ("s1", {"n1", "n2", "d1"}),
        ("s2", {"n3", "n4", "d2"}),
        ("l1", {"n1", "n2", "n3"}),
        ("l2", {"n4"}),
        ("h1", {"n2", "n3"}),
        ("h2", {"n4"}),
        ("c1", {"n1", "n2"}),
        ("c2", {"n3", "n4"}),
        ("outsider", set()),
    ],
)
def test_each_role_sees_its_needs_and_no_draft_of_others(scene, who, expected):
    assert visible(scene.people[who]) == expected


def test_anonymous_and_inactive_people_see_nothing(scene):
    assert visible(AnonymousUser()) == set()
    for name in ("staff", "s1", "l1"):
        user = scene.people[name]
        user.is_active = False
        user.save()
        assert visible(user) == set()


def test_staff_without_the_group_are_not_park_staff(scene):
    operator = factories.UserFactory(username="operator", is_staff=True)
    assert visible(operator) == set()


def test_a_staff_member_who_is_also_a_secretary_sees_that_firms_drafts(scene):
    staff = scene.people["staff"]
    factories.EnterpriseContactFactory(user=staff, enterprise=scene.needs["d1"].enterprise)
    assert visible(staff) == {"n1", "n2", "n3", "n4", "d1"}


def test_several_relations_add_up_without_duplicates(scene):
    # L1 also heads the other department and chairs the other chain.
    l1 = scene.people["l1"]
    scene.needs["n4"].department.head = l1
    scene.needs["n4"].department.save()
    scene.needs["n4"].chain.chief = l1
    scene.needs["n4"].chain.save()
    titles = list(needs_visible_to(l1, today=TODAY).values_list("title", flat=True))
    assert sorted(titles) == ["n1", "n2", "n3", "n4"]


def test_a_liaisons_queue_is_their_scope_s_open_needs_dispatched_to_them(scene):
    """`liaison_queue` skips the scope's UNION: it must hold exactly what the scope gives."""
    l1, l2 = (Liaison.objects.get(user=scene.people[name]) for name in ("l1", "l2"))
    for status in NeedStatus.values:  # every status, on an assigned and an unassigned firm
        for enterprise in (scene.needs["n1"].enterprise, scene.needs["n4"].enterprise):
            need = make_need(enterprise=enterprise, status=status, liaison=l1)
            if need.liaison_id is None:  # a need not yet dispatched, with a liaison all the same
                Need.objects.filter(pk=need.pk).update(liaison=l1)
    for liaison in (l1, l2):
        scoped = needs_visible_to(liaison.user, today=TODAY).filter(
            liaison=liaison, status__in=NEED_OPEN_STATUSES
        )
        queue = set(liaison_queue(liaison).values_list("pk", flat=True))
        assert queue == set(scoped.values_list("pk", flat=True))
        assert Need.objects.filter(pk__in=queue, status=NeedStatus.DRAFT).count() == 0
    assert liaison_queue(l1).count() == 2 * len(NEED_OPEN_STATUSES) + 2  # with n2 and n3


@pytest.mark.parametrize("who", ["staff", "h1", "h2", "c1", "c2", "l1", "s1", "outsider"])
def test_the_escalations_addressed_to_a_person_are_within_their_scope(scene, who):
    """`escalations_addressed` does not join the scope again: it must give exactly the
    escalations addressed to the person whose need the person may see."""
    for need in scene.needs.values():  # every level on every need, drafts included
        for level in (EscalationLevel.AMBER, EscalationLevel.URGE, EscalationLevel.SUPERVISE):
            NeedEscalation.objects.create(need=need, level=level, due_at=timezone.now())
    user = scene.people[who]
    departments = list(user.headed_departments.values_list("pk", flat=True))
    chains = list(user.chaired_chains.values_list("pk", flat=True))
    staff = who == "staff"
    addressed = escalations_addressed(departments=departments, chains=chains, staff=staff)
    expected = NeedEscalation.objects.filter(
        need__in=needs_visible_to(user, today=TODAY),
        pk__in=[
            escalation.pk
            for escalation in NeedEscalation.objects.select_related("need")
            if (
                escalation.level == EscalationLevel.URGE
                and escalation.need.department_id in departments
            )
            or (
                escalation.level == EscalationLevel.SUPERVISE
                and (staff or escalation.need.chain_id in chains)
            )
        ],
    )
    assert set(addressed) == set(expected)
    assert not addressed.filter(need__status=NeedStatus.DRAFT).exists()
    if who in ("h1", "c1", "staff"):
        assert addressed.exists()


def test_an_escalation_is_addressed_as_its_need_stood_when_it_was_claimed(scene):
    """A 催办 records the need's department and chain; once the need is re-dispatched to another
    department, neither the former head (who may no longer open it) nor the new one (to whom
    it was never sent) finds it among their escalations."""
    n2 = scene.needs["n2"]  # L1's, department d1 (head h1), chain A (chief c1)
    urge = NeedEscalation.objects.create(need=n2, level=EscalationLevel.URGE, due_at=timezone.now())
    supervise = NeedEscalation.objects.create(
        need=n2, level=EscalationLevel.SUPERVISE, due_at=timezone.now()
    )
    assert (urge.department_id, urge.chain_id) == (n2.department_id, n2.chain_id)
    d1 = n2.department_id
    d2 = scene.people["h2"].headed_departments.get().pk
    chain_a = n2.chain_id
    assert list(escalations_addressed(departments=[d1])) == [urge]
    assert list(escalations_addressed(chains=[chain_a])) == [supervise]
    Need.objects.filter(pk=n2.pk).update(department=d2)
    assert not escalations_addressed(departments=[d1]).exists()
    assert not escalations_addressed(departments=[d2]).exists()
    assert list(escalations_addressed(chains=[chain_a])) == [supervise]  # chain unchanged


def test_escalations_claimed_before_are_addressed_by_the_migration(scene):
    """The migration that added the addressees fills them in from each need."""
    migration = importlib.import_module("liaisons.migrations.0007_escalation_addressees")
    needs = [scene.needs["n2"], scene.needs["n3"], scene.needs["n1"]]
    NeedEscalation.objects.bulk_create(  # no save(): as rows written before the columns
        NeedEscalation(need=need, level=EscalationLevel.URGE, due_at=timezone.now())
        for need in needs
    )
    assert not NeedEscalation.objects.filter(chain__isnull=False).exists()
    migration.address_existing(django_apps, None)
    for need in needs:
        rung = NeedEscalation.objects.get(need=need)
        assert (rung.chain_id, rung.department_id) == (need.chain_id, need.department_id)


def test_a_re_dispatched_need_leaves_the_former_liaison(scene):
    n3 = scene.needs["n3"]
    n3.liaison = factories.LiaisonFactory()
    n3.save()
    assert "n3" not in visible(scene.people["l1"])


@pytest.mark.parametrize("who", ["staff", "s1", "l1", "h1", "c1", "outsider"])
def test_one_query_to_list_whatever_the_number_of_needs(scene, who, django_assert_num_queries):
    user = scene.people[who]
    # Staff: the group check, then the list. Everyone else: the list only (roles are
    # subqueries of the same statement).
    expected = 2 if who == "staff" else 1
    with django_assert_num_queries(expected):
        list(needs_visible_to(user, today=TODAY))
    for i in range(30):
        factories.NeedFactory(
            title=f"more{i}",
            enterprise=scene.needs["n2"].enterprise,
            liaison=scene.needs["n2"].liaison,
            department=scene.needs["n2"].department,
        )
    with django_assert_num_queries(expected):
        rows = list(needs_visible_to(user, today=TODAY))
    assert len(rows) == len(visible(user))
