"""部门资源清单: what each department can offer the firms."""

from datetime import date

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from liaisons.needs.choices import NeedCategory
from liaisons.org.models import Department


class DepartmentResource(models.Model):
    """部门资源清单: what a department can offer the firms."""

    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.CASCADE, related_name="resources"
    )
    title = models.CharField(_("title"), max_length=200)
    category = models.CharField(_("category"), max_length=20, choices=NeedCategory.choices)
    description = models.TextField(_("description"), blank=True)
    how_to_apply = models.TextField(_("how to apply"), blank=True)
    contact = models.CharField(_("contact"), max_length=100, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    is_policy_package = models.BooleanField(
        _("chain policy package"), default=False, help_text=_("Part of the 利链惠链政策包.")
    )
    tags = models.CharField(_("tags"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("department resource")
        verbose_name_plural = _("department resources")
        ordering = ["department", "category", "title"]
        constraints = [
            models.UniqueConstraint(fields=["department", "title"], name="resource_unique_title"),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_until__gte=F("valid_from")),
                name="resource_valid_range",
                violation_error_message=_("'Valid until' cannot be before 'valid from'."),
            ),
        ]
        indexes = [models.Index(fields=["category", "department"], name="resource_category_idx")]

    def __str__(self) -> str:
        return self.title

    def is_current(self, today: date) -> bool:
        """Valid on `today`; an empty end of the range is open."""
        return (self.valid_from is None or self.valid_from <= today) and (
            self.valid_until is None or self.valid_until >= today
        )

    def is_expired(self, today: date) -> bool:
        return self.valid_until is not None and self.valid_until < today

    def is_upcoming(self, today: date) -> bool:
        return self.valid_from is not None and self.valid_from > today
