from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from alliance.core import schedule


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class CalendarScheduleForm(forms.Form):
    """A year's holiday schedule pasted in one go (the park office's admin); validation only:
    the lines are read by `alliance.core.schedule`, and every problem is kept for the page."""

    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    schedule = forms.CharField(
        label=_("Holidays and make-up working days"),
        widget=forms.Textarea(attrs={"rows": 14, "cols": 80, "spellcheck": "false"}),
        help_text=_(
            "One line per holiday, as in the State Council notice, e.g. "
            "“一、元旦：1月1日（周五）至3日（周日）放假调休，共3天。”, "
            "“2027-02-06 至 2027-02-13 春节 放假” or “2027-02-07 上班”. Dates without a year "
            "belong to the year above."
        ),
    )
    complete = forms.BooleanField(
        label=_("This is the whole schedule of the year: mark the year complete"),
        required=False,
        initial=True,
        help_text=_(
            "Until a year is marked complete, deadlines reaching into it stay estimated and "
            "staff are warned."
        ),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.problems: list[schedule.ScheduleProblem] = []

    def clean(self):
        cleaned = super().clean()
        if "year" not in cleaned or "schedule" not in cleaned:
            return cleaned
        read = schedule.parse_schedule(cleaned["schedule"], year=cleaned["year"])
        if read.problems:
            self.problems = read.problems
            raise forms.ValidationError(
                _("Nothing was saved: correct the lines listed below and preview again.")
            )
        cleaned["days"] = read.days
        return cleaned
