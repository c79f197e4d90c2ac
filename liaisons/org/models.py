"""The park's side: departments, liaisons (红链专员), the firms each liaison is assigned to
(驻企) and the chains' task forces (专班)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from alliance.core.validators import validate_phone
from chains.models import IndustryChain
from enterprises.models import Enterprise


def split_tags(text: str) -> list[str]:
    """Tags are typed as one line, separated by commas or the Chinese enumeration comma."""
    for separator in ("，", "、", ";", "；"):
        text = text.replace(separator, ",")
    return [tag.strip() for tag in text.split(",") if tag.strip()]


class Department(models.Model):
    """A park bureau (科学技术局, 经济发展局 …) that lends liaisons and offers resources."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    short_name = models.CharField(_("short name"), max_length=20, blank=True)
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("department head"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="headed_departments",
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[validate_phone])
    order = models.PositiveSmallIntegerField(_("display order"), default=0)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class Liaison(models.Model):
    """A red chain liaison (红链专员): an officer assigned to serve firms."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="liaison",
    )
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="liaisons"
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[validate_phone])
    expertise = models.CharField(
        _("expertise"),
        max_length=200,
        blank=True,
        help_text=_("Separated by commas, e.g. 企业党建、人才招引、专精特新申报、融资"),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("red chain liaison")
        verbose_name_plural = _("red chain liaisons")
        ordering = ["department", "user__full_name"]

    def __str__(self) -> str:
        return self.user.get_full_name()

    @property
    def expertise_tags(self) -> list[str]:
        return split_tags(self.expertise)


class LiaisonAssignment(models.Model):
    """驻企: a liaison serves an enterprise from `since` until `until` (open = active)."""

    liaison = models.ForeignKey(
        Liaison, verbose_name=_("liaison"), on_delete=models.CASCADE, related_name="assignments"
    )
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="liaison_assignments",
    )
    is_primary = models.BooleanField(_("primary liaison"), default=True)
    since = models.DateField(_("since"))
    until = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("liaison assignment")
        verbose_name_plural = _("liaison assignments")
        ordering = ["enterprise", "-is_primary", "-since"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise"],
                condition=Q(is_primary=True, until__isnull=True),
                name="assignment_one_active_primary_per_enterprise",
                violation_error_message=_("This enterprise already has an active primary liaison."),
            ),
            models.UniqueConstraint(
                fields=["liaison", "enterprise"],
                condition=Q(until__isnull=True),
                name="assignment_one_active_per_liaison_enterprise",
                violation_error_message=_("This liaison is already assigned to this enterprise."),
            ),
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(until__gte=F("since")),
                name="assignment_until_after_since",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
        ]
        indexes = [models.Index(fields=["liaison", "until"], name="assignment_liaison_active_idx")]

    def __str__(self) -> str:
        return f"{self.liaison} → {self.enterprise}"


class TaskForceMembership(models.Model):
    """一链一专班: the liaisons serving a chain, one of whom may lead."""

    liaison = models.ForeignKey(
        Liaison, verbose_name=_("liaison"), on_delete=models.CASCADE, related_name="task_forces"
    )
    chain = models.ForeignKey(
        IndustryChain, verbose_name=_("chain"), on_delete=models.CASCADE, related_name="task_force"
    )
    is_lead = models.BooleanField(_("task force lead"), default=False)

    class Meta:
        verbose_name = _("task force member")
        verbose_name_plural = _("task force members")
        ordering = ["chain", "-is_lead"]
        constraints = [
            models.UniqueConstraint(fields=["liaison", "chain"], name="taskforce_unique_member"),
            models.UniqueConstraint(
                fields=["chain"],
                condition=Q(is_lead=True),
                name="taskforce_one_lead_per_chain",
                violation_error_message=_("This chain's task force already has a lead."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.chain} · {self.liaison}"
