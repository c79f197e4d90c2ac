"""Template helpers of the meeting pages and the home page's meetings panel."""

from __future__ import annotations

from django import template
from django.utils import timezone

from events import selectors
from events.days_off import shift_label
from events.recurrence import describe_rule

register = template.Library()


@register.simple_tag
def home_meetings(user, is_staff: bool) -> dict:
    """The home panel: for staff the next planned meetings, for others their invitations.

    One query either way.
    """
    if is_staff:
        return {"events": selectors.upcoming_events_for_staff(), "invitations": []}
    return {"events": [], "invitations": selectors.upcoming_invitations_for(user)}


@register.filter
def affiliation(user) -> str:
    """Where a person comes from (needs the prefetches of `invitations_with_people`)."""
    return selectors.affiliation_of(user)


@register.filter
def day_off_label(code: str) -> str:
    """Why a series meeting was moved to a working day, in the reader's language."""
    return shift_label(code)


@register.filter
def series_schedule(series) -> str:
    """The series' rule in words (每月第一个周三 14:30), or the raw rule the builder cannot
    express."""
    return describe_rule(series.rrule, timezone.localtime(series.first_starts_at).time())
