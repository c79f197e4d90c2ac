"""Template context shared by every portal page."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from alliance.roles import request_navbar_facts


def notifications(request: HttpRequest) -> dict:
    """The bell's unread count and the navbar's roles: one query, made only if a template shows
    them (every page with the navbar does, once), shared with the view's own role checks."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    facts = SimpleLazyObject(lambda: request_navbar_facts(request))
    return {
        "unread_notification_count": SimpleLazyObject(lambda: facts.unread),
        "portal_nav": facts,
    }
