"""The needs workflow services: every move, every refusal, the timeline and who is told."""

import inspect
import re
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import translation

from alliance.core.models import Notification, User
from alliance.core.tasks import send_notification_email
from alliance.core.workcalendar import add_working_days, add_working_hours
from chains.models import IndustryChain
from enterprises.models import Enterprise
from liaisons.exceptions import (
    NeedActionError,
    NeedConflictError,
    NeedPermissionError,
    NeedTransitionError,
)
from liaisons.models import (
    Department,
    EscalationLevel,
    Liaison,
    Need,
    NeedAttachment,
    NeedCategory,
    NeedEvent,
    NeedEventAction,
    NeedStatus,
    NeedTimeLimit,
    Satisfaction,
    Urgency,
)
from liaisons.needs import deadlines, escalations, recount, workflow
from liaisons.needs import services as needs
from liaisons.needs.services import closing, handling, intake, notes
from liaisons.needs.services.common import notify_about_need
from liaisons.needs.timeline import render_note
from liaisons.needs.workflow import LIAISON, NEED_TRANSITIONS, OVERSEER, SECRETARY, STAFF
from tests import factories

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Monday 9 November 2026, 09:00: an ordinary working week (no holiday within a month).
NOW = datetime(2026, 11, 9, 9, 0, tzinfo=SHANGHAI)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    # Messages are asserted in their English source, whatever the catalogue says.
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def no_broker():
    # E-mails are queued after commit; a test never talks to a broker.
    with mock.patch.object(send_notification_email, "apply_async") as apply_async:
        yield apply_async


@dataclass
class World:
    chain: IndustryChain
    chief: User
    enterprise: Enterprise
    secretary: User
    department: Department
    head: User
    liaison: Liaison
    staff: User
    other_liaison: Liaison
    outsider: User


def make_world(suffix: str = "") -> World:
    chief = factories.UserFactory(username=f"chief{suffix}", full_name="周链长")
    chain = factories.IndustryChainFactory(
        code=f"nev{suffix}", name=f"新能源汽车{suffix}", chief=chief
    )
    enterprise = factories.EnterpriseFactory(
        name=f"常州星宇车灯股份有限公司{suffix}", primary_chain=chain
    )
    secretary = factories.UserFactory(username=f"secretary{suffix}", full_name="吴书记")
    factories.EnterpriseContactFactory(user=secretary, enterprise=enterprise)
    head = factories.UserFactory(username=f"head{suffix}", full_name="郑局长")
    department = factories.DepartmentFactory(name=f"科学技术局{suffix}", head=head)
    liaison = factories.LiaisonFactory(
        user=factories.UserFactory(username=f"liaison{suffix}", full_name="王专员"),
        department=department,
        phone="13912345678",
    )
    other_liaison = factories.LiaisonFactory(
        user=factories.UserFactory(username=f"liaison2{suffix}", full_name="李专员"),
        department=department,
    )
    staff = factories.StaffFactory(username=f"staff{suffix}", full_name="陈杰")
    outsider = factories.UserFactory(username=f"outsider{suffix}", full_name="路人甲")
    return World(
        chain=chain,
        chief=chief,
        enterprise=enterprise,
        secretary=secretary,
        department=department,
        head=head,
        liaison=liaison,
        staff=staff,
        other_liaison=other_liaison,
        outsider=outsider,
    )


@pytest.fixture
def world(db) -> World:
    return make_world()


LIAISON_STATES = {
    NeedStatus.DISPATCHED,
    NeedStatus.IN_PROGRESS,
    NeedStatus.WAITING_ENTERPRISE,
    NeedStatus.LONG_TERM,
    NeedStatus.RETURN_PENDING,
    NeedStatus.REPLIED,
    NeedStatus.REOPENED,
    NeedStatus.CLOSED,
}


def need_in(world: World, status: str, **extra) -> Need:
    """A need of the world's enterprise in `status`, with the fields that state implies."""
    fields = {
        "enterprise": world.enterprise,
        "submitted_by": world.secretary,
        "status": status,
        "category": NeedCategory.FINANCING,
        "urgency": Urgency.GREEN,
        "submitted_at": None if status == NeedStatus.DRAFT else NOW - timedelta(days=3),
    }
    if status in LIAISON_STATES:
        fields.update(
            liaison=world.liaison,
            department=world.department,
            dispatched_at=NOW - timedelta(days=2),
            sign_due=NOW - timedelta(days=1),
            first_contact_due=NOW - timedelta(days=1),
            resolve_due=NOW + timedelta(days=10),
        )
    if status in LIAISON_STATES - {NeedStatus.DISPATCHED, NeedStatus.REOPENED}:
        fields["signed_at"] = NOW - timedelta(days=2)
    if status == NeedStatus.WAITING_ENTERPRISE:
        fields["paused_since"] = NOW - timedelta(hours=1)
    if status == NeedStatus.RETURN_PENDING:
        fields["status_before_return"] = NeedStatus.IN_PROGRESS
    if status == NeedStatus.LONG_TERM:
        fields["milestone_due"] = NOW + timedelta(days=20)
    if status in (NeedStatus.REPLIED, NeedStatus.CLOSED):
        fields.update(
            resolution="已协调银行授信。",
            replied_at=NOW - timedelta(days=1),
            rating_due=NOW + timedelta(days=4),
        )
    if status == NeedStatus.CLOSED:
        fields.update(closed_at=NOW - timedelta(hours=2), satisfaction=Satisfaction.SATISFIED)
    if status == NeedStatus.MERGED:
        fields["merged_into"] = factories.NeedFactory(
            enterprise=world.enterprise, submitted_by=world.secretary
        )
    fields.update(extra)
    return factories.NeedFactory(**fields)


def pdf(name: str = "说明.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def snapshot(need: Need) -> dict:
    return Need.objects.filter(pk=need.pk).values().get()


def recipients(kind: str) -> set[str]:
    return set(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def events(need: Need) -> list[tuple[str, str, str, bool]]:
    return list(
        NeedEvent.objects.filter(need=need)
        .order_by("pk")
        .values_list("action", "from_status", "to_status", "is_public")
    )


# --- Each service, called as the person who may do it, from a state it accepts ------------------

SERVICES = {
    # name: (who does it, the call with a valid input)
    "update_draft": (
        "secretary",
        lambda w, n, a, **kw: needs.need_update_draft(need=n, actor=a, title="新标题", **kw),
    ),
    "submit": ("secretary", lambda w, n, a, **kw: needs.need_submit(need=n, actor=a, **kw)),
    "accept": ("staff", lambda w, n, a, **kw: needs.need_accept(need=n, actor=a, **kw)),
    "reject": (
        "staff",
        lambda w, n, a, **kw: needs.need_reject(need=n, actor=a, reason="不属于服务范围", **kw),
    ),
    "merge": (
        "staff",
        lambda w, n, a, **kw: needs.need_merge(need=n, into=w.master, actor=a, **kw),
    ),
    "dispatch": (
        "staff",
        lambda w, n, a, **kw: needs.need_dispatch(need=n, actor=a, liaison=w.other_liaison, **kw),
    ),
    "sign": ("liaison", lambda w, n, a, **kw: needs.need_sign(need=n, actor=a, **kw)),
    "contact": (
        "liaison",
        lambda w, n, a, **kw: needs.need_log_contact(need=n, actor=a, note="电话了解额度", **kw),
    ),
    "request_info": (
        "liaison",
        lambda w, n, a, **kw: needs.need_request_info(need=n, actor=a, note="请补充报表", **kw),
    ),
    "supply_info": (
        "secretary",
        lambda w, n, a, **kw: needs.need_supply_info(need=n, actor=a, note="已上传报表", **kw),
    ),
    "request_return": (
        "liaison",
        lambda w, n, a, **kw: needs.need_request_return(
            need=n, actor=a, reason="属于人社局职责", **kw
        ),
    ),
    "decide_return": (
        "staff",
        lambda w, n, a, **kw: needs.need_decide_return(
            need=n, actor=a, approve=True, note="", **kw
        ),
    ),
    "request_extension": (
        "liaison",
        lambda w, n, a, **kw: needs.need_request_extension(
            need=n, actor=a, workdays=3, reason="银行审批流程较长", **kw
        ),
    ),
    "decide_extension": (
        "staff",
        lambda w, n, a, **kw: needs.need_decide_extension(
            need=n, actor=a, approve=True, note="", **kw
        ),
    ),
    "long_term": (
        "liaison",
        lambda w, n, a, **kw: needs.need_mark_long_term(
            need=n, actor=a, note="用地指标需年度统筹", **kw
        ),
    ),
    "milestone": (
        "liaison",
        lambda w, n, a, **kw: needs.need_milestone_reply(
            need=n, actor=a, note="已列入年度计划", **kw
        ),
    ),
    "reply": (
        "liaison",
        lambda w, n, a, **kw: needs.need_reply(
            need=n, actor=a, resolution="已对接江南银行授信", **kw
        ),
    ),
    "rate": (
        "secretary",
        lambda w, n, a, **kw: needs.need_rate(
            need=n, actor=a, satisfaction=Satisfaction.SATISFIED, **kw
        ),
    ),
    "return_visit": (
        "staff",
        lambda w, n, a, **kw: needs.need_log_return_visit(
            need=n, actor=a, note="企业表示满意", satisfaction=Satisfaction.SATISFIED, **kw
        ),
    ),
    "reopen": (
        "staff",
        lambda w, n, a, **kw: needs.need_reopen(need=n, actor=a, reason="企业反映未落实", **kw),
    ),
    "note": (
        "staff",
        lambda w, n, a, **kw: needs.need_add_note(
            need=n, actor=a, note="请加快办理", is_public=False, **kw
        ),
    ),
    "attach": (
        "secretary",
        lambda w, n, a, **kw: needs.need_attach(need=n, actor=a, upload=pdf(), **kw),
    ),
}


def person(world: World, role: str) -> User:
    return {
        "secretary": world.secretary,
        "staff": world.staff,
        "liaison": world.liaison.user,
        "other_liaison": world.other_liaison.user,
        "head": world.head,
        "chief": world.chief,
        "outsider": world.outsider,
    }[role]


def call(name: str, world: World, need: Need, *, actor: User | None = None, **kwargs):
    role, service = SERVICES[name]
    return service(world, need, actor or person(world, role), now=NOW, **kwargs)


# Preconditions a service needs besides the state (a pending extension to decide on).
PREPARE = {"decide_extension": {"extension_requested": 2}}
# The people of the world in each of the table's roles, and one who holds none on the need.
HOLDER = {SECRETARY: "secretary", LIAISON: "liaison", STAFF: "staff", OVERSEER: "chief"}
PEOPLE = [*HOLDER.values(), "other_liaison"]
# The calls that write for the internal timeline (the others write what the table's reader says).
CALLED_PUBLIC = {"note": False}


def with_master(world: World) -> World:
    world.master = factories.NeedFactory(
        enterprise=world.enterprise, submitted_by=world.secretary, status=NeedStatus.ACCEPTED
    )
    return world


def expected(name: str, need: Need, who: str) -> type[NeedActionError] | None:
    """What the table says of `who` taking action `name` on `need`: the error, or None."""
    rule = workflow.ACTIONS[name]
    if need.status not in rule.from_states:
        return NeedTransitionError
    roles = rule.roles_for(is_public=CALLED_PUBLIC.get(name, True))
    # The world's liaison is the need's only once it was dispatched.
    held = {role for role, holder in HOLDER.items() if holder == who}
    if need.liaison_id is None:
        held.discard(LIAISON)
    if not held & set(roles):
        return NeedPermissionError
    return None


CROSS = [(name, status, who) for name in SERVICES for status in NeedStatus for who in PEOPLE]


def test_the_tests_call_every_action_of_the_table_through_its_service():
    assert set(SERVICES) == set(workflow.ACTIONS)
    for name, rule in workflow.ACTIONS.items():
        assert callable(getattr(needs, rule.service)), name
    assert len(CROSS) == len(workflow.ACTIONS) * len(NeedStatus) * len(PEOPLE)


@pytest.mark.parametrize(("name", "status", "who"), CROSS)
def test_each_service_accepts_exactly_what_the_table_allows(world, name, status, who):
    """Every action × state × person: the table's answer is the service's. A refusal says why
    (the state before the person) and leaves everything as it was."""
    world = with_master(world)
    need = need_in(world, status, **PREPARE.get(name, {}))
    refusal = expected(name, need, who)
    if refusal is not None:
        before = snapshot(need)
        event_count = NeedEvent.objects.count()
        with pytest.raises(NeedActionError) as refused:
            call(name, world, need, actor=person(world, who))
        assert type(refused.value) is refusal
        if refusal is NeedTransitionError:
            assert need.number in refused.value.message
        assert snapshot(need) == before
        assert NeedEvent.objects.count() == event_count
        assert not Notification.objects.exists()
        assert not NeedAttachment.objects.exists()
        return
    rule = workflow.ACTIONS[name]
    before = NeedEvent.objects.filter(need=need).count()
    call(name, world, need, actor=person(world, who))
    after = list(NeedEvent.objects.filter(need=need).order_by("pk"))[before:]
    # One entry of the codes the table names, on the timeline the table names; none for a
    # draft's edit or a file (listed with the need).
    assert len(after) == (1 if rule.timeline else 0)
    for event in after:
        assert event.action in rule.timeline
        if event.note or not rule.text:  # the reader is the text's (a dispatch's move is public)
            assert event.is_public == rule.is_public(chosen=CALLED_PUBLIC.get(name, True))
    need = Need.objects.get(pk=need.pk)
    assert need.status in (rule.to_states or {status})
    # The escalation sweep finds the need when its next rung comes, whatever the move did to
    # the clock (started, paused, moved, stopped).
    assert need.next_escalation_at == deadlines.next_escalation_at(need)


def test_an_outcome_outside_the_table_is_refused(world):
    """An action with several outcomes may only take one the table lists: a denied return
    without the state it came from has nowhere to go."""
    need = need_in(world, NeedStatus.RETURN_PENDING, status_before_return="")
    with pytest.raises(NeedTransitionError):
        needs.need_decide_return(
            need=need, actor=world.staff, approve=False, note="不同意", now=NOW
        )
    assert Need.objects.get(pk=need.pk).status == NeedStatus.RETURN_PENDING


# The workflow as published (docs/needs.md), read once more on purpose: a change to the table is
# a change to the portal's rules and is made here too, knowingly. Per action: the states it is
# taken in → where it moves the need (– it stays), who may take it, its text (! required,
# ? required for a refusal) and who reads it; an indented line goes on with the row above.
PUBLISHED = """
update_draft      | draft → – | secretary
submit            | draft → submitted | secretary
accept            | submitted → accepted | staff | note public
reject            | submitted → rejected | staff | reason! public
merge             | accepted submitted → merged | staff | note public
dispatch          | accepted → dispatched | staff | note internal
sign              | dispatched reopened → in_progress | liaison
contact           | in_progress long_term waiting_enterprise → – | liaison | note! chosen
request_info      | in_progress → waiting_enterprise | liaison | note! public
supply_info       | waiting_enterprise → in_progress | secretary | note! public
request_return    | dispatched in_progress → return_pending | liaison | reason! internal
decide_return     | return_pending → accepted dispatched in_progress | staff | note? internal
request_extension | in_progress → – | liaison | reason! internal
decide_extension  | in_progress return_pending waiting_enterprise → – | staff
                  | note? public_if_granted
long_term         | in_progress → long_term | liaison | note! public
milestone         | long_term → – | liaison | note! public
reply             | in_progress long_term → replied | liaison | resolution! public
rate              | replied → closed reopened | secretary | comment? public
return_visit      | closed replied → closed reopened | staff | note! public
reopen            | closed replied → reopened | staff | reason! public
note              | all but draft → – | secretary liaison staff; internal: liaison staff overseer
                  | note! chosen
attach            | all but closed merged rejected → – | secretary liaison; internal: liaison
                  | chosen
"""


def _published(rule: workflow.NeedAction) -> list[str]:
    """One line of PUBLISHED, as the table has it."""
    missing = set(NeedStatus.values) - rule.from_states
    if missing and len(missing) <= 3:
        states = "all but " + " ".join(sorted(missing))
    else:
        states = " ".join(sorted(rule.from_states))
    line = [rule.name, f"{states} → {' '.join(sorted(rule.to_states)) or '–'}"]
    roles = " ".join(rule.roles)
    if rule.internal_roles is not None:
        roles += "; internal: " + " ".join(rule.internal_roles)
    line.append(roles)
    mark = {"required": "!", "if_refused": "?"}.get(rule.words, "")
    text = " ".join(part for part in (rule.text + mark, rule.reader) if part)
    if rule.text or rule.reader != "public":
        line.append(text)
    return line


def test_the_table_is_the_published_workflow():
    rows = PUBLISHED.strip().replace("\n ", " ").splitlines()
    published = [[" ".join(cell.split()) for cell in row.split("|")] for row in rows]
    assert [_published(rule) for rule in workflow.ACTIONS.values()] == published


def test_the_moves_a_need_may_make_are_the_table_s():
    assert {
        status: frozenset(
            target
            for rule in workflow.ACTIONS.values()
            if status in rule.from_states
            for target in rule.to_states
            if target != status
        )
        for status in NeedStatus.values
    } == NEED_TRANSITIONS
    # A long-term need leaves only with the reply: no action resumes the ordinary clock.
    assert NEED_TRANSITIONS[NeedStatus.LONG_TERM] == {NeedStatus.REPLIED}


# --- Stale pages and wrong people ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "status"),
    [(name, sorted(workflow.ACTIONS[name].from_states)[0]) for name in SERVICES],
)
def test_a_stale_page_gets_a_conflict_and_changes_nothing(world, name, status):
    need = need_in(with_master(world), status, **PREPARE.get(name, {}))
    before = snapshot(need)
    # The page was opened while the need was in another state; it has moved on since.
    seen = NeedStatus.SUBMITTED if status == NeedStatus.DRAFT else NeedStatus.DRAFT
    with pytest.raises(NeedConflictError) as refused:
        call(name, world, need, expected_status=seen)
    assert "changed since you opened it" in refused.value.message
    assert snapshot(need) == before
    assert not NeedEvent.objects.filter(need=need).exists()
    assert not Notification.objects.exists()


def test_the_expected_status_lets_a_fresh_page_through(world):
    need = need_in(world, NeedStatus.SUBMITTED)
    with pytest.raises(NeedConflictError):
        needs.need_accept(need=need, actor=world.staff, expected_status=NeedStatus.ACCEPTED)
    needs.need_accept(need=need, actor=world.staff, expected_status=NeedStatus.SUBMITTED, now=NOW)
    assert Need.objects.get(pk=need.pk).status == NeedStatus.ACCEPTED


@pytest.mark.parametrize("who", ["head", "outsider"])
@pytest.mark.parametrize("name", list(SERVICES))
def test_people_without_the_table_s_role_are_refused(world, name, who):
    """The department head is an overseer of its department's needs only, an outsider of none:
    each is refused wherever the table does not name the overseer."""
    rule = workflow.ACTIONS[name]
    status = sorted(rule.from_states)[0]
    need = need_in(with_master(world), status, **PREPARE.get(name, {}))
    overseer = who == "head" and need.department_id == world.department.pk
    if overseer and OVERSEER in rule.roles_for(is_public=CALLED_PUBLIC.get(name, True)):
        pytest.skip("the head oversees this need and the table lets overseers do this")
    before = snapshot(need)
    with pytest.raises(NeedPermissionError):
        call(name, world, need, actor=person(world, who))
    assert snapshot(need) == before
    assert not NeedEvent.objects.filter(need=need).exists()
    assert not Notification.objects.exists()


def test_an_inactive_liaison_account_is_refused(world):
    need = need_in(world, NeedStatus.DISPATCHED)
    User.objects.filter(pk=world.liaison.user.pk).update(is_active=False)
    world.liaison.user.refresh_from_db()
    with pytest.raises(NeedPermissionError):
        needs.need_sign(need=need, actor=world.liaison.user, now=NOW)


# --- Creation, drafts, submission ---------------------------------------------------------------


def create(world: World, *, submit: bool, **overrides) -> Need:
    values = {
        "enterprise": world.enterprise,
        "actor": world.secretary,
        "category": NeedCategory.FINANCING,
        "urgency": Urgency.GREEN,
        "title": "扩产流动资金贷款",
        "description": "新建车灯产线，需流动资金约3000万元。",
        "contact_name": "吴书记",
        "contact_phone": "0519-86661234",
        "submit": submit,
        "now": NOW,
    }
    return needs.need_create(**{**values, **overrides})


def test_a_draft_is_numbered_private_and_silent(world):
    need = create(world, submit=False)
    assert need.status == NeedStatus.DRAFT
    assert need.number == "XQ-2026-00001"
    assert need.chain == world.chain
    assert need.submitted_by == world.secretary
    assert need.submitted_at is None
    assert not NeedEvent.objects.exists()
    assert not Notification.objects.exists()


def test_draft_edit_then_submit(world):
    factories.StaffFactory(username="staff2")
    need = create(world, submit=False, description="")
    with pytest.raises(NeedActionError, match="Describe the need"):
        needs.need_submit(need=need, actor=world.secretary, now=NOW)
    need = needs.need_update_draft(
        need=need, actor=world.secretary, description="  补充：需3000万元  ", urgency=Urgency.RED
    )
    assert need.description == "补充：需3000万元"
    with pytest.raises(TypeError):
        needs.need_update_draft(need=need, actor=world.secretary, status=NeedStatus.CLOSED)
    need = needs.need_submit(need=need, actor=world.secretary, now=NOW)
    assert need.status == NeedStatus.SUBMITTED
    assert need.submitted_at == NOW
    # Red urgency: accept within 2 working hours.
    assert need.accept_due == datetime(2026, 11, 9, 11, 0, tzinfo=SHANGHAI)
    assert events(need) == [(NeedEventAction.SUBMIT, NeedStatus.DRAFT, NeedStatus.SUBMITTED, True)]
    assert recipients("need_submitted") == {"staff", "staff2"}


def test_submitting_at_creation_tells_the_park_staff(world):
    need = create(world, submit=True)
    assert need.status == NeedStatus.SUBMITTED
    assert need.accept_due == add_working_hours(NOW, 8).at
    assert events(need) == [(NeedEventAction.SUBMIT, "", NeedStatus.SUBMITTED, True)]
    notification = Notification.objects.get(kind="need_submitted")
    assert notification.recipient == world.staff
    assert notification.url == f"/needs/{need.pk}/"
    for fact in (need.number, need.title, world.enterprise.name, "2026-11-10 09:00"):
        assert fact in notification.title + notification.body


def test_only_the_enterprise_contact_creates_and_bad_input_is_refused(world):
    other = factories.EnterpriseFactory()
    with pytest.raises(NeedPermissionError):
        create(world, submit=True, enterprise=other)
    with pytest.raises(NeedActionError, match="title"):
        create(world, submit=True, title="   ")
    with pytest.raises(NeedActionError, match="category"):
        create(world, submit=True, category="weather")
    with pytest.raises(NeedActionError, match="urgency"):
        create(world, submit=True, urgency="purple")
    with pytest.raises(NeedActionError, match="0519-86661234"):
        create(world, submit=True, contact_phone="12345")
    with pytest.raises(NeedActionError, match="Describe"):
        create(world, submit=True, description=" ")
    assert not Need.objects.exists()


def test_a_missing_time_limit_never_stops_a_firm_from_submitting(world):
    NeedTimeLimit.objects.filter(category=NeedCategory.FINANCING).delete()
    need = create(world, submit=True)
    assert need.status == NeedStatus.SUBMITTED
    assert need.accept_due is None


# --- Triage -------------------------------------------------------------------------------------


def test_accept_may_correct_category_and_urgency(world):
    need = need_in(world, NeedStatus.SUBMITTED)
    category_before, urgency_before = need.category, need.urgency
    need = needs.need_accept(
        need=need,
        actor=world.staff,
        category=NeedCategory.PERMITS,
        urgency=Urgency.RED,
        note="按办证审批处理",
        now=NOW,
    )
    assert (need.category, need.urgency, need.accepted_at) == (
        NeedCategory.PERMITS,
        Urgency.RED,
        NOW,
    )
    event = NeedEvent.objects.get(need=need)
    # What staff typed stays as typed; the corrections are the portal's own lines, as codes.
    assert event.note == "按办证审批处理"
    assert event.data == [
        {"code": "category_corrected", "old": category_before, "new": "permits"},
        {"code": "urgency_corrected", "old": urgency_before, "new": "red"},
    ]
    assert recipients("need_accepted") == {"secretary"}


def test_the_portal_s_timeline_lines_are_read_in_the_reader_s_language(world):
    # The test runs in English. The timeline stores codes and shows them in each reader's
    # language; the e-mail, written once for its recipient, uses the portal's language.
    need = need_in(world, NeedStatus.SUBMITTED)
    needs.need_accept(need=need, actor=world.staff, category=NeedCategory.PERMITS, now=NOW)
    event = NeedEvent.objects.get(need=need)
    with translation.override("zh-hans"):
        assert render_note(event.data, event.note) == "类别更正：融资 → 办证审批"
    with translation.override("en"):
        assert render_note(event.data, event.note) == (
            "Category corrected: Financing → Permits and approvals"
        )
    assert "已受理" in Notification.objects.get(kind="need_accepted").body


def test_reject_needs_a_reason_and_tells_the_firm(world):
    need = need_in(world, NeedStatus.SUBMITTED)
    with pytest.raises(NeedActionError, match="reason"):
        needs.need_reject(need=need, actor=world.staff, reason="  ")
    assert Need.objects.get(pk=need.pk).status == NeedStatus.SUBMITTED
    need = needs.need_reject(need=need, actor=world.staff, reason="属于司法诉讼事项")
    assert need.status == NeedStatus.REJECTED
    assert events(need) == [
        (NeedEventAction.REJECT, NeedStatus.SUBMITTED, NeedStatus.REJECTED, True)
    ]
    assert "属于司法诉讼事项" in Notification.objects.get(kind="need_rejected").body


def test_merge_into_a_master_of_the_same_enterprise(world):
    master = need_in(world, NeedStatus.IN_PROGRESS)
    duplicate = need_in(world, NeedStatus.SUBMITTED)
    with pytest.raises(NeedActionError, match="itself"):
        needs.need_merge(need=duplicate, into=duplicate, actor=world.staff)
    foreign = factories.NeedFactory(status=NeedStatus.SUBMITTED)
    with pytest.raises(NeedActionError, match="same enterprise"):
        needs.need_merge(need=duplicate, into=foreign, actor=world.staff)
    rejected = need_in(world, NeedStatus.REJECTED)
    with pytest.raises(NeedActionError, match="cannot take in"):
        needs.need_merge(need=duplicate, into=rejected, actor=world.staff)
    duplicate = needs.need_merge(need=duplicate, into=master, actor=world.staff, note="重复提交")
    assert (duplicate.status, duplicate.merged_into) == (NeedStatus.MERGED, master)
    assert events(duplicate) == [
        (NeedEventAction.MERGE, NeedStatus.SUBMITTED, NeedStatus.MERGED, True)
    ]
    # The master's timeline records the duplicate, internally.
    assert events(master) == [(NeedEventAction.MERGE, "", "", False)]
    assert master.number in Notification.objects.get(kind="need_merged").body


def test_dispatch_starts_the_clock_and_tells_liaison_and_firm(world):
    need = need_in(world, NeedStatus.ACCEPTED)
    need = needs.need_dispatch(need=need, actor=world.staff, liaison=world.liaison, now=NOW)
    assert need.status == NeedStatus.DISPATCHED
    assert (need.liaison, need.department, need.dispatched_at) == (
        world.liaison,
        world.department,
        NOW,
    )
    # Financing, green: sign and first contact within a working day, resolve within 15.
    assert need.sign_due == datetime(2026, 11, 10, 9, 0, tzinfo=SHANGHAI)
    assert need.first_contact_due == datetime(2026, 11, 10, 9, 0, tzinfo=SHANGHAI)
    assert need.resolve_due == datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI)
    assert need.deadline_estimated is False
    assert events(need) == [
        (NeedEventAction.DISPATCH, NeedStatus.ACCEPTED, NeedStatus.DISPATCHED, True)
    ]
    assert NeedEvent.objects.get(need=need).data == [{"code": "liaison", "name": "王专员"}]
    assert recipients("need_dispatched") == {"liaison"}
    assert recipients("need_dispatched_enterprise") == {"secretary"}
    to_firm = Notification.objects.get(kind="need_dispatched_enterprise")
    assert "王专员" in to_firm.body and "13912345678" in to_firm.body
    assert "2026-11-30 09:00" in to_firm.body


def test_dispatch_instructions_for_the_liaison_stay_internal(world):
    need = need_in(world, NeedStatus.ACCEPTED)
    need = needs.need_dispatch(
        need=need, actor=world.staff, liaison=world.liaison, note="该企业曾投诉，注意口径", now=NOW
    )
    public = list(NeedEvent.objects.filter(need=need, is_public=True))
    assert public and all("投诉" not in render_note(e.data, e.note) for e in public)
    assert "王专员" in render_note(public[0].data, public[0].note)
    internal = NeedEvent.objects.get(need=need, is_public=False)
    assert internal.note == "该企业曾投诉，注意口径"
    assert "投诉" in Notification.objects.get(kind="need_dispatched").body
    assert "投诉" not in Notification.objects.get(kind="need_dispatched_enterprise").body


def test_dispatch_refuses_an_inactive_liaison_and_a_missing_time_limit(world):
    need = need_in(world, NeedStatus.ACCEPTED)
    Liaison.objects.filter(pk=world.other_liaison.pk).update(is_active=False)
    with pytest.raises(NeedActionError, match="not active"):
        needs.need_dispatch(need=need, actor=world.staff, liaison=world.other_liaison, now=NOW)
    NeedTimeLimit.objects.filter(category=NeedCategory.FINANCING, urgency=Urgency.GREEN).delete()
    with pytest.raises(NeedActionError, match="No time limits"):
        needs.need_dispatch(need=need, actor=world.staff, liaison=world.liaison, now=NOW)
    assert Need.objects.get(pk=need.pk).status == NeedStatus.ACCEPTED


def test_a_deadline_in_an_unknown_year_is_marked_estimated(world):
    need = need_in(world, NeedStatus.ACCEPTED)
    december = datetime(2026, 12, 21, 9, 0, tzinfo=SHANGHAI)
    need = needs.need_dispatch(need=need, actor=world.staff, liaison=world.liaison, now=december)
    assert need.resolve_due.year == 2027
    assert need.deadline_estimated is True


# --- The liaison's work -------------------------------------------------------------------------


def test_sign_then_contacts(world):
    need = need_in(world, NeedStatus.DISPATCHED)
    need = needs.need_sign(need=need, actor=world.liaison.user, now=NOW)
    assert (need.status, need.signed_at) == (NeedStatus.IN_PROGRESS, NOW)
    assert recipients("need_signed") == {"secretary"}

    later = NOW + timedelta(hours=2)
    need = needs.need_log_contact(
        need=need, actor=world.liaison.user, note="内部：先与银行沟通", is_public=False, now=later
    )
    assert need.first_contact_at == later
    assert not Notification.objects.filter(kind="need_progress").exists()
    need = needs.need_log_contact(
        need=need,
        actor=world.liaison.user,
        note="上门走访了解需求",
        visit=True,
        now=later + timedelta(hours=1),
    )
    assert need.first_contact_at == later  # the first contact stays the first
    assert events(need)[1:] == [
        (NeedEventAction.CONTACT, "", "", False),
        (NeedEventAction.VISIT, "", "", True),
    ]
    assert recipients("need_progress") == {"secretary"}
    with pytest.raises(NeedActionError):
        needs.need_log_contact(need=need, actor=world.liaison.user, note="")


def test_waiting_for_the_firm_stops_the_clock_and_moves_the_deadlines(world):
    need = need_in(
        world,
        NeedStatus.IN_PROGRESS,
        first_contact_at=None,
        first_contact_due=datetime(2026, 11, 10, 9, 0, tzinfo=SHANGHAI),
        resolve_due=datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI),
    )
    need = needs.need_request_info(
        need=need, actor=world.liaison.user, note="请补充财务报表", now=NOW
    )
    assert (need.status, need.paused_since) == (NeedStatus.WAITING_ENTERPRISE, NOW)
    assert need.first_contact_at == NOW  # asking the firm is contacting it
    assert recipients("need_info_requested") == {"secretary"}
    # The firm answers on Friday 13 November at 15:00, 37 working hours later: Monday 7.5 h,
    # Tuesday to Thursday 24 h, Friday 08:30-15:00 less the lunch break 5.5 h.
    answered = datetime(2026, 11, 13, 15, 0, tzinfo=SHANGHAI)
    need = needs.need_supply_info(need=need, actor=world.secretary, note="报表已上传", now=answered)
    assert need.status == NeedStatus.IN_PROGRESS
    assert need.paused_since is None
    assert need.paused_total == answered - NOW  # wall-clock time the firm took
    # The resolve deadline moves by those 37 working hours: Monday 30 November 09:00 becomes
    # Friday 4 December 15:00.
    assert need.resolve_due == datetime(2026, 12, 4, 15, 0, tzinfo=SHANGHAI)
    # The first contact was made, so its deadline is no longer open and stays.
    assert need.first_contact_due == datetime(2026, 11, 10, 9, 0, tzinfo=SHANGHAI)
    assert recipients("need_info_supplied") == {"liaison"}
    assert [e[0] for e in events(need)] == [
        NeedEventAction.REQUEST_INFO,
        NeedEventAction.SUPPLY_INFO,
    ]


def test_an_answer_outside_working_hours_moves_nothing(world):
    due = datetime(2026, 11, 30, 17, 30, tzinfo=SHANGHAI)
    evening = datetime(2026, 11, 9, 18, 0, tzinfo=SHANGHAI)
    need = need_in(world, NeedStatus.WAITING_ENTERPRISE, resolve_due=due, paused_since=evening)
    need = needs.need_supply_info(
        need=need, actor=world.secretary, note="已补充", now=evening + timedelta(hours=2)
    )
    assert need.resolve_due == due
    assert need.paused_total == timedelta(hours=2)


def test_returns_need_a_reason_and_stop_after_two(world):
    need = need_in(world, NeedStatus.IN_PROGRESS)
    due = need.resolve_due
    with pytest.raises(NeedActionError, match="reason"):
        needs.need_request_return(need=need, actor=world.liaison.user, reason="")
    need = needs.need_request_return(need=need, actor=world.liaison.user, reason="非本局职责")
    assert (need.status, need.status_before_return) == (
        NeedStatus.RETURN_PENDING,
        NeedStatus.IN_PROGRESS,
    )
    assert recipients("need_return_requested") == {"staff"}

    # Denied: back where it was, same clock.
    with pytest.raises(NeedActionError, match="reason"):
        needs.need_decide_return(need=need, actor=world.staff, approve=False, note="")
    need = needs.need_decide_return(
        need=need, actor=world.staff, approve=False, note="属于本局职责，请继续办理"
    )
    assert (need.status, need.resolve_due, need.liaison) == (
        NeedStatus.IN_PROGRESS,
        due,
        world.liaison,
    )
    assert need.return_count == 0
    assert Notification.objects.filter(kind="need_return_decided").get().recipient == (
        world.liaison.user
    )

    # Approved twice: back to ACCEPTED without a liaison, ready to re-dispatch.
    for count in (1, 2):
        need = needs.need_request_return(need=need, actor=need.liaison.user, reason="非本局职责")
        need = needs.need_decide_return(need=need, actor=world.staff, approve=True, note="")
        assert (need.status, need.liaison, need.department, need.resolve_due) == (
            NeedStatus.ACCEPTED,
            None,
            None,
            None,
        )
        assert need.return_count == count
        need = needs.need_dispatch(
            need=need, actor=world.staff, liaison=world.other_liaison, now=NOW
        )
    with pytest.raises(NeedActionError, match="final"):
        needs.need_request_return(need=need, actor=world.other_liaison.user, reason="仍非本局")
    assert Need.objects.get(pk=need.pk).status == NeedStatus.DISPATCHED
    # Every return step is between the liaison and the office: internal.
    assert {
        e[3] for e in events(need) if e[0] in {"request_return", "approve_return", "deny_return"}
    } == {False}


def test_extension_once_before_the_deadline_within_the_limit(world):
    due = datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI)
    need = need_in(world, NeedStatus.IN_PROGRESS, resolve_due=due)
    ask = needs.need_request_extension
    with pytest.raises(NeedActionError, match="between 1 and 10"):
        ask(need=need, actor=world.liaison.user, workdays=11, reason="审批慢", now=NOW)
    with pytest.raises(NeedActionError, match="between 1 and 10"):
        ask(need=need, actor=world.liaison.user, workdays=0, reason="审批慢", now=NOW)
    with pytest.raises(NeedActionError, match="passed"):
        ask(need=need, actor=world.liaison.user, workdays=3, reason="审批慢", now=due)
    with pytest.raises(NeedActionError, match="reason"):
        ask(need=need, actor=world.liaison.user, workdays=3, reason=" ", now=NOW)
    need = ask(need=need, actor=world.liaison.user, workdays=3, reason="银行审批", now=NOW)
    assert need.extension_requested == 3
    assert need.resolve_due == due  # nothing moves before the office decides
    assert recipients("need_extension_requested") == {"staff"}
    with pytest.raises(NeedActionError, match="only once"):
        ask(need=need, actor=world.liaison.user, workdays=2, reason="再延", now=NOW)

    need.escalation_level = EscalationLevel.AMBER
    need.save(update_fields=["escalation_level"])
    need = needs.need_decide_extension(need=need, actor=world.staff, approve=True, note="同意")
    assert need.resolve_due == datetime(2026, 12, 3, 9, 0, tzinfo=SHANGHAI)
    assert (need.extension_requested, need.extension_workdays) == (0, 3)
    assert need.escalation_level == EscalationLevel.NONE  # the ladder re-arms on the new date
    assert recipients("need_extension_decided") == {"liaison"}
    assert recipients("need_deadline_extended") == {"secretary"}
    assert "2026-12-03 09:00" in Notification.objects.get(kind="need_deadline_extended").body
    assert [(e[0], e[3]) for e in events(need)] == [
        (NeedEventAction.REQUEST_EXTENSION, False),
        (NeedEventAction.APPROVE_EXTENSION, True),
    ]
    with pytest.raises(NeedActionError, match="only once"):
        ask(need=need, actor=world.liaison.user, workdays=1, reason="再延", now=NOW)
    with pytest.raises(NeedActionError, match="No extension request"):
        needs.need_decide_extension(need=need, actor=world.staff, approve=True, note="")


def test_a_denied_extension_keeps_the_deadline_and_counts_as_the_one_request(world):
    need = need_in(world, NeedStatus.IN_PROGRESS)
    due = need.resolve_due
    need = needs.need_request_extension(
        need=need, actor=world.liaison.user, workdays=2, reason="审批慢", now=NOW
    )
    with pytest.raises(NeedActionError, match="reason"):
        needs.need_decide_extension(need=need, actor=world.staff, approve=False, note="")
    need = needs.need_decide_extension(
        need=need, actor=world.staff, approve=False, note="时限内可以办结"
    )
    assert (need.resolve_due, need.extension_requested, need.extension_workdays) == (due, 0, 0)
    assert events(need)[-1][0::3] == (NeedEventAction.DENY_EXTENSION, False)
    with pytest.raises(NeedActionError, match="only once"):
        needs.need_request_extension(
            need=need, actor=world.liaison.user, workdays=2, reason="再申请", now=NOW
        )


def test_long_term_and_monthly_milestones(world):
    need = need_in(world, NeedStatus.IN_PROGRESS)
    need = needs.need_mark_long_term(
        need=need, actor=world.liaison.user, note="用地指标需年度统筹", now=NOW
    )
    assert need.status == NeedStatus.LONG_TERM
    assert need.milestone_due == datetime(2026, 12, 9, 9, 0, tzinfo=SHANGHAI)
    assert recipients("need_long_term") == {"secretary"}
    later = datetime(2026, 12, 8, 10, 0, tzinfo=SHANGHAI)
    need = needs.need_milestone_reply(
        need=need, actor=world.liaison.user, note="已列入明年用地计划", now=later
    )
    assert need.milestone_due == datetime(2027, 1, 8, 10, 0, tzinfo=SHANGHAI)
    need = needs.need_reply(need=need, actor=world.liaison.user, resolution="用地已落实", now=later)
    assert (need.status, need.milestone_due) == (NeedStatus.REPLIED, None)


def test_reply_opens_the_rating_window(world):
    need = need_in(world, NeedStatus.IN_PROGRESS, extension_requested=2)
    with pytest.raises(NeedActionError, match="resolved"):
        needs.need_reply(need=need, actor=world.liaison.user, resolution="", now=NOW)
    need = needs.need_reply(
        need=need, actor=world.liaison.user, resolution="已对接江南银行授信", now=NOW
    )
    assert (need.status, need.replied_at, need.resolution) == (
        NeedStatus.REPLIED,
        NOW,
        "已对接江南银行授信",
    )
    assert need.rating_due == add_working_days(NOW, 5).at  # green: five working days
    assert need.extension_requested == 0  # a pending request is moot once replied
    assert recipients("need_replied") == {"secretary"}
    assert "已对接江南银行授信" in Notification.objects.get(kind="need_replied").body
    assert events(need) == [
        (NeedEventAction.REPLY, NeedStatus.IN_PROGRESS, NeedStatus.REPLIED, True)
    ]


# --- Rating, return visit, reopening ------------------------------------------------------------


@pytest.mark.parametrize("satisfaction", [Satisfaction.SATISFIED, Satisfaction.BASICALLY])
def test_a_satisfied_rating_closes_the_need(world, satisfaction):
    need = need_in(world, NeedStatus.REPLIED)
    need = needs.need_rate(
        need=need, actor=world.secretary, satisfaction=satisfaction, comment="感谢", now=NOW
    )
    assert (need.status, need.closed_at, need.satisfaction, need.rated_at) == (
        NeedStatus.CLOSED,
        NOW,
        satisfaction,
        NOW,
    )
    assert recipients("need_rated") == {"liaison"}
    assert events(need) == [(NeedEventAction.RATE, NeedStatus.REPLIED, NeedStatus.CLOSED, True)]


def test_an_unsatisfied_rating_reopens_with_a_new_clock(world):
    factories.StaffFactory(username="staff2")
    need = need_in(world, NeedStatus.REPLIED, escalation_level=EscalationLevel.URGE)
    with pytest.raises(NeedActionError, match="still wrong"):
        needs.need_rate(
            need=need, actor=world.secretary, satisfaction=Satisfaction.UNSATISFIED, now=NOW
        )
    with pytest.raises(NeedActionError, match="satisfied"):
        needs.need_rate(need=need, actor=world.secretary, satisfaction="meh", now=NOW)
    need = needs.need_rate(
        need=need,
        actor=world.secretary,
        satisfaction=Satisfaction.UNSATISFIED,
        comment="贷款仍未到位",
        now=NOW,
    )
    assert need.status == NeedStatus.REOPENED
    assert need.reopen_count == 1
    assert (need.sign_due, need.resolve_due) == (
        datetime(2026, 11, 10, 9, 0, tzinfo=SHANGHAI),
        datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI),
    )
    assert need.signed_at is None and need.escalation_level == EscalationLevel.NONE
    assert need.satisfaction == Satisfaction.UNSATISFIED
    # The liaison redoes it; the office hears of every unsatisfied rating.
    assert recipients("need_reopened") == {"liaison", "staff", "staff2"}
    assert "贷款仍未到位" in Notification.objects.filter(kind="need_reopened").first().body
    need = needs.need_sign(need=need, actor=world.liaison.user, now=NOW + timedelta(hours=1))
    assert need.status == NeedStatus.IN_PROGRESS


def test_return_visit_waits_for_the_rating_window_unless_the_firm_answers(world):
    need = need_in(world, NeedStatus.REPLIED)  # rating window open for four more days
    with pytest.raises(NeedActionError, match="can still rate"):
        needs.need_log_return_visit(need=need, actor=world.staff, note="电话回访", now=NOW)
    after = need.rating_due + timedelta(minutes=1)
    need = needs.need_log_return_visit(
        need=need, actor=world.staff, note="电话回访无异议", now=after
    )
    assert (need.status, need.closed_at, need.satisfaction) == (NeedStatus.CLOSED, after, "")
    assert recipients("need_closed") == {"liaison"}
    assert events(need) == [
        (NeedEventAction.RETURN_VISIT, NeedStatus.REPLIED, NeedStatus.CLOSED, True)
    ]


def test_return_visit_records_the_firms_answer(world):
    unhappy = need_in(world, NeedStatus.REPLIED)
    unhappy = needs.need_log_return_visit(
        need=unhappy,
        actor=world.staff,
        note="企业反映贷款额度不足",
        satisfaction=Satisfaction.UNSATISFIED,
        now=NOW,
    )
    assert (unhappy.status, unhappy.reopen_count, unhappy.satisfaction) == (
        NeedStatus.REOPENED,
        1,
        Satisfaction.UNSATISFIED,
    )
    assert recipients("need_reopened") == {"liaison", "staff", "secretary"}

    closed = need_in(world, NeedStatus.CLOSED)
    closed = needs.need_log_return_visit(
        need=closed, actor=world.staff, note="回访确认满意", satisfaction=Satisfaction.BASICALLY
    )
    assert (closed.status, closed.satisfaction) == (NeedStatus.CLOSED, Satisfaction.BASICALLY)
    assert events(closed) == [(NeedEventAction.RETURN_VISIT, "", "", True)]


def test_staff_reopen_a_closed_need(world):
    need = need_in(world, NeedStatus.CLOSED)
    with pytest.raises(NeedActionError, match="reason"):
        needs.need_reopen(need=need, actor=world.staff, reason="")
    need = needs.need_reopen(need=need, actor=world.staff, reason="企业投诉未落实", now=NOW)
    assert (need.status, need.closed_at, need.reopen_count) == (NeedStatus.REOPENED, None, 1)
    assert need.resolve_due == datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI)
    assert recipients("need_reopened") == {"liaison", "staff", "secretary"}
    assert events(need) == [(NeedEventAction.REOPEN, NeedStatus.CLOSED, NeedStatus.REOPENED, True)]


# --- Notes and attachments ----------------------------------------------------------------------


def test_who_writes_which_notes(world):
    need = need_in(world, NeedStatus.IN_PROGRESS)
    add = needs.need_add_note
    add(need=need, actor=world.secretary, note="请尽快联系", is_public=True)
    assert recipients("need_note") == {"liaison"}
    with pytest.raises(NeedPermissionError):
        add(need=need, actor=world.secretary, note="内部", is_public=False)
    for supervisor in (world.head, world.chief):
        add(need=need, actor=supervisor, note="请关注", is_public=False)
        with pytest.raises(NeedPermissionError):
            add(need=need, actor=supervisor, note="公开", is_public=True)
    add(need=need, actor=world.liaison.user, note="已约见", is_public=True)
    add(need=need, actor=world.staff, note="督促办理", is_public=False)
    for nobody in (world.outsider, world.other_liaison.user):
        with pytest.raises(NeedPermissionError):
            add(need=need, actor=nobody, note="x", is_public=False)
    with pytest.raises(NeedActionError, match="Write a note"):
        add(need=need, actor=world.staff, note="  ", is_public=False)
    assert [(e[0], e[3]) for e in events(need)] == [
        ("comment", True),
        ("comment", False),
        ("comment", False),
        ("comment", True),
        ("comment", False),
    ]
    # Only the firm's note is announced; the others are read on the need's page.
    assert Notification.objects.count() == 1


def test_a_firm_note_before_dispatch_goes_to_the_office(world):
    need = need_in(world, NeedStatus.SUBMITTED)
    needs.need_add_note(need=need, actor=world.secretary, note="补充说明", is_public=True)
    assert recipients("need_note") == {"staff"}


def test_attachments(world, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    need = need_in(world, NeedStatus.IN_PROGRESS)
    attachment = needs.need_attach(
        need=need, actor=world.secretary, upload=pdf("../../财务报表.pdf")
    )
    assert attachment.original_name == "财务报表.pdf"
    assert attachment.size == len(PDF)
    assert attachment.is_public and attachment.uploaded_by == world.secretary
    stored = tmp_path / attachment.file.name
    assert stored.read_bytes() == PDF
    assert stored.parent == tmp_path / "needs"  # a random name under MEDIA_ROOT, not theirs
    assert "财务报表" not in attachment.file.name
    internal = needs.need_attach(
        need=need, actor=world.liaison.user, upload=pdf("x" * 300 + ".pdf"), is_public=False
    )
    assert internal.original_name == "x" * 196 + ".pdf"
    with pytest.raises(NeedPermissionError):
        needs.need_attach(need=need, actor=world.secretary, upload=pdf(), is_public=False)
    for nobody in (world.staff, world.outsider, world.other_liaison.user, world.chief):
        with pytest.raises(NeedPermissionError):
            needs.need_attach(need=need, actor=nobody, upload=pdf())
    assert NeedAttachment.objects.count() == 2


# --- Concurrency (PostgreSQL) -------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_people_dispatching_at_once_exactly_one_wins():
    if connection.vendor == "sqlite":
        pytest.skip("SQLite has no row locks; the race is run on PostgreSQL.")
    world = make_world()
    need = need_in(world, NeedStatus.ACCEPTED)
    start = threading.Barrier(2)
    outcomes: list = []

    def dispatch(liaison):
        try:
            start.wait(timeout=10)
            needs.need_dispatch(
                need=need,
                actor=world.staff,
                liaison=liaison,
                expected_status=NeedStatus.ACCEPTED,
                now=NOW,
            )
            outcomes.append("won")
        except NeedConflictError as error:
            outcomes.append(error)
        except BaseException as error:  # surfaced below: a thread cannot fail the test itself
            outcomes.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=dispatch, args=(liaison,))
        for liaison in (world.liaison, world.other_liaison)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert outcomes.count("won") == 1, outcomes
    (lost,) = [outcome for outcome in outcomes if outcome != "won"]
    assert isinstance(lost, NeedConflictError), lost
    assert "已发生变化" in lost.message  # "changed since you opened it" (threads speak Chinese)
    assert NeedEvent.objects.filter(need=need, action=NeedEventAction.DISPATCH).count() == 1
    assert Notification.objects.filter(kind="need_dispatched").count() == 1
    need.refresh_from_db()
    assert need.status == NeedStatus.DISPATCHED


# --- The e-mails --------------------------------------------------------------------------------

KINDS = [
    "need_submitted",
    "need_accepted",
    "need_rejected",
    "need_merged",
    "need_dispatched",
    "need_dispatched_enterprise",
    "need_signed",
    "need_progress",
    "need_info_requested",
    "need_info_supplied",
    "need_return_requested",
    "need_return_decided",
    "need_extension_requested",
    "need_extension_decided",
    "need_deadline_extended",
    "need_long_term",
    "need_milestone",
    "need_replied",
    "need_rated",
    "need_reopened",
    "need_closed",
    "need_note",
    "need_escalation_amber",
    "need_escalation_urge",
    "need_escalation_supervise",
    "need_deadline_earlier",
]


def test_every_kind_sent_has_its_templates():
    sent = {
        kind
        for stage in (intake, handling, closing, notes)
        for kind in re.findall(r'kind="(need_[a-z_]+)"', inspect.getsource(stage))
    }
    sent |= set(escalations.KINDS.values())
    sent |= set(re.findall(r'kind="(need_[a-z_]+)"', inspect.getsource(recount)))
    assert sent == set(KINDS)


@pytest.mark.parametrize("kind", KINDS)
def test_each_e_mail_names_the_need_and_keeps_user_text_literal(world, kind):
    need = need_in(world, NeedStatus.IN_PROGRESS, title='<b>"扩产" & 贷款</b>')
    notify_about_need(
        need,
        kind=kind,
        recipients=[world.secretary],
        actor=world.liaison.user,
        deadline=NOW,
        note="<script>alert(1)</script>",
        master_number="XQ-2026-00001",
        workdays=3,
    )
    notification = Notification.objects.get()
    text = notification.title + "\n" + notification.body
    # Plain text: nothing escaped (the pages escape it when they show it).
    assert '<b>"扩产" & 贷款</b>' in text
    assert "&lt;" not in text and "&amp;" not in text
    for fact in (need.number, world.enterprise.name, "2026-11-09 09:00"):
        assert fact in notification.body
    assert "\n" not in notification.title
