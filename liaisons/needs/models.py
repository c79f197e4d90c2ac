"""A need (企业诉求) and what hangs on it: its time limits, numbers, escalations, timeline and
attachments."""

import os
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from alliance.core.validators import validate_phone
from chains.models import IndustryChain
from enterprises.models import Enterprise
from liaisons.needs.choices import NeedCategory, NeedEventAction, NeedStatus, Urgency
from liaisons.needs.workflow import NEED_TRANSITIONS
from liaisons.org.models import Department, Liaison
from liaisons.resources.models import DepartmentResource

# States in which a liaison's clock runs (used by lists, KPIs and the escalation sweep).
# The states in which the liaison's resolve clock runs and the escalation ladder is climbed: not
# while waiting for the firm, not long-term. A tuple: it is part of an index's
# condition, whose SQL must not change from one run to the next.
LADDER_STATUSES = (
    NeedStatus.DISPATCHED,
    NeedStatus.IN_PROGRESS,
    NeedStatus.RETURN_PENDING,
    NeedStatus.REOPENED,
)

NEED_OPEN_STATUSES = frozenset(
    {
        NeedStatus.SUBMITTED,
        NeedStatus.ACCEPTED,
        NeedStatus.DISPATCHED,
        NeedStatus.IN_PROGRESS,
        NeedStatus.WAITING_ENTERPRISE,
        NeedStatus.LONG_TERM,
        NeedStatus.RETURN_PENDING,
        NeedStatus.REOPENED,
    }
)


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY = "basically", _("Basically satisfied")
    UNSATISFIED = "unsatisfied", _("Unsatisfied")


class EscalationLevel(models.IntegerChoices):
    NONE = 0, _("None")
    AMBER = 1, _("Amber warning")
    URGE = 2, _("Urged (催办)")
    SUPERVISE = 3, _("Supervised (督办)")


class Need(models.Model):
    """An entry of the enterprise needs list (企业需求清单)."""

    number = models.CharField(_("need number"), max_length=20, unique=True)
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="needs"
    )
    chain = models.ForeignKey(
        IndustryChain,
        verbose_name=_("chain"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="needs",
    )
    category = models.CharField(_("category"), max_length=20, choices=NeedCategory.choices)
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.GREEN
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        related_name="submitted_needs",
    )
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(
        _("contact phone"), max_length=20, blank=True, validators=[validate_phone]
    )
    status = models.CharField(
        _("status"), max_length=20, choices=NeedStatus.choices, default=NeedStatus.DRAFT
    )
    liaison = models.ForeignKey(
        Liaison,
        verbose_name=_("liaison"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="needs",
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="needs",
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    accept_due = models.DateTimeField(_("accept by"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    sign_due = models.DateTimeField(_("sign for by"), null=True, blank=True)
    signed_at = models.DateTimeField(_("signed for at"), null=True, blank=True)
    first_contact_due = models.DateTimeField(_("first contact by"), null=True, blank=True)
    first_contact_at = models.DateTimeField(_("first contact at"), null=True, blank=True)
    resolve_due = models.DateTimeField(_("resolve by"), null=True, blank=True)
    paused_since = models.DateTimeField(_("clock paused since"), null=True, blank=True)
    paused_total = models.DurationField(_("total paused time"), default=timedelta)
    # What each deadline was counted from: its start (submitted_at, clock_started_at,
    # replied_at) and the working hours after it (the limit, plus the working hours paused and
    # any extension for the liaison's deadlines). A change to the working calendar counts the
    # open deadlines again from these (liaisons.needs.recount); empty where a deadline was
    # written without them.
    clock_started_at = models.DateTimeField(
        _("clock started at"),
        null=True,
        blank=True,
        help_text=_("The dispatch, or the reopening that started the liaison's current clock."),
    )
    accept_hours = models.FloatField(_("accept within (working hours)"), null=True, blank=True)
    sign_hours = models.FloatField(_("sign for within (working hours)"), null=True, blank=True)
    first_contact_hours = models.FloatField(
        _("first contact within (working hours)"), null=True, blank=True
    )
    resolve_hours = models.FloatField(
        _("resolve within (working hours)"),
        null=True,
        blank=True,
        help_text=_("The limit, plus the working hours paused and the extension granted."),
    )
    rating_hours = models.FloatField(_("rating window (working hours)"), null=True, blank=True)
    status_before_return = models.CharField(
        _("status before the return request"),
        max_length=20,
        choices=NeedStatus.choices,
        blank=True,
        help_text=_("Where a denied return goes back to."),
    )
    extension_requested = models.PositiveSmallIntegerField(
        _("extension requested (working days)"), default=0, help_text=_("0 when none is pending.")
    )
    reopen_count = models.PositiveSmallIntegerField(_("reopened"), default=0)
    milestone_due = models.DateTimeField(_("next milestone reply by"), null=True, blank=True)
    deadline_estimated = models.BooleanField(
        _("deadline estimated"),
        default=False,
        help_text=_(
            "A deadline reaches into a year whose holidays are not known yet: weekdays counted."
        ),
    )
    escalation_level = models.PositiveSmallIntegerField(
        _("escalation level"), choices=EscalationLevel.choices, default=EscalationLevel.NONE
    )
    next_escalation_at = models.DateTimeField(
        _("next escalation at"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("When the next escalation rung is due, while the resolve clock runs."),
    )
    return_count = models.PositiveSmallIntegerField(_("returns"), default=0)
    extension_workdays = models.PositiveSmallIntegerField(_("extension (working days)"), default=0)
    resolution = models.TextField(_("resolution"), blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    rating_due = models.DateTimeField(_("rate by"), null=True, blank=True)
    satisfaction = models.CharField(
        _("satisfaction"), max_length=20, choices=Satisfaction.choices, blank=True
    )
    satisfaction_comment = models.TextField(_("rating comment"), blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_needs",
    )
    resources = models.ManyToManyField(
        DepartmentResource, verbose_name=_("linked resources"), blank=True, related_name="needs"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # next_escalation_at follows from the fields the history keeps (deadlines.LADDER_FIELDS).
    history = HistoricalRecords(excluded_fields=["updated_at", "next_escalation_at"])

    class Meta:
        verbose_name = _("enterprise need")
        verbose_name_plural = _("enterprise needs")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=NeedStatus.values), name="need_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(satisfaction="") | Q(satisfaction__in=Satisfaction.values),
                name="need_satisfaction_valid",
            ),
            models.CheckConstraint(
                condition=Q(escalation_level__gte=0, escalation_level__lte=3),
                name="need_escalation_level_range",
            ),
            models.CheckConstraint(
                condition=~Q(status=NeedStatus.CLOSED) | Q(closed_at__isnull=False),
                name="need_closed_has_closed_at",
            ),
            models.CheckConstraint(
                condition=(Q(status=NeedStatus.MERGED) & Q(merged_into__isnull=False))
                | (~Q(status=NeedStatus.MERGED) & Q(merged_into__isnull=True)),
                name="need_merged_iff_master",
            ),
            models.CheckConstraint(
                condition=~Q(merged_into=F("pk")), name="need_not_merged_into_itself"
            ),
            models.CheckConstraint(
                condition=Q(status=NeedStatus.DRAFT) | Q(submitted_at__isnull=False),
                name="need_submitted_has_submitted_at",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "resolve_due"], name="need_status_due_idx"),
            models.Index(fields=["liaison", "status"], name="need_liaison_status_idx"),
            models.Index(fields=["enterprise", "-created_at"], name="need_enterprise_idx"),
            models.Index(fields=["chain", "status"], name="need_chain_status_idx"),
            models.Index(fields=["department", "status"], name="need_department_status_idx"),
            # liaisons.paging: the lists page on (key, id) from an index, not a sort.
            # status and enterprise included: page 1,000 skips 25,000 entries without reading
            # the table (an index-only scan on PostgreSQL; liaisons.paging.numbered_page).
            models.Index(
                fields=["created_at", "id"],
                include=["status", "enterprise"],
                name="need_created_idx",
            ),
            # The staff inbox's sections (small partial indexes: a few % of the needs each).
            models.Index(
                fields=["accept_due", "id"],
                condition=Q(status="submitted"),
                name="need_inbox_submitted_idx",
            ),
            models.Index(
                fields=["accepted_at", "id"],
                condition=Q(status="accepted"),
                name="need_inbox_accepted_idx",
            ),
            models.Index(
                fields=["updated_at", "id"],
                condition=Q(status="return_pending"),
                name="need_inbox_returns_idx",
            ),
            models.Index(
                fields=["rating_due", "id"],
                condition=Q(status="replied"),
                name="need_inbox_visits_idx",
            ),
            models.Index(
                fields=["resolve_due", "id"],
                condition=Q(extension_requested__gt=0),
                name="need_inbox_extensions_idx",
            ),
            # The escalation sweep: the needs whose next rung has come, and any on the ladder
            # without a next moment (none, unless written past the services).
            models.Index(
                fields=["next_escalation_at"],
                condition=Q(next_escalation_at__isnull=False),
                name="need_next_escalation_idx",
            ),
            models.Index(
                fields=["id"],
                condition=Q(
                    next_escalation_at__isnull=True,
                    status__in=LADDER_STATUSES,
                    resolve_due__isnull=False,
                    escalation_level__lt=3,
                ),
                name="need_unscheduled_ladder_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def can_transition_to(self, status: str) -> bool:
        return status in NEED_TRANSITIONS[self.status]

    @property
    def is_open(self) -> bool:
        return self.status in NEED_OPEN_STATUSES


class NeedTimeLimit(models.Model):
    """Time limits for one category × urgency, in working hours (one working day = 8 h).

    Defaults (`liaisons.needs.timelimits`) are drawn from the published 12345 / enterprise-service
    rules; park staff adjust them in the admin.
    """

    category = models.CharField(_("category"), max_length=20, choices=NeedCategory.choices)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices)
    accept_hours = models.PositiveSmallIntegerField(_("accept within (working hours)"))
    sign_hours = models.PositiveSmallIntegerField(_("sign for within (working hours)"))
    first_contact_hours = models.PositiveSmallIntegerField(
        _("first contact within (working hours)")
    )
    resolve_hours = models.PositiveSmallIntegerField(_("resolve within (working hours)"))
    extension_max_hours = models.PositiveSmallIntegerField(_("longest extension (working hours)"))
    rating_hours = models.PositiveSmallIntegerField(_("rating window (working hours)"))

    class Meta:
        verbose_name = _("time limit")
        verbose_name_plural = _("time limits")
        ordering = ["category", "urgency"]
        constraints = [
            models.UniqueConstraint(fields=["category", "urgency"], name="timelimit_unique"),
            models.CheckConstraint(
                condition=Q(
                    accept_hours__gt=0,
                    sign_hours__gt=0,
                    first_contact_hours__gt=0,
                    resolve_hours__gt=0,
                    rating_hours__gt=0,
                ),
                name="timelimit_positive",
                violation_error_message=_("Every time limit must be at least one working hour."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} · {self.get_urgency_display()}"


class NeedCounter(models.Model):
    """The last need number handed out in a year (XQ-2026-00042)."""

    year = models.PositiveSmallIntegerField(_("year"), primary_key=True)
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("need number counter")
        verbose_name_plural = _("need number counters")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class NeedEscalation(models.Model):
    """The claim that makes each rung of the escalation ladder happen once per need."""

    need = models.ForeignKey(
        "Need", verbose_name=_("need"), on_delete=models.CASCADE, related_name="escalations"
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=EscalationLevel.choices)
    due_at = models.DateTimeField(_("deadline it refers to"))
    created_at = models.DateTimeField(_("time"), auto_now_add=True)
    # Whom the rung was addressed to, as the need stood when it was claimed: the 督办 goes to
    # the chief of the need's chain, the 催办 to the head of its department. Stored so that a
    # person's escalations are read from an index (`selectors.escalations_addressed`).
    chain = models.ForeignKey(
        IndustryChain,
        verbose_name=_("chain"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        ordering = ["-created_at"]
        constraints = [
            # A new deadline (extension, reopen) is a new key: the ladder may climb again.
            models.UniqueConstraint(fields=["need", "level", "due_at"], name="escalation_once"),
            models.CheckConstraint(
                condition=Q(level__gte=1, level__lte=3), name="escalation_level_range"
            ),
        ]
        # The supervision page pages on (created_at, id), newest first: staff over
        # every 督办, a chief over their chain's, a head over their department's 催办.
        indexes = [
            models.Index(fields=["created_at", "id"], name="escalation_created_idx"),
            models.Index(
                fields=["chain", "created_at", "id"],
                condition=Q(level=EscalationLevel.SUPERVISE),
                name="escalation_chain_idx",
            ),
            models.Index(
                fields=["department", "created_at", "id"],
                condition=Q(level=EscalationLevel.URGE),
                name="escalation_department_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.need_id} · {self.get_level_display()}"

    def save(self, *args, **kwargs) -> None:
        # A rung is addressed as its need stands when it is claimed (the sweep's and any other
        # writer's default; a bulk insert sets both itself).
        if self._state.adding and self.chain_id is None and self.department_id is None:
            self.chain_id, self.department_id = self.need.chain_id, self.need.department_id
        super().save(*args, **kwargs)


class AppendOnlyError(Exception):
    pass


class NeedEvent(models.Model):
    """The need's timeline. Rows are only ever added: the history IS this table."""

    need = models.ForeignKey(
        Need, verbose_name=_("need"), on_delete=models.CASCADE, related_name="events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty for the system (deadline sweep)."),
    )
    action = models.CharField(_("action"), max_length=30, choices=NeedEventAction.choices)
    from_status = models.CharField(
        _("from status"), max_length=20, choices=NeedStatus.choices, blank=True
    )
    to_status = models.CharField(
        _("to status"), max_length=20, choices=NeedStatus.choices, blank=True
    )
    # What the person typed, as typed.
    note = models.TextField(_("note"), blank=True)
    # What the portal wrote itself (liaisons.needs.timeline): codes and values, put into words when
    # shown so that each reader sees them in their language.
    data = models.JSONField(_("portal's notes"), default=list, blank=True)
    is_public = models.BooleanField(
        _("visible to the enterprise"),
        default=True,
        help_text=_("Internal notes are hidden from the firm."),
    )
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("need timeline entry")
        verbose_name_plural = _("need timeline")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["need", "created_at"], name="needevent_need_time_idx")]

    def __str__(self) -> str:
        return f"{self.need.number} · {self.get_action_display()}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Need timeline entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Need timeline entries cannot be deleted.")


NEED_ATTACHMENT_FOLDER = "needs"


def need_attachment_path(instance: "NeedAttachment", filename: str) -> str:
    # The stored name is random: the user's file name is kept in `original_name` only, so no
    # path trick or clash in a name can reach the file system.
    extension = os.path.splitext(filename)[1].lower()[:10]
    return f"{NEED_ATTACHMENT_FOLDER}/{uuid.uuid4().hex}{extension}"


class NeedAttachment(models.Model):
    need = models.ForeignKey(
        Need, verbose_name=_("need"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=need_attachment_path)
    original_name = models.CharField(_("original file name"), max_length=200)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_public = models.BooleanField(_("visible to the enterprise"), default=True)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("need attachment")
        verbose_name_plural = _("need attachments")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.original_name
