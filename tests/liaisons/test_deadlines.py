"""Time limits turned into due datetimes on the Chinese working-day calendar."""

from datetime import datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from alliance.core import workcalendar
from alliance.core.models import CalendarDay, CalendarYear
from alliance.core.tasks import send_notification_email
from liaisons.exceptions import NeedActionError
from liaisons.models import NeedCategory, NeedStatus, NeedTimeLimit, Urgency
from liaisons.needs import deadlines
from liaisons.needs import services as needs
from tests import factories

SHANGHAI = ZoneInfo("Asia/Shanghai")

pytestmark = pytest.mark.django_db


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def no_broker():
    with mock.patch.object(send_notification_email, "apply_async") as apply_async:
        yield apply_async


def limit(category=NeedCategory.FINANCING, urgency=Urgency.RED) -> NeedTimeLimit:
    return NeedTimeLimit.objects.get(category=category, urgency=urgency)


def test_the_seeded_defaults_of_design_section_4():
    red = limit(NeedCategory.FINANCING, Urgency.RED)
    assert (red.accept_hours, red.sign_hours, red.first_contact_hours) == (2, 2, 4)
    assert (red.resolve_hours, red.extension_max_hours, red.rating_hours) == (40, 40, 16)
    green_hiring = limit(NeedCategory.HIRING, Urgency.GREEN)
    assert (green_hiring.resolve_hours, green_hiring.extension_max_hours) == (40, 80)
    assert deadlines.extension_max_workdays(green_hiring) == 10
    assert limit(NeedCategory.PARTY_BUILDING, Urgency.YELLOW).resolve_hours == 24


def test_dispatch_across_the_2026_national_day_holiday():
    # Wednesday 30 September 2026, 10:00. 1-7 October are holidays; Saturday 10 October is a
    # make-up working day (调休) and Sunday 11 October is not.
    due = deadlines.clock_deadlines(start=at(2026, 9, 30, 10, 0), limit=limit())
    assert due.sign_due == at(2026, 9, 30, 12, 0)  # 2 working hours, before lunch
    assert due.first_contact_due == at(2026, 9, 30, 15, 0)  # 4 working hours, across lunch
    # 5 working days = 40 h: 6.5 h on 30 Sep, 8 h on Thu 8, Fri 9, Sat 10 and Mon 12 Oct,
    # and the last 1.5 h on Tuesday 13 October.
    assert due.resolve_due == at(2026, 10, 13, 10, 0)
    assert due.estimated is False


def test_dispatch_on_a_make_up_saturday_and_on_a_holiday():
    # Saturday 10 October 2026 is a working day: counting starts at once.
    on_saturday = deadlines.clock_deadlines(start=at(2026, 10, 10, 9, 0), limit=limit())
    assert on_saturday.sign_due == at(2026, 10, 10, 11, 0)
    # On a holiday (National Day) counting starts at the next working day's 08:30.
    on_holiday = deadlines.clock_deadlines(start=at(2026, 10, 3, 9, 0), limit=limit())
    assert on_holiday.sign_due == at(2026, 10, 8, 10, 30)


def test_need_dispatch_uses_the_calendar_and_the_category_limits():
    contact = factories.EnterpriseContactFactory()
    staff = factories.StaffFactory()
    liaison = factories.LiaisonFactory()
    need = factories.NeedFactory(
        enterprise=contact.enterprise,
        submitted_by=contact.user,
        status=NeedStatus.ACCEPTED,
        category=NeedCategory.SITES,
        urgency=Urgency.RED,
    )
    need = needs.need_dispatch(need=need, actor=staff, liaison=liaison, now=at(2026, 9, 30, 10, 0))
    assert (need.sign_due, need.first_contact_due, need.resolve_due) == (
        at(2026, 9, 30, 12, 0),
        at(2026, 9, 30, 15, 0),
        at(2026, 10, 13, 10, 0),
    )


def test_staff_edited_limits_and_calendar_days_are_used():
    edited = limit()
    edited.resolve_hours = 8
    edited.save()
    # Staff declare Thursday 8 October a local holiday: one working day from 30 September
    # 10:00 then lands on Friday 9 October.
    CalendarDay.objects.create(date=at(2026, 10, 8, 0, 0).date(), is_workday=False, name="调整")
    due = deadlines.clock_deadlines(start=at(2026, 9, 30, 10, 0), limit=edited)
    assert due.resolve_due == at(2026, 10, 9, 10, 0)


def test_a_deadline_in_a_year_nobody_published_is_estimated_not_refused():
    # The package knows 2026 only; 2027 counts Monday-Friday and says so.
    due = deadlines.clock_deadlines(
        start=at(2026, 12, 28, 9, 0), limit=limit(NeedCategory.FINANCING, Urgency.GREEN)
    )
    assert due.resolve_due.year == 2027
    assert due.estimated is True
    # Once staff enter 2027's holidays and mark the year complete, the flag goes.
    CalendarDay.objects.create(date=at(2027, 1, 1, 0, 0).date(), is_workday=False, name="元旦")
    partly = deadlines.clock_deadlines(
        start=at(2026, 12, 28, 9, 0), limit=limit(NeedCategory.FINANCING, Urgency.GREEN)
    )
    assert partly.estimated is True
    CalendarYear.objects.create(year=2027, completed_at=at(2026, 11, 20, 9, 0))
    known = deadlines.clock_deadlines(
        start=at(2026, 12, 28, 9, 0), limit=limit(NeedCategory.FINANCING, Urgency.GREEN)
    )
    assert known.estimated is False
    assert known.resolve_due > due.resolve_due  # 1 January no longer counts


def test_accept_and_rating_deadlines():
    submitted = at(2026, 9, 30, 16, 0)
    accept = deadlines.accept_deadline(submitted_at=submitted, limit=limit())
    # 1.5 h left on 30 September, the last half hour after the holiday.
    assert accept.at == at(2026, 10, 8, 9, 0)
    rating = deadlines.rating_deadline(replied_at=submitted, limit=limit())  # 2 working days
    assert rating.at == at(2026, 10, 9, 16, 0)


def test_pushing_a_deadline_by_the_paused_working_hours():
    assert deadlines.deadline_push(due=at(2026, 10, 9, 17, 30), hours=0).at == at(
        2026, 10, 9, 17, 30
    )
    # From Friday 17:30, three working hours land on the make-up Saturday.
    assert deadlines.deadline_push(due=at(2026, 10, 9, 17, 30), hours=3).at == at(
        2026, 10, 10, 11, 30
    )
    assert deadlines.paused_working_hours(
        since=at(2026, 9, 30, 17, 0), until=at(2026, 10, 8, 9, 30)
    ) == pytest.approx(1.5)
    assert deadlines.paused_working_hours(since=at(2026, 10, 2, 9), until=at(2026, 10, 1, 9)) == 0


def test_extension_by_working_days():
    extended = deadlines.deadline_extend(due=at(2026, 9, 29, 15, 0), workdays=3)
    assert extended.at == at(2026, 10, 9, 15, 0)  # 30 Sep, 8 Oct, 9 Oct


def test_one_month_later_keeps_the_clock_and_clamps_the_day():
    assert deadlines.one_month_later(at(2026, 1, 31, 10, 0)) == at(2026, 2, 28, 10, 0)
    assert deadlines.one_month_later(at(2026, 12, 15, 9, 0)) == at(2027, 1, 15, 9, 0)
    # A UTC moment is read in Beijing time.
    utc = datetime(2026, 3, 31, 20, 0, tzinfo=ZoneInfo("UTC"))  # 1 April 04:00 in Beijing
    assert deadlines.one_month_later(utc) == at(2026, 5, 1, 4, 0)


def test_a_missing_time_limit_is_a_clear_error_for_staff():
    NeedTimeLimit.objects.filter(category=NeedCategory.IPO, urgency=Urgency.YELLOW).delete()
    assert deadlines.time_limit_find(category=NeedCategory.IPO, urgency=Urgency.YELLOW) is None
    with translation.override("en"), pytest.raises(NeedActionError) as error:
        deadlines.time_limit_get(category=NeedCategory.IPO, urgency=Urgency.YELLOW)
    assert "Shareholding reform and listing" in error.value.message
    assert "time limits" in error.value.message


def test_computing_the_clock_reads_the_calendar_a_fixed_number_of_times(
    django_assert_num_queries,
):
    red, green = limit(), limit(NeedCategory.FINANCING, Urgency.GREEN)
    # One override query per deadline (sign, first contact, resolve), however far it reaches:
    # 5 working days and 15 working days cost the same.
    with django_assert_num_queries(3):
        deadlines.clock_deadlines(start=at(2026, 9, 30, 10, 0), limit=red)
    with django_assert_num_queries(3):
        deadlines.clock_deadlines(start=at(2026, 9, 30, 10, 0), limit=green)


# --- The escalation ladder's rungs ---------------------------------------------------------------


def _rung_by_definition(now, due, threshold, calendar) -> int:
    """The ladder's rules in docs/needs.md read literally, on working hours: `Rungs`' reference."""
    if now < due and workcalendar.working_hours_between(now, due, calendar=calendar) > threshold:
        return 0
    if now < workcalendar.next_workday_start(due, calendar=calendar):
        return 1
    return 3 if now >= workcalendar.add_working_days(due, 5, calendar=calendar).at else 2


def test_the_rungs_follow_the_rules_at_every_moment_around_national_day():
    # Deadlines every 97 minutes over five weeks around National Day (holidays, a make-up
    # Saturday, nights, lunch), each with a short and a long clock; the rung is checked at the
    # rungs' own moments, a microsecond before each, and at moments in between.
    calendar = deadlines.ladder_calendar(at(2026, 9, 20))
    limits = [limit(NeedCategory.FINANCING, Urgency.RED), limit(NeedCategory.HIRING, Urgency.GREEN)]
    tick = timedelta(microseconds=1)
    checked = 0
    for i in range(0, 35 * 24 * 60, 97):
        due = at(2026, 9, 20) + timedelta(minutes=i)
        for extension in (0, 3):
            for the_limit in limits:
                threshold = deadlines.amber_hours_left(
                    limit=the_limit, extension_workdays=extension
                )
                rungs = deadlines.ladder_rungs(
                    due=due, limit=the_limit, extension_workdays=extension, calendar=calendar
                )
                assert rungs.amber <= due < rungs.urge < rungs.supervise
                moments = [rungs.amber, rungs.urge, rungs.supervise]
                probes = [m + d for m in moments for d in (-tick, timedelta(0))]
                probes += [due, due + timedelta(hours=30), due - timedelta(hours=50)]
                for now in probes:
                    expected = _rung_by_definition(now, due, threshold, calendar)
                    assert rungs.reached(now) == expected, (due, now, extension, the_limit)
                    checked += 1
                assert [rungs.after(level) for level in range(4)] == [*moments, None]
    assert checked > 10_000


def test_the_next_escalation_moment_is_only_kept_while_the_clock_runs():
    need = factories.NeedFactory.build(
        status=NeedStatus.IN_PROGRESS,
        category=NeedCategory.FINANCING,
        urgency=Urgency.GREEN,
        resolve_due=at(2026, 11, 30, 9),
    )
    # 20 % of 15 working days: three working days before the deadline.
    assert deadlines.next_escalation_at(need) == at(2026, 11, 25, 9)
    need.escalation_level = 1
    assert deadlines.next_escalation_at(need) == at(2026, 12, 1, 8, 30)
    need.escalation_level = 2
    assert deadlines.next_escalation_at(need) == at(2026, 12, 7, 9)
    need.escalation_level = 3
    assert deadlines.next_escalation_at(need) is None
    need.escalation_level = 1
    for status in (NeedStatus.WAITING_ENTERPRISE, NeedStatus.LONG_TERM, NeedStatus.REPLIED):
        need.status = status
        assert deadlines.next_escalation_at(need) is None
    need.status, need.resolve_due = NeedStatus.DISPATCHED, None
    assert deadlines.next_escalation_at(need) is None


def test_a_limit_of_years_counts_amber_back_beyond_the_year_before(django_assert_num_queries):
    """Staff may set a resolve limit of years (the field allows 32,767 hours): amber then lies
    more than a year before the deadline, and its own calendar is read for it."""
    the_limit = limit()
    the_limit.resolve_hours = 30_000  # 20 %: 6,000 working hours, about three years
    due = at(2026, 11, 30, 9)
    calendar = deadlines.ladder_calendar(due)
    with django_assert_num_queries(1):
        rungs = deadlines.ladder_rungs(
            due=due, limit=the_limit, extension_workdays=0, calendar=calendar
        )
    assert rungs.amber.year == 2023
    assert workcalendar.working_hours_between(rungs.amber, due) == 6_000
