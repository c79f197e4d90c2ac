from __future__ import annotations

from datetime import datetime

from django.urls import reverse
from django.utils.translation import gettext as _

from alliance.core.staff import is_park_staff
from events.exceptions import EventActionError
from events.models import Event, Invitation


def require_staff(actor) -> None:
    """Meetings are run by park staff; the pages check it too, the services do not trust them."""
    if not is_park_staff(actor):
        raise EventActionError(_("Only park staff can manage meetings."))


def lock_event(event: Event) -> Event:
    """The event row, locked for the rest of the transaction (fresh from the database)."""
    return Event.objects.select_for_update().get(pk=event.pk)


def event_path(event: Event) -> str:
    return reverse("events:event-detail", args=[event.pk])


def check_schedule(*, starts_at: datetime, ends_at: datetime, now: datetime) -> None:
    """A meeting must lie ahead and end after it starts."""
    if starts_at <= now:
        raise EventActionError(_("A meeting cannot be scheduled to start in the past."))
    if ends_at <= starts_at:
        raise EventActionError(_("The end must be after the start."))


def invitees_of(event: Event) -> list:
    """Everyone invited, whatever they replied (reschedules and cancellations tell them all)."""
    return [
        invitation.user
        for invitation in Invitation.objects.filter(event=event).select_related("user")
    ]
