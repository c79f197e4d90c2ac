"""Template context shared by every portal page."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from alliance.notifications import unread_count


def notifications(request: HttpRequest) -> dict:
    """The bell's unread count: one COUNT query, made only if a template shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notification_count": SimpleLazyObject(lambda: unread_count(user))}
