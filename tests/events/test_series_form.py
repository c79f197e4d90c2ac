"""The series form: plain choices that write the RFC 5545 rule, and what it refuses."""

from datetime import date, datetime

import pytest
from django.utils import translation

from events.forms import SeriesForm
from events.models import EventKind, EventSeries
from events.recurrence import describe_rule, parse
from tests.events.conftest import NOW, SHANGHAI

pytestmark = pytest.mark.django_db


def post(**overrides) -> dict:
    return {
        "kind": EventKind.JOINT_MEETING,
        "title": "产业链党建联席会议",
        "venue": "党群服务中心",
        "repeat": "monthly",
        "monthly_by": "weekday",
        "week": "1",
        "weekday": "WE",
        "month_day": "1",
        "start_date": "2026-12-01",
        "start_time": "14:30",
        "ends": "never",
        "skip_days_off": "on",
        "duration_minutes": "120",
        "months_ahead": "3",
        **overrides,
    }


def cleaned(**overrides) -> dict:
    form = SeriesForm(post(**overrides), now=NOW)
    assert form.is_valid(), form.errors
    return form.cleaned_data


def errors(**overrides) -> dict:
    form = SeriesForm(post(**overrides), now=NOW)
    assert not form.is_valid()
    return form.errors


@pytest.mark.parametrize(
    ("choices", "rule", "first"),
    [
        # 每月第一个周三: the first Wednesday on or after 1 December 2026 is the 2nd.
        ({}, "FREQ=MONTHLY;BYDAY=1WE", "2026-12-02 14:30"),
        ({"week": "3", "weekday": "FR"}, "FREQ=MONTHLY;BYDAY=3FR", "2026-12-18 14:30"),
        ({"week": "-1", "weekday": "TH"}, "FREQ=MONTHLY;BYDAY=-1TH", "2026-12-31 14:30"),
        (
            {"monthly_by": "day", "month_day": "15"},
            "FREQ=MONTHLY;BYMONTHDAY=15",
            "2026-12-15 14:30",
        ),
        (
            {"monthly_by": "day", "month_day": "-1"},
            "FREQ=MONTHLY;BYMONTHDAY=-1",
            "2026-12-31 14:30",
        ),
        ({"repeat": "quarterly"}, "FREQ=MONTHLY;INTERVAL=3;BYDAY=1WE", "2026-12-02 14:30"),
        (
            {"repeat": "quarterly", "monthly_by": "day", "month_day": "10"},
            "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=10",
            "2026-12-10 14:30",
        ),
        (
            {"repeat": "weekly", "weekday": "MO", "week": ""},
            "FREQ=WEEKLY;BYDAY=MO",
            "2026-12-07 14:30",
        ),
        (
            {"ends": "until", "until": "2027-06-30"},
            # The end of 30 June in Beijing, in UTC as RFC 5545 wants with a zoned start.
            "FREQ=MONTHLY;BYDAY=1WE;UNTIL=20270630T155959Z",
            "2026-12-02 14:30",
        ),
        ({"ends": "count", "count": "6"}, "FREQ=MONTHLY;BYDAY=1WE;COUNT=6", "2026-12-02 14:30"),
        # Today's 09:00 has passed at NOW (09:00): the first meeting is next week's.
        (
            {"repeat": "weekly", "weekday": "TU", "start_time": "09:00"},
            "FREQ=WEEKLY;BYDAY=TU",
            "2026-12-08 09:00",
        ),
    ],
)
def test_each_choice_writes_its_rule_and_the_first_meeting(choices, rule, first):
    data = cleaned(**choices)
    assert data["rrule"] == rule
    assert data["first_starts_at"].astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") == first
    # The builder reads its own rule back, so editing shows the same choices.
    assert parse(rule) is not None and parse(rule).to_rrule() == rule


def test_the_rule_in_natural_chinese_and_english():
    cases = {
        "FREQ=MONTHLY;BYDAY=1WE": (
            "每月第一个周三 14:30",
            "every month on the first Wednesday at 14:30",
        ),
        "FREQ=MONTHLY;BYDAY=-1FR": ("每月最后一个周五 14:30", None),
        "FREQ=MONTHLY;INTERVAL=3;BYDAY=2TU": ("每季度第二个周二 14:30", None),
        "FREQ=MONTHLY;BYMONTHDAY=15": ("每月15日 14:30", "every month on day 15 at 14:30"),
        "FREQ=MONTHLY;BYMONTHDAY=-1": ("每月最后一天 14:30", None),
        "FREQ=WEEKLY;BYDAY=MO": ("每周一 14:30", "every Monday at 14:30"),
        "FREQ=MONTHLY;BYDAY=1WE;COUNT=6": ("每月第一个周三 14:30，共6次", None),
        "FREQ=MONTHLY;BYDAY=1WE;UNTIL=20270630T155959Z": (
            "每月第一个周三 14:30，截至2027-06-30",
            None,
        ),
    }
    at = datetime(2026, 12, 2, 14, 30).time()
    for rule, (chinese, english) in cases.items():
        with translation.override("zh-hans"):
            assert describe_rule(rule, at) == chinese
        if english:
            with translation.override("en"):
                assert describe_rule(rule, at) == english
    # A rule the builder does not write is shown as typed.
    assert (
        describe_rule("FREQ=MONTHLY;BYDAY=TU;BYSETPOS=2", at) == "FREQ=MONTHLY;BYDAY=TU;BYSETPOS=2"
    )


def test_a_custom_rule_is_kept_for_what_the_choices_cannot_express():
    data = cleaned(repeat="custom", rrule="FREQ=MONTHLY;BYDAY=TU,TH;BYSETPOS=2")
    assert data["rrule"] == "FREQ=MONTHLY;BYDAY=TU,TH;BYSETPOS=2"
    assert data["first_starts_at"].astimezone(SHANGHAI).date() == date(2026, 12, 3)


def test_editing_shows_the_choices_of_the_stored_rule():
    series = EventSeries.objects.create(
        title="联席会议",
        rrule="FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=-1;COUNT=4",
        first_starts_at=datetime(2026, 12, 31, 9, 30, tzinfo=SHANGHAI),
    )
    initial = SeriesForm(instance=series).initial
    assert {
        key: initial[key] for key in ("repeat", "monthly_by", "month_day", "ends", "count")
    } == {
        "repeat": "quarterly",
        "monthly_by": "day",
        "month_day": -1,
        "ends": "count",
        "count": 4,
    }
    assert (initial["start_date"], initial["start_time"].strftime("%H:%M")) == (
        date(2026, 12, 31),
        "09:30",
    )
    series.rrule = "FREQ=MONTHLY;BYDAY=TU;BYSETPOS=1"
    assert SeriesForm(instance=series).initial["repeat"] == "custom"


@pytest.mark.parametrize(
    ("choices", "field"),
    [
        ({"repeat": ""}, "repeat"),
        ({"repeat": "yearly"}, "repeat"),
        ({"monthly_by": ""}, "monthly_by"),
        ({"week": ""}, "week"),
        ({"week": "5"}, "week"),  # no fifth week offered: most months have none
        ({"week": "abc"}, "week"),
        ({"weekday": ""}, "weekday"),
        ({"weekday": "XX"}, "weekday"),
        ({"monthly_by": "day", "month_day": ""}, "month_day"),
        ({"monthly_by": "day", "month_day": "31"}, "month_day"),
        ({"monthly_by": "day", "month_day": "0"}, "month_day"),
        ({"start_date": ""}, "start_date"),
        ({"start_date": "2026-02-30"}, "start_date"),
        ({"start_date": "2026-11-30"}, "start_date"),  # the past
        ({"start_time": "25:00"}, "start_time"),
        ({"ends": "until", "until": ""}, "until"),
        ({"ends": "until", "until": "2026-11-01"}, "until"),
        ({"ends": "count", "count": ""}, "count"),
        ({"ends": "count", "count": "0"}, "count"),
        ({"ends": "count", "count": "100000"}, "count"),
        ({"weekday": "SA"}, "weekday"),  # with moving off days off, every meeting would move
        ({"repeat": "custom", "rrule": ""}, "rrule"),
        ({"repeat": "custom", "rrule": "FREQ=DAILY"}, "rrule"),
        ({"repeat": "custom", "rrule": "FREQ=MONTHLY;BYHOUR=0,1,2,3;BYMINUTE=0,1,2"}, "rrule"),
        ({"repeat": "custom", "rrule": "FREQ=MONTHLY;UNTIL=20271231"}, "rrule"),
        ({"repeat": "custom", "rrule": "FREQ=MONTHLY;BYDAY=1TU\nDTSTART:20200101T000000"}, "rrule"),
        ({"repeat": "custom", "rrule": "FREQ=MONTHLY;BYDAY=1TU;X-EVIL=1"}, "rrule"),
        ({"repeat": "custom", "rrule": "FREQ=MONTHLY;INTERVAL=99999999999999999999"}, "rrule"),
        ({"repeat": "custom", "rrule": "FREQ=MONTHLY;BYDAY=1TU\x00"}, "rrule"),
        ({"repeat": "custom", "rrule": "<script>alert(1)</script>"}, "rrule"),
    ],
)
def test_wrong_missing_or_hostile_choices_are_form_errors(choices, field):
    assert field in errors(**choices)


def test_choices_that_give_no_meeting_are_refused():
    # Until a day before the first fitting date (first Wednesday: 2 December).
    assert errors(start_date="2026-12-01", ends="until", until="2026-12-01")["__all__"]
    # A valid raw rule that never happens again from the start: COUNT runs out at once.
    assert errors(repeat="custom", rrule="FREQ=MONTHLY;BYMONTHDAY=30;BYMONTH=2")["__all__"]


def test_a_saturday_meeting_is_allowed_when_it_stays_on_its_day():
    assert cleaned(weekday="SA", skip_days_off="")["rrule"] == "FREQ=MONTHLY;BYDAY=1SA"
