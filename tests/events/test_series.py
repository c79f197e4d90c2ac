"""Regular meetings: occurrences ahead of time, idempotent, Beijing wall-clock, movable."""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone, translation

from alliance.core.models import Notification
from events.exceptions import EventActionError
from events.models import Event, EventKind, EventSeries, EventStatus
from events.services.events import event_cancel, event_reschedule
from events.services.series import (
    series_create,
    series_generate_all,
    series_generate_occurrences,
    series_update,
)
from events.tasks import generate_series_occurrences
from tests import factories
from tests.events.conftest import NOW, SHANGHAI

pytestmark = pytest.mark.django_db

FIRST = datetime(2026, 12, 1, 14, 30, tzinfo=SHANGHAI)  # the first Tuesday of December, 14:30


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def monthly(world, **overrides) -> EventSeries:
    fields = {
        "actor": world.staff,
        "kind": EventKind.JOINT_MEETING,
        "title": "产业链党建联席会议",
        "chains": [world.robotics, world.machinery],
        "venue": "党群服务中心",
        "rrule": "FREQ=MONTHLY;BYDAY=1TU",
        "first_starts_at": FIRST,
        "duration": timedelta(hours=2),
        "months_ahead": 3,
        "agenda": "通报企业需求清单办理情况",
        "invitees": [world.chief, world.secretary],
        "now": NOW,
    }
    return series_create(**{**fields, **overrides})


def local_starts(series: EventSeries) -> list[tuple]:
    return [
        (local.date().isoformat(), local.strftime("%H:%M"))
        for local in (
            event.starts_at.astimezone(SHANGHAI)
            for event in series.occurrences.order_by("starts_at")
        )
    ]


def test_series_creates_first_tuesdays_at_14_30_beijing_time_for_three_months(world):
    series = monthly(world)
    # NOW is 1 December 09:00, so today's 14:30 meeting is still ahead; horizon 1 March 09:00.
    assert local_starts(series) == [
        ("2026-12-01", "14:30"),
        ("2027-01-05", "14:30"),
        ("2027-02-02", "14:30"),
    ]
    first = series.occurrences.order_by("starts_at").first()
    assert first.kind == EventKind.JOINT_MEETING
    # Stored in the portal's language (zh-hans), whatever language the request used.
    assert first.title == "产业链党建联席会议（2026年12月）"
    assert first.ends_at - first.starts_at == timedelta(hours=2)
    assert first.series_slot == first.starts_at
    assert first.organizer == world.staff
    assert first.agenda == "通报企业需求清单办理情况"
    assert set(first.chains.values_list("code", flat=True)) == {"robotics", "machinery"}
    assert set(first.invitations.values_list("user__username", flat=True)) == {
        "chief",
        "secretary",
    }
    # One message per standing invitee, listing the new meetings.
    messages = Notification.objects.filter(kind="event_series_invited")
    assert messages.count() == 2
    assert messages.first().body.count("党群服务中心") == 3


def test_running_the_generator_twice_creates_nothing_new(world):
    series = monthly(world)
    count = Event.objects.count()
    notifications = Notification.objects.count()
    assert series_generate_occurrences(series=series, now=NOW) == []
    assert series_generate_occurrences(series=series, now=NOW + timedelta(hours=1)) == []
    assert Event.objects.count() == count
    assert Notification.objects.count() == notifications


def test_the_horizon_rolls_forward_with_time(world):
    series = monthly(world)
    a_month_later = datetime(2027, 1, 2, 9, 0, tzinfo=SHANGHAI)
    created = series_generate_occurrences(series=series, now=a_month_later)
    assert [e.starts_at.astimezone(SHANGHAI).date().isoformat() for e in created] == ["2027-03-02"]
    assert series_generate_all(now=a_month_later) == 0


def test_a_meeting_moved_by_hand_is_not_created_again(world):
    series = monthly(world)
    january = series.occurrences.get(starts_at=datetime(2027, 1, 5, 14, 30, tzinfo=SHANGHAI))
    moved_to = datetime(2027, 1, 7, 9, 30, tzinfo=SHANGHAI)
    event_reschedule(
        event=january,
        actor=world.staff,
        starts_at=moved_to,
        ends_at=moved_to + timedelta(hours=2),
        venue=january.venue,
        now=NOW,
    )
    assert series_generate_occurrences(series=series, now=NOW) == []
    assert local_starts(series) == [
        ("2026-12-01", "14:30"),
        ("2027-01-07", "09:30"),
        ("2027-02-02", "14:30"),
    ]
    # Only that meeting moved: the others keep their time.
    january.refresh_from_db()
    assert january.series_slot == datetime(2027, 1, 5, 14, 30, tzinfo=SHANGHAI)


def test_a_cancelled_meeting_is_not_created_again(world):
    series = monthly(world)
    february = series.occurrences.order_by("starts_at").last()
    event_cancel(event=february, actor=world.staff, reason="春节假期", now=NOW)
    assert series_generate_occurrences(series=series, now=NOW) == []
    assert series.occurrences.filter(status=EventStatus.CANCELLED).count() == 1


def test_meetings_created_before_slots_existed_are_recognised(world):
    # The demo loader (and data from before migration 0002) creates occurrences without a slot.
    series = EventSeries.objects.create(
        title="产业链党建联席会议",
        rrule="FREQ=MONTHLY;BYDAY=1TU",
        first_starts_at=FIRST,
        months_ahead=2,
    )
    factories.EventFactory(series=series, starts_at=FIRST, ends_at=FIRST + timedelta(hours=2))
    created = series_generate_occurrences(series=series, now=NOW)
    assert [e.starts_at.astimezone(SHANGHAI).date().isoformat() for e in created] == ["2027-01-05"]


def test_no_meetings_in_the_past_and_none_for_a_paused_series(world):
    series = monthly(world, first_starts_at=datetime(2026, 12, 8, 14, 30, tzinfo=SHANGHAI))
    later = datetime(2027, 2, 3, 9, 0, tzinfo=SHANGHAI)
    series.occurrences.all().delete()
    created = series_generate_occurrences(series=series, now=later)
    assert min(event.starts_at for event in created) > later
    series.is_active = False
    series.save()
    series.occurrences.all().delete()
    assert series_generate_occurrences(series=series, now=later) == []


def test_weekly_series_and_its_wall_clock_across_months(world):
    series = monthly(
        world,
        rrule="FREQ=WEEKLY;BYDAY=WE",
        first_starts_at=datetime(2026, 12, 2, 9, 0, tzinfo=SHANGHAI),
        months_ahead=1,
        invitees=[],
    )
    starts = local_starts(series)
    assert len(starts) == 5  # 2, 9, 16, 23 and 30 December
    assert {time for _day, time in starts} == {"09:00"}
    # A weekly meeting is named by its day.
    assert (
        series.occurrences.order_by("starts_at").first().title
        == "产业链党建联席会议（2026年12月2日）"
    )
    assert not Notification.objects.filter(kind="event_series_invited").exists()


def test_series_cannot_start_in_the_past_or_last_longer_than_a_day(world):
    with pytest.raises(EventActionError):
        monthly(world, first_starts_at=NOW - timedelta(days=1))
    with pytest.raises(EventActionError):
        monthly(world, duration=timedelta(days=2))
    assert not EventSeries.objects.exists()


def test_update_invites_new_standing_invitees_to_the_meetings_ahead(world):
    series = monthly(world)
    december = series.occurrences.order_by("starts_at").first()
    december.status = EventStatus.HELD
    december.save()
    Notification.objects.all().delete()
    series_update(
        series=series,
        actor=world.staff,
        kind=series.kind,
        title=series.title,
        chains=[world.robotics],
        venue="新会议室",
        rrule=series.rrule,
        first_starts_at=series.first_starts_at,
        duration=timedelta(hours=3),
        months_ahead=4,
        agenda=series.agenda,
        is_active=True,
        invitees=[world.chief, world.secretary, world.head],
        now=NOW + timedelta(hours=6),
    )
    occurrences = list(series.occurrences.order_by("starts_at"))
    assert len(occurrences) == 4  # one more month ahead
    # Existing meetings keep their place and length; the new one follows the new settings.
    assert occurrences[1].venue == "党群服务中心"
    assert occurrences[3].venue == "新会议室"
    assert occurrences[3].ends_at - occurrences[3].starts_at == timedelta(hours=3)
    # The new standing invitee: invited to the planned meetings ahead, not to the held one.
    invited_to = {e.pk for e in occurrences if e.invitations.filter(user=world.head).exists()}
    assert invited_to == {occurrences[1].pk, occurrences[2].pk, occurrences[3].pk}


def test_the_beat_task_fills_every_active_series(world):
    series = monthly(world)
    series.occurrences.all().delete()
    assert generate_series_occurrences() >= 1
    assert series.occurrences.exists()


@pytest.mark.django_db
def test_one_failing_series_does_not_stop_the_others(monkeypatch):
    from events.services import series as series_module

    good = EventSeries.objects.create(
        title="联席会议", rrule="FREQ=MONTHLY;BYDAY=1TU", first_starts_at=timezone.now()
    )
    bad = EventSeries.objects.create(
        title="坏规则", rrule="FREQ=MONTHLY;BYDAY=1TU", first_starts_at=timezone.now()
    )
    real = series_module.series_generate_occurrences

    def generate(*, series, now=None):
        if series.pk == bad.pk:
            raise ValueError("broken rule")
        return real(series=series, now=now)

    monkeypatch.setattr(series_module, "series_generate_occurrences", generate)
    assert series_module.series_generate_all() > 0
    assert good.occurrences.exists()


# --- Meetings on days off move to the next working day -----------------------------------------

EARLY = datetime(2025, 12, 1, 9, 0, tzinfo=SHANGHAI)  # before the 2026 dates used below


def starts_and_reasons(series: EventSeries) -> list[tuple]:
    return [
        (
            event.series_slot.astimezone(SHANGHAI).date().isoformat(),
            event.starts_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"),
            event.day_off,
        )
        for event in series.occurrences.order_by("series_slot")
    ]


def test_a_meeting_in_the_national_day_holiday_moves_to_the_next_working_day(world):
    # The first Tuesday of October 2026 is the 6th, inside 国庆节 (1–7 October); the 8th is the
    # first working day after it.
    series = monthly(
        world,
        first_starts_at=datetime(2026, 9, 1, 14, 30, tzinfo=SHANGHAI),
        now=datetime(2026, 8, 20, 9, 0, tzinfo=SHANGHAI),
        months_ahead=3,
        invitees=[],
    )
    assert starts_and_reasons(series) == [
        ("2026-09-01", "2026-09-01 14:30", ""),
        ("2026-10-06", "2026-10-08 14:30", "national_day"),
        ("2026-11-03", "2026-11-03 14:30", ""),
    ]
    october = series.occurrences.get(day_off="national_day")
    # Still the October meeting, and two hours long.
    assert october.title == "产业链党建联席会议（2026年10月）"
    assert october.ends_at - october.starts_at == timedelta(hours=2)


def test_the_option_off_keeps_the_meeting_on_the_holiday(world):
    series = monthly(
        world,
        first_starts_at=datetime(2026, 10, 6, 14, 30, tzinfo=SHANGHAI),
        now=datetime(2026, 8, 20, 9, 0, tzinfo=SHANGHAI),
        months_ahead=2,
        skip_days_off=False,
        invitees=[],
    )
    assert starts_and_reasons(series)[0] == ("2026-10-06", "2026-10-06 14:30", "")


def test_spring_festival_moves_a_meeting_past_the_whole_break(world):
    # 春节 2026: 15–23 February off (Sunday 15 to Monday 23); Tuesday 24 is the first working day.
    series = monthly(
        world,
        rrule="FREQ=MONTHLY;BYDAY=3MO",
        first_starts_at=datetime(2026, 1, 19, 9, 0, tzinfo=SHANGHAI),
        now=EARLY,
        months_ahead=3,
        invitees=[],
    )
    assert starts_and_reasons(series)[:2] == [
        ("2026-01-19", "2026-01-19 09:00", ""),
        ("2026-02-16", "2026-02-24 09:00", "spring_festival"),
    ]


def test_a_make_up_working_saturday_keeps_its_meeting_and_a_plain_weekend_moves(world):
    # Saturday 14 February and Saturday 28 February 2026 are make-up working days (调休上班);
    # Saturday 14 March is an ordinary weekend day, so that meeting moves to Monday 16 March.
    series = monthly(
        world,
        rrule="FREQ=MONTHLY;BYMONTHDAY=14",
        first_starts_at=datetime(2026, 2, 14, 10, 0, tzinfo=SHANGHAI),
        now=EARLY,
        months_ahead=4,
        invitees=[],
    )
    assert starts_and_reasons(series)[:2] == [
        ("2026-02-14", "2026-02-14 10:00", ""),
        ("2026-03-14", "2026-03-16 10:00", "weekend"),
    ]


def test_a_holiday_entered_by_staff_moves_the_meeting_with_the_name_staff_gave_it(world):
    from alliance.core.models import CalendarDay

    CalendarDay.objects.create(
        date=datetime(2027, 2, 2).date(), is_workday=False, name="园区停电检修"
    )
    series = monthly(world)
    assert starts_and_reasons(series)[2] == ("2027-02-02", "2027-02-03 14:30", "园区停电检修")


def test_regenerating_after_the_shift_creates_nothing_new(world):
    series = monthly(
        world,
        first_starts_at=datetime(2026, 9, 1, 14, 30, tzinfo=SHANGHAI),
        now=datetime(2026, 8, 20, 9, 0, tzinfo=SHANGHAI),
        months_ahead=3,
    )
    count, notifications = Event.objects.count(), Notification.objects.count()
    for now in (
        datetime(2026, 8, 20, 9, 0, tzinfo=SHANGHAI),
        datetime(2026, 9, 2, tzinfo=SHANGHAI),
    ):
        created = series_generate_occurrences(series=series, now=now)
        assert [e.series_slot.astimezone(SHANGHAI).date().isoformat() for e in created] in (
            [],
            ["2026-12-01"],
        )
    # The moved October meeting was not created a second time on its slot or on the 8th.
    assert series.occurrences.filter(starts_at__date="2026-10-08").count() == 1
    assert series.occurrences.filter(series_slot__date="2026-10-06").count() == 1
    assert Event.objects.count() == count + 1
    assert Notification.objects.count() == notifications + 2  # the December meeting's message


def test_two_slots_pushed_onto_one_day_make_one_meeting(world):
    # Weekly on Mondays: 16 and 23 February 2026 are both in the Spring Festival break, and both
    # would move to Tuesday 24 February.
    series = monthly(
        world,
        rrule="FREQ=WEEKLY;BYDAY=MO",
        first_starts_at=datetime(2026, 2, 9, 9, 0, tzinfo=SHANGHAI),
        now=datetime(2026, 2, 1, 9, 0, tzinfo=SHANGHAI),
        months_ahead=1,
        invitees=[],
    )
    assert starts_and_reasons(series) == [
        ("2026-02-09", "2026-02-09 09:00", ""),
        ("2026-02-16", "2026-02-24 09:00", "spring_festival"),
    ]  # horizon 1 March; the 23rd's meeting would have been a second one on the 24th
    assert (
        series_generate_occurrences(series=series, now=datetime(2026, 2, 1, tzinfo=SHANGHAI)) == []
    )


def test_meetings_placed_before_a_holiday_was_entered_follow_the_calendar(world):
    """2027 is not in the statutory tables: its meetings were placed on plain weekdays. When staff
    enter a day off later, the series' meeting on it moves to the next working day, and back
    when the day off is removed; a meeting staff moved by hand stays where they put it."""
    from alliance.core.models import CalendarDay
    from events.services.series import series_follow_calendar

    series = monthly(world)
    january = series.occurrences.get(series_slot=datetime(2027, 1, 5, 14, 30, tzinfo=SHANGHAI))
    february = series.occurrences.get(series_slot=datetime(2027, 2, 2, 14, 30, tzinfo=SHANGHAI))
    hand_moved = datetime(2027, 2, 3, 9, 0, tzinfo=SHANGHAI)
    event_reschedule(
        event=february,
        actor=world.staff,
        starts_at=hand_moved,
        ends_at=hand_moved + timedelta(hours=2),
        venue=february.venue,
        now=NOW,
    )
    told = Notification.objects.filter(kind="event_rescheduled").count()
    CalendarDay.objects.create(
        date=datetime(2027, 1, 5).date(), is_workday=False, name="园区休息日"
    )
    CalendarDay.objects.create(
        date=datetime(2027, 2, 3).date(), is_workday=False, name="园区休息日"
    )

    assert series_follow_calendar(now=NOW) == 1
    january.refresh_from_db()
    february.refresh_from_db()
    assert january.starts_at == datetime(2027, 1, 6, 14, 30, tzinfo=SHANGHAI)
    assert january.ends_at - january.starts_at == timedelta(hours=2)
    assert (january.day_off, january.sequence) == ("园区休息日", 1)
    assert february.starts_at == hand_moved and february.day_off == ""
    invitees = Notification.objects.filter(kind="event_rescheduled").count() - told
    assert invitees == january.invitations.count() > 0
    assert series_follow_calendar(now=NOW) == 0  # nothing moves twice

    CalendarDay.objects.filter(date=date(2027, 1, 5)).delete()
    assert series_follow_calendar(now=NOW) == 1
    january.refresh_from_db()
    assert (january.starts_at, january.day_off) == (january.series_slot, "")


def test_a_calendar_change_queues_the_meetings_check_after_the_commit(
    django_capture_on_commit_callbacks,
):
    from unittest import mock

    from alliance.core.models import CalendarDay
    from alliance.core.signals import calendar_changed
    from events.tasks import follow_calendar

    with mock.patch.object(follow_calendar, "apply_async") as apply_async:
        with django_capture_on_commit_callbacks(execute=True):
            calendar_changed.send(sender=CalendarDay)
            apply_async.assert_not_called()
        apply_async.assert_called_once()
