"""Regular meetings: a series and the occurrences it keeps ahead of time."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from dateutil.rrule import rrulestr
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from alliance.core import broker
from alliance.core.models import User
from alliance.core.notifications import notify
from chains.models import IndustryChain
from events.days_off import working_starts
from events.exceptions import EventActionError
from events.models import Event, EventSeries, EventStatus, Invitation
from events.services.common import event_path, invitees_of, require_staff
from events.services.invitations import invite_users
from events.validators import validate_rrule

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A weekly rule over the longest horizon (24 months) gives about 105 meetings; more than this
# means a rule nobody meant.
MAX_OCCURRENCES_PER_RUN = 120
TITLE_MAX = Event._meta.get_field("title").max_length

logger = logging.getLogger(__name__)


def _rule(series: EventSeries):
    # The rule runs on Beijing wall-clock time: "first Tuesday 14:30" stays 14:30 local.
    text = series.rrule.strip()
    if text.upper().startswith("RRULE:"):
        text = text[len("RRULE:") :]
    return rrulestr(text, dtstart=series.first_starts_at.astimezone(SHANGHAI))


def _occurrence_title(series: EventSeries, slot: datetime, starts_at: datetime) -> str:
    # Stored data, so written in the portal's language whatever the request's language is.
    # A monthly meeting is named by its slot's month (2027年2月: the February meeting stays the
    # February meeting when a holiday pushes it into March), a weekly one by its day.
    monthly = "FREQ=MONTHLY" in series.rrule.upper()
    with translation.override(settings.LANGUAGE_CODE):
        when = date_format(
            (slot if monthly else starts_at).astimezone(SHANGHAI).date(),
            "YEAR_MONTH_FORMAT" if monthly else "DATE_FORMAT",
        )
        title = _("%(title)s, %(date)s") % {"title": series.title, "date": when}
        if len(title) <= TITLE_MAX:
            return title
        # A series title at its own limit leaves no room for the date: shorten the title part.
        room = TITLE_MAX - (len(title) - len(series.title)) - 1
        return _("%(title)s, %(date)s") % {"title": series.title[:room] + "…", "date": when}


@transaction.atomic
def series_generate_occurrences(*, series: EventSeries, now: datetime | None = None) -> list[Event]:
    """Create the series' meetings from now to `months_ahead` months ahead that do not exist.

    Idempotent: a slot that already has a meeting — even one moved to another day by hand, or
    cancelled — is never filled again. Only future slots are created. With `skip_days_off`, a
    slot on a holiday or weekend becomes a meeting at the same time on the next working day
    (`Event.day_off` says why); when that day already has the series' meeting at that time
    (a weekly meeting after a long holiday), no second one is created. The standing invitees are
    invited to the new meetings and get one message listing them.
    """
    now = now or timezone.now()
    # Two runs at once (beat and a staff click) wait for each other here.
    series = EventSeries.objects.select_for_update().get(pk=series.pk)
    if not series.is_active:
        return []
    horizon = now + relativedelta(months=series.months_ahead)
    start = max(now, series.first_starts_at)
    slots = [slot for slot in _rule(series).between(start, horizon, inc=True) if slot > now][
        :MAX_OCCURRENCES_PER_RUN
    ]
    existing = list(
        Event.objects.filter(series=series)
        .annotate(slot=Coalesce("series_slot", "starts_at"))
        .values_list("slot", "starts_at")
    )
    taken = {slot for slot, _start in existing}
    slots = [slot for slot in slots if slot not in taken]
    occupied = {start for _slot, start in existing}
    moves = working_starts(slots) if series.skip_days_off else {}
    chains = list(series.chains.all())
    invitees = [user for user in series.invitees.all() if user.is_active]
    created: list[Event] = []
    for slot in slots:
        starts_at, day_off = moves.get(slot, (slot, ""))
        if starts_at in occupied:
            continue
        occupied.add(starts_at)
        event = Event.objects.create(
            kind=series.kind,
            title=_occurrence_title(series, slot, starts_at),
            organizer=series.organizer,
            venue=series.venue,
            starts_at=starts_at,
            ends_at=starts_at + series.duration,
            agenda=series.agenda,
            series=series,
            series_slot=slot,
            day_off=day_off,
        )
        event.chains.set(chains)
        created.append(event)
    if created and invitees:
        Invitation.objects.bulk_create(
            Invitation(event=event, user=user) for event in created for user in invitees
        )
        notify(
            recipients=invitees,
            kind="event_series_invited",
            context={"series": series, "occurrences": created},
            url=reverse("events:event-list"),
        )
    return created


def _check_series(*, rrule: str, first_starts_at: datetime, duration: timedelta) -> None:
    try:
        validate_rrule(rrule)
    except ValidationError as error:
        raise EventActionError(error.messages[0]) from None
    text = rrule.strip()
    if text.upper().startswith("RRULE:"):
        text = text[len("RRULE:") :]
    rule = rrulestr(text, dtstart=first_starts_at.astimezone(SHANGHAI))
    if rule.after(first_starts_at, inc=True) is None:
        # e.g. UNTIL before the first start, or BYMONTHDAY=30 in February only.
        raise EventActionError(_("This rule gives no meeting from the first start on."))
    if duration <= timedelta(0):
        raise EventActionError(_("A meeting must last some time."))
    if duration > timedelta(days=1):
        raise EventActionError(_("A meeting of a series lasts at most one day."))


@transaction.atomic
def series_create(
    *,
    actor: User,
    kind: str,
    title: str,
    chains: Iterable[IndustryChain],
    venue: str,
    rrule: str,
    first_starts_at: datetime,
    duration: timedelta,
    months_ahead: int,
    agenda: str = "",
    invitees: Iterable[User] = (),
    skip_days_off: bool = True,
    now: datetime | None = None,
) -> EventSeries:
    """A new series; its meetings for the coming months are created at once."""
    require_staff(actor)
    now = now or timezone.now()
    _check_series(rrule=rrule, first_starts_at=first_starts_at, duration=duration)
    if first_starts_at <= now:
        raise EventActionError(_("A new series cannot start in the past."))
    series = EventSeries.objects.create(
        kind=kind,
        title=title,
        venue=venue,
        rrule=rrule,
        first_starts_at=first_starts_at,
        duration=duration,
        months_ahead=months_ahead,
        agenda=agenda,
        skip_days_off=skip_days_off,
        organizer=actor,
    )
    series.chains.set(chains)
    series.invitees.set(invitees)
    series_generate_occurrences(series=series, now=now)
    return series


@transaction.atomic
def series_update(
    *,
    series: EventSeries,
    actor: User,
    kind: str,
    title: str,
    chains: Iterable[IndustryChain],
    venue: str,
    rrule: str,
    first_starts_at: datetime,
    duration: timedelta,
    months_ahead: int,
    agenda: str,
    is_active: bool,
    invitees: Iterable[User],
    skip_days_off: bool = True,
    now: datetime | None = None,
) -> EventSeries:
    """Change a series. Meetings already created keep their date, place and agenda (staff move
    or cancel them one by one); new standing invitees are also invited to the planned meetings
    still ahead. Then the meetings still missing up to the horizon are created."""
    require_staff(actor)
    now = now or timezone.now()
    _check_series(rrule=rrule, first_starts_at=first_starts_at, duration=duration)
    series = EventSeries.objects.select_for_update().get(pk=series.pk)
    series.kind = kind
    series.title = title
    series.venue = venue
    series.rrule = rrule
    series.first_starts_at = first_starts_at
    series.duration = duration
    series.months_ahead = months_ahead
    series.agenda = agenda
    series.skip_days_off = skip_days_off
    series.is_active = is_active
    series.save()
    series.chains.set(chains)
    invitees = list(invitees)
    before = set(series.invitees.values_list("pk", flat=True))
    series.invitees.set(invitees)
    added = [user for user in invitees if user.pk not in before]
    if added:
        ahead = Event.objects.select_for_update().filter(
            series=series, status=EventStatus.PLANNED, starts_at__gt=now
        )
        for event in ahead:
            invite_users(event=event, users=added)
    series_generate_occurrences(series=series, now=now)
    return series


@transaction.atomic
def series_follow_calendar(*, now: datetime | None = None) -> int:
    """Put the series' planned meetings ahead back on working days after the calendar changed.

    A meeting the series placed (on its slot, or moved off a day off) whose day is now a day off
    moves to the next working day; one moved off a day that is now a working day goes back to
    its slot. A meeting staff moved by hand stays where they put it, and so does one whose new
    day already has the series' meeting at that time. Each move tells the invitees, as a
    reschedule does. Returns how many meetings moved; a second run moves none.
    """
    now = now or timezone.now()
    events = list(
        Event.objects.select_for_update()
        .filter(
            series__is_active=True,
            series__skip_days_off=True,
            status=EventStatus.PLANNED,
            starts_at__gt=now,
            series_slot__gt=now,
        )
        .select_related("series")
        .order_by("starts_at", "pk")
    )
    placed = [event for event in events if event.day_off or event.starts_at == event.series_slot]
    targets = working_starts([event.series_slot for event in placed])
    occupied = {(event.series_id, event.starts_at) for event in events}
    moved = 0
    for event in placed:
        starts_at, day_off = targets.get(event.series_slot, (event.series_slot, ""))
        if (starts_at, day_off) == (event.starts_at, event.day_off):
            continue
        if starts_at != event.starts_at and (event.series_id, starts_at) in occupied:
            continue
        occupied.discard((event.series_id, event.starts_at))
        occupied.add((event.series_id, starts_at))
        previous = {"starts_at": event.starts_at, "ends_at": event.ends_at, "venue": event.venue}
        duration = event.ends_at - event.starts_at
        event.starts_at, event.ends_at, event.day_off = starts_at, starts_at + duration, day_off
        event.sequence += 1
        event.save(update_fields=["starts_at", "ends_at", "day_off", "sequence", "updated_at"])
        notify(
            recipients=invitees_of(event),
            kind="event_rescheduled",
            context={"event": event, "previous": previous, "note": ""},
            url=event_path(event),
        )
        moved += 1
    return moved


def series_follow_calendar_later() -> None:
    """Queue `series_follow_calendar` once the caller's transaction commits (the calendar
    changed); if the broker cannot take it, the daily run of the series does it."""
    from events.tasks import follow_calendar

    broker.queue_after_commit(follow_calendar, fallback="the daily run of the series")


def follow_calendar_on_change(sender, **kwargs) -> None:
    """Receiver of `alliance.core.signals.calendar_changed`."""
    series_follow_calendar_later()


def series_generate_all(*, now: datetime | None = None) -> int:
    """Keep every active series filled up to its horizon (run daily by beat); returns how many
    meetings were created. Each series in its own transaction: one bad rule stops only itself."""
    total = 0
    try:
        series_follow_calendar(now=now)  # days entered since the meetings were placed
    except Exception:
        logger.exception("Could not put the series' meetings back on working days.")
    for series in EventSeries.objects.filter(is_active=True).order_by("pk"):
        try:
            total += len(series_generate_occurrences(series=series, now=now))
        except Exception:
            # A series staff saved with a rule that fails must not starve the others.
            logger.exception("Could not create the meetings ahead of series %s.", series.pk)
    return total
