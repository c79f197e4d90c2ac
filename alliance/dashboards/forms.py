"""Staff entry of a chain's figures (ChainIndicator) and signed projects: validation only."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chains.models import PERIOD_INDEX_MAX, ChainIndicator, IndustryChain, PeriodKind
from enterprises.models import Enterprise, SignedProject

FIRST_YEAR = 2000
# Sane ceilings: the park's largest chain reports a few hundred 亿元 a half-year, and the largest
# single project in the article is above 100 亿元; ten thousand 亿元 (one trillion yuan) is
# already far beyond any chain or project of a park.
MAX_OUTPUT = Decimal("99999.99")
MAX_INVESTMENT = Decimal("9999.99")
MIN_GROWTH = Decimal("-100")
MAX_GROWTH = Decimal("10000")
MAX_PROJECTS = 10000


def period_start(year: int, kind: str, index: int) -> date:
    if kind == PeriodKind.YEAR:
        return date(year, 1, 1)
    span = {PeriodKind.HALF: 6, PeriodKind.QUARTER: 3, PeriodKind.MONTH: 1}[kind]
    return date(year, (index - 1) * span + 1, 1)


class ChainIndicatorForm(forms.ModelForm):
    year = forms.IntegerField(label=_("Year"))
    output_value = forms.DecimalField(
        label=_("Above-scale output value (100 million yuan)"),
        required=False,
        max_digits=7,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(MAX_OUTPUT)],
    )
    yoy_growth = forms.DecimalField(
        label=_("Year-on-year growth (%)"),
        required=False,
        max_digits=7,
        decimal_places=2,
        validators=[MinValueValidator(MIN_GROWTH), MaxValueValidator(MAX_GROWTH)],
        help_text=_("Between -100 and 10000; leave empty when not reported."),
    )
    new_projects = forms.IntegerField(
        label=_("Newly signed projects"),
        required=False,
        min_value=0,
        max_value=MAX_PROJECTS,
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    class Meta:
        model = ChainIndicator
        fields = [
            "year",
            "period_kind",
            "period_index",
            "output_value",
            "yoy_growth",
            "new_projects",
            "notes",
        ]

    def __init__(self, *args, chain: IndustryChain, today: date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.chain = chain
        self.today = today or timezone.localdate()
        self.fields["year"].min_value = FIRST_YEAR
        self.fields["year"].max_value = self.today.year
        self.fields["year"].validators += [
            MinValueValidator(FIRST_YEAR),
            MaxValueValidator(self.today.year),
        ]
        self.fields["period_index"].min_value = 1
        self.fields["period_index"].max_value = 12
        self.fields["period_index"].validators += [MinValueValidator(1), MaxValueValidator(12)]

    def clean(self):
        cleaned = super().clean()
        year, kind, index = (cleaned.get(k) for k in ("year", "period_kind", "period_index"))
        if year is None or not kind or index is None:
            return cleaned
        if index > PERIOD_INDEX_MAX[kind]:
            self.add_error(
                "period_index",
                _("A %(kind)s has period numbers 1 to %(max)s.")
                % {"kind": PeriodKind(kind).label, "max": PERIOD_INDEX_MAX[kind]},
            )
            return cleaned
        if period_start(year, kind, index) > self.today:
            self.add_error("period_index", _("This period has not begun yet."))
            return cleaned
        duplicate = ChainIndicator.objects.filter(
            chain=self.chain, year=year, period_kind=kind, period_index=index
        ).exclude(pk=self.instance.pk)
        if duplicate.exists():
            self.add_error(
                None,
                _("This chain already has figures for that period: edit them instead."),
            )
        figures = ("output_value", "yoy_growth", "new_projects")
        if all(cleaned.get(name) is None and name not in self.errors for name in figures):
            self.add_error("output_value", _("Enter at least one figure."))
        return cleaned


class SignedProjectForm(forms.ModelForm):
    name = forms.CharField(label=_("Project name"), max_length=200)
    investment = forms.DecimalField(
        label=_("Investment (100 million yuan)"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(MAX_INVESTMENT)],
        help_text=_("In 亿元; ≥ 100, ≥ 30 and ≥ 10 are the size buckets the park reports."),
    )
    signed_on = forms.DateField(
        label=_("Signed on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    class Meta:
        model = SignedProject
        fields = ["name", "enterprise", "investment", "signed_on"]

    def __init__(self, *args, chain: IndustryChain, today: date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.chain = chain
        self.today = today or timezone.localdate()
        # The chain's own firms; a project may also come from a firm not yet in the park.
        members = chain.memberships.values("enterprise")
        self.fields["enterprise"].queryset = Enterprise.objects.filter(pk__in=members).order_by(
            "name"
        )
        self.fields["enterprise"].required = False
        self.fields["enterprise"].help_text = _(
            "A member firm of the chain; leave empty for an investor not yet in the park."
        )

    def clean_signed_on(self) -> date:
        signed_on = self.cleaned_data["signed_on"]
        if signed_on.year < FIRST_YEAR:
            raise forms.ValidationError(_("Enter a date from 2000 on."))
        if signed_on > self.today:
            raise forms.ValidationError(_("A project cannot be signed in the future."))
        return signed_on

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        duplicate = SignedProject.objects.filter(chain=self.chain, name=name).exclude(
            pk=self.instance.pk
        )
        if duplicate.exists():
            raise forms.ValidationError(_("This chain already has a project of that name."))
        return name
