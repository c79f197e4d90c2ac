"""Forms of the action items pages. Validation only: every write goes through
liaisons.action_items.services, which checks the rules again."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from alliance.core.models import User
from alliance.core.staff import PARK_STAFF_GROUP
from chains.models import IndustryChain
from enterprises.models import Enterprise
from liaisons.action_items.services import AMOUNT_MAX, MILESTONE_MAX, TEXT_MAX, TITLE_MAX
from liaisons.models import ActionItemKind, ActionItemStatus, Liaison

Q_MAX = 100
# static/js/events.js adds a search box above long lists marked data-filter.
FILTER_ATTRS = {"data-filter": "true", "data-filter-placeholder": _("Type to filter the list")}
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def owner_candidates():
    """Who may own an action item: park staff and active liaisons."""
    return (
        User.objects.filter(
            Q(groups__name=PARK_STAFF_GROUP, is_staff=True)
            | Q(pk__in=Liaison.objects.filter(is_active=True).values("user")),
            is_active=True,
        )
        .order_by("full_name", "username")
        .distinct()
    )


def _firms():
    return Enterprise.objects.order_by("name")


class ActionItemFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), ("open", _("Open items")), *ActionItemStatus.choices],
    )
    kind = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("All types")), *ActionItemKind.choices]
    )
    chain = forms.ModelChoiceField(
        label=_("Industry chain"),
        required=False,
        queryset=IndustryChain.objects.order_by("order", "code"),
        empty_label=_("All chains"),
    )
    q = forms.CharField(label=_("Search"), required=False, max_length=Q_MAX)
    overdue = forms.BooleanField(label=_("Overdue items only"), required=False)
    mine = forms.BooleanField(label=_("Mine only"), required=False)


class ActionItemForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type"), choices=ActionItemKind.choices)
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    description = forms.CharField(
        label=_("Description of the action item"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    chains = forms.ModelMultipleChoiceField(
        label=_("Industry chains"),
        queryset=IndustryChain.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    owner = forms.ModelChoiceField(
        label=_("Owner"), queryset=User.objects.none(), widget=forms.Select(attrs=FILTER_ATTRS)
    )
    due_date = forms.DateField(label=_("Due date"), required=False, widget=DATE_INPUT)
    lead = forms.ModelChoiceField(
        label=_("Lead enterprise"),
        queryset=Enterprise.objects.none(),
        required=False,
        widget=forms.Select(attrs=FILTER_ATTRS),
    )
    partners = forms.ModelMultipleChoiceField(
        label=_("Partner enterprises"),
        queryset=Enterprise.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8, **FILTER_ATTRS}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["chains"].queryset = IndustryChain.objects.order_by("order", "code")
        self.fields["owner"].queryset = owner_candidates()
        self.fields["lead"].queryset = _firms()
        self.fields["partners"].queryset = _firms()


class FromNeedForm(forms.Form):
    """'This need becomes a project': the need supplies kind, lead firm and chain."""

    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    description = forms.CharField(
        label=_("Description of the action item"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    owner = forms.ModelChoiceField(
        label=_("Owner"), queryset=User.objects.none(), widget=forms.Select(attrs=FILTER_ATTRS)
    )
    due_date = forms.DateField(label=_("Due date"), widget=DATE_INPUT)
    partners = forms.ModelMultipleChoiceField(
        label=_("Partner enterprises"),
        queryset=Enterprise.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8, **FILTER_ATTRS}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owner_candidates()
        self.fields["partners"].queryset = _firms()


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=ActionItemStatus.choices)
    expected = forms.ChoiceField(choices=ActionItemStatus.choices, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason for the cancellation"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    outcome = forms.CharField(
        label=_("Outcome"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    outcome_amount = forms.DecimalField(
        label=_("Outcome amount (100 million yuan)"),
        required=False,
        min_value=0,
        max_value=AMOUNT_MAX,
        max_digits=10,
        decimal_places=2,
    )
    close_milestones = forms.BooleanField(
        label=_("Mark the open milestones done too"), required=False
    )


class MilestoneForm(forms.Form):
    due_on = forms.DateField(label=_("Date"), widget=DATE_INPUT)
    text = forms.CharField(label=_("Milestone"), max_length=MILESTONE_MAX)


class ProgressForm(forms.Form):
    note = forms.CharField(
        label=_("Progress"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
    percent = forms.IntegerField(
        label=_("Percent complete"), required=False, min_value=0, max_value=100
    )
