"""Holidays entered after a deadline was counted move it: every running need's open deadlines
are counted again from their starts, pauses and extensions when the calendar changes."""

import importlib
import math
from datetime import date, datetime
from unittest import mock

import pytest
from django.conf import settings
from django.db import connection
from django.utils import translation

from alliance.core.models import CalendarDay, CalendarYear, Notification
from alliance.core.tasks import send_notification_email
from liaisons import tasks
from liaisons.models import (
    EscalationLevel,
    Need,
    NeedEvent,
    NeedEventAction,
    NeedStatus,
)
from liaisons.needs import deadlines
from liaisons.needs import services as needs
from liaisons.needs.escalations import sweep_need_deadlines
from liaisons.needs.recount import need_deadlines_recount
from liaisons.needs.timeline import NeedDeadline, render_note
from tests.admin_helpers import admin_url
from tests.liaisons.test_escalations import at
from tests.liaisons.test_services import make_world, need_in

pytestmark = pytest.mark.django_db

basis_migration = importlib.import_module("liaisons.migrations.0009_deadline_basis")

# Financing, green: 15 working days to resolve, one to sign for and to make first contact.
# Dispatched on Sunday 20 December 2026, the clock runs from Monday 08:30; while 2027 is unknown
# Friday 1 January counts as a working day and the need is due Friday 8 January at 17:30.
DISPATCHED = at(2026, 12, 20, 10, 0)
ESTIMATED_DUE = at(2027, 1, 8, 17, 30)
# With 元旦 (1–3 January) entered, the fifteenth working day is Monday 11 January.
DUE = at(2027, 1, 11, 17, 30)
ENTERED = at(2026, 12, 22, 10, 0)


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


def dispatched(world, now=DISPATCHED) -> Need:
    need = need_in(world, NeedStatus.ACCEPTED)
    return needs.need_dispatch(need=need, liaison=world.liaison, actor=world.staff, now=now)


def enter_new_year(*, complete: bool = True) -> None:
    for day in (1, 2, 3):
        CalendarDay.objects.create(date=date(2027, 1, day), is_workday=False, name="元旦")
    if complete:
        CalendarYear.objects.create(year=2027, completed_at=ENTERED)


def recount_entries(need: Need) -> list[NeedEvent]:
    return list(NeedEvent.objects.filter(need=need, action=NeedEventAction.RECOUNT))


def earlier_told() -> list[str]:
    return list(
        Notification.objects.filter(kind="need_deadline_earlier").values_list(
            "recipient__username", flat=True
        )
    )


def test_holidays_entered_after_the_dispatch_move_the_deadline_and_the_urge(world):
    need = dispatched(world)
    assert need.resolve_due == ESTIMATED_DUE
    assert need.deadline_estimated is True
    # Amber came on the estimated count (three working days before 8 January); the 催办 would
    # follow on Monday 11 January 08:30, before the need is properly due.
    assert sweep_need_deadlines(now=at(2027, 1, 6, 9, 0)) == 1
    need.refresh_from_db()
    assert need.next_escalation_at == at(2027, 1, 11, 8, 30)

    enter_new_year()
    assert need_deadlines_recount(now=at(2027, 1, 6, 10, 0)) == 1

    need.refresh_from_db()
    assert need.resolve_due == DUE
    assert need.deadline_estimated is False
    assert need.sign_due == at(2026, 12, 21, 17, 30)  # counted inside 2026: unchanged
    assert need.escalation_level == EscalationLevel.AMBER  # a rung is never repeated
    assert need.next_escalation_at == at(2027, 1, 12, 8, 30)
    assert sweep_need_deadlines(now=at(2027, 1, 11, 9, 0)) == 0
    # A need dispatched now is due on the same day.
    fresh = dispatched(world)
    assert (fresh.resolve_due, fresh.deadline_estimated) == (DUE, False)

    (entry,) = recount_entries(need)
    assert entry.actor is None
    assert entry.is_public is True  # the firm was given the resolve deadline
    assert entry.note == ""
    heading, moved = entry.data
    assert heading == {"code": "deadlines_recounted"}
    assert (moved["code"], moved["deadline"]) == ("deadline_moved", "resolve_due")
    assert [datetime.fromisoformat(moved[name]) for name in ("old", "new")] == [ESTIMATED_DUE, DUE]
    assert render_note(entry.data, entry.note) == (
        "Deadlines recounted after a change to the holiday calendar:\n"
        "Resolve by: 2027-01-08 17:30 → 2027-01-11 17:30"
    )
    with translation.override("zh-hans"):
        assert entry.get_action_display() == "期限重新计算"
        assert render_note(entry.data, entry.note) == (
            "期限因节假日调整重新计算：\n办结截止时间：2027-01-08 17:30 → 2027-01-11 17:30"
        )
    # Later gives the liaison more time: nobody is disturbed for it.
    assert earlier_told() == []
    history = need.history.latest()
    assert history.resolve_due == DUE
    assert history.history_user is None


def test_every_recounted_deadline_has_a_name_on_the_timeline():
    assert set(NeedDeadline.values) == set(deadlines.DEADLINE_BASIS)


def test_a_deadline_that_comes_earlier_is_told_to_the_liaison(world):
    # Dispatched on Monday 25 January 2027, 09:00, with 2027 unknown: the fifteenth working day
    # after it, Monday to Friday, is Monday 15 February.
    need = dispatched(world, now=at(2027, 1, 25, 9, 0))
    assert need.resolve_due == at(2027, 2, 15, 9, 0)
    # The notice makes Sunday 7 February a make-up working day (and nothing else in the span).
    CalendarDay.objects.create(date=date(2027, 2, 7), is_workday=True, name="春节调休上班")
    CalendarYear.objects.create(year=2027, completed_at=ENTERED)
    assert need_deadlines_recount(now=at(2027, 1, 26, 9, 0)) == 1
    need.refresh_from_db()
    assert need.resolve_due == at(2027, 2, 12, 9, 0)
    assert earlier_told() == ["liaison"]
    message = Notification.objects.get(kind="need_deadline_earlier")
    assert need.number in message.title
    assert "2027-02-15 09:00 → 2027-02-12 09:00" in message.body
    assert message.url == f"/needs/{need.pk}/"


def test_a_paused_need_keeps_its_pauses_and_moves_on_from_the_recounted_deadline(world):
    # Monday 14 December 09:00: 15 working days end on Monday 4 January with 1 January counted.
    need = dispatched(world, now=at(2026, 12, 14, 9, 0))
    assert need.resolve_due == at(2027, 1, 4, 9, 0)
    liaison, firm = world.liaison.user, world.secretary
    need = needs.need_sign(need=need, actor=liaison, now=at(2026, 12, 14, 10, 0))
    # One working day waiting for the firm: the deadline moves on a day.
    need = needs.need_request_info(need=need, actor=liaison, note="请补充", now=at(2026, 12, 16, 9))
    need = needs.need_supply_info(need=need, actor=firm, note="已补充", now=at(2026, 12, 17, 9, 0))
    assert need.resolve_due == at(2027, 1, 5, 9, 0)
    # Waiting again (待企业补充) when the holidays are entered.
    need = needs.need_request_info(need=need, actor=liaison, note="再补充", now=at(2026, 12, 21, 9))
    enter_new_year()
    assert need_deadlines_recount(now=ENTERED) == 1
    need.refresh_from_db()
    assert need.status == NeedStatus.WAITING_ENTERPRISE
    # 15 working days and the day paused, with 1 January off: Wednesday 6 January.
    assert need.resolve_due == at(2027, 1, 6, 9, 0)
    assert need.deadline_estimated is False
    assert need.next_escalation_at is None  # no rung while the clock stands still
    # The firm answers after a full working week: the deadline moves on by it from there.
    need = needs.need_supply_info(need=need, actor=firm, note="已补充", now=at(2026, 12, 28, 9, 0))
    assert need.resolve_due == at(2027, 1, 13, 9, 0)
    assert need_deadlines_recount(now=at(2026, 12, 28, 10, 0)) == 0


def test_an_extension_is_counted_in(world):
    need = dispatched(world)
    need = needs.need_sign(need=need, actor=world.liaison.user, now=at(2026, 12, 21, 9, 0))
    need = needs.need_request_extension(
        need=need, actor=world.liaison.user, workdays=3, reason="审批慢", now=at(2026, 12, 21, 10)
    )
    need = needs.need_decide_extension(need=need, actor=world.staff, approve=True, note="")
    assert need.resolve_due == at(2027, 1, 13, 17, 30)  # three more weekdays after 8 January
    enter_new_year()
    assert need_deadlines_recount(now=ENTERED) == 1
    need.refresh_from_db()
    assert need.resolve_due == at(2027, 1, 14, 17, 30)
    assert need.extension_workdays == 3
    assert need.deadline_estimated is False


def test_days_entered_without_the_year_marked_complete_move_but_stay_estimated(world):
    need = dispatched(world)
    enter_new_year(complete=False)
    assert need_deadlines_recount(now=ENTERED) == 1
    need.refresh_from_db()
    assert (need.resolve_due, need.deadline_estimated) == (DUE, True)
    # Marking the year complete clears the flag; no deadline moves, so no entry is added.
    CalendarYear.objects.create(year=2027, completed_at=ENTERED)
    assert need_deadlines_recount(now=ENTERED) == 0
    need.refresh_from_db()
    assert (need.resolve_due, need.deadline_estimated) == (DUE, False)
    assert len(recount_entries(need)) == 1


def test_running_it_twice_changes_nothing_the_second_time(world):
    moved = [dispatched(world) for _ in range(3)]
    enter_new_year()
    assert need_deadlines_recount(now=ENTERED) == 3
    rows = list(Need.objects.order_by("pk").values())
    entries = NeedEvent.objects.count()
    messages = Notification.objects.count()
    assert need_deadlines_recount(now=ENTERED) == 0
    assert list(Need.objects.order_by("pk").values()) == rows
    assert (NeedEvent.objects.count(), Notification.objects.count()) == (entries, messages)
    assert all(need.history.count() == 3 for need in moved)  # created, dispatched, recounted


def test_an_unchanged_calendar_moves_no_deadline_counted_by_the_workflow(world):
    """Every deadline the workflow counts is the one rule's count of what it keeps."""
    submitted = needs.need_create(
        enterprise=world.enterprise,
        actor=world.secretary,
        category="financing",
        urgency="green",
        title="贷款",
        description="流动资金贷款",
        submit=True,
        now=at(2026, 12, 31, 16, 0),
    )
    walked = dispatched(world, now=at(2026, 12, 14, 11, 20))
    liaison = world.liaison.user
    walked = needs.need_sign(need=walked, actor=liaison, now=at(2026, 12, 14, 13, 5))
    walked = needs.need_request_info(
        need=walked, actor=liaison, note="问", now=at(2026, 12, 15, 10)
    )
    walked = needs.need_supply_info(
        need=walked, actor=world.secretary, note="答", now=at(2026, 12, 15, 14, 47)
    )
    replied = dispatched(world, now=at(2026, 12, 14, 9, 0))
    replied = needs.need_sign(need=replied, actor=liaison, now=at(2026, 12, 14, 9, 30))
    replied = needs.need_reply(
        need=replied, actor=liaison, resolution="已协调", now=at(2026, 12, 29, 15, 0)
    )
    assert replied.deadline_estimated is True  # the rating window reaches into 2027
    for need in (submitted, walked, replied):
        assert deadlines.deadlines_recount(need).changes(need) == {}
    assert need_deadlines_recount(now=at(2026, 12, 31, 17, 0)) == 0


def test_other_open_deadlines_are_counted_again_too(world):
    submitted = needs.need_create(
        enterprise=world.enterprise,
        actor=world.secretary,
        category="financing",
        urgency="green",
        title="贷款",
        description="流动资金贷款",
        submit=True,
        now=at(2026, 12, 31, 16, 0),
    )
    assert submitted.accept_due == at(2027, 1, 1, 16, 0)
    waiting = dispatched(world, now=at(2026, 12, 31, 16, 0))  # not signed, no first contact
    replied = dispatched(world, now=at(2026, 12, 14, 9, 0))
    replied = needs.need_sign(need=replied, actor=world.liaison.user, now=at(2026, 12, 14, 9, 30))
    replied = needs.need_reply(
        need=replied, actor=world.liaison.user, resolution="已协调", now=at(2026, 12, 29, 15)
    )
    assert replied.rating_due == at(2027, 1, 5, 15, 0)
    enter_new_year()
    assert need_deadlines_recount(now=ENTERED) == 3
    for need in (submitted, waiting, replied):
        need.refresh_from_db()
        assert need.deadline_estimated is False
    assert submitted.accept_due == at(2027, 1, 4, 16, 0)
    assert (waiting.sign_due, waiting.first_contact_due) == (at(2027, 1, 4, 16, 0),) * 2
    assert replied.rating_due == at(2027, 1, 6, 15, 0)
    # Only the firm-facing deadlines are on its timeline.
    assert [entry.is_public for entry in recount_entries(submitted)] == [False]
    assert [entry.is_public for entry in recount_entries(replied)] == [True]
    (entry,) = recount_entries(waiting)
    # The lines follow the need's order of deadlines, whatever order they were counted in.
    assert [stored.get("deadline") for stored in entry.data] == [
        None,
        "sign_due",
        "first_contact_due",
        "resolve_due",
    ]
    assert "Sign for by: 2027-01-01 16:00 → 2027-01-04 16:00" in render_note(entry.data)


def test_a_reopened_need_is_counted_from_its_reopening(world):
    need = dispatched(world, now=at(2026, 11, 30, 9, 0))
    liaison = world.liaison.user
    need = needs.need_sign(need=need, actor=liaison, now=at(2026, 11, 30, 9, 30))
    need = needs.need_reply(need=need, actor=liaison, resolution="已答复", now=at(2026, 12, 1, 9))
    need = needs.need_rate(
        need=need,
        actor=world.secretary,
        satisfaction="unsatisfied",
        comment="没解决",
        now=at(2026, 12, 21, 9, 0),
    )
    assert need.status == NeedStatus.REOPENED
    assert need.resolve_due == at(2027, 1, 11, 9, 0)  # 15 weekdays from 21 December
    enter_new_year()
    assert need_deadlines_recount(now=ENTERED) == 1
    need.refresh_from_db()
    assert need.resolve_due == at(2027, 1, 12, 9, 0)


def test_a_need_written_without_its_basis_is_left_alone(world):
    stray = need_in(
        world, NeedStatus.IN_PROGRESS, resolve_due=ESTIMATED_DUE, deadline_estimated=True
    )
    enter_new_year()
    assert need_deadlines_recount(now=ENTERED) == 0
    stray.refresh_from_db()
    assert (stray.resolve_due, stray.deadline_estimated) == (ESTIMATED_DUE, True)


def test_the_recount_query_count_does_not_grow_with_the_needs(world, django_assert_max_num_queries):
    def run(count: int) -> None:
        CalendarDay.objects.all().delete()
        CalendarYear.objects.all().delete()
        for _ in range(count):
            dispatched(world)
        enter_new_year()
        # 1 the time limits; per batch (up to a thousand needs), between its savepoint and
        # release: the locked needs, the calendar, the moved needs' new values, their whole
        # rows, their history, their timeline entries (no messages: the deadlines came later);
        # then the empty batch that ends the run, in its own savepoint. SQLite takes at most
        # 999 values a statement, so there the history rows go in as many INSERTs as that needs.
        history = Need.history.model
        fields = [field for field in history._meta.concrete_fields if not field.primary_key]
        inserts = math.ceil(count / connection.ops.bulk_batch_size(fields, [None] * count))
        with django_assert_max_num_queries(1 + 8 + 3 + inserts - 1):
            need_deadlines_recount(now=ENTERED)

    run(2)
    run(20)
    assert NeedEvent.objects.filter(action=NeedEventAction.RECOUNT).count() == 22


def test_a_run_in_several_batches_counts_every_need(world):
    all_needs = [dispatched(world) for _ in range(5)]
    enter_new_year()
    with mock.patch("liaisons.needs.recount.RECOUNT_BATCH", 2):
        assert need_deadlines_recount(now=ENTERED) == 5
    assert {need.resolve_due for need in Need.objects.filter(pk__in=[n.pk for n in all_needs])} == {
        DUE
    }


def test_staff_entering_a_holiday_in_the_admin_queue_the_recount(
    world, staff_client, django_capture_on_commit_callbacks
):
    need = dispatched(world)
    CalendarYear.objects.create(year=2027, completed_at=ENTERED)
    with (
        mock.patch.object(
            tasks.recount_need_deadlines,
            "apply_async",
            side_effect=lambda *args, **kwargs: tasks.recount_need_deadlines.run(),
        ) as queued,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = staff_client.post(
            admin_url(CalendarDay, "add"), {"date": "2027-01-01", "is_workday": "", "name": "元旦"}
        )
    assert response.status_code == 302
    queued.assert_called_once()
    need.refresh_from_db()
    # 1 January off (2 and 3 January are a weekend anyway).
    assert (need.resolve_due, need.deadline_estimated) == (DUE, False)


def test_the_nightly_run_recounts():
    entry = settings.CELERY_BEAT_SCHEDULE["recount-need-deadlines"]
    assert entry["task"] == "liaisons.tasks.recount_need_deadlines"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({2}, {45})


def test_the_nightly_task_recounts(world):
    need = dispatched(world)
    enter_new_year()
    assert tasks.recount_need_deadlines.run() == 1
    need.refresh_from_db()
    assert need.resolve_due == DUE
    assert tasks.recount_need_deadlines.run() == 0


def test_the_migration_gives_running_needs_the_basis_the_workflow_would(world):
    from django.apps import apps

    paused = dispatched(world, now=at(2026, 12, 14, 11, 20))
    liaison = world.liaison.user
    paused = needs.need_sign(need=paused, actor=liaison, now=at(2026, 12, 14, 13, 5))
    paused = needs.need_request_info(need=paused, actor=liaison, note="问", now=at(2026, 12, 15))
    paused = needs.need_supply_info(
        need=paused, actor=world.secretary, note="答", now=at(2026, 12, 15, 14, 47)
    )
    fields = ["clock_started_at", "accept_hours", "sign_hours", "first_contact_hours"]
    fields += ["resolve_hours", "rating_hours"]
    kept = Need.objects.values_list(*fields).get(pk=paused.pk)
    assert kept[0] == at(2026, 12, 14, 11, 20) and kept[4] > 120  # the pause is in
    Need.objects.update(**dict.fromkeys(fields))
    stray = need_in(world, NeedStatus.IN_PROGRESS, resolve_due=at(2026, 12, 30, 13, 0))
    basis_migration.backfill_deadline_basis(apps, None)
    backfilled = Need.objects.values_list(*fields).get(pk=paused.pk)
    assert backfilled[0] == kept[0]
    assert backfilled[1:] == pytest.approx(kept[1:])
    assert deadlines.deadlines_recount(Need.objects.get(pk=paused.pk)).changes(paused) == {}
    # A deadline at 13:00 is no count's result (12:00 is): it keeps no basis.
    stray.refresh_from_db()
    assert stray.clock_started_at == stray.dispatched_at
    assert stray.resolve_hours is None


def test_the_entry_reads_in_the_viewers_language_on_the_need_page(world, client):
    need = dispatched(world)
    enter_new_year()
    need_deadlines_recount(now=ENTERED)
    client.force_login(world.secretary)  # the firm: its resolve deadline moved
    html = client.get(f"/needs/{need.pk}/").content.decode()
    assert "期限因节假日调整重新计算：<br>办结截止时间：2027-01-08 17:30 → 2027-01-11 17:30" in html
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(f"/needs/{need.pk}/").content.decode()
    assert "Resolve by: 2027-01-08 17:30 → 2027-01-11 17:30" in html
