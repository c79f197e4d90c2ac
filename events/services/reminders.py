"""Meeting reminders that go out exactly once.

A beat sweep (`send_due_reminders`, every minute) re-derives from the database which reminders
are due; nothing is queued per meeting, so a lost broker message, a restarted worker or a
second beat loses or doubles nothing.

The claim is the row `ReminderDispatch(event, recipient, offset, event_starts_at)`, unique in
the database. For one meeting the sweep, in one transaction:

1. locks the meeting row, so a concurrent sweep waits and then sees this one's claims;
2. reads the invitees still due a reminder and the claims that exist;
3. inserts the missing claims (a plain INSERT: if a claim exists after all, the unique
   constraint aborts the transaction rather than letting a reminder go out twice);
4. writes the in-app notifications, whose e-mails the notification outbox sends after commit.

Claim and notification commit together: a worker killed in between leaves neither, and the
next sweep sends the reminder. Which reminder is due, and which are skipped, is documented in
docs/events.md ("Reminders").
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import DateTimeField, Exists, ExpressionWrapper, OuterRef, Q
from django.utils import timezone

from alliance.core.notifications import notify
from events.models import Event, EventStatus, Invitation, ReminderDispatch, Rsvp
from events.services.common import event_path

logger = logging.getLogger(__name__)


def reminder_offsets() -> list[timedelta]:
    """The configured offsets, longest first."""
    return sorted(settings.EVENT_REMINDER_OFFSETS, reverse=True)


def due_offset(*, starts_at: datetime, now: datetime, offsets: list[timedelta]) -> timedelta | None:
    """The most recent reminder due for a meeting starting at `starts_at`, or None.

    None when the meeting has begun or no reminder time has come yet.
    """
    if starts_at <= now:
        return None
    due = [offset for offset in offsets if starts_at - offset <= now]
    return min(due) if due else None


def send_due_reminders(*, now: datetime | None = None) -> int:
    """Claim and send every reminder that is due now. Returns how many reminders went out."""
    now = now or timezone.now()
    offsets = reminder_offsets()
    if not offsets:
        return 0
    candidates = list(
        Event.objects.filter(status=EventStatus.PLANNED)
        .filter(_unsent(now=now, offsets=offsets))
        .order_by("starts_at", "pk")
        .values_list("pk", flat=True)
    )
    return sum(_remind_event(event_id=pk, now=now, offsets=offsets) for pk in candidates)


def _unsent(*, now: datetime, offsets: list[timedelta]) -> Q:
    """The meetings with someone still due the reminder that is due now (`due_offset`): the
    invitees the claim step would pick, without a claim of theirs. Between two reminder times
    the minute's sweep is then this one query, however many meetings lie ahead: each meeting
    in the window is looked at through its invitations and the claims' unique index."""
    windows = Q(pk__in=[])
    earlier = timedelta(0)
    for offset in sorted(offsets):
        claimed = ReminderDispatch.objects.filter(
            event=OuterRef(OuterRef("pk")),
            event_starts_at=OuterRef(OuterRef("starts_at")),
            recipient=OuterRef("user"),
            offset=offset,
        )
        waiting = (
            Invitation.objects.filter(
                event=OuterRef("pk"),
                created_at__lte=ExpressionWrapper(
                    OuterRef("starts_at") - offset, output_field=DateTimeField()
                ),
                user__is_active=True,
            )
            .exclude(rsvp=Rsvp.DECLINED)
            .filter(~Exists(claimed))
        )
        # The meetings for which `offset` is the reminder due now.
        windows |= Q(starts_at__gt=now + earlier, starts_at__lte=now + offset) & Exists(waiting)
        earlier = offset
    return windows


def _remind_event(*, event_id: int, now: datetime, offsets: list[timedelta]) -> int:
    try:
        return _claim_and_notify(event_id=event_id, now=now, offsets=offsets)
    except IntegrityError:
        # Someone else's claim committed between our read and our insert: the whole
        # transaction, notifications included, is rolled back, so nothing went out twice.
        logger.info("Reminders for event %s were already claimed; sent nothing.", event_id)
        return 0


def _claim_and_notify(*, event_id: int, now: datetime, offsets: list[timedelta]) -> int:
    with transaction.atomic():
        # Fresh and locked: the meeting may have been moved or cancelled since the scan.
        # NO KEY UPDATE still excludes another sweep (and staff moving the meeting) but not the
        # key-share locks that inserts referring to the meeting take at commit.
        event = (
            Event.objects.select_for_update(no_key=True)
            .filter(pk=event_id, status=EventStatus.PLANNED)
            .first()
        )
        if event is None:
            return 0
        offset = due_offset(starts_at=event.starts_at, now=now, offsets=offsets)
        if offset is None:
            return 0
        # Those invited before this reminder's time who have not declined. Someone invited
        # later has just been told by the invitation itself.
        invitations = list(
            Invitation.objects.filter(
                event=event,
                created_at__lte=event.starts_at - offset,
                user__is_active=True,
            )
            .exclude(rsvp=Rsvp.DECLINED)
            .select_related("user")
        )
        if not invitations:
            return 0
        # Older reminders this person is still missing are recorded unsent ("skipped"): after
        # a downtime only the most recent reminder goes out, never several at once.
        skipped = [earlier for earlier in offsets if earlier > offset]
        wanted = [offset, *skipped]
        claimed = set(
            ReminderDispatch.objects.filter(
                event=event,
                event_starts_at=event.starts_at,
                offset__in=wanted,
            ).values_list("recipient_id", "offset")
        )
        recipients = [
            invitation.user
            for invitation in invitations
            if (invitation.user_id, offset) not in claimed
        ]
        if not recipients:
            return 0
        ReminderDispatch.objects.bulk_create(
            [
                ReminderDispatch(
                    event=event,
                    recipient=user,
                    offset=key,
                    event_starts_at=event.starts_at,
                    sent_at=now if key == offset else None,
                )
                for user in recipients
                for key in wanted
                if (user.pk, key) not in claimed
            ]
        )
        notify(
            recipients=recipients,
            kind="event_reminder",
            context={"event": event, "now": now},
            url=event_path(event),
        )
    logger.info(
        "Sent %s reminder(s) for event %s (%s before the start).", len(recipients), event_id, offset
    )
    return len(recipients)
