"""The Chinese working-day calendar: statutory holidays, 调休 make-up days, staff overrides."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from alliance.core.models import CalendarDay, CalendarYear
from alliance.core.workcalendar import (
    HOURS_PER_DAY,
    Calendar,
    WorkingTime,
    add_working_days,
    add_working_hours,
    first_moment_beyond,
    is_workday,
    next_workday_start,
    unknown_years_ahead,
    working_hours_between,
    working_time_before,
    year_is_known,
)

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def enter_2027_new_year(*, complete: bool = True) -> None:
    """What staff enter once the State Council publishes 2027's schedule (its first holiday
    stands for the whole notice here), marking the year complete unless told otherwise."""
    for day in (1, 2, 3):
        CalendarDay.objects.create(date=date(2027, 1, day), is_workday=False, name="元旦")
    if complete:
        CalendarYear.objects.create(year=2027, completed_at=at(2026, 11, 20, 10))


# --- 2026 National Day: Oct 1–7 off; Sun Sep 20 and Sat Oct 10 are make-up working days. ---


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 9, 20), True),  # Sunday, 国庆节调休上班
        *[(date(2026, 10, d), False) for d in range(1, 8)],  # 国庆节
        (date(2026, 10, 8), True),
        (date(2026, 10, 9), True),
        (date(2026, 10, 10), True),  # Saturday, 国庆节调休上班
        (date(2026, 10, 11), False),  # ordinary Sunday
        (date(2026, 10, 17), False),  # ordinary Saturday
        (date(2026, 9, 25), False),  # 中秋
    ],
)
def test_is_workday_follows_the_2026_statutory_schedule(day, expected):
    assert is_workday(day) is expected


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        # Wednesday before the holiday: the next working day is Thursday Oct 8.
        (at(2026, 9, 30, 10), 1, at(2026, 10, 8, 10)),
        # Saturday Oct 10 is a working day: +8 h = Sat 15:00, +16 h = Mon 15:00.
        (at(2026, 10, 9, 15), 1, at(2026, 10, 10, 15)),
        (at(2026, 10, 9, 15), 2, at(2026, 10, 12, 15)),
        # An ordinary weekend.
        (at(2026, 10, 16, 15), 1, at(2026, 10, 19, 15)),
        # Friday before the make-up Sunday Sep 20.
        (at(2026, 9, 18, 15), 1, at(2026, 9, 20, 15)),
        # Across 中秋 (Fri Sep 25 – Sun Sep 27) and National Day together.
        (at(2026, 9, 24, 10), 3, at(2026, 9, 30, 10)),
        (at(2026, 9, 24, 10), 4, at(2026, 10, 8, 10)),
        # 15 working days (the longest default limit) across the whole holiday.
        (at(2026, 9, 28, 9), 15, at(2026, 10, 23, 9)),
    ],
)
def test_add_working_days_across_national_day(start, days, expected):
    result = add_working_days(start, days)
    assert result == WorkingTime(at=expected, estimated=False)


def test_add_working_days_is_eight_working_hours_per_day():
    assert HOURS_PER_DAY == 8
    start = at(2026, 10, 12, 10)  # Monday
    assert add_working_days(start, 3) == add_working_hours(start, 24)
    # Monday 10:00 + 8 working hours = Tuesday 10:00.
    assert add_working_hours(start, 8).at == at(2026, 10, 13, 10)


# --- Starts outside working hours, the lunch break, period ends ---


@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        # On a holiday: counting starts at the next working day's 08:30.
        (at(2026, 10, 3, 10), 2, at(2026, 10, 8, 10, 30)),
        (at(2026, 10, 3, 10), 0, at(2026, 10, 8, 8, 30)),
        # At night, after work and before work.
        (at(2026, 10, 15, 20), 1, at(2026, 10, 16, 9, 30)),
        (at(2026, 10, 16, 6), 1, at(2026, 10, 16, 9, 30)),
        (at(2026, 10, 16, 17, 30), 1, at(2026, 10, 19, 9, 30)),  # 17:30 is already after work
        (at(2026, 10, 16, 23, 59), 0, at(2026, 10, 19, 8, 30)),
        # On a weekend night before a make-up Saturday.
        (at(2026, 10, 9, 22), 2, at(2026, 10, 10, 10, 30)),
        # During lunch: counting starts at 13:00.
        (at(2026, 10, 12, 12, 30), 1, at(2026, 10, 12, 14)),
        (at(2026, 10, 12, 12), 0.5, at(2026, 10, 12, 13, 30)),
    ],
)
def test_counting_starts_at_the_next_working_period(start, hours, expected):
    assert add_working_hours(start, hours).at == expected


@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        # Across lunch: 11:00 + 2 h = 14:00 (12:00–13:00 not counted).
        (at(2026, 10, 12, 11), 2, at(2026, 10, 12, 14)),
        (at(2026, 10, 12, 11, 30), 2, at(2026, 10, 12, 14, 30)),
        (at(2026, 10, 12, 10), 4, at(2026, 10, 12, 15)),
        (at(2026, 10, 12, 8, 30), 4, at(2026, 10, 12, 13, 30)),
        # Across days: 1.5 h on Monday, the rest on Tuesday morning.
        (at(2026, 10, 12, 16), 2, at(2026, 10, 13, 9)),
        (at(2026, 10, 12, 16), 4, at(2026, 10, 13, 11)),
        (at(2026, 10, 12, 16, 30), 2, at(2026, 10, 13, 9, 30)),
        # Across days and lunch.
        (at(2026, 10, 12, 17), 4.5, at(2026, 10, 13, 13, 30)),
        # Friday afternoon over an ordinary weekend.
        (at(2026, 10, 16, 16), 4, at(2026, 10, 19, 11)),
        # A deadline exactly at the end of a period stays there.
        (at(2026, 10, 12, 10), 2, at(2026, 10, 12, 12)),
        (at(2026, 10, 12, 8, 30), 8, at(2026, 10, 12, 17, 30)),
        (at(2026, 10, 12, 17, 30), 8, at(2026, 10, 13, 17, 30)),
        # Minutes are kept.
        (at(2026, 10, 12, 9, 17), 0.25, at(2026, 10, 12, 9, 32)),
    ],
)
def test_working_hours_across_lunch_and_days(start, hours, expected):
    assert add_working_hours(start, hours).at == expected


@pytest.mark.parametrize(
    ("start", "end", "hours"),
    [
        (at(2026, 10, 12, 11), at(2026, 10, 12, 14), 2),
        (at(2026, 10, 12, 16), at(2026, 10, 13, 11), 4),
        (at(2026, 10, 12, 8, 30), at(2026, 10, 12, 17, 30), 8),
        (at(2026, 10, 12, 0), at(2026, 10, 13, 0), 8),
        (at(2026, 9, 30, 10), at(2026, 10, 8, 10), 8),
        (at(2026, 10, 1), at(2026, 10, 7, 23), 0),  # the whole holiday
        (at(2026, 10, 17, 10), at(2026, 10, 17, 15), 0),  # an ordinary Saturday
        (at(2026, 10, 12, 12, 10), at(2026, 10, 12, 12, 50), 0),  # inside lunch
        (at(2026, 10, 12, 10), at(2026, 10, 12, 10), 0),
        # End before start: negative (how far past a deadline we are).
        (at(2026, 10, 13, 11), at(2026, 10, 12, 16), -4),
        (at(2026, 10, 8, 10), at(2026, 9, 30, 10), -8),
    ],
)
def test_working_hours_between(start, end, hours):
    assert working_hours_between(start, end) == hours


# --- working_hours_between is the inverse of add_working_hours, from any start ---

# Four weeks around National Day in 61-minute steps, so every minute of the hour comes up:
# holidays, make-up days, nights and lunch.
STARTS = [at(2026, 9, 17) + timedelta(minutes=61 * i) for i in range(24 * 60 * 28 // 61)]
HOURS = [0, 0.25, 3.5, 4, 7.75, 8, 9, 16, 120]


def test_working_hours_between_inverts_add_working_hours():
    checked = 0
    for start in STARTS:
        previous = None
        for hours in HOURS:
            end = add_working_hours(start, hours).at
            assert working_hours_between(start, end) == hours, (start, hours, end)
            # Adding more never gives an earlier moment.
            assert previous is None or end >= previous
            previous = end
            checked += 1
    assert checked == len(STARTS) * len(HOURS) > 5_000


def test_add_working_hours_inverts_working_hours_between_inside_working_time():
    inside = [start for start in STARTS if _inside_working_time(start)]
    assert len(inside) > 100
    pairs = 0
    for start in inside[::5]:
        for end in inside:
            if end < start:
                continue
            hours = working_hours_between(start, end)
            assert add_working_hours(start, hours).at == end, (start, end, hours)
            pairs += 1
    assert pairs > 1_000


def test_working_time_before_leaves_exactly_the_hours_and_is_the_earliest_such_moment():
    checked = 0
    for end in STARTS[::3]:
        calendar = Calendar(end.year - 1)
        for hours in HOURS:
            moment = working_time_before(end, hours, calendar=calendar)
            assert moment <= end
            assert working_hours_between(moment, end) == hours, (end, hours, moment)
            earlier = moment - timedelta(microseconds=1)
            assert working_hours_between(earlier, end) > hours, (end, hours, moment)
            checked += 1
    assert checked > 1_500


@pytest.mark.parametrize(
    "end, hours, expected",
    [
        (at(2026, 11, 30, 9), 8, at(2026, 11, 27, 9)),  # Monday back to Friday
        (at(2026, 12, 1, 12, 30), 3.5, at(2026, 11, 30, 17, 30)),  # a whole morning: the evening
        (at(2026, 12, 1, 12, 30), 0, at(2026, 12, 1, 12)),  # lunch: the morning's end
        (at(2026, 11, 30, 8, 30), 0, at(2026, 11, 27, 17, 30)),  # a Monday's start: Friday
        (at(2026, 10, 9, 10), 16, at(2026, 9, 30, 10)),  # over National Day
        (at(2026, 11, 25, 14), 1.25, at(2026, 11, 25, 11, 45)),  # over lunch
    ],
)
def test_working_time_before(end, hours, expected):
    assert working_time_before(end, hours) == expected


def test_first_moment_beyond_is_the_mirror_of_working_time_before():
    """Everything before it lies within the hours from the start, nothing from it on: the
    horizon of "due within one working day" and the ladder's amber rung agree."""
    checked = 0
    for start in STARTS[::3]:
        calendar = Calendar(start.year - 1)
        for hours in HOURS:
            beyond = first_moment_beyond(start, hours, calendar=calendar).at
            last_within = beyond - timedelta(microseconds=1)
            within = working_hours_between(start, last_within, calendar=calendar)
            assert within <= hours, (start, hours, beyond)
            assert working_hours_between(start, beyond, calendar=calendar) > hours, (start, hours)
            assert working_time_before(last_within, hours, calendar=calendar) <= start
            checked += 1
    assert checked > 1_500


@pytest.mark.parametrize(
    "start, hours, expected",
    [
        (at(2026, 12, 8, 10), 8, at(2026, 12, 9, 10)),  # inside working hours: a day later
        (at(2026, 12, 7, 17, 51), 8, at(2026, 12, 9, 8, 30)),  # after hours: through the night
        (at(2026, 12, 9, 12, 20), 3.5, at(2026, 12, 9, 16, 30)),  # lunch counts from 13:00
        (at(2026, 12, 11, 22, 30), 8, at(2026, 12, 15, 8, 30)),  # Friday night: Tuesday's start
        (at(2026, 9, 30, 16), 8, at(2026, 10, 8, 16)),  # over National Day
    ],
)
def test_first_moment_beyond(start, hours, expected):
    assert first_moment_beyond(start, hours).at == expected + timedelta(microseconds=1)


def test_working_time_before_reads_one_calendar_and_refuses_one_too_short(
    django_assert_num_queries,
):
    _with_overrides()
    with django_assert_num_queries(1):  # the overrides from the year before the end's on
        # Back over New Year's Day and its make-up Sunday (4 January).
        assert working_time_before(at(2026, 1, 5, 9), 24) == at(2025, 12, 30, 9)
    with pytest.raises(ValueError, match="does not cover"):
        working_time_before(at(2026, 1, 5, 9), 24, calendar=Calendar(2026))


def _inside_working_time(moment: datetime) -> bool:
    # Strictly after a period start: 13:00 and 12:00 are the same working instant, and counting
    # returns the earlier one (a deadline is 12:00, not 13:00).
    clock = moment.hour * 60 + moment.minute
    in_period = 8 * 60 + 30 < clock < 12 * 60 or 13 * 60 < clock < 17 * 60 + 30
    return in_period and is_workday(moment.date())


def test_results_are_aware_beijing_time_whatever_the_input_zone():
    # 02:00 UTC is 10:00 in Beijing.
    result = add_working_days(datetime(2026, 9, 30, 2, tzinfo=UTC), 1)
    assert result.at == at(2026, 10, 8, 10)
    assert result.at.tzinfo == SHANGHAI
    assert (result.at.hour, result.at.minute) == (10, 0)
    # 17:00 UTC on Sep 30 is already Oct 1 01:00 in Beijing: a holiday.
    assert next_workday_start(datetime(2026, 9, 30, 17, tzinfo=UTC)) == at(2026, 10, 8, 8, 30)
    assert working_hours_between(datetime(2026, 10, 12, 2, tzinfo=UTC), at(2026, 10, 12, 14)) == 3


@pytest.mark.parametrize(
    "call",
    [
        lambda: add_working_hours(datetime(2026, 10, 12, 10), 1),  # naive
        lambda: working_hours_between(datetime(2026, 10, 12, 10), at(2026, 10, 12, 11)),
        lambda: next_workday_start(datetime(2026, 10, 12, 10)),
        lambda: add_working_hours(at(2026, 10, 12, 10), -1),
        lambda: add_working_hours(at(2026, 10, 12, 10), float("nan")),
        lambda: add_working_hours(at(2026, 10, 12, 10), float("inf")),
        lambda: unknown_years_ahead(date(2026, 11, 26), months=-1),
    ],
)
def test_programming_errors_are_refused_loudly(call):
    with pytest.raises(ValueError):
        call()


def test_add_working_days_takes_whole_days():
    with pytest.raises(TypeError):
        add_working_days(at(2026, 10, 12, 10), 1.5)
    with pytest.raises(TypeError):
        add_working_days(at(2026, 10, 12, 10), True)


# --- next_workday_start: where 催办 lands, "the working day after due" ---


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at(2026, 9, 30, 15), at(2026, 10, 8, 8, 30)),
        (at(2026, 10, 9, 23), at(2026, 10, 10, 8, 30)),  # make-up Saturday
        (at(2026, 10, 10, 17, 30), at(2026, 10, 12, 8, 30)),
        (at(2026, 10, 16, 12), at(2026, 10, 19, 8, 30)),
        (at(2026, 10, 12, 0, 30), at(2026, 10, 13, 8, 30)),  # the day AFTER, not later that day
        (at(2026, 10, 4, 9), at(2026, 10, 8, 8, 30)),  # from inside the holiday
    ],
)
def test_next_workday_start(moment, expected):
    assert next_workday_start(moment) == expected


# --- A year the package does not know (2027 in chinesecalendar 1.11.0) ---


def test_an_unknown_year_counts_monday_to_friday_and_is_estimated():
    assert year_is_known(2026) is True
    assert year_is_known(2027) is False
    assert is_workday(date(2027, 1, 1)) is True  # a Friday; 元旦 not known yet
    assert is_workday(date(2027, 1, 2)) is False  # Saturday
    # The deadline runs from 2026 into 2027.
    assert add_working_days(at(2026, 12, 31, 10), 1) == WorkingTime(
        at=at(2027, 1, 1, 10), estimated=True
    )
    assert add_working_days(at(2027, 1, 8, 10), 1) == WorkingTime(
        at=at(2027, 1, 11, 10), estimated=True
    )
    # Staying inside 2026 is exact.
    assert add_working_days(at(2026, 12, 30, 10), 1) == WorkingTime(
        at=at(2026, 12, 31, 10), estimated=False
    )
    assert next_workday_start(at(2026, 12, 31, 12)) == at(2027, 1, 1, 8, 30)
    assert working_hours_between(at(2026, 12, 31, 10), at(2027, 1, 4, 10)) == 16


def test_a_result_at_the_year_end_counts_no_day_of_the_unknown_year():
    # 8 h from 08:30 ends at 17:30 the same day: 2027 is never reached.
    assert add_working_hours(at(2026, 12, 31, 8, 30), 8) == WorkingTime(
        at=at(2026, 12, 31, 17, 30), estimated=False
    )


# --- Staff overrides win over the package ---


def test_a_staff_holiday_overrides_a_package_working_day():
    CalendarDay.objects.create(date=date(2026, 11, 27), is_workday=False, name="园区活动日")
    assert is_workday(date(2026, 11, 27)) is False
    assert add_working_days(at(2026, 11, 26, 10), 1) == WorkingTime(
        at=at(2026, 11, 30, 10), estimated=False
    )
    assert working_hours_between(at(2026, 11, 26, 10), at(2026, 11, 30, 10)) == 8
    assert next_workday_start(at(2026, 11, 26, 10)) == at(2026, 11, 30, 8, 30)


def test_a_staff_working_day_overrides_a_package_rest_day():
    CalendarDay.objects.create(date=date(2026, 10, 7), is_workday=True, name="值班")
    assert is_workday(date(2026, 10, 7)) is True
    assert add_working_days(at(2026, 9, 30, 10), 1).at == at(2026, 10, 7, 10)


def test_days_entered_count_but_the_year_stays_a_guess_until_marked_complete():
    enter_2027_new_year(complete=False)
    assert year_is_known(2027) is False
    assert is_workday(date(2027, 1, 1)) is False
    # The holiday entered is counted; the rest of 2027 is still Monday–Friday, so estimated.
    assert add_working_days(at(2026, 12, 31, 10), 1) == WorkingTime(
        at=at(2027, 1, 4, 10), estimated=True
    )
    assert unknown_years_ahead(date(2026, 11, 26)) == [2027]
    assert unknown_years_ahead(date(2026, 11, 26), calendar=Calendar(2026)) == [2027]
    CalendarYear.objects.create(year=2027, completed_at=at(2026, 11, 20, 10))
    assert year_is_known(2027) is True
    assert add_working_days(at(2026, 12, 31, 10), 1).estimated is False
    assert unknown_years_ahead(date(2026, 11, 26)) == []


def test_a_complete_year_is_known_even_before_a_single_day_is_entered():
    # A year without a single holiday to enter is unusual, but marking it is what counts.
    CalendarYear.objects.create(year=2027, completed_at=at(2026, 11, 20, 10))
    assert add_working_days(at(2026, 12, 31, 10), 1) == WorkingTime(
        at=at(2027, 1, 1, 10), estimated=False
    )
    # A calendar read for earlier years only does not see the mark.
    assert Calendar(2026, 2026).is_known(2027) is False


def test_staff_entering_2027_make_the_year_known():
    enter_2027_new_year()
    assert year_is_known(2027) is True
    assert is_workday(date(2027, 1, 1)) is False
    # Fri Jan 1 is now 元旦: the deadline moves to Monday and is no longer an estimate.
    assert add_working_days(at(2026, 12, 31, 10), 1) == WorkingTime(
        at=at(2027, 1, 4, 10), estimated=False
    )
    # Later in 2027 (the rows entered lie before the start) the year is still known.
    assert add_working_days(at(2027, 6, 1, 10), 1) == WorkingTime(
        at=at(2027, 6, 2, 10), estimated=False
    )
    assert working_hours_between(at(2026, 12, 31, 10), at(2027, 1, 4, 10)) == 8
    assert next_workday_start(at(2026, 12, 31, 12)) == at(2027, 1, 4, 8, 30)
    # 2028 is still a guess.
    assert add_working_days(at(2027, 12, 31, 10), 1) == WorkingTime(
        at=at(2028, 1, 3, 10), estimated=True
    )


# --- The staff warning ---


def test_unknown_years_ahead_warns_until_staff_enter_the_year():
    assert unknown_years_ahead(date(2026, 11, 26)) == [2027]
    assert unknown_years_ahead(date(2026, 11, 26), months=14) == [2027, 2028]
    assert unknown_years_ahead(date(2026, 11, 26), months=1) == []  # only until Dec 26
    assert unknown_years_ahead(date(2026, 11, 26), months=0) == []
    enter_2027_new_year()
    assert unknown_years_ahead(date(2026, 11, 26)) == []
    assert unknown_years_ahead(date(2026, 11, 26), months=14) == [2028]


def test_one_calendar_read_serves_the_horizon_and_the_unknown_years(django_assert_num_queries):
    """A page reads the overrides once and hands them to both (the inbox, a need's page)."""
    start = datetime(2026, 12, 31, 17, 0, tzinfo=SHANGHAI)
    for entered in (False, True):
        if entered:
            enter_2027_new_year()
        with django_assert_num_queries(1):
            calendar = Calendar(2026)
            shared = (
                add_working_hours(start, 8, calendar=calendar),
                unknown_years_ahead(date(2026, 11, 26), months=14, calendar=calendar),
            )
        assert shared == (add_working_hours(start, 8), unknown_years_ahead(date(2026, 11, 26), 14))
        # The escalation sweep's reads: the same answers from the calendar read once.
        late = datetime(2027, 1, 4, 9, 0, tzinfo=SHANGHAI)
        with django_assert_num_queries(0):
            from_calendar = (
                working_hours_between(start, late, calendar=calendar),
                next_workday_start(start, calendar=calendar),
                add_working_days(start, 5, calendar=calendar),
            )
        assert from_calendar == (
            working_hours_between(start, late),
            next_workday_start(start),
            add_working_days(start, 5),
        )


def test_a_calendar_covers_the_earliest_of_its_moments():
    new_year = datetime(2026, 12, 31, 17, 0, tzinfo=UTC)  # already 2027 in Beijing
    assert Calendar.covering(new_year, date(2027, 1, 2)).first_year == 2027
    assert Calendar.covering(new_year, date(2026, 12, 31)).first_year == 2026
    assert Calendar.covering(new_year).covers(date(2027, 1, 1))


def test_a_calendar_that_does_not_reach_back_to_the_day_is_refused():
    with pytest.raises(ValueError, match="does not cover"):
        add_working_hours(datetime(2026, 5, 6, 9, tzinfo=SHANGHAI), 8, calendar=Calendar(2027))
    with pytest.raises(ValueError, match="does not cover"):
        unknown_years_ahead(date(2026, 11, 26), calendar=Calendar(2026, 2027))


def test_unknown_years_ahead_clamps_to_month_ends():
    # Aug 31 + 4 months = Dec 31; + 5 months = Jan 31 of the next year.
    assert unknown_years_ahead(date(2026, 8, 31), months=4) == []
    assert unknown_years_ahead(date(2026, 8, 31), months=5) == [2027]


# --- Never a crash, whatever the date ---


@pytest.mark.parametrize("year", [1999, 2003, 2100])
def test_years_far_outside_the_package_are_counted_not_refused(year):
    assert year_is_known(year) is False
    jan_4 = date(year, 1, 4)
    assert is_workday(jan_4) is (jan_4.weekday() < 5)
    result = add_working_days(at(year, 12, 30, 10), 10)
    assert result.estimated is True
    assert result.at.date().year == year + 1
    assert working_hours_between(at(year, 12, 30, 10), result.at) == 80
    assert next_workday_start(at(year, 12, 31, 10)).weekday() < 5
    assert year in unknown_years_ahead(date(year, 6, 1))


def test_a_span_from_an_unknown_into_a_known_year_is_estimated():
    # 2003 is before the package's first year.
    assert add_working_days(at(2003, 12, 31, 10), 1).estimated is True
    assert add_working_days(at(2004, 12, 31, 10), 1).estimated is False


def test_the_last_representable_year_does_not_crash_the_warning():
    assert unknown_years_ahead(date(9999, 6, 1)) == [9999]


# --- Queries: one per call for the overrides, whatever the span ---


def _with_overrides() -> None:
    enter_2027_new_year()
    CalendarDay.objects.create(date=date(2026, 11, 27), is_workday=False, name="园区活动日")


@pytest.mark.parametrize("days", [1, 15, 60, 250])
def test_add_working_days_makes_one_query_whatever_the_span(days, django_assert_num_queries):
    _with_overrides()
    # 1: SELECT date, is_workday FROM calendar days from Jan 1 of the start's year.
    with django_assert_num_queries(1):
        result = add_working_days(at(2026, 9, 28, 9), days)
    assert result.at > at(2026, 9, 28, 9)


def test_each_function_makes_at_most_one_query(django_assert_num_queries):
    _with_overrides()
    with django_assert_num_queries(1):  # the overrides between the two dates' years
        working_hours_between(at(2026, 1, 5, 9), at(2027, 6, 30, 9))
    with django_assert_num_queries(1):  # the overrides from Jan 1 of the moment's year
        next_workday_start(at(2026, 9, 30, 15))
    with django_assert_num_queries(1):  # the override for that date
        is_workday(date(2026, 11, 27))
    with django_assert_num_queries(1):  # any row in 2027
        year_is_known(2027)
    with django_assert_num_queries(0):  # the package covers 2026
        year_is_known(2026)
    with django_assert_num_queries(1):  # the years staff entered among 2027–2028
        unknown_years_ahead(date(2026, 11, 26), months=14)
    with django_assert_num_queries(0):  # 2025–2026 are all in the package
        unknown_years_ahead(date(2025, 3, 1))


def test_a_calendar_change_reaches_the_needs_through_the_core_signal(
    django_capture_on_commit_callbacks,
):
    """The calendar (core) names no app: the needs' recount listens to `calendar_changed`."""
    from unittest import mock

    from alliance.core.signals import calendar_changed
    from liaisons.tasks import recount_need_deadlines

    with mock.patch.object(recount_need_deadlines, "apply_async") as apply_async:
        with django_capture_on_commit_callbacks(execute=True):
            calendar_changed.send(sender=CalendarDay)
            apply_async.assert_not_called()  # only once the change is committed
        apply_async.assert_called_once()
