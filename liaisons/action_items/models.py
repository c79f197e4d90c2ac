"""Action items (行动项目): what the alliance decided to do, with partners, milestones and
progress reports."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from chains.models import IndustryChain
from enterprises.models import Enterprise
from liaisons.needs.models import AppendOnlyError, Need


class ActionItemKind(models.TextChoices):
    MATCHMAKING = "matchmaking", _("Supply-demand matchmaking")
    JOINT_RD = "joint_rd", _("Joint R&D")
    AGREEMENT = "agreement", _("Cooperation framework agreement")
    SERVICE = "service", _("Enterprise service package")
    OTHER = "other", _("Other")


class ActionItemStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("Under way")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


ACTION_ITEM_TRANSITIONS: dict[str, frozenset[str]] = {
    ActionItemStatus.PLANNED: frozenset({ActionItemStatus.IN_PROGRESS, ActionItemStatus.CANCELLED}),
    ActionItemStatus.IN_PROGRESS: frozenset({ActionItemStatus.DONE, ActionItemStatus.CANCELLED}),
    ActionItemStatus.DONE: frozenset(),
    ActionItemStatus.CANCELLED: frozenset(),
}


class ActionItem(models.Model):
    """An entry of the action items list (行动项目清单)."""

    kind = models.CharField(_("type"), max_length=20, choices=ActionItemKind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    chains = models.ManyToManyField(
        IndustryChain, verbose_name=_("chains"), related_name="action_items", blank=True
    )
    enterprises = models.ManyToManyField(
        Enterprise,
        verbose_name=_("enterprises"),
        through="ActionItemParticipant",
        related_name="action_items",
        blank=True,
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_action_items",
    )
    origin_need = models.ForeignKey(
        Need,
        verbose_name=_("origin need"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="action_items",
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ActionItemStatus.choices,
        default=ActionItemStatus.PLANNED,
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    outcome_amount = models.DecimalField(
        _("outcome amount (100 million yuan)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    cancel_reason = models.TextField(_("reason for the cancellation"), blank=True)
    # The due date the owner was last warned about: the overdue sweep warns once per due date.
    overdue_warned_for = models.DateField(_("overdue warning sent for"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at", "overdue_warned_for"])

    class Meta:
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ActionItemStatus.values), name="actionitem_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(outcome_amount__isnull=True) | Q(outcome_amount__gte=0),
                name="actionitem_amount_not_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_date"], name="actionitem_status_due_idx"),
            models.Index(fields=["owner", "status"], name="actionitem_owner_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def can_transition_to(self, status: str) -> bool:
        return status in ACTION_ITEM_TRANSITIONS[self.status]


class ActionItemParticipant(models.Model):
    class Role(models.TextChoices):
        LEAD = "lead", _("Lead")
        PARTNER = "partner", _("Partner")

    action_item = models.ForeignKey(
        ActionItem,
        verbose_name=_("action item"),
        on_delete=models.CASCADE,
        related_name="participants",
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="+"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.PARTNER)

    class Meta:
        verbose_name = _("participating enterprise")
        verbose_name_plural = _("participating enterprises")
        constraints = [
            models.UniqueConstraint(
                fields=["action_item", "enterprise"], name="participant_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise}（{self.get_role_display()}）"


class ActionItemMilestone(models.Model):
    action_item = models.ForeignKey(
        ActionItem,
        verbose_name=_("action item"),
        on_delete=models.CASCADE,
        related_name="milestones",
    )
    due_on = models.DateField(_("date"))
    text = models.CharField(_("milestone"), max_length=200)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return self.text


class ActionItemProgress(models.Model):
    """A progress report; like the need timeline it is only ever added to."""

    action_item = models.ForeignKey(
        ActionItem,
        verbose_name=_("action item"),
        on_delete=models.CASCADE,
        related_name="progress_reports",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField(_("progress"))
    percent = models.PositiveSmallIntegerField(
        _("percent complete"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent__isnull=True) | Q(percent__lte=100),
                name="progress_percent_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action_item} · {self.created_at:%Y-%m-%d}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Progress reports cannot be changed.")
        super().save(*args, **kwargs)
