"""Template helpers of the meeting pages and the home page's meetings panel."""

from __future__ import annotations

from django import template

from events import selectors

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
