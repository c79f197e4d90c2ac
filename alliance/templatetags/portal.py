"""Small helpers for the portal shell templates."""

from __future__ import annotations

from datetime import timedelta

from django import template
from django.conf import settings
from django.contrib.messages import constants as message_levels

from alliance.roles import AllianceProfile, NavbarFacts, request_navbar_facts

register = template.Library()

_ALERT_CLASSES = {
    message_levels.DEBUG: "secondary",
    message_levels.INFO: "info",
    message_levels.SUCCESS: "success",
    message_levels.WARNING: "warning",
    message_levels.ERROR: "danger",
}


@register.simple_tag(takes_context=True)
def user_is_park_staff(context) -> bool:
    """Whether to offer the admin link, without a second query on pages that know the profile."""
    profile = context.get("profile")
    if isinstance(profile, AllianceProfile):
        return profile.is_park_staff
    request = context.get("request")
    user = context.get("user")
    if user is None or request is None:
        return False
    # The request's one facts query answers it (the bell makes it anyway; a view that checked
    # the staff role already made it).
    if getattr(user, "is_authenticated", False):
        return request_navbar_facts(request).is_park_staff
    return False


@register.simple_tag(takes_context=True)
def portal_navbar(context) -> NavbarFacts:
    """The navbar's facts about the signed-in person (`NavbarFacts`): which links to offer.

    One query per request, shared with the notification bell's unread count."""
    request = context.get("request")
    user = context.get("user")
    if request is None or not getattr(user, "is_authenticated", False):
        return NavbarFacts()
    return request_navbar_facts(request)


@register.filter
def alert_class(message) -> str:
    return _ALERT_CLASSES.get(getattr(message, "level", None), "info")


@register.filter
def in_minutes(value) -> int | None:
    """A cool-off period as whole minutes (django-axes passes a timedelta)."""
    if not isinstance(value, timedelta):
        return None
    return max(1, round(value.total_seconds() / 60))


@register.simple_tag
def lockout_policy() -> dict[str, int | None]:
    """How many wrong passwords lock an account, and for how long (from django-axes settings)."""
    cooloff = getattr(settings, "AXES_COOLOFF_TIME", None)
    return {
        "failure_limit": getattr(settings, "AXES_FAILURE_LIMIT", None),
        "cooloff_minutes": in_minutes(cooloff),
    }


@register.filter
def as_control(bound_field) -> str:
    """Render a field's widget as a Bootstrap form control, marked invalid when it has errors.

    Django adds aria-invalid and aria-describedby (help text) itself.
    """
    css = "form-control is-invalid" if bound_field.errors else "form-control"
    return bound_field.as_widget(attrs={"class": css})
