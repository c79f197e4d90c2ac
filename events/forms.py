"""Forms of the meeting pages. Validation only: every write goes through events.services."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliance.models import User
from chains.models import IndustryChain
from enterprises.models import Enterprise
from events.models import Event, EventKind, EventSeries
from events.validators import validate_rrule
from liaisons.models import ActionItemKind, Department

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


class SeriesForm(InviteeFieldsMixin, forms.ModelForm):
    first_starts_at = _datetime_field(_("First meeting starts at"))
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
            "first_starts_at",
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
        # The model's validators run in model validation, which this form skips (_post_clean).
        self.fields["rrule"].validators.append(validate_rrule)
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
        # Field order: the invitee pickers last.
        self.order_fields(
            [
                *self.Meta.fields[:5],
                "first_starts_at",
                "duration_minutes",
                "months_ahead",
                "agenda",
                "is_active",
            ]
        )

    def clean(self) -> dict:
        data = super().clean()
        first = data.get("first_starts_at")
        if not self.instance.pk and first and first <= (self.now or timezone.now()):
            self.add_error("first_starts_at", _("A new series cannot start in the past."))
        return data

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.cleaned_data["duration_minutes"])

    def _post_clean(self) -> None:
        # The service saves the series; nothing is written through the form.
        pass
