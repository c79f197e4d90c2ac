"""Role × URL × method: every needs page and action answers as permission_matrix.TABLE says, and a
refused request leaves the database exactly as it was. Plus CSRF on every mutating view and
extra POST fields (enterprise, liaison, status, submitted_by) that must be ignored."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, reverse

from liaisons.models import Need, NeedAttachment, NeedCategory, NeedEvent, NeedStatus, Urgency
from liaisons.needs import urls as liaison_urls
from tests import factories
from tests.liaisons.conftest import action_payload, make_need, pdf_bytes, snapshot
from tests.liaisons.permission_matrix import TABLE, cases

pytestmark = pytest.mark.django_db

NEED_FIELDS = {
    "category": NeedCategory.FINANCING,
    "urgency": Urgency.GREEN,
    "title": "设备更新贷款贴息",
    "description": "企业计划更新数控设备，申请贷款贴息。",
    "contact_name": "钱佳",
    "contact_phone": "13800001111",
}


@pytest.fixture
def targets(world):
    s1 = world.users["S1"]
    n1 = make_need(
        enterprise=world.enterprise1, status=NeedStatus.IN_PROGRESS, liaison=world.liaison1
    )
    make_need(enterprise=world.enterprise2, status=NeedStatus.IN_PROGRESS, liaison=world.liaison2)
    d1 = make_need(enterprise=world.enterprise1, status=NeedStatus.DRAFT, submitted_by=s1)
    # Another need of E1, so that a merge form is valid (the service then judges the move).
    m1 = make_need(enterprise=world.enterprise1, status=NeedStatus.SUBMITTED)
    attachments = {}
    for key, is_public in (("A1", True), ("A1i", False)):
        attachment = NeedAttachment(
            need=n1, original_name=f"{key}.pdf", size=100, uploaded_by=s1, is_public=is_public
        )
        attachment.file.save(f"{key}.pdf", ContentFile(pdf_bytes()), save=False)
        attachment.save()
        attachments[key] = attachment.pk
    return {
        "N1": n1.pk,
        "D1": d1.pk,
        "E1": world.enterprise1.pk,
        "merge_into": m1.number,
        "liaison": world.liaison1.pk,
        **attachments,
    }


def payload(name: str, targets: dict) -> dict:
    if name in ("need-create", "need-edit"):
        return {**NEED_FIELDS, "action": "draft"}
    return action_payload(name, liaison_pk=targets["liaison"], merge_into=targets["merge_into"])


def _url(name: str, target: str, targets: dict) -> str:
    if target == "-":
        return reverse(f"liaisons:{name}")
    if name == "liaison-firm-needs":
        return reverse(f"liaisons:{name}", kwargs={"enterprise_id": targets[target]})
    return reverse(f"liaisons:{name}", args=[targets[target]])


@pytest.mark.parametrize(
    ("name", "target", "method", "role", "expected"),
    cases(),
    ids=[f"{n}-{t}-{m}-{r}" for n, t, m, r, _ in cases()],
)
def test_matrix(client, world, targets, name, target, method, role, expected):
    if role != "anon":
        client.force_login(world.users[role])
    url = _url(name, target, targets)
    before = snapshot()
    response = client.get(url) if method == "GET" else client.post(url, payload(name, targets))
    assert response.status_code == expected, f"{role} {method} {url}"
    refused = expected in (404, 405) or role == "anon"
    if role == "anon":
        assert response["Location"].startswith("/accounts/login/?next=")
    if refused and method == "POST":
        assert snapshot() == before, f"{role} {method} {url} changed the database"
    if expected == 302 and role != "anon" and name != "need-create":
        assert response["Location"].startswith("/needs/")


def test_every_needs_url_is_in_the_matrix():
    names = {
        pattern.name for pattern in liaison_urls.urlpatterns if isinstance(pattern, URLPattern)
    }
    in_table = {line.split()[0] for line in TABLE.strip().splitlines()[1:]}
    assert names - in_table == set()


def test_listed_needs_all_open(client, world, targets):
    """A list never shows a need its reader cannot open (django-helpdesk #1413, #1423)."""
    for role in ("S1", "L1", "C1", "H1", "staff", "S2", "L2"):
        client.force_login(world.users[role])
        listed = client.get(reverse("liaisons:need-list")).context["page"].object_list
        assert listed, role
        for need in listed:
            assert client.get(reverse("liaisons:need-detail", args=[need.pk])).status_code == 200


# --- CSRF -------------------------------------------------------------------------------------

MUTATING = sorted(
    {
        (name, target)
        for name, target, method, _role, _code in cases()
        if method == "POST"
        and name not in {"need-list", "need-export", "need-queue", "need-inbox", "need-kpis"}
        and not name.startswith(("need-supervision", "liaison-", "attachment-"))
        and name != "need-detail"
    }
)


@pytest.mark.parametrize(("name", "target"), MUTATING, ids=[f"{n}-{t}" for n, t in MUTATING])
def test_csrf_token_is_required(world, targets, name, target):
    """Even the role allowed to act is refused (403) without the token, and nothing changes."""
    roles = {
        "need-create": "S1",
        "need-edit": "S1",
        "need-submit": "S1",
        "need-supply-info": "S1",
        "need-rate": "S1",
        "need-attach": "S1",
        "need-note": "S1",
    }
    staff_actions = {
        "need-accept",
        "need-dispatch",
        "need-reject",
        "need-merge",
        "need-decide-return",
        "need-decide-extension",
        "need-return-visit",
        "need-reopen",
    }
    role = roles.get(name) or ("staff" if name in staff_actions else "L1")
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users[role])
    before = snapshot()
    response = client.post(_url(name, target, targets), payload(name, targets))
    assert response.status_code == 403
    assert snapshot() == before


def test_csrf_list_covers_every_action():
    actions = {name for name, _target in MUTATING}
    assert {"need-create", "need-edit", "need-submit", "need-note", "need-attach"} <= actions
    assert len(actions) == 23  # create, edit and the 21 moves


# --- Extra POST fields -----------------------------------------------------------------------


def test_create_ignores_enterprise_status_liaison_and_submitter(client, world):
    s1 = world.users["S1"]
    client.force_login(s1)
    response = client.post(
        reverse("liaisons:need-create"),
        {
            **NEED_FIELDS,
            "action": "draft",
            "enterprise": world.enterprise2.pk,
            "status": NeedStatus.CLOSED,
            "liaison": world.liaison2.pk,
            "submitted_by": world.users["S2"].pk,
            "department": world.department2.pk,
        },
    )
    assert response.status_code == 302
    need = Need.objects.get(title=NEED_FIELDS["title"])
    assert need.enterprise == world.enterprise1
    assert need.status == NeedStatus.DRAFT
    assert need.liaison is None
    assert need.department is None
    assert need.submitted_by == s1


def test_secretary_of_two_firms_cannot_pick_a_third(client, world):
    s1 = world.users["S1"]
    second = factories.EnterpriseFactory(name="常州第二家公司", primary_chain=world.chain1)
    factories.EnterpriseContactFactory(user=s1, enterprise=second)
    client.force_login(s1)
    response = client.post(
        reverse("liaisons:need-create"),
        {**NEED_FIELDS, "action": "draft", "enterprise": world.enterprise2.pk},
    )
    assert response.status_code == 200
    assert "enterprise" in response.context["form"].errors
    assert not Need.objects.filter(title=NEED_FIELDS["title"]).exists()
    response = client.post(
        reverse("liaisons:need-create"),
        {**NEED_FIELDS, "action": "draft", "enterprise": second.pk},
    )
    assert Need.objects.get(title=NEED_FIELDS["title"]).enterprise == second


def test_edit_ignores_enterprise_status_and_submitter(client, world):
    s1 = world.users["S1"]
    draft = make_need(enterprise=world.enterprise1, status=NeedStatus.DRAFT, submitted_by=s1)
    client.force_login(s1)
    client.post(
        reverse("liaisons:need-edit", args=[draft.pk]),
        {
            **NEED_FIELDS,
            "action": "draft",
            "enterprise": world.enterprise2.pk,
            "status": NeedStatus.CLOSED,
            "submitted_by": world.users["S2"].pk,
            "number": "XQ-2099-99999",
        },
    )
    draft.refresh_from_db()
    assert draft.title == NEED_FIELDS["title"]
    assert draft.enterprise == world.enterprise1
    assert draft.status == NeedStatus.DRAFT
    assert draft.submitted_by == s1
    assert draft.number != "XQ-2099-99999"


def test_actions_ignore_status_liaison_and_enterprise(client, world):
    need = make_need(enterprise=world.enterprise1, status=NeedStatus.SUBMITTED)
    client.force_login(world.users["staff"])
    client.post(
        reverse("liaisons:need-accept", args=[need.pk]),
        {
            "category": NeedCategory.PERMITS,
            "urgency": Urgency.RED,
            "status": NeedStatus.CLOSED,
            "liaison": world.liaison2.pk,
            "enterprise": world.enterprise2.pk,
        },
    )
    need.refresh_from_db()
    assert need.status == NeedStatus.ACCEPTED
    assert need.category == NeedCategory.PERMITS
    assert need.liaison is None
    assert need.enterprise == world.enterprise1

    client.force_login(world.users["S1"])
    client.post(
        reverse("liaisons:need-note", args=[need.pk]),
        {"note": "补充说明", "is_public": "", "status": NeedStatus.CLOSED},
    )
    need.refresh_from_db()
    assert need.status == NeedStatus.ACCEPTED
    # A secretary's note is public whatever the form says.
    assert NeedEvent.objects.get(need=need, note="补充说明").is_public
