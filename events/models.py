import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from chains.models import IndustryChain
from events.validators import validate_rrule
from liaisons.models import ActionItem


class EventKind(models.TextChoices):
    JOINT_MEETING = "joint_meeting", _("Joint meeting")
    SALON = "salon", _("Salon")
    SYMPOSIUM = "symposium", _("Symposium")
    PARTY_DAY = "party_day", _("Themed party day")
    MATCHMAKING = "matchmaking", _("Matchmaking session")
    TRAINING = "training", _("Training")
    VISIT = "visit", _("Visit")


class EventStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


EVENT_TRANSITIONS: dict[str, frozenset[str]] = {
    EventStatus.PLANNED: frozenset({EventStatus.HELD, EventStatus.CANCELLED}),
    EventStatus.HELD: frozenset(),
    EventStatus.CANCELLED: frozenset(),
}


class EventSeries(models.Model):
    """A regular meeting (e.g. the monthly joint meeting, first Tuesday 14:30)."""

    kind = models.CharField(
        _("type"), max_length=20, choices=EventKind.choices, default=EventKind.JOINT_MEETING
    )
    title = models.CharField(_("title"), max_length=200)
    chains = models.ManyToManyField(
        IndustryChain, verbose_name=_("chains"), related_name="event_series", blank=True
    )
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    rrule = models.CharField(
        _("recurrence rule"),
        max_length=200,
        validators=[validate_rrule],
        help_text=_("RFC 5545, e.g. FREQ=MONTHLY;BYDAY=1TU for the first Tuesday of each month."),
    )
    first_starts_at = models.DateTimeField(_("first meeting starts at"))
    duration = models.DurationField(_("duration"), default=timedelta(hours=2))
    months_ahead = models.PositiveSmallIntegerField(
        _("create meetings this many months ahead"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(24)],
    )
    # Park meetings are held on working days: a slot on a statutory holiday or a weekend (per
    # alliance.core.workcalendar, so make-up working days count as working days) moves forward.
    skip_days_off = models.BooleanField(
        _("move meetings off holidays"),
        default=True,
        help_text=_(
            "A meeting that falls on a public holiday or a weekend is held on the next working "
            "day, at the same time."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    agenda = models.TextField(_("standing agenda"), blank=True)
    organizer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("organizer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organized_event_series",
    )
    # The standing invitation list: every generated meeting invites these people.
    invitees = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("standing invitees"),
        related_name="standing_event_series",
        blank=True,
    )

    class Meta:
        verbose_name = _("meeting series")
        verbose_name_plural = _("meeting series")
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration__gt=timedelta(0)), name="series_duration_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Event(models.Model):
    kind = models.CharField(_("type"), max_length=20, choices=EventKind.choices)
    title = models.CharField(_("title"), max_length=200)
    chains = models.ManyToManyField(
        IndustryChain, verbose_name=_("chains"), related_name="events", blank=True
    )
    organizer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("organizer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organized_events",
    )
    venue = models.CharField(_("venue"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    agenda = models.TextField(_("agenda"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=EventStatus.choices, default=EventStatus.PLANNED
    )
    cancel_reason = models.TextField(_("reason for cancellation"), blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    series = models.ForeignKey(
        EventSeries,
        verbose_name=_("series"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="occurrences",
    )
    # The start the series' rule gave this meeting. It stays when the meeting is moved by hand,
    # so the generator knows the slot is taken and does not create the meeting a second time.
    series_slot = models.DateTimeField(_("scheduled slot in the series"), null=True, blank=True)
    # Why the series put this meeting on a later working day than its slot: the holiday's code
    # (alliance.core.workcalendar's names, "weekend") or the name staff gave the day in the
    # calendar.
    # Empty when the meeting is on its slot's day. Shown with `events.holidays.shift_label`.
    day_off = models.CharField(_("moved off the day off"), max_length=50, blank=True)
    # iCalendar identity: calendar apps match updates by UID and apply the highest SEQUENCE.
    uid = models.UUIDField(_("calendar UID"), default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(_("calendar revision"), default=0, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("meeting or salon")
        verbose_name_plural = _("meetings and salons")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="event_ends_after_start",
                violation_error_message=_("The end must be after the start."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=EventStatus.values), name="event_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=EventStatus.CANCELLED) | ~Q(cancel_reason=""),
                name="event_cancel_has_reason",
                violation_error_message=_("A cancelled event needs a reason."),
            ),
            models.UniqueConstraint(
                fields=["series", "series_slot"],
                condition=Q(series__isnull=False, series_slot__isnull=False),
                name="event_one_occurrence_per_slot",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "starts_at"], name="event_status_start_idx"),
            models.Index(fields=["series", "starts_at"], name="event_series_start_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def can_transition_to(self, status: str) -> bool:
        return status in EVENT_TRANSITIONS[self.status]


class Rsvp(models.TextChoices):
    PENDING = "pending", _("No reply yet")
    ACCEPTED = "accepted", _("Will attend")
    DECLINED = "declined", _("Will not attend")


class Invitation(models.Model):
    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="invitations"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invitee"),
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    rsvp = models.CharField(_("reply"), max_length=10, choices=Rsvp.choices, default=Rsvp.PENDING)
    responded_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    # Empty when the invitee checked in themselves with the QR code; staff otherwise.
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checked in by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("invited at"), auto_now_add=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["event", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["event", "user"], name="invitation_unique"),
            models.CheckConstraint(condition=Q(rsvp__in=Rsvp.values), name="invitation_rsvp_valid"),
            models.CheckConstraint(
                condition=Q(checked_in_by__isnull=True) | Q(checked_in_at__isnull=False),
                name="invitation_checked_in_by_needs_time",
            ),
        ]
        indexes = [models.Index(fields=["user", "event"], name="invitation_user_idx")]

    def __str__(self) -> str:
        return f"{self.event} · {self.user}"


class ReminderDispatch(models.Model):
    """The claim that makes a reminder go out once: one row per (event, person, offset, start)."""

    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="reminder_dispatches"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    offset = models.DurationField(_("time before the start"))
    event_starts_at = models.DateTimeField(_("event start it refers to"))
    claimed_at = models.DateTimeField(_("claimed at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        ordering = ["-claimed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "recipient", "offset", "event_starts_at"], name="reminder_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} · {self.recipient} · {self.offset}"


class Decision(models.Model):
    """A decision in a meeting's minutes; it becomes tracked work as an action item."""

    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="decisions"
    )
    text = models.TextField(_("decision"))
    action_item = models.OneToOneField(
        ActionItem,
        verbose_name=_("action item"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="decision",
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["event", "order", "pk"]

    def __str__(self) -> str:
        return self.text[:50]


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A person's private calendar subscription: whoever holds the token reads their meetings.

    Revoking keeps the row (so an old link keeps answering 404, never somebody else's feed);
    the person may then create a new link.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="calendar_feeds",
    )
    token = models.CharField(
        _("token"), max_length=64, unique=True, default=new_feed_token, editable=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(revoked_at__isnull=True),
                name="calendarfeed_one_active_per_user",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.created_at:%Y-%m-%d}"
