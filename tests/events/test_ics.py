"""The .ics of a meeting: parses back, with alarms, Beijing time zone, stable UID, revisions."""

from datetime import datetime, timedelta

import icalendar
import pytest

from events.ics import event_ics, feed_ics
from events.services.events import event_cancel, event_reschedule
from tests import factories
from tests.events.conftest import NOW, SHANGHAI

pytestmark = pytest.mark.django_db

START = datetime(2026, 12, 15, 14, 30, tzinfo=SHANGHAI)


def parse(content: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(content)


def only_event(calendar: icalendar.Calendar) -> icalendar.Event:
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return events[0]


@pytest.fixture
def event(world):
    event = factories.EventFactory(
        title="“红链有约 服务赋能”机器人专场沙龙",
        venue="武进高新区党群服务中心",
        starts_at=START,
        ends_at=START + timedelta(hours=2),
        agenda="一、政策解读\n二、企业交流",
    )
    factories.InvitationFactory(event=event, user=world.secretary)
    return event


def test_a_meeting_as_icalendar(event):
    calendar = parse(event_ics(event))
    assert calendar["METHOD"] == "PUBLISH"
    vevent = only_event(calendar)
    assert str(vevent["UID"]) == f"{event.uid}@hongchain.events"
    assert str(vevent["SUMMARY"]) == "“红链有约 服务赋能”机器人专场沙龙"
    assert str(vevent["LOCATION"]) == "武进高新区党群服务中心"
    assert "一、政策解读\n二、企业交流" in str(vevent["DESCRIPTION"])
    assert f"/events/{event.pk}/" in str(vevent["URL"])
    assert vevent["SEQUENCE"] == 0
    assert str(vevent["STATUS"]) == "CONFIRMED"
    start = vevent.decoded("DTSTART")
    assert start == START
    assert str(start.tzinfo) == "Asia/Shanghai"
    assert vevent["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert vevent.decoded("DTEND") == START + timedelta(hours=2)
    # A VTIMEZONE for the TZID the times use.
    timezones = calendar.walk("VTIMEZONE")
    assert [str(tz["TZID"]) for tz in timezones] == ["Asia/Shanghai"]
    # Alarms a day and two hours before.
    alarms = vevent.walk("VALARM")
    assert sorted(alarm.decoded("TRIGGER") for alarm in alarms) == [
        timedelta(days=-1),
        timedelta(hours=-2),
    ]
    assert {str(alarm["ACTION"]) for alarm in alarms} == {"DISPLAY"}


def test_uid_is_stable_and_sequence_goes_up_when_moved_and_cancelled(event, world):
    uid = str(only_event(parse(event_ics(event)))["UID"])
    new_start = START + timedelta(days=1)
    event_reschedule(
        event=event,
        actor=world.staff,
        starts_at=new_start,
        ends_at=new_start + timedelta(hours=2),
        venue=event.venue,
        now=NOW,
    )
    event.refresh_from_db()
    moved = only_event(parse(event_ics(event)))
    assert str(moved["UID"]) == uid
    assert moved["SEQUENCE"] == 1
    assert moved.decoded("DTSTART") == new_start

    event_cancel(event=event, actor=world.staff, reason="台风橙色预警", now=NOW)
    event.refresh_from_db()
    cancelled = only_event(parse(event_ics(event)))
    assert str(cancelled["UID"]) == uid
    assert cancelled["SEQUENCE"] == 2
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert "台风橙色预警" in str(cancelled["DESCRIPTION"])
    assert cancelled.walk("VALARM") == []


def test_text_cannot_inject_properties_or_components(world):
    hostile = "<script>alert(1)</script>\r\nATTENDEE:mailto:evil@example.com\nEND:VEVENT"
    event = factories.EventFactory(
        title=hostile,
        venue="会议室; A,B",
        agenda="议程\r\nBEGIN:VALARM\r\nTRIGGER:-PT1M",
        starts_at=START,
        ends_at=START + timedelta(hours=1),
    )
    content = event_ics(event)
    text = content.decode()
    assert "\r\nATTENDEE:" not in text
    assert "\r\nEND:VEVENT\r\nEND:VEVENT" not in text
    # Only the portal's own two alarms start a line; the agenda's text stays inside DESCRIPTION.
    assert [line for line in text.split("\r\n") if line == "BEGIN:VALARM"] == ["BEGIN:VALARM"] * 2
    vevent = only_event(parse(content))
    # The text comes back exactly as typed (line breaks normalised by RFC 5545 escaping).
    assert str(vevent["SUMMARY"]) == hostile.replace("\r\n", "\n")
    assert str(vevent["LOCATION"]) == "会议室; A,B"
    assert "ATTENDEE" not in vevent
    assert len(vevent.walk("VALARM")) == 2


def test_feed_holds_each_meeting_once_with_one_timezone(world):
    events = [
        factories.EventFactory(
            starts_at=START + timedelta(days=i), ends_at=START + timedelta(days=i, hours=1)
        )
        for i in range(3)
    ]
    calendar = parse(feed_ics(events))
    assert "METHOD" not in calendar
    assert str(calendar["X-WR-CALNAME"])
    assert calendar.decoded("REFRESH-INTERVAL") == timedelta(hours=1)
    assert len(calendar.walk("VEVENT")) == 3
    assert len(calendar.walk("VTIMEZONE")) == 1
    assert {str(v["UID"]) for v in calendar.walk("VEVENT")} == {
        f"{e.uid}@hongchain.events" for e in events
    }
