"""Invitations: invite and remove people, their replies, and check-in at the door."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from alliance.core.models import User
from alliance.core.notifications import notify
from events.exceptions import EventActionError
from events.models import Event, EventStatus, Invitation, Rsvp
from events.services.common import event_path, lock_event, require_staff

# Check-in opens two hours before the start (people arrive early for registration) and, for the
# invitee's own QR check-in, closes two hours after the end. Staff may check someone in by hand
# later, from the paper list at the door.
CHECK_IN_OPENS_BEFORE = timedelta(hours=2)
CHECK_IN_CLOSES_AFTER = timedelta(hours=2)


def check_in_is_open(event: Event, now: datetime) -> bool:
    """Whether the invitee may check themselves in now."""
    return (
        event.status != EventStatus.CANCELLED
        and event.starts_at - CHECK_IN_OPENS_BEFORE <= now <= event.ends_at + CHECK_IN_CLOSES_AFTER
    )


def invite_users(*, event: Event, users: Iterable[User]) -> list[Invitation]:
    """Materialise invitations for the people not yet invited and tell them.

    The caller holds the event (locked or just created), so no other transaction adds the same
    people meanwhile; the unique constraint would refuse it anyway.
    """
    already = set(Invitation.objects.filter(event=event).values_list("user_id", flat=True))
    people = {user.pk: user for user in users if user.is_active and user.pk not in already}
    if not people:
        return []
    created = Invitation.objects.bulk_create(
        Invitation(event=event, user=user) for user in people.values()
    )
    notify(
        recipients=people.values(),
        kind="event_invited",
        context={"event": event},
        url=event_path(event),
    )
    return created


def _refuse_unless_open(event: Event, now: datetime) -> None:
    if event.status != EventStatus.PLANNED:
        raise EventActionError(_("Invitations can only change while a meeting is planned."))
    if event.ends_at <= now:
        raise EventActionError(_("This meeting is over."))


@transaction.atomic
def event_invite(
    *, event: Event, actor: User, users: Iterable[User], now: datetime | None = None
) -> list[Invitation]:
    """Invite more people to a planned meeting; returns the new invitations only."""
    require_staff(actor)
    now = now or timezone.now()
    event = lock_event(event)
    _refuse_unless_open(event, now)
    return invite_users(event=event, users=users)


@transaction.atomic
def event_uninvite(*, invitation: Invitation, actor: User, now: datetime | None = None) -> None:
    """Take someone off the list of a planned meeting, and tell them."""
    require_staff(actor)
    now = now or timezone.now()
    event = lock_event(invitation.event)
    _refuse_unless_open(event, now)
    deleted, _rows = Invitation.objects.filter(pk=invitation.pk, event=event).delete()
    if deleted:
        notify(recipients=[invitation.user], kind="event_uninvited", context={"event": event})


@transaction.atomic
def invitation_respond(
    *, invitation: Invitation, rsvp: str, now: datetime | None = None
) -> Invitation:
    """The invitee accepts or declines, until the meeting begins."""
    if rsvp not in (Rsvp.ACCEPTED, Rsvp.DECLINED):
        raise EventActionError(_("Reply that you will attend or that you will not."))
    now = now or timezone.now()
    invitation = (
        Invitation.objects.select_for_update().select_related("event").get(pk=invitation.pk)
    )
    event = invitation.event
    if event.status != EventStatus.PLANNED:
        raise EventActionError(_("This meeting no longer takes replies."))
    if event.starts_at <= now:
        raise EventActionError(_("This meeting has already begun."))
    if invitation.rsvp == rsvp:
        return invitation
    invitation.rsvp = rsvp
    invitation.responded_at = now
    invitation.save(update_fields=["rsvp", "responded_at"])
    return invitation


@transaction.atomic
def invitation_check_in(
    *, invitation: Invitation, actor: User, by_staff: bool = False, now: datetime | None = None
) -> tuple[Invitation, bool]:
    """Record that the invitee is here. Returns the invitation and whether this call did it.

    The first check-in counts: scanning the code twice keeps the first time. The invitee checks
    in themselves during the check-in window; staff (by_staff) may also do it afterwards.
    """
    if by_staff:
        require_staff(actor)
    now = now or timezone.now()
    invitation = (
        Invitation.objects.select_for_update().select_related("event").get(pk=invitation.pk)
    )
    event = invitation.event
    if not by_staff and actor.pk != invitation.user_id:
        raise EventActionError(_("Only the invitee can check themselves in."))
    if event.status == EventStatus.CANCELLED:
        raise EventActionError(_("This meeting has been cancelled."))
    if invitation.checked_in_at is not None:
        return invitation, False
    if now < event.starts_at - CHECK_IN_OPENS_BEFORE:
        raise EventActionError(_("Check-in opens two hours before the meeting begins."))
    if not by_staff and now > event.ends_at + CHECK_IN_CLOSES_AFTER:
        raise EventActionError(
            _("Check-in for this meeting has closed; ask the organisers to record you.")
        )
    invitation.checked_in_at = now
    invitation.checked_in_by = actor if by_staff else None
    invitation.save(update_fields=["checked_in_at", "checked_in_by"])
    return invitation, True
