"""The form of the weekly report pages (generate a week now)."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliance.reports.figures import EARLIEST_WEEK, last_finished_week, monday_of


class WeeklyReportGenerateForm(forms.Form):
    """Any day of the week to report on; the week is the Monday-to-Sunday week holding it."""

    week = forms.DateField(
        label=_("A day of the week"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, now=None, **kwargs):
        self.now = now or timezone.now()
        super().__init__(*args, **kwargs)
        latest = last_finished_week(self.now)
        self.fields["week"].initial = latest
        self.fields["week"].widget.attrs.update(
            {"min": EARLIEST_WEEK.isoformat(), "max": (latest + timedelta(days=6)).isoformat()}
        )

    def clean_week(self):
        week = monday_of(self.cleaned_data["week"])
        if week > last_finished_week(self.now):
            raise forms.ValidationError(
                _("That week has not ended yet: a weekly report covers a whole week."),
                code="unfinished",
            )
        if week < EARLIEST_WEEK:
            raise forms.ValidationError(
                _("There is no weekly report before %(date)s."),
                code="too_early",
                params={"date": EARLIEST_WEEK.isoformat()},
            )
        return week
