"""The needs pages of secretaries, liaisons, park staff, chiefs and department heads.

UI text is asserted in the English source (stable when the zh-hans catalogue changes); data is
Chinese. Who may reach which page is pinned by test_permissions_matrix; here each page and move
is checked for what it shows and does.
"""

from __future__ import annotations

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.messages import ERROR, SUCCESS, get_messages
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alliance.core import workcalendar
from liaisons.models import (
    EscalationLevel,
    Need,
    NeedAttachment,
    NeedCategory,
    NeedEscalation,
    NeedEvent,
    NeedEventAction,
    NeedStatus,
    Satisfaction,
    Urgency,
)
from liaisons.needs import workflow
from liaisons.needs.views.actions import ACTIONS, NOT_ON_THE_PAGE
from tests import factories
from tests.liaisons.conftest import (
    action_payload,
    as_user,
    make_need,
    pdf_bytes,
    pdf_upload,
    png_bytes,
    snapshot,
    upload,
)

pytestmark = pytest.mark.django_db

NEED_FIELDS = {
    "category": NeedCategory.FINANCING,
    "urgency": Urgency.YELLOW,
    "title": "流动资金贷款",
    "description": "扩产需要流动资金三千万元。",
    "contact_name": "钱佳",
    "contact_phone": "13800001111",
}


def detail_url(need) -> str:
    return reverse("liaisons:need-detail", args=[need.pk])


def action_url(name: str, need) -> str:
    return reverse(f"liaisons:need-{name.replace('_', '-')}", args=[need.pk])


def messages_of(response) -> list[tuple[int, str]]:
    return [(m.level, str(m)) for m in get_messages(response.wsgi_request)]


def post_action(client, name: str, need, data: dict | None = None):
    need.refresh_from_db()
    return client.post(action_url(name, need), {"expected_status": need.status, **(data or {})})


# --- Secretary --------------------------------------------------------------------------------


def test_secretary_list_shows_only_their_enterprise(client, world):
    own = make_need(enterprise=world.enterprise1, title="恒立的需求")
    draft = make_need(
        enterprise=world.enterprise1,
        status=NeedStatus.DRAFT,
        title="恒立的草稿",
        submitted_by=world.users["S1"],
    )
    make_need(enterprise=world.enterprise2, title="今创的需求")
    response = as_user(client, world, "S1").get(reverse("liaisons:need-list"))
    html = response.content.decode()
    assert "恒立的需求" in html and "恒立的草稿" in html
    assert "今创的需求" not in html
    assert own.number in html and draft.number in html
    assert "Awaiting acceptance" in html and "Draft" in html
    assert "Financing" in html
    assert reverse("liaisons:need-create") in html


def test_secretary_creates_a_draft_then_submits_it(client, world):
    as_user(client, world, "S1")
    response = client.post(reverse("liaisons:need-create"), {**NEED_FIELDS, "action": "draft"})
    need = Need.objects.get()
    assert response["Location"] == detail_url(need)
    assert need.status == NeedStatus.DRAFT
    assert need.enterprise == world.enterprise1
    assert need.submitted_by == world.users["S1"]
    assert (SUCCESS, "The draft was saved. Submit it when it is complete.") in messages_of(response)

    edit = client.get(reverse("liaisons:need-edit", args=[need.pk]))
    assert edit.status_code == 200
    assert 'value="流动资金贷款"' in edit.content.decode()
    client.post(
        reverse("liaisons:need-edit", args=[need.pk]),
        {**NEED_FIELDS, "title": "流动资金贷款（修改）", "action": "draft"},
    )
    need.refresh_from_db()
    assert (need.title, need.status) == ("流动资金贷款（修改）", NeedStatus.DRAFT)

    response = post_action(client, "submit", need)
    need.refresh_from_db()
    assert need.status == NeedStatus.SUBMITTED
    assert need.submitted_at is not None and need.accept_due is not None
    assert messages_of(response)[0][0] == SUCCESS
    # A submitted need is no longer editable.
    response = client.get(reverse("liaisons:need-edit", args=[need.pk]))
    assert response["Location"] == detail_url(need)
    assert (ERROR, "Only a draft can be edited.") in messages_of(response)


def test_secretary_submits_directly_with_a_number(client, world):
    as_user(client, world, "S1")
    response = client.post(
        reverse("liaisons:need-create"),
        {**NEED_FIELDS, "action": "submit", "attachments": [pdf_upload()]},
    )
    need = Need.objects.get()
    assert need.status == NeedStatus.SUBMITTED
    assert re.fullmatch(r"XQ-\d{4}-\d{5}", need.number)
    assert need.attachments.count() == 1
    assert messages_of(response) == [
        (SUCCESS, f"Need {need.number} was submitted. The park will accept it shortly.")
    ]
    assert NeedEvent.objects.filter(need=need, action=NeedEventAction.SUBMIT).count() == 1


def test_submitting_from_the_edit_page(client, world):
    s1 = world.users["S1"]
    draft = make_need(enterprise=world.enterprise1, status=NeedStatus.DRAFT, submitted_by=s1)
    as_user(client, world, "S1").post(
        reverse("liaisons:need-edit", args=[draft.pk]),
        {**NEED_FIELDS, "action": "submit", "attachments": [upload("图.png", png_bytes())]},
    )
    draft.refresh_from_db()
    assert draft.status == NeedStatus.SUBMITTED
    assert draft.title == NEED_FIELDS["title"]
    assert draft.attachments.get().original_name == "图.png"


def test_create_form_errors_keep_the_input(client, world):
    response = as_user(client, world, "S1").post(
        reverse("liaisons:need-create"),
        {**NEED_FIELDS, "title": "", "contact_phone": "abc", "action": "submit"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"title", "contact_phone"}
    assert "扩产需要流动资金三千万元。" in response.content.decode()
    assert not Need.objects.exists()


def test_secretary_sees_the_public_timeline_only(client, world):
    need = make_need(
        enterprise=world.enterprise1, status=NeedStatus.IN_PROGRESS, liaison=world.liaison1
    )
    factories.NeedEventFactory(need=need, note="已电话联系企业财务", is_public=True)
    factories.NeedEventFactory(need=need, note="企业资金链紧张，需重点关注", is_public=False)
    html = as_user(client, world, "S1").get(detail_url(need)).content.decode()
    assert "已电话联系企业财务" in html
    assert "企业资金链紧张" not in html
    assert "专员1号" in html  # their liaison, with department and phone
    assert "13912345678" in html
    # The liaison sees both, the internal one marked.
    html = as_user(client, world, "L1").get(detail_url(need)).content.decode()
    assert "企业资金链紧张，需重点关注" in html
    assert ">internal<" in html


def test_add_information_is_offered_only_while_waiting(client, world):
    need = make_need(
        enterprise=world.enterprise1, status=NeedStatus.IN_PROGRESS, liaison=world.liaison1
    )
    as_user(client, world, "S1")
    assert 'id="action-supply_info"' not in client.get(detail_url(need)).content.decode()
    Need.objects.filter(pk=need.pk).update(
        status=NeedStatus.WAITING_ENTERPRISE, paused_since=timezone.now()
    )
    html = client.get(detail_url(need)).content.decode()
    assert 'id="action-supply_info"' in html
    assert "Clock paused" in html
    response = post_action(
        client,
        "supply_info",
        need,
        {"note": "已补充近三年财务报表", "attachments": [pdf_upload("财务报表.pdf")]},
    )
    need.refresh_from_db()
    assert messages_of(response)[0][0] == SUCCESS
    assert need.status == NeedStatus.IN_PROGRESS
    assert need.attachments.get().original_name == "财务报表.pdf"
    assert NeedEvent.objects.filter(need=need, note="已补充近三年财务报表").exists()


def test_rating_satisfied_closes_the_need(client, world):
    need = make_need(
        enterprise=world.enterprise1, status=NeedStatus.REPLIED, liaison=world.liaison1
    )
    as_user(client, world, "S1")
    html = client.get(detail_url(need)).content.decode()
    assert 'id="action-rate"' in html
    assert "已协调银行授信。" in html  # the resolution
    response = post_action(client, "rate", need, {"satisfaction": Satisfaction.SATISFIED})
    need.refresh_from_db()
    assert need.status == NeedStatus.CLOSED
    assert need.satisfaction == Satisfaction.SATISFIED
    assert messages_of(response) == [(SUCCESS, "Thank you for your rating.")]
    html = client.get(detail_url(need)).content.decode()
    assert 'id="action-rate"' not in html
    assert "Closed" in html


def test_unsatisfied_needs_a_comment_and_reopens(client, world):
    need = make_need(
        enterprise=world.enterprise1, status=NeedStatus.REPLIED, liaison=world.liaison1
    )
    as_user(client, world, "S1")
    response = post_action(client, "rate", need, {"satisfaction": Satisfaction.UNSATISFIED})
    assert response.status_code == 200
    assert "Please tell us what is still missing." in response.content.decode()
    assert 'id="action-rate" open' in response.content.decode()
    need.refresh_from_db()
    assert need.status == NeedStatus.REPLIED
    post_action(
        client, "rate", need, {"satisfaction": Satisfaction.UNSATISFIED, "comment": "贷款仍未到位"}
    )
    need.refresh_from_db()
    assert need.status == NeedStatus.REOPENED
    assert need.reopen_count == 1


# --- Liaison ----------------------------------------------------------------------------------


def test_queue_is_sorted_by_deadline_with_marks(client, world, moment):
    now = timezone.now()
    far = make_need(
        enterprise=world.enterprise1,
        status=NeedStatus.IN_PROGRESS,
        liaison=world.liaison1,
        title="远期需求",
        first_contact_at=now,
        resolve_due=now + timedelta(days=30),
    )
    overdue = make_need(
        enterprise=world.enterprise1,
        status=NeedStatus.IN_PROGRESS,
        liaison=world.liaison1,
        title="超期需求",
        first_contact_at=now,
        resolve_due=now - timedelta(hours=3),
    )
    soon = make_need(
        enterprise=world.enterprise1,
        status=NeedStatus.DISPATCHED,
        liaison=world.liaison1,
        title="待签收需求",
        sign_due=now + timedelta(minutes=30),
    )
    flagged = make_need(
        enterprise=world.enterprise1,
        status=NeedStatus.IN_PROGRESS,
        liaison=world.liaison1,
        title="预警需求",
        first_contact_at=now,
        resolve_due=now + timedelta(days=20),
        escalation_level=EscalationLevel.AMBER,
    )
    make_need(enterprise=world.enterprise1, status=NeedStatus.CLOSED, liaison=world.liaison1)
    make_need(enterprise=world.enterprise2, status=NeedStatus.IN_PROGRESS, liaison=world.liaison2)
    response = as_user(client, world, "L1").get(reverse("liaisons:need-queue"))
    needs = response.context["needs"]
    assert [n.pk for n in needs] == [overdue.pk, soon.pk, flagged.pk, far.pk]
    assert [n.deadline.state for n in needs] == ["overdue", "soon", "soon", "on_time"]
    html = response.content.decode()
    assert html.count("> Overdue</span>") == 1
    assert "1 overdue" in html and "2 due soon" in html and "1 to sign for" in html


def test_a_reopened_need_waits_in_the_queue_to_be_signed_again(client, world):
    now = timezone.now()
    need = make_need(
        enterprise=world.enterprise1,
        status=NeedStatus.REOPENED,
        liaison=world.liaison1,
        signed_at=None,
        sign_due=now - timedelta(minutes=5),
        reopen_count=1,
    )
    response = as_user(client, world, "L1").get(reverse("liaisons:need-queue"))
    [queued] = response.context["needs"]
    assert (queued.pk, queued.deadline.kind, queued.deadline.state) == (
        need.pk,
        "sign",
        "overdue",
    )
    assert response.context["to_sign_count"] == 1
    listed = client.get(reverse("liaisons:need-list"), {"overdue": "on"}).context["page"]
    assert [n.pk for n in listed.object_list] == [need.pk]


def test_liaison_signs_logs_a_visit_and_replies_with_a_file(client, world):
    need = make_need(
        enterprise=world.enterprise1, status=NeedStatus.DISPATCHED, liaison=world.liaison1
    )
    as_user(client, world, "L1")
    html = client.get(detail_url(need)).content.decode()
    assert 'id="action-sign" open' in html
    assert messages_of(post_action(client, "sign", need)) == [(SUCCESS, "You signed for the need.")]
    need.refresh_from_db()
    assert need.status == NeedStatus.IN_PROGRESS

    post_action(client, "contact", need, {"note": "走访企业，了解融资需求", "visit": "on"})
    event = NeedEvent.objects.get(need=need, note="走访企业，了解融资需求")
    assert event.action == NeedEventAction.VISIT
    assert not event.is_public  # the box was not ticked

    response = post_action(
        client,
        "reply",
        need,
        {
            "resolution": "已对接江南农商行，授信三千万元。",
            "attachments": [pdf_upload("授信函.pdf")],
        },
    )
    assert messages_of(response)[0][0] == SUCCESS
    need.refresh_from_db()
    assert need.status == NeedStatus.REPLIED
    assert need.resolution == "已对接江南农商行，授信三千万元。"
    assert need.attachments.get().original_name == "授信函.pdf"


def test_liaison_asks_for_information_and_the_clock_pauses(client, world):
    need = make_need(
        enterprise=world.enterprise1, status=NeedStatus.IN_PROGRESS, liaison=world.liaison1
    )
    post_action(as_user(client, world, "L1"), "request_info", need, {"note": "请提供财务报表"})
    need.refresh_from_db()
    assert need.status == NeedStatus.WAITING_ENTERPRISE
    assert need.paused_since is not None


def test_liaison_requests_return_extension_and_long_term(client, world):
    need = make_need(
        enterprise=world.enterprise1, status=NeedStatus.IN_PROGRESS, liaison=world.liaison1
    )
    as_user(client, world, "L1")
    html = client.get(detail_url(need)).content.decode()
    # The extension's upper bound comes from the time limits (green financing: 10 working days).
    assert 'max="10"' in html
    post_action(client, "request_extension", need, {"workdays": 3, "reason": "银行审批中"})
    need.refresh_from_db()
    assert need.extension_requested == 3
    assert 'id="action-request_extension"' not in client.get(detail_url(need)).content.decode()
    response = post_action(client, "request_extension", need, {"workdays": 11, "reason": "再延"})
    assert response.status_code == 200  # over the limit: the form says so
    assert "Ensure this value is less than or equal to 10." in response.content.decode()

    other = make_need(
        enterprise=world.enterprise1, status=NeedStatus.IN_PROGRESS, liaison=world.liaison1
    )
    post_action(client, "long_term", other, {"note": "需分阶段推进"})
    other.refresh_from_db()
    assert other.status == NeedStatus.LONG_TERM
    post_action(client, "milestone", other, {"note": "第一阶段完成"})
    assert NeedEvent.objects.filter(need=other, action=NeedEventAction.MILESTONE).exists()

    third = make_need(
        enterprise=world.enterprise1, status=NeedStatus.DISPATCHED, liaison=world.liaison1
    )
    post_action(client, "request_return", third, {"reason": "不属于本部门职能"})
    third.refresh_from_db()
    assert third.status == NeedStatus.RETURN_PENDING


def test_after_two_returns_the_ruling_is_final(client, world):
    need = make_need(
        enterprise=world.enterprise1,
        status=NeedStatus.IN_PROGRESS,
        liaison=world.liaison1,
        return_count=2,
    )
    as_user(client, world, "L1")
    assert 'id="action-request_return"' not in client.get(detail_url(need)).content.decode()
    before = snapshot()
    response = post_action(client, "request_return", need, {"reason": "再次退回"})
    [(level, text)] = messages_of(response)
    assert level == ERROR and "cannot be returned again" in text
    assert snapshot() == before


def test_chief_and_head_notes_are_internal(client, world):
    need = make_need(
        enterprise=world.enterprise1, status=NeedStatus.IN_PROGRESS, liaison=world.liaison1
    )
    for role in ("C1", "H1"):
        as_user(client, world, role)
        html = client.get(detail_url(need)).content.decode()
        assert 'id="action-note"' in html
        assert 'name="is_public"' not in html  # no choice: internal
        assert 'id="action-attach"' not in html
        post_action(client, "note", need, {"note": f"{role}督促", "is_public": "on"})
    notes = dict(NeedEvent.objects.filter(need=need).values_list("note", "is_public"))
    assert notes == {"C1督促": False, "H1督促": False}


def test_liaison_notes_may_be_internal(client, world):
    need = make_need(
        enterprise=world.enterprise1, status=NeedStatus.IN_PROGRESS, liaison=world.liaison1
    )
    post_action(as_user(client, world, "L1"), "note", need, {"note": "内部备注"})
    post_action(client, "note", need, {"note": "公开备注", "is_public": "on"})
    notes = dict(NeedEvent.objects.filter(need=need).values_list("note", "is_public"))
    assert notes == {"内部备注": False, "公开备注": True}


def test_liaison_firms_and_firm_history(client, world):
    make_need(enterprise=world.enterprise1, status=NeedStatus.IN_PROGRESS, liaison=world.liaison1)
    make_need(enterprise=world.enterprise1, status=NeedStatus.CLOSED, liaison=world.liaison1)
    make_need(enterprise=world.enterprise1, status=NeedStatus.SUBMITTED, title="新提交的需求")
    as_user(client, world, "L1")
    response = client.get(reverse("liaisons:liaison-firms"))
    assignment = response.context["assignments"][0]
    assert (assignment.need_open, assignment.need_total) == (2, 3)
    assert "2 open of 3 needs" in response.content.decode()
    response = client.get(
        reverse("liaisons:liaison-firm-needs", kwargs={"enterprise_id": world.enterprise1.pk})
    )
    assert len(response.context["needs"]) == 3
    assert "新提交的需求" in response.content.decode()


# --- Park staff -------------------------------------------------------------------------------


def test_staff_inbox_sections(client, world):
    now = timezone.now()
    submitted = make_need(enterprise=world.enterprise1, status=NeedStatus.SUBMITTED)
    accepted = make_need(enterprise=world.enterprise1, status=NeedStatus.ACCEPTED)
    returning = make_need(
        enterprise=world.enterprise1, status=NeedStatus.RETURN_PENDING, liaison=world.liaison1
    )
    extension = make_need(
        enterprise=world.enterprise1,
        status=NeedStatus.IN_PROGRESS,
        liaison=world.liaison1,
        extension_requested=3,
    )
    visit_due = make_need(
        enterprise=world.enterprise1,
        status=NeedStatus.REPLIED,
        liaison=world.liaison1,
        rating_due=now - timedelta(hours=1),
    )
    make_need(  # still inside its rating window: not yet for the office
        enterprise=world.enterprise1, status=NeedStatus.REPLIED, liaison=world.liaison1
    )
    make_need(enterprise=world.enterprise1, status=NeedStatus.IN_PROGRESS, liaison=world.liaison1)
    response = as_user(client, world, "staff").get(reverse("liaisons:need-inbox"))
    sections = {name: [n.pk for n in needs] for name, needs in response.context["sections"].items()}
    assert sections == {
        "submitted": [submitted.pk],
        "accepted": [accepted.pk],
        "returns": [returning.pk],
        "extensions": [extension.pk],
        "return_visits": [visit_due.pk],
    }
    html = response.content.decode()
    assert "Performance indicators" in html and reverse("liaisons:need-kpis") in html
    # The KPI tables read every need in view: their own page, not every inbox visit.
    html = client.get(reverse("liaisons:need-kpis")).content.decode()
    assert 'data-dimension="liaison"' in html and "专员1号" in html


def test_staff_accepts_with_corrected_category_and_urgency(client, world):
    need = make_need(enterprise=world.enterprise1, status=NeedStatus.SUBMITTED)
    as_user(client, world, "staff")
    html = client.get(detail_url(need)).content.decode()
    assert 'id="action-accept" open' in html
    response = post_action(
        client,
        "accept",
        need,
        {"category": NeedCategory.PERMITS, "urgency": Urgency.RED, "note": "实为审批类"},
    )
    assert messages_of(response) == [(SUCCESS, "The need was accepted.")]
    need.refresh_from_db()
    assert (need.status, need.category, need.urgency) == (
        NeedStatus.ACCEPTED,
        NeedCategory.PERMITS,
        Urgency.RED,
    )


def test_staff_rejects_with_a_reason(client, world):
    need = make_need(enterprise=world.enterprise1, status=NeedStatus.SUBMITTED)
    as_user(client, world, "staff")
    response = post_action(client, "reject", need, {"reason": ""})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    post_action(client, "reject", need, {"reason": "属于企业内部事务"})
    need.refresh_from_db()
    assert need.status == NeedStatus.REJECTED


def test_staff_merges_by_number_within_the_enterprise(client, world):
    master = make_need(enterprise=world.enterprise1, status=NeedStatus.ACCEPTED)
    duplicate = make_need(enterprise=world.enterprise1, status=NeedStatus.SUBMITTED)
    foreign = make_need(enterprise=world.enterprise2, status=NeedStatus.SUBMITTED)
    as_user(client, world, "staff")
    html = client.get(detail_url(duplicate)).content.decode()
    assert f'<option value="{master.number}">' in html  # the enterprise's other needs offered
    assert f'<option value="{foreign.number}">' not in html
    response = post_action(client, "merge", duplicate, {"into": foreign.number})
    assert response.status_code == 200
    assert f"No need of this enterprise has the number {foreign.number}." in (
        response.content.decode()
    )
    response = post_action(client, "merge", duplicate, {"into": duplicate.number})
    assert "A need cannot be merged into itself." in response.content.decode()
    post_action(client, "merge", duplicate, {"into": master.number.lower()})
    duplicate.refresh_from_db()
    assert duplicate.status == NeedStatus.MERGED
    assert duplicate.merged_into == master
    html = client.get(detail_url(master)).content.decode()
    assert duplicate.number in html  # listed as merged here


def test_dispatch_suggests_the_primary_liaison_and_allows_another(client, world):
    need = make_need(enterprise=world.enterprise1, status=NeedStatus.ACCEPTED)
    factories.LiaisonFactory(user=factories.UserFactory(full_name="离任专员"), is_active=False)
    as_user(client, world, "staff")
    response = client.get(detail_url(need))
    form = {spec.name: form for spec, form in response.context["action_forms"]}["dispatch"]
    assert form.fields["liaison"].initial == world.liaison1.pk
    choices = [label for _value, label in form.fields["liaison"].choices]
    assert "专员2号 · 经济发展局" in choices
    assert not any("离任专员" in label for label in choices)
    assert "Suggested: the enterprise's primary liaison, 专员1号." in response.content.decode()
    post_action(client, "dispatch", need, {"liaison": world.liaison2.pk, "note": "请尽快对接"})
    need.refresh_from_db()
    assert need.status == NeedStatus.DISPATCHED
    assert need.liaison == world.liaison2
    assert need.department == world.department2
    assert need.resolve_due is not None and need.sign_due is not None


def test_return_decision_shows_the_count_and_needs_a_reason_to_deny(client, world):
    need = make_need(
        enterprise=world.enterprise1,
        status=NeedStatus.RETURN_PENDING,
        liaison=world.liaison1,
        return_count=1,
    )
    as_user(client, world, "staff")
    html = client.get(detail_url(need)).content.decode()
    assert "This need has been returned 1 time before." in html
    response = post_action(client, "decide_return", need, {"decision": "deny"})
    assert response.status_code == 200
    assert "Please give the reason for the denial." in response.content.decode()
    post_action(client, "decide_return", need, {"decision": "deny", "note": "仍由原专员办理"})
    need.refresh_from_db()
    assert need.status == NeedStatus.IN_PROGRESS


def test_extension_is_approved(client, world):
    need = make_need(
        enterprise=world.enterprise1,
        status=NeedStatus.IN_PROGRESS,
        liaison=world.liaison1,
        extension_requested=2,
    )
    due = need.resolve_due
    as_user(client, world, "staff")
    assert (
        "The liaison asks for 2 more working days." in client.get(detail_url(need)).content.decode()
    )
    post_action(client, "decide_extension", need, {"decision": "approve"})
    need.refresh_from_db()
    assert need.extension_requested == 0
    assert need.extension_workdays == 2
    assert need.resolve_due > due


def test_return_visit_and_reopen(client, world):
    need = make_need(
        enterprise=world.enterprise1,
        status=NeedStatus.REPLIED,
        liaison=world.liaison1,
        rating_due=timezone.now() - timedelta(hours=1),
    )
    as_user(client, world, "staff")
    post_action(client, "return_visit", need, {"note": "企业表示基本满意"})
    need.refresh_from_db()
    assert need.status == NeedStatus.CLOSED
    post_action(client, "reopen", need, {"reason": "企业反映问题复发"})
    need.refresh_from_db()
    assert need.status == NeedStatus.REOPENED


def test_unknown_holiday_years_warn_staff_only(client, world, monkeypatch):
    monkeypatch.setattr(workcalendar, "unknown_years_ahead", lambda today, **kwargs: [2027])
    need = make_need(
        enterprise=world.enterprise1,
        status=NeedStatus.IN_PROGRESS,
        liaison=world.liaison1,
        deadline_estimated=True,
    )
    as_user(client, world, "staff")
    for url in (reverse("liaisons:need-inbox"), detail_url(need)):
        html = client.get(url).content.decode()
        assert "The 2027 holiday schedule has not been entered and marked complete yet" in html
        assert reverse("admin:alliance_calendarday_schedule") in html
    assert 'id="estimated-warning"' in client.get(detail_url(need)).content.decode()
    html = as_user(client, world, "L1").get(detail_url(need)).content.decode()
    assert 'id="unknown-years-warning"' not in html
    assert 'id="estimated-warning"' in html  # the liaison's own deadline is an estimate
    html = as_user(client, world, "S1").get(detail_url(need)).content.decode()
    assert 'id="estimated-warning"' not in html

    monkeypatch.setattr(workcalendar, "unknown_years_ahead", lambda today, **kwargs: [])
    html = as_user(client, world, "staff").get(reverse("liaisons:need-inbox")).content.decode()
    assert 'id="unknown-years-warning"' not in html


# --- Chiefs and department heads ---------------------------------------------------------------


def test_scoped_list_filters_by_status_and_overdue(client, world):
    now = timezone.now()
    late = make_need(
        enterprise=world.enterprise1,
        status=NeedStatus.IN_PROGRESS,
        liaison=world.liaison1,
        resolve_due=now - timedelta(hours=1),
    )
    on_time = make_need(
        enterprise=world.enterprise1,
        status=NeedStatus.IN_PROGRESS,
        liaison=world.liaison1,
        first_contact_at=now,
    )
    closed = make_need(
        enterprise=world.enterprise1, status=NeedStatus.CLOSED, liaison=world.liaison1
    )
    make_need(enterprise=world.enterprise2, status=NeedStatus.IN_PROGRESS, liaison=world.liaison2)
    for role in ("C1", "H1"):
        as_user(client, world, role)
        listed = client.get(reverse("liaisons:need-list")).context["page"].object_list
        assert {n.pk for n in listed} == {late.pk, on_time.pk, closed.pk}
        listed = client.get(reverse("liaisons:need-list"), {"overdue": "on"}).context["page"]
        assert [n.pk for n in listed.object_list] == [late.pk]
        listed = client.get(reverse("liaisons:need-list"), {"status": "closed"}).context["page"]
        assert [n.pk for n in listed.object_list] == [closed.pk]
    # Junk filters are ignored, not a 500.
    response = client.get(reverse("liaisons:need-list"), {"status": "nonsense", "page": "x"})
    assert response.status_code == 200


def test_supervision_shows_the_escalations_addressed_to_each(client, world):
    need = make_need(
        enterprise=world.enterprise1, status=NeedStatus.IN_PROGRESS, liaison=world.liaison1
    )
    other = make_need(
        enterprise=world.enterprise2, status=NeedStatus.IN_PROGRESS, liaison=world.liaison2
    )
    due = need.resolve_due
    NeedEscalation.objects.create(need=need, level=EscalationLevel.AMBER, due_at=due)
    urge = NeedEscalation.objects.create(need=need, level=EscalationLevel.URGE, due_at=due)
    supervise = NeedEscalation.objects.create(
        need=need, level=EscalationLevel.SUPERVISE, due_at=due
    )
    NeedEscalation.objects.create(need=other, level=EscalationLevel.SUPERVISE, due_at=due)

    def escalations(role):
        response = as_user(client, world, role).get(reverse("liaisons:need-supervision"))
        return [e.pk for e in response.context["page"].object_list], response

    assert escalations("H1")[0] == [urge.pk]
    ids, response = escalations("C1")
    assert ids == [supervise.pk]
    assert "Performance indicators" in response.content.decode()
    assert escalations("H2")[0] == []
    assert len(escalations("staff")[0]) == 2  # every 督办


# --- Conflicts and illegal moves ---------------------------------------------------------------


def test_a_stale_page_is_told_and_nothing_changes(client, world):
    need = make_need(enterprise=world.enterprise1, status=NeedStatus.SUBMITTED)
    as_user(client, world, "staff")
    before = snapshot()
    response = client.post(
        action_url("reject", need),
        {"reason": "重复提交", "expected_status": NeedStatus.DRAFT},
    )
    assert response["Location"] == detail_url(need)
    [(level, text)] = messages_of(response)
    assert level == ERROR
    assert "has changed since you opened it" in text
    assert snapshot() == before


ROLE_OF = {
    "secretary": "S1",
    "liaison": "L1",
    "staff": "staff",
}


def _actor_for(spec) -> str:
    return ROLE_OF.get(spec.roles[0], "L1")


@pytest.mark.parametrize("status", NeedStatus.values)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_every_move_from_every_state_answers_with_a_message(client, world, status, action):
    """Never a 500: a move the state allows succeeds, any other is refused with a message and
    leaves the database as it was."""
    spec = ACTIONS[action]
    need = make_need(
        enterprise=world.enterprise1,
        status=status,
        liaison=world.liaison1,
        submitted_by=world.users["S1"],
    )
    merge_into = make_need(enterprise=world.enterprise1, status=NeedStatus.SUBMITTED).number
    role = _actor_for(spec)
    client.force_login(world.users[role])
    name = action.replace("_", "-")
    before = snapshot()
    response = client.post(
        action_url(name, need),
        {
            "expected_status": status,
            **action_payload(f"need-{name}", liaison_pk=world.liaison1.pk, merge_into=merge_into),
        },
    )
    if status == NeedStatus.DRAFT and role != "S1":
        assert response.status_code == 404  # a draft exists for its firm only
        return
    assert response.status_code == 302, response.content.decode()[:2000]
    [(level, _text)] = messages_of(response)
    if level == ERROR:
        assert snapshot() == before
    else:
        assert level == SUCCESS
        assert NeedEvent.objects.filter(need=need).count() > len(before["events"]) or (
            action == "attach" and need.attachments.exists()
        )
    if status not in spec.statuses:
        assert level == ERROR, f"{action} from {status} was not refused"


def test_the_page_has_a_form_for_each_action_of_the_table():
    assert set(ACTIONS) == set(workflow.ACTIONS) - NOT_ON_THE_PAGE
    for name, spec in ACTIONS.items():
        assert spec.statuses == workflow.ACTIONS[name].from_states
        assert set(spec.roles) == set(workflow.ACTIONS[name].all_roles)
        reverse(spec.url_name, args=[1])


@pytest.mark.parametrize("role", ["S1", "L1", "staff", "C1", "H1"])
@pytest.mark.parametrize("status", NeedStatus.values)
def test_the_page_offers_exactly_the_table_s_actions(client, world, status, role):
    """The forms on the detail page are the actions the table allows this person in this state
    (less those whose precondition the need does not meet: a pending extension, a cap)."""
    need = make_need(
        enterprise=world.enterprise1,
        status=status,
        liaison=world.liaison1,
        submitted_by=world.users["S1"],
        department=world.department1,
    )
    response = as_user(client, world, role).get(detail_url(need))
    if response.status_code == 404:
        assert status == NeedStatus.DRAFT and role != "S1"  # a draft is its firm's alone
        return
    access = response.context["access"]
    offered = [spec.name for spec, _form in response.context["action_forms"]]
    allowed = {action.name for action in workflow.available_actions(need, access)}
    assert offered == [
        name for name, spec in ACTIONS.items() if name in allowed and spec.offered_if(need)
    ]
    for name in offered:
        assert workflow.allowed(name, need, access) or workflow.allowed(
            name, need, access, is_public=False
        )


# --- The whole loop through the pages ---------------------------------------------------------


def test_the_full_loop(client, world):
    as_user(client, world, "S1").post(
        reverse("liaisons:need-create"),
        {**NEED_FIELDS, "action": "submit", "attachments": [pdf_upload()]},
    )
    need = Need.objects.get()
    post_action(
        as_user(client, world, "staff"),
        "accept",
        need,
        {"category": "financing", "urgency": "yellow"},
    )
    post_action(client, "dispatch", need, {"liaison": world.liaison1.pk})
    post_action(as_user(client, world, "L1"), "sign", need)
    post_action(client, "contact", need, {"note": "已联系", "is_public": "on"})
    post_action(client, "reply", need, {"resolution": "已解决"})
    post_action(as_user(client, world, "S1"), "rate", need, {"satisfaction": "satisfied"})
    need.refresh_from_db()
    assert need.status == NeedStatus.CLOSED
    actions = list(
        NeedEvent.objects.filter(need=need).order_by("pk").values_list("action", flat=True)
    )
    assert actions == [
        NeedEventAction.SUBMIT,
        NeedEventAction.ACCEPT,
        NeedEventAction.DISPATCH,
        NeedEventAction.SIGN,
        NeedEventAction.CONTACT,
        NeedEventAction.REPLY,
        NeedEventAction.RATE,
    ]


# --- Home panels ------------------------------------------------------------------------------


def test_home_panels_link_to_each_roles_work(client, world):
    now = timezone.now()
    make_need(
        enterprise=world.enterprise1,
        status=NeedStatus.IN_PROGRESS,
        liaison=world.liaison1,
        resolve_due=now - timedelta(hours=1),
    )
    make_need(enterprise=world.enterprise1, status=NeedStatus.DISPATCHED, liaison=world.liaison1)
    make_need(enterprise=world.enterprise1, status=NeedStatus.SUBMITTED)
    make_need(enterprise=world.enterprise1, status=NeedStatus.REPLIED, liaison=world.liaison1)

    html = as_user(client, world, "S1").get("/").content.decode()
    assert reverse("liaisons:need-create") in html and reverse("liaisons:need-list") in html
    assert "1 reply to rate" in html and "3 in progress" in html

    html = as_user(client, world, "L1").get("/").content.decode()
    assert reverse("liaisons:need-queue") in html and reverse("liaisons:liaison-firms") in html
    assert "1 overdue" in html and "1 to sign for" in html

    html = as_user(client, world, "staff").get("/").content.decode()
    assert reverse("liaisons:need-inbox") in html
    assert "1 to accept" in html

    for role in ("C1", "H1"):
        html = as_user(client, world, role).get("/").content.decode()
        assert reverse("liaisons:need-supervision") in html
        assert "Escalations addressed to you" in html


# --- Query budgets ----------------------------------------------------------------------------
#
# Each page makes the same number of queries with 1 and with 50 rows (needs, timeline entries).
# The holiday years staff are warned of are read with the page's one calendar query.


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _queue_need(world, n: int):
    return make_need(
        enterprise=world.enterprise1 if n % 2 else world.enterprise2,
        status=NeedStatus.IN_PROGRESS,
        liaison=world.liaison1,
        resolve_due=timezone.now() + timedelta(days=n % 7 - 2),
    )


def test_liaison_queue_queries_do_not_grow(client, world, django_assert_num_queries):
    _queue_need(world, 1)
    as_user(client, world, "L1")
    one = count_queries(client, reverse("liaisons:need-queue"))
    for n in range(2, 51):
        _queue_need(world, n)
    # session, user, the roles with the liaison's id and the bell count, calendar overrides
    # (amber horizon), one page of needs (+ firm names), the badges' counts (one query)
    with django_assert_num_queries(6):
        response = client.get(reverse("liaisons:need-queue"))
    assert one == 6
    assert len(response.context["needs"]) == 25  # one page (liaisons.paging)
    assert response.context["total"] == 50


def _inbox_needs(world, n: int) -> None:
    liaison = world.liaison1
    make_need(enterprise=world.enterprise1, status=NeedStatus.SUBMITTED)
    make_need(enterprise=world.enterprise1, status=NeedStatus.ACCEPTED)
    make_need(enterprise=world.enterprise1, status=NeedStatus.RETURN_PENDING, liaison=liaison)
    make_need(
        enterprise=world.enterprise2,
        status=NeedStatus.IN_PROGRESS,
        liaison=world.liaison2,
        extension_requested=2,
        first_contact_at=timezone.now() - timedelta(hours=n % 5 + 1),
    )
    make_need(
        enterprise=world.enterprise1,
        status=NeedStatus.REPLIED,
        liaison=liaison,
        rating_due=timezone.now() - timedelta(hours=1),
        satisfaction=Satisfaction.SATISFIED,
    )


def test_staff_inbox_queries_do_not_grow(client, world, django_assert_num_queries):
    _inbox_needs(world, 1)
    as_user(client, world, "staff")
    one = count_queries(client, reverse("liaisons:need-inbox"))
    for n in range(2, 11):
        _inbox_needs(world, n)  # 50 needs in all
    # session, user, the roles (page check and scope) with the bell count, the five sections'
    # pages of ids with their five bounded counts in one query, their rows (+ enterprise and
    # liaison names) in one, calendar overrides (amber horizon). The KPI tables have their own
    # page (test_need_kpis_*).
    with django_assert_num_queries(6):
        response = client.get(reverse("liaisons:need-inbox"))
    assert one == 6
    assert sum(len(needs) for needs in response.context["sections"].values()) == 50


def test_secretary_list_queries_do_not_grow(client, world, django_assert_num_queries):
    make_need(enterprise=world.enterprise1)
    as_user(client, world, "S1")
    one = count_queries(client, reverse("liaisons:need-list"))
    for _ in range(49):
        make_need(enterprise=world.enterprise1)
    # session, user, the roles (scope, "may submit") with the bell count, bounded count
    # (pagination), the page's needs (+ enterprise and liaison names), calendar overrides
    with django_assert_num_queries(6):
        response = client.get(reverse("liaisons:need-list"))
    assert one == 6
    assert response.context["page"].count.value == 50


def test_chief_list_and_supervision_queries_do_not_grow(client, world, django_assert_num_queries):
    def escalated_need():
        need = make_need(
            enterprise=world.enterprise1, status=NeedStatus.IN_PROGRESS, liaison=world.liaison1
        )
        NeedEscalation.objects.create(
            need=need, level=EscalationLevel.SUPERVISE, due_at=need.resolve_due
        )

    escalated_need()
    as_user(client, world, "C1")
    urls = [reverse("liaisons:need-list"), reverse("liaisons:need-supervision")]
    one = [count_queries(client, url) for url in urls]
    for _ in range(49):
        escalated_need()
    # list: session, user, the roles with the bell count, count, page, calendar overrides
    with django_assert_num_queries(6):
        client.get(urls[0])
    # supervision: session, user, the roles with the bell count, the chaired chains, one page
    # of escalations (+ need, enterprise, liaison user, department; no count), the bounded open
    # and overdue counts in one query. The KPI tables have their own page.
    with django_assert_num_queries(6):
        client.get(urls[1])
    assert one == [6, 6]


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        # session, user, need (+ enterprise, chain, liaison, department, submitter, master),
        # is a contact, calendar overrides (amber horizon), timeline + actors, attachments +
        # uploaders, needs merged into this one, bell count, linked resources (+ department),
        # the need's action items (liaisons.action_items.views.need_action_items_panel)
        ("S1", 11),
        # … + the extension limit (request-extension form), the escalations and the suggested
        # resources (one query, liaisons.resources.services.suggest_resources)
        ("L1", 14),
        # S1's + the escalations and the suggested resources (the roles for the scope and the
        # access come with the bell count); the unknown-years check is stubbed; no form needs a
        # query here
        ("staff", 13),
    ],
)
def test_need_detail_queries_do_not_grow_with_the_timeline(
    client, world, django_assert_num_queries, role, expected
):
    need = make_need(
        enterprise=world.enterprise1, status=NeedStatus.IN_PROGRESS, liaison=world.liaison1
    )
    factories.NeedEventFactory(need=need, actor=world.users["L1"])
    as_user(client, world, role)
    one = count_queries(client, detail_url(need))
    for n in range(49):
        factories.NeedEventFactory(
            need=need, actor=world.users["L1" if n % 2 else "staff"], is_public=n % 3 == 0
        )
        make_need(enterprise=world.enterprise1, status=NeedStatus.SUBMITTED)
    with django_assert_num_queries(expected):
        response = client.get(detail_url(need))
    assert one == expected
    assert len(response.context["events"]) == (17 + 1 if role == "S1" else 50)


def test_staff_detail_with_dispatch_and_merge_forms_does_not_grow(
    client, world, django_assert_num_queries
):
    need = make_need(enterprise=world.enterprise1, status=NeedStatus.ACCEPTED)
    factories.NeedEventFactory(need=need)
    as_user(client, world, "staff")
    one = count_queries(client, detail_url(need))
    for _ in range(49):
        factories.NeedEventFactory(need=need, actor=world.users["staff"])
        make_need(enterprise=world.enterprise1, status=NeedStatus.SUBMITTED)
        factories.LiaisonFactory()
    # session, user, the roles (scope, access) with the bell count, need, is a contact,
    # calendar overrides, primary liaison (dispatch suggestion), the active liaisons (dispatch
    # choices), timeline, attachments, escalations, merged needs, merge candidates, linked
    # resources, suggested resources, the need's action items
    with django_assert_num_queries(16):
        client.get(detail_url(need))
    assert one == 16


# --- XSS ---------------------------------------------------------------------------------------

PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>'
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"
SHORT_PAYLOAD = '<script>alert("x")</script>'  # for fields of 50 characters


def test_user_text_is_escaped_on_every_page(client, world):
    world.enterprise1.name = PAYLOAD
    world.enterprise1.save()
    for role in ("L1", "S1"):
        user = world.users[role]
        user.full_name = SHORT_PAYLOAD
        user.save()
    need = make_need(
        enterprise=world.enterprise1,
        status=NeedStatus.REPLIED,
        liaison=world.liaison1,
        title=PAYLOAD,
        description=PAYLOAD,
        contact_name=SHORT_PAYLOAD,
        resolution=PAYLOAD,
        satisfaction_comment=PAYLOAD,
        submitted_by=world.users["S1"],
        rating_due=timezone.now() - timedelta(hours=1),
    )
    accepted = make_need(enterprise=world.enterprise1, status=NeedStatus.ACCEPTED, title=PAYLOAD)
    draft = make_need(
        enterprise=world.enterprise1,
        status=NeedStatus.DRAFT,
        title=PAYLOAD,
        submitted_by=world.users["S1"],
    )
    factories.NeedEventFactory(need=need, note=PAYLOAD, actor=world.users["L1"])
    factories.NeedEventFactory(need=need, note=PAYLOAD, actor=world.users["L1"], is_public=False)
    NeedEscalation.objects.create(need=need, level=EscalationLevel.URGE, due_at=need.resolve_due)
    NeedEscalation.objects.create(
        need=need, level=EscalationLevel.SUPERVISE, due_at=need.resolve_due
    )
    attachment = NeedAttachment(
        need=need, original_name=PAYLOAD + ".pdf", size=10, uploaded_by=world.users["S1"]
    )
    attachment.file.save("x.pdf", ContentFile(pdf_bytes()), save=False)
    attachment.save()

    pages = {
        "S1": [
            "/",
            reverse("liaisons:need-list"),
            detail_url(need),
            detail_url(draft),
            reverse("liaisons:need-edit", args=[draft.pk]),
        ],
        "L1": [
            "/",
            reverse("liaisons:need-queue"),
            reverse("liaisons:liaison-firms"),
            reverse("liaisons:liaison-firm-needs", kwargs={"enterprise_id": world.enterprise1.pk}),
            detail_url(need),
        ],
        "staff": [
            reverse("liaisons:need-inbox"),
            reverse("liaisons:need-list"),
            reverse("liaisons:need-supervision"),
            detail_url(need),
            detail_url(accepted),
        ],
        "C1": ["/", reverse("liaisons:need-supervision"), detail_url(need)],
        "H1": ["/", reverse("liaisons:need-supervision"), detail_url(need)],
    }
    for role, urls in pages.items():
        as_user(client, world, role)
        for url in urls:
            html = client.get(url).content.decode()
            assert "<script>alert" not in html, (role, url)
            assert "<img src=x" not in html, (role, url)
            if url != "/":  # the home page of chiefs and heads shows no user text
                assert ESCAPED in html or "&lt;script&gt;" in html, (role, url)
    # A form sent back with errors shows the typed text escaped too.
    response = as_user(client, world, "S1").post(
        reverse("liaisons:need-create"),
        {**NEED_FIELDS, "title": PAYLOAD, "description": PAYLOAD, "contact_phone": "x"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    response = as_user(client, world, "staff").post(
        action_url("merge", accepted), {"into": PAYLOAD, "expected_status": "accepted"}
    )
    assert "<script>alert" not in response.content.decode()


def test_broker_down_while_submitting_keeps_the_need_and_answers(
    client, world, django_capture_on_commit_callbacks, monkeypatch
):
    """The need and its notifications are committed even when queueing the e-mail fails; the
    outbox sweep sends the e-mail once the broker is back."""
    from kombu.exceptions import OperationalError

    from alliance.core import notifications
    from alliance.core.models import Notification
    from alliance.core.tasks import send_notification_email

    monkeypatch.setattr(notifications, "_broker_paused_until", 0.0)
    world.user("staff").email = "staff@example.cn"
    world.user("staff").save()
    as_user(client, world, "S1")
    with (
        mock.patch.object(
            send_notification_email, "apply_async", side_effect=OperationalError("refused")
        ) as apply_async,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(reverse("liaisons:need-create"), {**NEED_FIELDS, "action": "submit"})
    need = Need.objects.get()
    assert response.status_code == 302
    assert need.status == NeedStatus.SUBMITTED
    assert apply_async.called  # the publish was tried after the commit, and failed
    waiting = Notification.objects.filter(recipient=world.user("staff"))
    assert waiting.count() == 1
    assert waiting.get().email_status == Notification.EmailStatus.PENDING
    later = timezone.now() + timedelta(minutes=5)
    assert notifications.notification_send_pending_emails(now=later) == 1
    assert waiting.get().email_status == Notification.EmailStatus.SENT


@pytest.mark.parametrize(
    "path", ["/needs/firms/99999999999999999999/", "/needs/99999999999999999999/"]
)
def test_ids_beyond_any_integer_are_not_found(client, world, path):
    client.force_login(world.users["L1"])
    assert client.get(path).status_code == 404
