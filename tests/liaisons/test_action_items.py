"""Action item services: creation (by hand, from a need, from a meeting decision), the transition
table, milestones, progress reports, history, notifications and the overdue warning."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone, translation

from alliance.core.models import Notification
from events.models import EventKind, EventStatus
from events.services.events import decision_record
from liaisons import tasks
from liaisons.action_items import services
from liaisons.exceptions import ActionItemError, ActionItemPermissionError
from liaisons.models import (
    ACTION_ITEM_TRANSITIONS,
    ActionItem,
    ActionItemKind,
    ActionItemMilestone,
    ActionItemParticipant,
    ActionItemProgress,
    ActionItemStatus,
    NeedCategory,
    NeedEvent,
    NeedEventAction,
    NeedStatus,
)
from tests import factories
from tests.liaisons.conftest import make_need

pytestmark = pytest.mark.django_db

S = ActionItemStatus
TODAY = date(2026, 6, 10)
NOW = datetime(2026, 6, 10, 9, 0, tzinfo=timezone.get_fixed_timezone(8 * 60))


@pytest.fixture(autouse=True)
def english():
    """Service messages are asserted in the English source text."""
    with translation.override("en"):
        yield


def make_item(world, *, status=S.PLANNED, owner=None, due=None, **fields) -> ActionItem:
    item = factories.ActionItemFactory(
        status=status,
        owner=owner or world.users["L1"],
        due_date=due or timezone.localdate() + timedelta(days=30),
        **fields,
    )
    item.chains.add(world.chain1)
    ActionItemParticipant.objects.create(
        action_item=item, enterprise=world.enterprise1, role=ActionItemParticipant.Role.LEAD
    )
    return item


def kinds_sent(kind: str) -> set[str]:
    return set(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


# --- Creating ----------------------------------------------------------------------------------


def test_staff_create_an_item_by_hand_and_the_owner_is_told(world):
    staff = world.users["staff"]
    item = services.action_item_create(
        actor=staff,
        kind=ActionItemKind.AGREEMENT,
        title="  工程机械产业链就近配套合作框架协议 ",
        description="以柳工常州机械为链主签署就近配套协议。",
        chains=[world.chain1],
        lead=world.enterprise1,
        partners=[world.enterprise2, world.enterprise1],
        owner=world.users["L1"],
        due_date=timezone.localdate() + timedelta(days=20),
    )
    assert item.title == "工程机械产业链就近配套合作框架协议"
    assert item.status == S.PLANNED
    roles = dict(item.participants.values_list("enterprise__name", "role"))
    # The lead given twice stays the lead, once.
    assert roles == {"江苏恒立液压股份有限公司": "lead", "今创集团股份有限公司": "partner"}
    assert kinds_sent("action_item_assigned") == {"l1"}
    assert Notification.objects.get().url == f"/action-items/{item.pk}/"
    record = item.history.get()
    assert (record.history_type, record.history_user) == ("+", staff)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": "   "}, "title"),
        ({"title": "长" * 201}, "too long"),
        ({"description": "长" * 5001}, "too long"),
        ({"kind": "hack"}, "type"),
        ({"due_date": date(2020, 1, 1)}, "past"),
    ],
)
def test_creating_refuses_bad_input(world, changes, message):
    values = {
        "actor": world.users["staff"],
        "kind": ActionItemKind.SERVICE,
        "title": "惠企服务包",
        "owner": world.users["L1"],
    }
    with pytest.raises(ActionItemError, match=message):
        services.action_item_create(**{**values, **changes})
    assert not ActionItem.objects.exists()


@pytest.mark.parametrize("role", ["S1", "L1", "C1", "H1", "outsider"])
def test_only_staff_create_by_hand(world, role):
    with pytest.raises(ActionItemPermissionError):
        services.action_item_create(actor=world.users[role], kind=ActionItemKind.OTHER, title="x")
    assert not ActionItem.objects.exists()


@pytest.mark.parametrize(
    ("category", "kind"),
    [
        (NeedCategory.MATCHMAKING, ActionItemKind.MATCHMAKING),
        (NeedCategory.TECHNOLOGY, ActionItemKind.JOINT_RD),
        (NeedCategory.FINANCING, ActionItemKind.SERVICE),
    ],
)
def test_a_need_becomes_a_project(world, category, kind):
    need = make_need(
        enterprise=world.enterprise1,
        status=NeedStatus.IN_PROGRESS,
        liaison=world.liaison1,
        category=category,
        title="寻求高压油缸配套",
    )
    item = services.action_item_create_from_need(
        need=need,
        actor=world.users["staff"],
        partners=[world.enterprise2],
        due_date=timezone.localdate() + timedelta(days=60),
    )
    assert (item.kind, item.title, item.origin_need, item.owner) == (
        kind,
        "寻求高压油缸配套",
        need,
        world.users["L1"],  # the need's liaison owns it unless someone else is chosen
    )
    assert list(item.chains.all()) == [world.chain1]
    roles = dict(item.participants.values_list("enterprise_id", "role"))
    assert roles == {world.enterprise1.pk: "lead", world.enterprise2.pk: "partner"}
    event = NeedEvent.objects.get(need=need, action=NeedEventAction.ACTION_ITEM)
    assert event.actor == world.users["staff"]
    assert event.data == [{"code": "action_item", "title": item.title}]
    assert "寻求高压油缸配套" in item.title
    assert event.is_public
    # A second click does not make a twin.
    with pytest.raises(ActionItemError, match="already has"):
        services.action_item_create_from_need(need=need, actor=world.users["staff"])
    assert ActionItem.objects.count() == 1


def test_the_needs_liaison_may_turn_it_into_a_project_but_not_others(world):
    need = make_need(
        enterprise=world.enterprise1, status=NeedStatus.IN_PROGRESS, liaison=world.liaison1
    )
    for role in ("S1", "L2", "C1", "H1", "outsider"):
        with pytest.raises(ActionItemPermissionError):
            services.action_item_create_from_need(need=need, actor=world.users[role])
    item = services.action_item_create_from_need(need=need, actor=world.users["L1"])
    assert item.owner == world.users["L1"]
    # The owner made it: nobody needs telling.
    assert not Notification.objects.filter(kind="action_item_assigned").exists()


@pytest.mark.parametrize("status", [NeedStatus.DRAFT, NeedStatus.REJECTED, NeedStatus.MERGED])
def test_drafts_rejected_and_merged_needs_do_not_become_projects(world, status):
    need = make_need(enterprise=world.enterprise1, status=status)
    with pytest.raises(ActionItemError, match="cannot become an action item"):
        services.action_item_create_from_need(need=need, actor=world.users["staff"])
    assert not ActionItem.objects.exists()
    assert not NeedEvent.objects.filter(action=NeedEventAction.ACTION_ITEM).exists()


def test_a_meeting_decision_goes_through_the_service(world):
    staff = world.users["staff"]
    event = factories.EventFactory(
        kind=EventKind.JOINT_MEETING,
        starts_at=timezone.now() - timedelta(hours=3),
        ends_at=timezone.now() - timedelta(hours=1),
        status=EventStatus.HELD,
    )
    decision = decision_record(
        event=event,
        actor=staff,
        text="推动恒立液压与今创集团开展联合攻关。",
        kind=ActionItemKind.JOINT_RD,
        title="",
        owner=world.users["L1"],
        due_date=timezone.localdate() + timedelta(days=90),
        chains=[world.chain1],
        enterprises=[world.enterprise2],
        lead_enterprise=world.enterprise1,
    )
    item = decision.action_item
    assert item.title == "推动恒立液压与今创集团开展联合攻关。"
    assert item.history.get().history_user == staff
    assert item.participants.get(role="lead").enterprise == world.enterprise1
    # One message (the meeting's), pointing at the item itself.
    note = Notification.objects.get(recipient=world.users["L1"])
    assert (note.kind, note.url) == ("event_action_item", f"/action-items/{item.pk}/")


# --- The transition table ----------------------------------------------------------------------

ALL_MOVES = [(a, b) for a in S.values for b in S.values]


@pytest.mark.parametrize(("start", "target"), ALL_MOVES, ids=[f"{a}-{b}" for a, b in ALL_MOVES])
def test_every_move_of_the_table(world, start, target):
    item = make_item(world, status=start)
    allowed = target in ACTION_ITEM_TRANSITIONS[start]
    kwargs = {"reason": "企业暂停扩产计划。", "outcome": "签订配套合同。", "outcome_amount": "0.50"}
    if allowed:
        moved = services.action_item_move(
            item=item, actor=world.users["staff"], to_status=target, **kwargs
        )
        assert moved.status == target
        record = item.history.latest()
        assert (record.status, record.history_user) == (target, world.users["staff"])
        return
    with pytest.raises(ActionItemError) as refused:
        services.action_item_move(item=item, actor=world.users["staff"], to_status=target, **kwargs)
    message = str(refused.value)
    if start == target:
        assert "already" in message
    elif start in (S.DONE, S.CANCELLED):
        assert "closed" in message
    elif (start, target) == (S.PLANNED, S.DONE):
        assert "started" in message
    else:
        assert "cannot" in message
    item.refresh_from_db()
    assert item.status == start


def test_an_unknown_status_is_refused(world):
    item = make_item(world)
    with pytest.raises(ActionItemError, match="valid status"):
        services.action_item_move(item=item, actor=world.users["staff"], to_status="closed")


def test_done_needs_the_outcome_and_a_sane_amount(world):
    item = make_item(world, status=S.IN_PROGRESS)
    staff = world.users["staff"]
    with pytest.raises(ActionItemError, match="outcome"):
        services.action_item_move(item=item, actor=staff, to_status=S.DONE, outcome="  ")
    for amount, message in [
        ("-1", "negative"),
        ("1.234", "two decimals"),
        ("abc", "number"),
        ("NaN", "number"),
        ("100000000", "too large"),
    ]:
        with pytest.raises(ActionItemError, match=message):
            services.action_item_move(
                item=item, actor=staff, to_status=S.DONE, outcome="合同", outcome_amount=amount
            )
    item.refresh_from_db()
    assert item.status == S.IN_PROGRESS
    done = services.action_item_move(
        item=item,
        actor=staff,
        to_status=S.DONE,
        outcome="龙城精锻进入理想汽车二级供应商名录。",
        outcome_amount=Decimal("1.2"),
    )
    done.refresh_from_db()
    assert (done.status, done.outcome_amount) == (S.DONE, Decimal("1.20"))
    # The owner and the lead firm's secretary are told; the actor is not.
    assert kinds_sent("action_item_status") == {"l1", "s1"}


def test_done_is_refused_while_a_milestone_is_open(world):
    item = make_item(world, status=S.IN_PROGRESS)
    owner = world.users["L1"]
    ActionItemMilestone.objects.create(
        action_item=item, due_on=date(2026, 5, 1), text="样件试制", done_at=NOW
    )
    first = ActionItemMilestone.objects.create(
        action_item=item, due_on=date(2026, 6, 1), text="供应商审核"
    )
    ActionItemMilestone.objects.create(action_item=item, due_on=date(2026, 7, 1), text="批量供货")
    with pytest.raises(ActionItemError) as refused:
        services.action_item_move(item=item, actor=owner, to_status=S.DONE, outcome="签约")
    message = str(refused.value)
    assert message.startswith("2 milestones are still open (“供应商审核”、“批量供货”)")
    assert "Mark the open milestones done too" in message
    item.refresh_from_db()
    assert (item.status, item.outcome) == (S.IN_PROGRESS, "")
    assert not Notification.objects.filter(kind="action_item_status").exists()
    # With one left open the sentence speaks of it alone.
    services.milestone_complete(milestone=first, actor=owner, now=NOW)
    with pytest.raises(ActionItemError, match=r"^1 milestone is still open \(“批量供货”\)"):
        services.action_item_move(item=item, actor=owner, to_status=S.DONE, outcome="签约")


def test_done_closes_the_open_milestones_when_asked(world):
    item = make_item(world, status=S.IN_PROGRESS)
    earlier = NOW - timedelta(days=20)
    ticked = ActionItemMilestone.objects.create(
        action_item=item, due_on=date(2026, 5, 1), text="样件试制", done_at=earlier
    )
    ActionItemMilestone.objects.create(action_item=item, due_on=date(2026, 7, 1), text="批量供货")
    done = services.action_item_move(
        item=item,
        actor=world.users["L1"],
        to_status=S.DONE,
        outcome="签约",
        close_milestones=True,
        now=NOW,
    )
    assert done.status == S.DONE
    assert dict(item.milestones.values_list("text", "done_at")) == {
        "样件试制": earlier,  # a milestone done before keeps its day
        "批量供货": NOW,
    }
    assert ticked.pk in item.milestones.values_list("pk", flat=True)


def test_cancelling_needs_a_reason_that_the_history_keeps(world):
    item = make_item(world)
    owner = world.users["L1"]
    with pytest.raises(ActionItemError, match="reason"):
        services.action_item_move(item=item, actor=owner, to_status=S.CANCELLED)
    services.action_item_move(
        item=item, actor=owner, to_status=S.CANCELLED, reason="企业调整采购计划，暂不对接。"
    )
    item.refresh_from_db()
    assert item.cancel_reason == "企业调整采购计划，暂不对接。"
    record = item.history.latest()
    assert record.history_user == owner
    assert record.history_change_reason == "企业调整采购计划，暂不对接。"
    assert record.status == S.CANCELLED


def test_a_stale_page_is_told_and_changes_nothing(world):
    item = make_item(world, status=S.IN_PROGRESS)
    with pytest.raises(ActionItemError, match="changed since you opened it"):
        services.action_item_move(
            item=item,
            actor=world.users["staff"],
            to_status=S.IN_PROGRESS,
            expected_status=S.PLANNED,
        )


@pytest.mark.parametrize("role", ["S1", "C1", "H1", "L2", "outsider"])
def test_only_the_owner_and_staff_move_an_item(world, role):
    item = make_item(world)
    with pytest.raises(ActionItemPermissionError):
        services.action_item_move(item=item, actor=world.users[role], to_status=S.IN_PROGRESS)
    item.refresh_from_db()
    assert item.status == S.PLANNED


def test_editing_changes_the_owner_and_tells_the_new_one(world):
    item = make_item(world)
    services.action_item_update(
        item=item,
        actor=world.users["staff"],
        kind=ActionItemKind.JOINT_RD,
        title="改名后的项目",
        description="",
        chains=[world.chain2],
        owner=world.users["L2"],
        due_date=item.due_date,
        lead=world.enterprise2,
        partners=[world.enterprise1],
    )
    item.refresh_from_db()
    assert (item.title, item.owner, item.kind) == (
        "改名后的项目",
        world.users["L2"],
        ActionItemKind.JOINT_RD,
    )
    assert list(item.chains.all()) == [world.chain2]
    assert item.participants.get(role="lead").enterprise == world.enterprise2
    assert kinds_sent("action_item_assigned") == {"l2"}
    # A closed item is no longer edited.
    item.status = S.CANCELLED
    item.save()
    with pytest.raises(ActionItemError, match="closed"):
        services.action_item_update(
            item=item,
            actor=world.users["staff"],
            kind=item.kind,
            title="x",
            description="",
            chains=[],
            owner=None,
            due_date=None,
            lead=None,
            partners=[],
        )


# --- Milestones and progress -------------------------------------------------------------------


def test_milestones_are_added_and_ticked_once(world):
    item = make_item(world, status=S.IN_PROGRESS)
    owner = world.users["L1"]
    milestone = services.milestone_add(
        item=item, actor=owner, due_on=date(2026, 7, 1), text="完成样件试制"
    )
    with pytest.raises(ActionItemError, match="Describe"):
        services.milestone_add(item=item, actor=owner, due_on=date(2026, 7, 1), text=" ")
    with pytest.raises(ActionItemPermissionError):
        services.milestone_complete(milestone=milestone, actor=world.users["S1"])
    services.milestone_complete(milestone=milestone, actor=owner, now=NOW)
    milestone.refresh_from_db()
    assert milestone.done_at == NOW
    with pytest.raises(ActionItemError, match="already done"):
        services.milestone_complete(milestone=milestone, actor=owner)
    assert ActionItemMilestone.objects.count() == 1


def test_progress_reports_from_the_owner_staff_and_the_firms_liaison(world):
    # Owned by L2; L1 serves the lead firm (驻企) and may report too.
    item = make_item(world, status=S.IN_PROGRESS, owner=world.users["L2"])
    services.progress_report(item=item, actor=world.users["L1"], note="样件已送检。", percent=40)
    assert kinds_sent("action_item_progress") == {"l2"}
    with pytest.raises(ActionItemError, match="between 0 and 100"):
        services.progress_report(item=item, actor=world.users["L2"], note="x", percent=101)
    with pytest.raises(ActionItemError, match="Write"):
        services.progress_report(item=item, actor=world.users["L2"], note="   ")
    for role in ("S1", "C1", "H1", "outsider"):
        with pytest.raises(ActionItemPermissionError):
            services.progress_report(item=item, actor=world.users[role], note="x")
    assert ActionItemProgress.objects.count() == 1
    item.status = S.DONE
    item.save()
    with pytest.raises(ActionItemError, match="closed"):
        services.progress_report(item=item, actor=world.users["staff"], note="补充")


# --- The overdue warning -----------------------------------------------------------------------


def test_overdue_owners_are_warned_once_per_due_date(world, django_assert_max_num_queries):
    today = timezone.localdate()
    late = make_item(world, due=today - timedelta(days=3), title="逾期项目甲")
    also_late = make_item(world, status=S.IN_PROGRESS, due=today - timedelta(days=1))
    make_item(world, due=today)  # due today: not yet overdue
    make_item(world, status=S.DONE, due=today - timedelta(days=9))
    make_item(world, status=S.CANCELLED, due=today - timedelta(days=9))
    make_item(world, due=today - timedelta(days=2), owner=world.users["L2"])

    # The batch's transaction (savepoint and release in a test), 1. the batch (locked, SKIP
    # LOCKED), 2. the claim UPDATE, 3.–4. one notification per owner (L1 and L2); no second
    # batch is read, as the first was not full.
    with django_assert_max_num_queries(6):
        assert tasks.warn_overdue_action_items() == 3
    assert tasks.warn_overdue_action_items() == 0  # the second run sends nothing
    warnings = Notification.objects.filter(kind="action_item_overdue")
    assert sorted(warnings.values_list("recipient__username", flat=True)) == ["l1", "l2"]
    l1 = warnings.get(recipient=world.users["L1"])
    assert "逾期项目甲" in l1.body
    assert l1.url == "/action-items/?overdue=on&mine=on"
    late.refresh_from_db()
    assert late.overdue_warned_for == late.due_date

    # A new due date that passes again is a new warning; only for that item.
    ActionItem.objects.filter(pk=also_late.pk).update(due_date=today - timedelta(days=2))
    also_late.refresh_from_db()
    assert tasks.warn_overdue_action_items() == 1
    latest = Notification.objects.filter(kind="action_item_overdue").latest("pk")
    assert latest.url == f"/action-items/{also_late.pk}/"
    assert tasks.warn_overdue_action_items() == 0


def test_overdue_warning_is_scheduled_every_morning():
    entry = settings.CELERY_BEAT_SCHEDULE["warn-overdue-action-items"]
    assert entry["task"] == "liaisons.tasks.warn_overdue_action_items"
    assert entry["schedule"].hour == {8}
    assert entry["schedule"].minute == {30}
    assert settings.CELERY_TIMEZONE == "Asia/Shanghai"
