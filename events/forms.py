"""Forms of the meeting pages. Validation only: every write goes through events.services."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliance.core.models import User
from chains.models import IndustryChain
from enterprises.models import Enterprise
from events import recurrence
from events.models import Event, EventKind, EventSeries
from events.recurrence import WEEKEND, Ends, MonthlyBy, Recurrence, Repeat, Weekday
from events.validators import validate_rrule
from liaisons.models import ActionItemKind, Department

SHANGHAI = ZoneInfo("Asia/Shanghai")
TEXT_MAX_LENGTH = 10000
DATETIME_INPUT = "%Y-%m-%dT%H:%M"
# events.js adds a search box above long lists marked data-filter.
FILTER_ATTRS = {"data-filter": "true", "data-filter-placeholder": _("Type to filter the list")}


def _datetime_field(label) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_INPUT),
    )


def _pick_many(queryset, label, help_text="") -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        queryset=queryset,
        label=label,
        required=False,
        help_text=help_text,
        widget=forms.SelectMultiple(attrs={"size": 8, **FILTER_ATTRS}),
    )


def people():
    return User.objects.filter(is_active=True).order_by("full_name", "username")


class InviteeFieldsMixin:
    """Choose invitees by chain, firm, department or person; the views resolve the groups with
    events.selectors.invitees_for. Only existing records can be chosen: an id that is not
    offered is an invalid choice."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["invite_chains"] = _pick_many(
            IndustryChain.objects.order_by("order", "code"),
            _("Invite by chain"),
            _("The contacts of its member firms, its task force liaisons and its chain chief."),
        )
        self.fields["invite_enterprises"] = _pick_many(
            Enterprise.objects.order_by("name"),
            _("Invite by enterprise"),
            _("The enterprise's party secretaries and contacts."),
        )
        self.fields["invite_departments"] = _pick_many(
            Department.objects.order_by("order", "name"),
            _("Invite by department"),
            _("The department's active liaisons and its head."),
        )
        self.fields["invite_users"] = _pick_many(people(), _("Invite people by name"))

    def invitee_groups(self) -> dict:
        data = self.cleaned_data
        return {
            "chains": data.get("invite_chains") or [],
            "enterprises": data.get("invite_enterprises") or [],
            "departments": data.get("invite_departments") or [],
            "users": data.get("invite_users") or [],
        }

    def has_invitees(self) -> bool:
        return any(self.invitee_groups().values())


class EventCreateForm(InviteeFieldsMixin, forms.ModelForm):
    starts_at = _datetime_field(_("Starts at"))
    ends_at = _datetime_field(_("Ends at"))

    class Meta:
        model = Event
        fields = ["kind", "title", "chains", "venue", "starts_at", "ends_at", "agenda"]
        widgets = {
            "chains": forms.CheckboxSelectMultiple,
            "agenda": forms.Textarea(attrs={"rows": 6}),
        }

    def __init__(self, *args, now=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.now = now
        self.fields["chains"].queryset = IndustryChain.objects.order_by("order", "code")
        self.fields["agenda"].max_length = TEXT_MAX_LENGTH

    def clean(self) -> dict:
        data = super().clean()
        starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
        if starts_at and starts_at <= (self.now or timezone.now()):
            self.add_error("starts_at", _("A meeting cannot be scheduled to start in the past."))
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", _("The end must be after the start."))
        return data

    def _post_clean(self) -> None:
        # The service creates the row; the model's own checks are the form's checks above.
        pass


class EventEditForm(forms.ModelForm):
    class Meta:
        model = Event
        fields = ["kind", "title", "chains", "agenda"]
        widgets = {
            "chains": forms.CheckboxSelectMultiple,
            "agenda": forms.Textarea(attrs={"rows": 8}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["chains"].queryset = IndustryChain.objects.order_by("order", "code")


class InviteForm(InviteeFieldsMixin, forms.Form):
    def clean(self) -> dict:
        data = super().clean()
        if not self.errors and not self.has_invitees():
            raise ValidationError(_("Choose at least one chain, enterprise, department or person."))
        return data


class RescheduleForm(forms.Form):
    starts_at = _datetime_field(_("New start"))
    ends_at = _datetime_field(_("New end"))
    venue = forms.CharField(label=_("Venue"), max_length=200)
    note = forms.CharField(
        label=_("Message to the invitees"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, now=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.now = now

    def clean(self) -> dict:
        data = super().clean()
        starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
        if starts_at and starts_at <= (self.now or timezone.now()):
            self.add_error("starts_at", _("A meeting cannot be scheduled to start in the past."))
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", _("The end must be after the start."))
        return data


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the cancellation"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Every invitee receives this reason."),
    )


class RsvpForm(forms.Form):
    rsvp = forms.ChoiceField(
        choices=[("accepted", _("Will attend")), ("declined", _("Will not attend"))]
    )


class MinutesForm(forms.Form):
    minutes = forms.CharField(
        label=_("Minutes"),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 10}),
    )


class DecisionForm(forms.Form):
    text = forms.CharField(
        label=_("Decision"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    kind = forms.ChoiceField(label=_("Type of action item"), choices=ActionItemKind.choices)
    title = forms.CharField(
        label=_("Action item title"),
        max_length=200,
        required=False,
        help_text=_("Leave empty to use the decision itself."),
    )
    owner = forms.ModelChoiceField(
        label=_("Owner"),
        queryset=User.objects.none(),
        widget=forms.Select(attrs=FILTER_ATTRS),
    )
    due_date = forms.DateField(label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}))
    chains = forms.ModelMultipleChoiceField(
        label=_("Chains"),
        queryset=IndustryChain.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    lead_enterprise = forms.ModelChoiceField(
        label=_("Lead enterprise"),
        queryset=Enterprise.objects.none(),
        required=False,
        widget=forms.Select(attrs=FILTER_ATTRS),
    )
    enterprises = _pick_many(Enterprise.objects.none(), _("Participating enterprises"))

    def __init__(self, *args, now=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.now = now
        self.fields["owner"].queryset = people()
        self.fields["chains"].queryset = IndustryChain.objects.order_by("order", "code")
        firms = Enterprise.objects.order_by("name")
        self.fields["lead_enterprise"].queryset = firms
        self.fields["enterprises"].queryset = firms

    def clean_due_date(self):
        due = self.cleaned_data["due_date"]
        if due < timezone.localdate(self.now):
            raise ValidationError(_("The due date cannot be in the past."))
        return due


CUSTOM_RULE = "custom"


def _shown_if(condition: str) -> dict:
    # events.js shows the field only while the other choices match: "repeat:weekly|repeat:monthly,
    # quarterly;monthly_by:weekday" = weekly, or monthly/quarterly by weekday. Without scripts
    # every field is shown and the ones that do not apply are ignored.
    return {"data-shown-if": condition}


BY_WEEKDAY = "repeat:monthly,quarterly;monthly_by:weekday"


class RecurrenceFieldsMixin(forms.Form):
    """The schedule of a series in plain choices — every month or quarter, the n-th weekday or a
    day of the month, the time, an end — from which `clean()` writes the RFC 5545 rule
    (`cleaned_data["rrule"]`) and the first meeting's start (`cleaned_data["first_starts_at"]`).
    A rule the choices cannot express stays editable as raw text ("custom rule").

    Mixed into model forms of `EventSeries` (the staff page and the admin), before ModelForm."""

    repeat = forms.ChoiceField(
        label=_("Repeats"),
        choices=[*Repeat.choices, (CUSTOM_RULE, _("Custom rule (iCalendar RRULE, advanced)"))],
        initial=Repeat.MONTHLY,
    )
    monthly_by = forms.ChoiceField(
        label=_("Which day"),
        choices=MonthlyBy.choices,
        initial=MonthlyBy.WEEKDAY,
        required=False,
        widget=forms.RadioSelect(attrs=_shown_if("repeat:monthly,quarterly")),
    )
    week = forms.TypedChoiceField(
        label=_("Week of the month"),
        choices=recurrence.WEEK_OF_MONTH_CHOICES,
        coerce=int,
        initial=1,
        required=False,
        widget=forms.Select(attrs=_shown_if(BY_WEEKDAY)),
    )
    weekday = forms.ChoiceField(
        label=_("Weekday"),
        choices=Weekday.choices,
        initial=Weekday.TU,
        required=False,
        widget=forms.Select(attrs=_shown_if(f"repeat:weekly|{BY_WEEKDAY}")),
    )
    month_day = forms.TypedChoiceField(
        label=_("Day of the month"),
        choices=recurrence.MONTH_DAY_CHOICES,
        coerce=int,
        initial=1,
        required=False,
        help_text=_("Days 29 to 31 are missing from some months: choose the last day instead."),
        widget=forms.Select(attrs=_shown_if("repeat:monthly,quarterly;monthly_by:day")),
    )
    start_date = forms.DateField(
        label=_("Starting from"),
        help_text=_("The first meeting is on the first day from this date that fits."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    start_time = forms.TimeField(
        label=_("Time (Beijing time)"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    ends = forms.ChoiceField(
        label=_("Ends"),
        choices=Ends.choices,
        initial=Ends.NEVER,
        widget=forms.RadioSelect(attrs=_shown_if("repeat:weekly,monthly,quarterly")),
    )
    until = forms.DateField(
        label=_("Last possible day"),
        required=False,
        widget=forms.DateInput(
            attrs={"type": "date", **_shown_if("repeat:weekly,monthly,quarterly;ends:until")},
            format="%Y-%m-%d",
        ),
    )
    count = forms.IntegerField(
        label=_("Number of meetings"),
        required=False,
        min_value=1,
        max_value=recurrence.MAX_COUNT,
        widget=forms.NumberInput(attrs=_shown_if("repeat:weekly,monthly,quarterly;ends:count")),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        rrule = self.fields["rrule"]
        rrule.required = False
        rrule.label = _("Custom rule")
        rrule.help_text = _(
            "Only for schedules the choices above cannot express. iCalendar notation: "
            "FREQ=MONTHLY;BYDAY=1TU is the first Tuesday of each month."
        )
        rrule.widget.attrs.update(_shown_if(f"repeat:{CUSTOM_RULE}"))
        # The model's validators run in model validation, which the portal's form skips.
        rrule.validators.append(validate_rrule)
        if self.instance.pk:
            self._initial_from(self.instance)

    def _initial_from(self, series: EventSeries) -> None:
        local = series.first_starts_at.astimezone(SHANGHAI)
        self.initial.update(start_date=local.date(), start_time=local.time())
        found = recurrence.parse(series.rrule)
        if found is None:
            self.initial["repeat"] = CUSTOM_RULE
            return
        self.initial.update(
            repeat=found.repeat,
            monthly_by=found.monthly_by,
            week=found.week or 1,
            weekday=found.weekday or Weekday.TU,
            month_day=found.month_day or 1,
            ends=Ends.UNTIL if found.until else Ends.COUNT if found.count else Ends.NEVER,
            until=found.until,
            count=found.count,
        )

    def _recurrence(self, data: dict) -> Recurrence | None:
        """The builder's rule from the choices, with an error on each missing choice."""
        repeat = data.get("repeat")

        def need(name: str, message) -> object:
            value = data.get(name)
            if value in (None, "") and name not in self.errors:
                self.add_error(name, message)
            return value

        weekday = week = month_day = None
        if repeat == Repeat.WEEKLY or data.get("monthly_by") != MonthlyBy.DAY:
            if repeat != Repeat.WEEKLY:
                need("monthly_by", _("Choose a weekday or a day of the month."))
                week = need("week", _("Choose the week of the month."))
            weekday = need("weekday", _("Choose the weekday."))
        else:
            month_day = need("month_day", _("Choose the day of the month."))
        ends = data.get("ends")
        until = need("until", _("Give the last day.")) if ends == Ends.UNTIL else None
        count = need("count", _("Give the number of meetings.")) if ends == Ends.COUNT else None
        if until and data.get("start_date") and until < data["start_date"]:
            self.add_error("until", _("The last day cannot be before the first."))
        if weekday in WEEKEND and data.get("skip_days_off"):
            self.add_error(
                "weekday",
                _(
                    "Every meeting on a Saturday or Sunday would move to the next working day: "
                    "choose a weekday, or turn off moving meetings off holidays."
                ),
            )
        if self.errors:
            return None
        return Recurrence(
            repeat=repeat,
            weekday=weekday or "",
            week=week,
            month_day=month_day,
            until=until,
            count=count,
        )

    def _clean_recurrence(self, data: dict, *, now: datetime | None, is_new: bool) -> None:
        repeat = data.get("repeat")
        if repeat == CUSTOM_RULE:
            rule = (data.get("rrule") or "").strip()
            if not rule and "rrule" not in self.errors:
                self.add_error("rrule", _("Type the rule, or choose how the meetings repeat."))
        elif repeat:
            built = self._recurrence(data)
            rule = built.to_rrule() if built is not None else ""
        else:
            return
        start_date, start_time = data.get("start_date"), data.get("start_time")
        if not rule or start_date is None or start_time is None or self.errors:
            return
        now = now or timezone.now()
        start = datetime.combine(start_date, start_time, tzinfo=SHANGHAI)
        if is_new and start_date < now.astimezone(SHANGHAI).date():
            self.add_error("start_date", _("A new series cannot start in the past."))
            return
        # A new series' first meeting is ahead: "from today, 09:00" at 11:00 starts with the
        # next date that fits.
        try:
            rule_set = rrulestr(rule, dtstart=start)
        except (ValueError, TypeError):  # validated above; a rule dateutil still refuses
            self.add_error("rrule", _("This is not a valid recurrence rule."))
            return
        if is_new and now >= start:
            first = rule_set.after(now, inc=False)
        else:
            first = rule_set.after(start, inc=True)
        if first is None:
            self.add_error(None, _("These choices give no meeting: check the dates and the end."))
            return
        data["rrule"], data["first_starts_at"] = rule, first


class SeriesForm(RecurrenceFieldsMixin, InviteeFieldsMixin, forms.ModelForm):
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), min_value=15, max_value=24 * 60, initial=120
    )

    class Meta:
        model = EventSeries
        fields = [
            "kind",
            "title",
            "chains",
            "venue",
            "rrule",
            "skip_days_off",
            "months_ahead",
            "agenda",
            "is_active",
        ]
        widgets = {
            "chains": forms.CheckboxSelectMultiple,
            "agenda": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args, now=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.now = now
        self.fields["chains"].queryset = IndustryChain.objects.order_by("order", "code")
        self.fields["kind"].initial = EventKind.JOINT_MEETING
        months = self.fields["months_ahead"]
        months.min_value, months.max_value = 1, 24
        months.validators += [MinValueValidator(1), MaxValueValidator(24)]
        months.widget.attrs.update(min=1, max=24)
        self.fields["invite_users"].label = _("Standing invitees")
        self.fields["invite_users"].help_text = _(
            "Invited to every meeting of the series; people reached through the chains, "
            "enterprises and departments chosen below are added to them."
        )
        if self.instance.pk:
            self.fields["duration_minutes"].initial = int(
                self.instance.duration.total_seconds() // 60
            )
            self.fields["invite_users"].initial = [user.pk for user in self.instance.invitees.all()]
        else:
            del self.fields["is_active"]
        # Field order: what, then when, then the invitee pickers last.
        self.order_fields(
            [
                "kind",
                "title",
                "chains",
                "venue",
                *RECURRENCE_FIELDS,
                "skip_days_off",
                "duration_minutes",
                "months_ahead",
                "agenda",
                "is_active",
            ]
        )

    def clean(self) -> dict:
        data = super().clean()
        self._clean_recurrence(data, now=self.now, is_new=not self.instance.pk)
        return data

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.cleaned_data["duration_minutes"])

    def _post_clean(self) -> None:
        # The service saves the series; nothing is written through the form.
        pass


RECURRENCE_FIELDS = [
    "repeat",
    "monthly_by",
    "week",
    "weekday",
    "month_day",
    "rrule",
    "start_date",
    "start_time",
    "ends",
    "until",
    "count",
]
