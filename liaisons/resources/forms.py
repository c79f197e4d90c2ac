"""Forms of the department resources pages. Validation only: writes go through
liaisons.resources.services."""

from __future__ import annotations

from django import forms
from django.core.validators import MaxLengthValidator
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from liaisons.models import Department, DepartmentResource, NeedCategory
from liaisons.resources.selectors import ResourceFilters

TEXT_MAX_LENGTH = 5000
SEARCH_MAX_LENGTH = 100


class ResourceFilterForm(forms.Form):
    """The list's filters (GET). "Currently valid" is the default: `validity=all` lifts it."""

    CURRENT = "current"
    ALL = "all"

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=SEARCH_MAX_LENGTH,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("e.g. 融资, 用地, 贴息")}),
    )
    category = forms.ChoiceField(
        label=_("Category"),
        required=False,
        choices=[("", _("All categories")), *NeedCategory.choices],
    )
    department = forms.ModelChoiceField(
        label=_("Department"),
        required=False,
        queryset=Department.objects.order_by("order", "name"),
        empty_label=_("All departments"),
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    policy = forms.BooleanField(label=_("Chain policy package only"), required=False)
    validity = forms.ChoiceField(
        label=_("Validity"),
        required=False,
        choices=[(CURRENT, _("Currently valid")), (ALL, _("All, expired included"))],
    )

    def filters(self) -> ResourceFilters:
        """The valid part of the input (a bad value is ignored, and shown as an error)."""
        if self.is_bound:
            self.is_valid()
            data = self.cleaned_data
        else:
            data = {}
        return ResourceFilters(
            q=(data.get("q") or "").strip(),
            category=data.get("category") or "",
            department=data.get("department"),
            policy_only=bool(data.get("policy")),
            current_only=(data.get("validity") or self.CURRENT) != self.ALL,
        )


class ResourceForm(forms.ModelForm):
    """Create or edit a resource of one of the departments the person maintains."""

    class Meta:
        model = DepartmentResource
        fields = (
            "department",
            "title",
            "category",
            "is_policy_package",
            "tags",
            "description",
            "how_to_apply",
            "contact",
            "valid_from",
            "valid_until",
        )
        widgets = {
            "valid_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "valid_until": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 4}),
            "how_to_apply": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "tags": _("Separated by commas, e.g. 科技贷、贴息、首台套"),
            "valid_from": _("Leave empty when the offer has no start date."),
            "valid_until": _("Leave empty when the offer does not expire."),
        }

    def __init__(self, *args, departments: QuerySet[Department], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["department"]
        field.queryset = departments.order_by("order", "name")
        field.empty_label = None
        for name in ("description", "how_to_apply"):
            self.fields[name].widget.attrs["maxlength"] = TEXT_MAX_LENGTH
            self.fields[name].validators.append(MaxLengthValidator(TEXT_MAX_LENGTH))

    def clean_title(self) -> str:
        return " ".join(self.cleaned_data["title"].split())

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("valid_from"), data.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", _("'Valid until' cannot be before 'valid from'."))
        return data
