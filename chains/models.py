from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class IndustryChain(models.Model):
    """One of the park's industry chains and its party-building alliance."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=50, unique=True)
    alliance_name = models.CharField(_("alliance name"), max_length=100)
    alliance_founded_on = models.DateField(_("alliance plaque date"), null=True, blank=True)
    chief = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("chain chief"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="chaired_chains",
    )
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveSmallIntegerField(_("display order"), default=0)

    class Meta:
        verbose_name = _("industry chain")
        verbose_name_plural = _("industry chains")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class PeriodKind(models.TextChoices):
    YEAR = "year", _("Full year")
    HALF = "half", _("Half year")
    QUARTER = "quarter", _("Quarter")
    MONTH = "month", _("Month")


PERIOD_INDEX_MAX = {
    PeriodKind.YEAR: 1,
    PeriodKind.HALF: 2,
    PeriodKind.QUARTER: 4,
    PeriodKind.MONTH: 12,
}


class ChainIndicator(models.Model):
    """Economic figures of a chain for one period (e.g. first half of 2026)."""

    chain = models.ForeignKey(
        IndustryChain, verbose_name=_("chain"), on_delete=models.CASCADE, related_name="indicators"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    period_kind = models.CharField(_("period type"), max_length=10, choices=PeriodKind.choices)
    period_index = models.PositiveSmallIntegerField(
        _("period number"), default=1, help_text=_("1 for a full year; 1–2, 1–4 or 1–12 otherwise.")
    )
    output_value = models.DecimalField(
        _("above-scale output value (100 million yuan)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    yoy_growth = models.DecimalField(
        _("year-on-year growth (%)"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    new_projects = models.PositiveIntegerField(_("newly signed projects"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("chain indicator")
        verbose_name_plural = _("chain indicators")
        ordering = ["chain", "-year", "period_kind", "-period_index"]
        constraints = [
            models.UniqueConstraint(
                fields=["chain", "year", "period_kind", "period_index"],
                name="chainindicator_unique_period",
            ),
            models.CheckConstraint(
                condition=(
                    Q(period_kind=PeriodKind.YEAR, period_index=1)
                    | Q(period_kind=PeriodKind.HALF, period_index__gte=1, period_index__lte=2)
                    | Q(period_kind=PeriodKind.QUARTER, period_index__gte=1, period_index__lte=4)
                    | Q(period_kind=PeriodKind.MONTH, period_index__gte=1, period_index__lte=12)
                ),
                name="chainindicator_period_index_in_range",
                violation_error_message=_("The period number does not fit the period type."),
            ),
            models.CheckConstraint(
                condition=Q(year__gte=2000, year__lte=2100),
                name="chainindicator_year_plausible",
            ),
            models.CheckConstraint(
                condition=Q(output_value__isnull=True) | Q(output_value__gte=0),
                name="chainindicator_output_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.chain} {self.period_label}"

    @property
    def period_label(self) -> str:
        year = self.year
        if self.period_kind == PeriodKind.YEAR:
            return _("%(year)s full year") % {"year": year}
        if self.period_kind == PeriodKind.HALF:
            if self.period_index == 1:
                return _("%(year)s first half") % {"year": year}
            return _("%(year)s second half") % {"year": year}
        if self.period_kind == PeriodKind.QUARTER:
            return _("%(year)s Q%(quarter)s") % {"year": year, "quarter": self.period_index}
        return _("%(year)s month %(month)s") % {"year": year, "month": self.period_index}
