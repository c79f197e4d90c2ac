from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from alliance.core.validators import validate_phone


class User(AbstractUser):
    """A person who signs in. Roles come from relations (chain chief, liaison, contact…)."""

    full_name = models.CharField(_("full name"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[validate_phone])

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self) -> str:
        return f"{self.full_name}（{self.username}）" if self.full_name else self.username

    def get_full_name(self) -> str:
        return self.name_from(self.full_name, self.first_name, self.last_name, self.username)

    @staticmethod
    def name_from(full_name: str, first_name: str, last_name: str, username: str) -> str:
        """The name `get_full_name` shows, from the four columns (for rows read without a
        model instance)."""
        return full_name or f"{first_name} {last_name}".strip() or username

    def get_short_name(self) -> str:
        return self.full_name or self.username


class WorkerHeartbeat(models.Model):
    """Last time a background process proved it was alive (beat schedules it every minute)."""

    name = models.CharField(_("process"), max_length=50, unique=True)
    last_seen_at = models.DateTimeField(_("last seen at"))

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return self.name


class CalendarDay(models.Model):
    """A day whose working status staff set by hand, overriding the statutory calendar.

    The `chinesecalendar` package knows the holidays and make-up working days (调休) of the years
    whose schedule the State Council has published. Staff enter the next year's schedule here as
    soon as it is announced, or correct a local arrangement.
    """

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("working day"))
    name = models.CharField(
        _("name"), max_length=50, blank=True, help_text=_("e.g. 国庆节, 国庆节调休上班")
    )

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}".strip()


class CalendarYear(models.Model):
    """A year whose whole holiday schedule staff have entered and marked complete.

    Deadlines reaching into a year that neither the `chinesecalendar` package nor a row here
    covers are estimates: the days entered so far are counted, but a year half-entered (元旦
    typed in, 春节 not yet) must not pass for known, or its deadlines would silently stop
    moving when the rest of the notice is entered.
    """

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    completed_at = models.DateTimeField(_("marked complete at"))
    completed_by = models.ForeignKey(
        User,
        verbose_name=_("marked complete by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("complete calendar year")
        verbose_name_plural = _("complete calendar years")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)


class Notification(models.Model):
    """An in-app message to one person; its e-mail copy is sent from here (the row is the outbox).

    The row is written in the same transaction as the change it reports, so a broker outage can
    delay the e-mail but never lose it: a periodic sweep sends whatever is still pending.
    """

    class EmailStatus(models.TextChoices):
        PENDING = "pending", _("To be sent")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Not sent (no address)")

    recipient = models.ForeignKey(
        User, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=50)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    email_status = models.CharField(
        _("e-mail"), max_length=10, choices=EmailStatus.choices, default=EmailStatus.PENDING
    )
    email_attempts = models.PositiveSmallIntegerField(_("e-mail attempts"), default=0)
    email_claimed_at = models.DateTimeField(_("e-mail claimed at"), null=True, blank=True)
    email_sent_at = models.DateTimeField(_("e-mail sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["recipient", "read_at", "-created_at"], name="notification_inbox_idx"
            ),
            models.Index(fields=["email_status", "created_at"], name="notification_outbox_idx"),
        ]

    def __str__(self) -> str:
        return self.title
