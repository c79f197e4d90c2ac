"""iCalendar (RFC 5545) for a meeting download and a person's calendar feed.

Each meeting keeps one UID for life and a SEQUENCE that goes up when it is moved or cancelled,
so calendar apps update their copy instead of adding a second one. Times are written in
Asia/Shanghai with its VTIMEZONE. Text (titles, agendas) goes through the icalendar library,
which escapes line breaks, commas and semicolons: a title cannot add properties of its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import icalendar
from django.utils.translation import gettext as _

from alliance.core.notifications import absolute_url
from events.models import Event, EventStatus
from events.services.common import event_path

SHANGHAI = ZoneInfo("Asia/Shanghai")
PRODID = "-//Hongchain alliance portal//Meetings//ZH"
UID_DOMAIN = "hongchain.events"
# Alarms in the calendar app, matching the portal's own reminders the day before and two hours
# before (the three-day reminder is an e-mail only: a phone alarm that early is noise).
ALARM_OFFSETS = (timedelta(days=1), timedelta(hours=2))
# Calendar apps re-read a subscription about this often.
REFRESH_INTERVAL = timedelta(hours=1)
# VTIMEZONE rules from this date on: Beijing time has been UTC+8 without daylight saving since
# 1991, so the component stays small.
TIMEZONE_FROM = date(2000, 1, 1)


def _description(event: Event) -> str:
    parts = []
    if event.status == EventStatus.CANCELLED:
        parts.append(_("Cancelled: %(reason)s") % {"reason": event.cancel_reason})
    if event.agenda:
        parts.append(event.agenda)
    parts.append(absolute_url(event_path(event)))
    return "\n\n".join(parts)


def event_component(event: Event) -> icalendar.Event:
    component = icalendar.Event()
    component.add("uid", f"{event.uid}@{UID_DOMAIN}")
    component.add("dtstamp", event.updated_at)
    component.add("created", event.created_at)
    component.add("last-modified", event.updated_at)
    component.add("sequence", event.sequence)
    component.add("dtstart", event.starts_at.astimezone(SHANGHAI))
    component.add("dtend", event.ends_at.astimezone(SHANGHAI))
    component.add("summary", event.title)
    component.add("location", event.venue)
    component.add("description", _description(event))
    component.add("url", absolute_url(event_path(event)))
    component.add("categories", [str(event.get_kind_display())])
    if event.status == EventStatus.CANCELLED:
        component.add("status", "CANCELLED")
    else:
        component.add("status", "CONFIRMED")
        for offset in ALARM_OFFSETS:
            alarm = icalendar.Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("trigger", -offset)
            alarm.add("description", _("Reminder: %(title)s") % {"title": event.title})
            component.add_component(alarm)
    return component


def _calendar(events: Iterable[Event], **properties) -> bytes:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    for name, value in properties.items():
        calendar.add(name.replace("_", "-"), value)
    for event in events:
        calendar.add_component(event_component(event))
    calendar.add_missing_timezones(first_date=TIMEZONE_FROM)
    return calendar.to_ical()


def event_ics(event: Event) -> bytes:
    """One meeting, for the download button."""
    return _calendar([event], method="PUBLISH")


def feed_ics(events: Iterable[Event]) -> bytes:
    """A person's subscription: their meetings, re-read by the calendar app every hour."""
    calendar_name = _("Red Chain meetings")
    return _calendar(
        events,
        name=calendar_name,
        x_wr_calname=calendar_name,
        x_wr_timezone="Asia/Shanghai",
        refresh_interval=REFRESH_INTERVAL,
        x_published_ttl=REFRESH_INTERVAL,
    )
