"""Meetings: create, edit, reschedule, cancel, minutes and decisions."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from alliance.core.models import User
from alliance.core.notifications import notify
from chains.models import IndustryChain
from enterprises.models import Enterprise
from events.exceptions import EventActionError
from events.models import Decision, Event, EventStatus
from events.services.common import (
    check_schedule,
    event_path,
    invitees_of,
    lock_event,
    require_staff,
)
from events.services.invitations import invite_users
from liaisons.action_items.services import action_item_create, action_item_path
from liaisons.exceptions import ActionItemError
from liaisons.models import ActionItem

ACTION_ITEM_TITLE_MAX = ActionItem._meta.get_field("title").max_length


@transaction.atomic
def event_create(
    *,
    actor: User,
    kind: str,
    title: str,
    chains: Iterable[IndustryChain],
    venue: str,
    starts_at: datetime,
    ends_at: datetime,
    agenda: str = "",
    invitees: Iterable[User] = (),
    now: datetime | None = None,
) -> Event:
    """A new meeting with its invitation list; every invitee is told."""
    require_staff(actor)
    now = now or timezone.now()
    check_schedule(starts_at=starts_at, ends_at=ends_at, now=now)
    event = Event.objects.create(
        kind=kind,
        title=title,
        organizer=actor,
        venue=venue,
        starts_at=starts_at,
        ends_at=ends_at,
        agenda=agenda,
    )
    event.chains.set(chains)
    invite_users(event=event, users=invitees)
    return event


@transaction.atomic
def event_update(
    *,
    event: Event,
    actor: User,
    kind: str,
    title: str,
    chains: Iterable[IndustryChain],
    agenda: str,
) -> Event:
    """Correct what a meeting is about. Time and place change only by `event_reschedule`, which
    tells the invitees; a cancelled meeting is closed."""
    require_staff(actor)
    event = lock_event(event)
    if event.status == EventStatus.CANCELLED:
        raise EventActionError(_("A cancelled meeting can no longer be edited."))
    event.kind = kind
    event.title = title
    event.agenda = agenda
    event.save(update_fields=["kind", "title", "agenda", "updated_at"])
    event.chains.set(chains)
    return event


@transaction.atomic
def event_reschedule(
    *,
    event: Event,
    actor: User,
    starts_at: datetime,
    ends_at: datetime,
    venue: str,
    note: str = "",
    now: datetime | None = None,
) -> Event:
    """Move a planned meeting (time and/or place) and tell every invitee.

    The calendar revision goes up so calendar apps replace their copy. Reminders follow the new
    start by themselves: a reminder's claim names the start it was sent for. A meeting of a
    series keeps its slot, so the series does not create the old date again.
    """
    require_staff(actor)
    now = now or timezone.now()
    event = lock_event(event)
    if event.status != EventStatus.PLANNED:
        raise EventActionError(_("Only a planned meeting can be moved."))
    check_schedule(starts_at=starts_at, ends_at=ends_at, now=now)
    if (event.starts_at, event.ends_at, event.venue) == (starts_at, ends_at, venue):
        return event
    previous = {"starts_at": event.starts_at, "ends_at": event.ends_at, "venue": event.venue}
    event.starts_at = starts_at
    event.ends_at = ends_at
    event.venue = venue
    # Where staff put it now, not where the series moved it: the series leaves it there.
    event.day_off = ""
    event.sequence += 1
    event.save(update_fields=["starts_at", "ends_at", "venue", "day_off", "sequence", "updated_at"])
    notify(
        recipients=invitees_of(event),
        kind="event_rescheduled",
        context={"event": event, "previous": previous, "note": note},
        url=event_path(event),
    )
    return event


@transaction.atomic
def event_cancel(*, event: Event, actor: User, reason: str, now: datetime | None = None) -> Event:
    """Call a planned meeting off, with the reason, and tell every invitee. No more reminders
    go out for it (the reminder sweep skips cancelled meetings)."""
    require_staff(actor)
    reason = reason.strip()
    if not reason:
        raise EventActionError(_("Give the reason for the cancellation."))
    event = lock_event(event)
    if not event.can_transition_to(EventStatus.CANCELLED):
        raise EventActionError(_("Only a planned meeting can be cancelled."))
    event.status = EventStatus.CANCELLED
    event.cancel_reason = reason
    event.sequence += 1
    event.save(update_fields=["status", "cancel_reason", "sequence", "updated_at"])
    notify(
        recipients=invitees_of(event),
        kind="event_cancelled",
        context={"event": event, "reason": reason},
        url=event_path(event),
    )
    return event


@transaction.atomic
def event_record_minutes(
    *, event: Event, actor: User, minutes: str, now: datetime | None = None
) -> Event:
    """Write the minutes; a planned meeting that has begun is thereby marked held."""
    require_staff(actor)
    now = now or timezone.now()
    event = lock_event(event)
    if event.status == EventStatus.CANCELLED:
        raise EventActionError(_("A cancelled meeting has no minutes."))
    fields = ["minutes", "updated_at"]
    if event.status == EventStatus.PLANNED:
        if event.starts_at > now:
            raise EventActionError(_("Minutes can be recorded once the meeting has begun."))
        event.status = EventStatus.HELD
        fields.append("status")
    event.minutes = minutes.strip()
    event.save(update_fields=fields)
    return event


@transaction.atomic
def decision_record(
    *,
    event: Event,
    actor: User,
    text: str,
    kind: str,
    title: str,
    owner: User,
    due_date: date,
    chains: Iterable[IndustryChain],
    enterprises: Iterable[Enterprise] = (),
    lead_enterprise: Enterprise | None = None,
    now: datetime | None = None,
) -> Decision:
    """A decision of a held meeting; it becomes an action item that the owner is told about."""
    require_staff(actor)
    now = now or timezone.now()
    event = lock_event(event)
    if event.status != EventStatus.HELD:
        raise EventActionError(
            _("Decisions are recorded after the meeting: record its minutes first.")
        )
    if due_date < timezone.localdate(now):
        raise EventActionError(_("The due date cannot be in the past."))
    text = text.strip()
    if not text:
        raise EventActionError(_("Write the decision."))
    try:
        # The action items service owns items: it checks the actor, the title and the firms.
        item = action_item_create(
            actor=actor,
            kind=kind,
            title=(title.strip() or text)[:ACTION_ITEM_TITLE_MAX],
            description=text,
            chains=chains,
            lead=lead_enterprise,
            partners=enterprises,
            owner=owner,
            due_date=due_date,
            announce=False,
            now=now,
        )
    except ActionItemError as error:
        raise EventActionError(error.message) from error
    last = event.decisions.aggregate(last=Max("order"))["last"] or 0
    decision = Decision.objects.create(event=event, text=text, action_item=item, order=last + 1)
    notify(
        recipients=[owner],
        kind="event_action_item",
        context={"event": event, "decision": decision, "item": item},
        # The owner may not have been invited: the link goes to the action item itself.
        url=action_item_path(item),
    )
    return decision
