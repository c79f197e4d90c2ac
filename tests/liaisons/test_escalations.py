"""The escalation ladder: amber, 催办, 督办 — each once per deadline, whatever the sweeps do."""

import threading
from datetime import datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from alliance.core.models import Notification
from alliance.core.tasks import send_notification_email
from liaisons import tasks
from liaisons.models import (
    EscalationLevel,
    NeedCategory,
    NeedEscalation,
    NeedEvent,
    NeedEventAction,
    NeedStatus,
    Urgency,
)
from liaisons.needs import services as needs
from liaisons.needs.deadlines import amber_hours_left
from liaisons.needs.escalations import sweep_need_deadlines
from liaisons.needs.timeline import render_note
from tests.liaisons.test_services import make_world, need_in

SHANGHAI = ZoneInfo("Asia/Shanghai")
DISPATCHED = datetime(2026, 11, 9, 9, 0, tzinfo=SHANGHAI)  # Monday
# Financing, green: 15 working days, due Monday 30 November 09:00.
DUE = datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI)

pytestmark = pytest.mark.django_db


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def no_broker():
    with mock.patch.object(send_notification_email, "apply_async") as apply_async:
        yield apply_async


@pytest.fixture
def world(db):
    return make_world()


def running(world, status=NeedStatus.IN_PROGRESS, **fields):
    values = {"dispatched_at": DISPATCHED, "resolve_due": DUE, **fields}
    return need_in(world, status, **values)


def ladder(need) -> list[tuple[int, datetime]]:
    return list(
        NeedEscalation.objects.filter(need=need)
        .order_by("level", "due_at")
        .values_list("level", "due_at")
    )


def told(kind: str) -> set[str]:
    return set(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def test_the_amber_horizon():
    class Limit:
        resolve_hours = 120

    # 20 % of 15 working days is 3 working days; 20 % of 5 is less than the one-day floor.
    assert amber_hours_left(limit=Limit, extension_workdays=0) == 24
    assert amber_hours_left(limit=Limit, extension_workdays=5) == pytest.approx(32)
    Limit.resolve_hours = 40
    assert amber_hours_left(limit=Limit, extension_workdays=0) == 8
    assert amber_hours_left(limit=None, extension_workdays=0) == 8


def test_amber_at_80_percent_of_a_long_clock(world):
    need = running(world)
    # 24 working hours before Monday 30 November 09:00 is Wednesday 25 November 09:00.
    assert sweep_need_deadlines(now=at(2026, 11, 25, 8, 59)) == 0
    assert sweep_need_deadlines(now=at(2026, 11, 25, 9, 0)) == 1
    assert ladder(need) == [(EscalationLevel.AMBER, DUE)]
    need.refresh_from_db()
    assert need.escalation_level == EscalationLevel.AMBER
    event = NeedEvent.objects.get(need=need)
    assert (event.action, event.actor, event.is_public) == (NeedEventAction.ESCALATE, None, False)
    assert event.data == [
        {"code": "escalation", "level": EscalationLevel.AMBER, "due": need.resolve_due.isoformat()}
    ]
    with translation.override("zh-hans"):
        assert render_note(event.data) == "临期预警——办结截止时间：2026-11-30 09:00"
    with translation.override("en"):
        assert render_note(event.data) == "Amber warning — resolve by 2026-11-30 09:00"
    assert told("need_escalation_amber") == {"liaison"}
    assert Notification.objects.count() == 1
    notice = Notification.objects.get()
    for fact in (need.number, need.title, world.enterprise.name, "2026-11-30 09:00"):
        assert fact in notice.title + notice.body
    assert notice.url == f"/needs/{need.pk}/"


def test_amber_one_working_day_before_a_short_clock(world):
    # Red financing: 5 working days; 20 % is less than a day, so the day wins.
    due = at(2026, 11, 16, 9, 0)
    need = running(world, urgency=Urgency.RED, resolve_due=due)
    assert sweep_need_deadlines(now=at(2026, 11, 13, 8, 59)) == 0
    assert sweep_need_deadlines(now=at(2026, 11, 13, 9, 0)) == 1
    assert ladder(need) == [(EscalationLevel.AMBER, due)]


def test_urge_from_the_next_working_morning_to_liaison_and_head(world):
    need = running(world)
    sweep_need_deadlines(now=at(2026, 11, 25, 9, 0))
    # Overdue the same day is still amber; 催办 comes at 08:30 of the next working day.
    assert sweep_need_deadlines(now=at(2026, 11, 30, 17, 0)) == 0
    assert sweep_need_deadlines(now=at(2026, 12, 1, 8, 29)) == 0
    assert sweep_need_deadlines(now=at(2026, 12, 1, 8, 30)) == 1
    assert ladder(need) == [(EscalationLevel.AMBER, DUE), (EscalationLevel.URGE, DUE)]
    assert told("need_escalation_urge") == {"liaison", "head"}


def test_urge_skips_the_weekend(world):
    friday = at(2026, 12, 4, 17, 30)
    need = running(world, resolve_due=friday)
    assert sweep_need_deadlines(now=at(2026, 12, 5, 10, 0)) == 1  # Saturday: amber only
    assert sweep_need_deadlines(now=at(2026, 12, 6, 23, 0)) == 0
    assert sweep_need_deadlines(now=at(2026, 12, 7, 8, 30)) == 1
    assert [level for level, _due in ladder(need)] == [1, 2]


def test_supervise_five_working_days_after_the_deadline_to_chief_and_staff(world):
    need = running(world)
    sweep_need_deadlines(now=at(2026, 12, 1, 9, 0))
    assert sweep_need_deadlines(now=at(2026, 12, 7, 8, 59)) == 0
    assert sweep_need_deadlines(now=at(2026, 12, 7, 9, 0)) == 1
    assert [level for level, _due in ladder(need)] == [1, 2, 3]
    assert told("need_escalation_supervise") == {"chief", "staff"}
    need.refresh_from_db()
    assert need.escalation_level == EscalationLevel.SUPERVISE
    # The top of the ladder: later sweeps no longer even look at the need.
    assert sweep_need_deadlines(now=at(2026, 12, 20, 9, 0)) == 0


def test_running_twice_escalates_once(world):
    need = running(world)
    moment = at(2026, 11, 25, 10, 0)
    assert sweep_need_deadlines(now=moment) == 1
    assert sweep_need_deadlines(now=moment) == 0
    assert sweep_need_deadlines(now=moment + timedelta(minutes=5)) == 0
    assert len(ladder(need)) == 1
    assert NeedEvent.objects.filter(need=need).count() == 1
    assert Notification.objects.count() == 1


def test_a_missed_sweep_catches_up_and_tells_each_person_once(world):
    need = running(world)
    # The worker was down for two weeks: the first sweep back finds the need 督办-late.
    assert sweep_need_deadlines(now=at(2026, 12, 8, 10, 0)) == 3
    assert ladder(need) == [(1, DUE), (2, DUE), (3, DUE)]
    assert [e.action for e in NeedEvent.objects.filter(need=need)] == [NeedEventAction.ESCALATE] * 3
    # Chief and staff hear of 督办; liaison and head of 催办; nobody of the stale amber.
    assert told("need_escalation_supervise") == {"chief", "staff"}
    assert told("need_escalation_urge") == {"liaison", "head"}
    assert told("need_escalation_amber") == set()
    assert Notification.objects.count() == 4
    assert sweep_need_deadlines(now=at(2026, 12, 8, 10, 5)) == 0
    assert Notification.objects.count() == 4


def test_an_approved_extension_re_arms_the_ladder(world):
    need = running(world)
    sweep_need_deadlines(now=at(2026, 11, 25, 9, 0))
    need = needs.need_request_extension(
        need=need, actor=world.liaison.user, workdays=3, reason="审批慢", now=at(2026, 11, 25, 9, 5)
    )
    need = needs.need_decide_extension(need=need, actor=world.staff, approve=True, note="")
    new_due = at(2026, 12, 3, 9, 0)
    assert (need.resolve_due, need.escalation_level) == (new_due, EscalationLevel.NONE)
    # 18 working days allowed now; 20 % is 28.8 h: nothing for a while…
    assert sweep_need_deadlines(now=at(2026, 11, 26, 9, 0)) == 0
    # …then amber again, for the new deadline.
    assert sweep_need_deadlines(now=at(2026, 11, 30, 17, 0)) == 1
    assert ladder(need) == [(1, DUE), (1, new_due)]
    assert Notification.objects.filter(kind="need_escalation_amber").count() == 2


def test_a_pause_moves_the_deadline_without_repeating_a_rung(world):
    need = running(world, first_contact_at=DISPATCHED)
    sweep_need_deadlines(now=at(2026, 11, 25, 9, 0))
    need = needs.need_request_info(
        need=need, actor=world.liaison.user, note="请补充", now=at(2026, 11, 25, 10, 0)
    )
    # While the firm is asked, the clock stands still: no sweep touches the need.
    assert sweep_need_deadlines(now=at(2026, 12, 20, 10, 0)) == 0
    need = needs.need_supply_info(
        need=need, actor=world.secretary, note="已补充", now=at(2026, 11, 26, 10, 0)
    )
    assert need.resolve_due == at(2026, 12, 1, 9, 0)
    assert need.escalation_level == EscalationLevel.AMBER
    assert sweep_need_deadlines(now=at(2026, 11, 26, 10, 5)) == 0
    assert sweep_need_deadlines(now=at(2026, 12, 2, 8, 30)) == 1  # 催办 on the moved deadline
    assert ladder(need) == [(1, DUE), (2, at(2026, 12, 1, 9, 0))]


@pytest.mark.parametrize(
    "status",
    [
        NeedStatus.WAITING_ENTERPRISE,
        NeedStatus.LONG_TERM,
        NeedStatus.REPLIED,
        NeedStatus.CLOSED,
        NeedStatus.ACCEPTED,
    ],
)
def test_only_running_clocks_are_escalated(world, status):
    need = running(world, status)
    assert sweep_need_deadlines(now=at(2026, 12, 20, 9, 0)) == 0
    assert not ladder(need)


@pytest.mark.parametrize(
    "status", [NeedStatus.DISPATCHED, NeedStatus.RETURN_PENDING, NeedStatus.REOPENED]
)
def test_unsigned_returned_and_reopened_needs_are_escalated(world, status):
    need = running(world, status)
    assert sweep_need_deadlines(now=at(2026, 12, 20, 9, 0)) == 3
    assert len(ladder(need)) == 3


def test_a_rung_claimed_elsewhere_is_skipped_quietly(world):
    need = running(world)
    # Another sweep claimed amber for this deadline but its transaction has not moved the
    # level yet (SQLite has no row lock to stop it): the claim alone decides.
    NeedEscalation.objects.create(need=need, level=EscalationLevel.AMBER, due_at=DUE)
    assert sweep_need_deadlines(now=at(2026, 11, 25, 9, 0)) == 0
    assert not NeedEvent.objects.exists()
    assert not Notification.objects.exists()
    assert sweep_need_deadlines(now=at(2026, 12, 1, 8, 30)) == 1
    need.refresh_from_db()
    assert need.escalation_level == EscalationLevel.URGE
    assert told("need_escalation_urge") == {"liaison", "head"}


def _statements(captured) -> list[str]:
    """The SQL a sweep ran, without the savepoints of its transaction (tests run in one)."""
    return [
        query["sql"]
        for query in captured.captured_queries
        if not query["sql"].upper().startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    ]


def test_a_sweep_with_no_rung_due_is_one_query_whatever_the_needs_waiting(world):
    """Needs far from their deadline, and 催办s waiting five working days for their 督办, are not
    even read: the sweep's one query finds the needs whose next rung has come."""
    later = DUE + timedelta(days=30)
    running(world, resolve_due=later)
    for _ in range(20):
        running(world, category=NeedCategory.HIRING, resolve_due=later)
    for _ in range(6):
        running(world, escalation_level=EscalationLevel.URGE)
    with CaptureQueriesContext(connection) as captured:
        assert sweep_need_deadlines(now=at(2026, 12, 1, 9, 0)) == 0
    statements = _statements(captured)
    assert len(statements) == 1, statements
    assert "next_escalation_at" in statements[0]
    # Five working days after the deadline the 催办s come up for their 督办, and only they.
    assert sweep_need_deadlines(now=at(2026, 12, 7, 9, 0)) == 6


def test_needs_crossing_a_rung_cost_the_same_queries_whether_2_or_12(world):
    """Per batch: the ids due, their lock, the time limits, the park staff, the calendar, the
    rungs already claimed, the firms, liaisons and addressees of the needs told (one join); then
    the claims, the timeline entries, the levels, their history rows and the messages, each one
    statement; and the query that finds no further batch. None per need."""

    def sweep_counting(count: int, moment: datetime) -> int:
        for _ in range(count):
            running(world)
        with CaptureQueriesContext(connection) as captured:
            assert sweep_need_deadlines(now=moment) == 3 * count
        return len(_statements(captured))

    few = sweep_counting(2, at(2026, 12, 8, 10, 0))
    NeedEscalation.objects.all().delete()
    many = sweep_counting(12, at(2026, 12, 8, 10, 0))
    assert few == many == 13
    assert NeedEscalation.objects.count() == 3 * 12
    assert Notification.objects.filter(kind="need_escalation_supervise").count() == 2 * 14


def test_the_beat_task_runs_the_sweep_now(world):
    need = running(world, resolve_due=timezone.now() - timedelta(days=40))
    assert tasks.sweep_need_deadlines.run() == 3
    assert tasks.sweep_need_deadlines.run() == 0
    assert len(ladder(need)) == 3


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_the_same_time_escalate_once():
    if connection.vendor == "sqlite":
        pytest.skip("SQLite has no row locks; the race is run on PostgreSQL.")
    world = make_world()
    late = [running(world) for _ in range(4)]
    moment = at(2026, 12, 8, 10, 0)
    start = threading.Barrier(2)
    results: list = []

    def sweep():
        try:
            start.wait(timeout=10)
            results.append(sweep_need_deadlines(now=moment))
        except BaseException as error:  # surfaced below: a thread cannot fail the test itself
            results.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(isinstance(result, int) for result in results), results
    assert sum(results) == 12
    assert NeedEscalation.objects.count() == 12
    assert NeedEvent.objects.filter(action=NeedEventAction.ESCALATE).count() == 12
    # Per need: 督办 to chief and staff, 催办 to liaison and head.
    assert Notification.objects.count() == 4 * len(late)
