"""Forms of the needs pages. Validation only: every write goes through the need services
(liaisons.needs.services)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db.models import QuerySet
from django.utils.html import escape
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from enterprises.models import Enterprise
from liaisons.models import Liaison, Need, NeedCategory, NeedStatus, Satisfaction, Urgency
from liaisons.needs.uploads import (
    ALLOWED_EXTENSIONS_LABEL,
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS_PER_SUBMISSION,
    clean_original_name,
    validate_attachments,
)

NOTE_MAX_LENGTH = 5000
ACCEPT_ATTRIBUTE = ".pdf,.doc,.docx,.xls,.xlsx,.ppt,.pptx,.jpg,.jpeg,.png"


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Several files in one input; each is checked by liaisons.needs.uploads."""

    widget = MultipleFileInput

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Attachments"))
        kwargs.setdefault(
            "help_text",
            # Built lazily: this runs at import time, the language is the request's.
            format_lazy(
                _("{types}; up to {count} files, {size} MB each."),
                types=ALLOWED_EXTENSIONS_LABEL,
                count=MAX_ATTACHMENTS_PER_SUBMISSION,
                size=MAX_ATTACHMENT_BYTES // (1024 * 1024),
            ),
        )
        # Emptiness is reported by validate_attachment, with the file's name.
        kwargs.setdefault("allow_empty_file", True)
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault("accept", ACCEPT_ATTRIBUTE)

    def clean(self, data, initial=None) -> list:
        single_clean = super().clean
        if isinstance(data, list | tuple):
            files = [single_clean(item, initial) for item in data if item]
        else:
            files = [single_clean(data, initial)] if data else []
        files = [f for f in files if f]
        if self.required and not files:
            raise ValidationError(self.error_messages["required"], code="required")
        validate_attachments(files)
        for upload in files:
            # What is kept as the original name is the cleaned one (no path, no control chars).
            upload.name = clean_original_name(upload.name or "")
        return files


def _note_field(label, *, required: bool = True, rows: int = 3) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class NeedForm(forms.ModelForm):
    """A secretary's need: new or a draft being edited.

    The enterprise is never taken from the request unless the secretary serves several firms,
    and then only one of theirs can be chosen.
    """

    enterprise = forms.ModelChoiceField(
        label=_("Enterprise"), queryset=Enterprise.objects.none(), empty_label=None
    )
    attachments = AttachmentsField()

    class Meta:
        model = Need
        fields = ["category", "urgency", "title", "description", "contact_name", "contact_phone"]
        widgets = {"description": forms.Textarea(attrs={"rows": 6})}
        help_texts = {
            "urgency": _(
                "Red: production or safety at stake, hours count. Yellow: important, days count. "
                "Green: normal."
            ),
            "contact_phone": _("Leave empty to be reached on your own phone."),
        }

    def __init__(self, *args, enterprises: QuerySet | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if enterprises is not None and len(enterprises) > 1:
            self.fields["enterprise"].queryset = enterprises
            self.order_fields(["enterprise"])
        else:
            del self.fields["enterprise"]


class ActionForm(forms.Form):
    """Every action form carries the status the user saw, so a stale page is told so."""

    expected_status = forms.ChoiceField(
        choices=NeedStatus.choices, required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args, need: Need | None = None, **kwargs) -> None:
        self.need = need
        kwargs.setdefault("auto_id", f"id_{self.action_name}_%s")
        super().__init__(*args, **kwargs)
        if need is not None and not self.is_bound:
            self.fields["expected_status"].initial = need.status

    action_name = "action"

    @property
    def seen_status(self) -> str | None:
        return self.cleaned_data.get("expected_status") or None


class ConfirmForm(ActionForm):
    action_name = "confirm"


class SignForm(ActionForm):
    action_name = "sign"


class NoteRequiredForm(ActionForm):
    note = _note_field(_("Note"))


class AcceptForm(ActionForm):
    action_name = "accept"
    category = forms.ChoiceField(label=_("Category"), choices=NeedCategory.choices)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices)
    note = _note_field(_("Note (optional)"), required=False, rows=2)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.need is not None and not self.is_bound:
            self.fields["category"].initial = self.need.category
            self.fields["urgency"].initial = self.need.urgency


class RejectForm(ActionForm):
    action_name = "reject"
    reason = _note_field(_("Reason for not accepting"))


class MergeForm(ActionForm):
    """Merge into another need of the same enterprise, picked by its number."""

    action_name = "merge"
    into = forms.CharField(
        label=_("Merge into need number"),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "placeholder": "XQ-2026-00001",
                "autocomplete": "off",
                "list": "merge-candidates",
            }
        ),
    )
    note = _note_field(_("Note (optional)"), required=False, rows=2)

    def __init__(self, *args, candidates: QuerySet | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.candidates = candidates

    def clean_into(self) -> Need:
        number = self.cleaned_data["into"].strip().upper()
        if self.need is not None and number == self.need.number:
            raise ValidationError(_("A need cannot be merged into itself."), code="self")
        master = None
        if self.candidates is not None and self.need is not None:
            master = (
                self.candidates.filter(number=number, enterprise_id=self.need.enterprise_id)
                .exclude(pk=self.need.pk)
                .first()
            )
        if master is None:
            raise ValidationError(
                _("No need of this enterprise has the number %(number)s."),
                code="unknown",
                params={"number": number},
            )
        return master


class DispatchForm(ActionForm):
    action_name = "dispatch"
    liaison = forms.ModelChoiceField(label=_("Liaison"), queryset=Liaison.objects.none())
    note = _note_field(_("Instructions for the liaison (optional)"), required=False, rows=2)

    def __init__(self, *args, liaisons: QuerySet | None = None, suggested=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if liaisons is not None:
            self.fields["liaison"].queryset = liaisons
        self.fields["liaison"].label_from_instance = _liaison_label
        if suggested is not None and not self.is_bound:
            self.fields["liaison"].initial = suggested.pk
            # Crispy renders help text unescaped: the name is escaped here.
            self.fields["liaison"].help_text = _(
                "Suggested: the enterprise's primary liaison, %(name)s."
            ) % {"name": escape(suggested.user.get_full_name())}


def _liaison_label(liaison: Liaison) -> str:
    return f"{liaison.user.get_full_name()} · {liaison.department.name}"


class ContactForm(ActionForm):
    action_name = "contact"
    note = _note_field(_("What was discussed or done (staged reply)"))
    visit = forms.BooleanField(label=_("This was an on-site visit"), required=False)
    is_public = forms.BooleanField(
        label=_("Visible to the enterprise"), required=False, initial=True
    )


class RequestInfoForm(ActionForm):
    action_name = "request_info"
    note = _note_field(_("What the enterprise should supply"))


class SupplyInfoForm(ActionForm):
    action_name = "supply_info"
    note = _note_field(_("The information requested"), rows=4)
    attachments = AttachmentsField()


class RequestReturnForm(ActionForm):
    action_name = "request_return"
    reason = _note_field(_("Why this need should be handled by someone else"))


class DecisionForm(ActionForm):
    """Approve or deny (the button pressed), with a note that a denial must have."""

    APPROVE = "approve"
    DENY = "deny"
    decision = forms.ChoiceField(
        choices=[(APPROVE, _("Approve")), (DENY, _("Deny"))], widget=forms.HiddenInput
    )
    note = _note_field(_("Note (required when denying)"), required=False, rows=2)

    @property
    def approve(self) -> bool:
        return self.cleaned_data["decision"] == self.APPROVE

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("decision") == self.DENY and not cleaned.get("note", "").strip():
            self.add_error("note", _("Please give the reason for the denial."))
        return cleaned


class DecideReturnForm(DecisionForm):
    action_name = "decide_return"


class DecideExtensionForm(DecisionForm):
    action_name = "decide_extension"


class RequestExtensionForm(ActionForm):
    action_name = "request_extension"
    workdays = forms.IntegerField(label=_("Extra working days"), min_value=1, max_value=10)
    reason = _note_field(_("Reason"))

    def __init__(self, *args, max_workdays: int | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if max_workdays:
            field = self.fields["workdays"]
            field.max_value = max_workdays
            field.widget.attrs["max"] = max_workdays
            field.validators = [
                v for v in field.validators if not isinstance(v, MaxValueValidator)
            ] + [MaxValueValidator(max_workdays)]
            field.help_text = _("At most %(days)d working days, once, before the deadline.") % {
                "days": max_workdays
            }


class LongTermForm(ActionForm):
    action_name = "long_term"
    note = _note_field(_("Why it needs long-term follow-up, and the plan"))


class MilestoneForm(ActionForm):
    action_name = "milestone"
    note = _note_field(_("Progress this month"))


class ReplyForm(ActionForm):
    action_name = "reply"
    resolution = _note_field(_("Resolution"), rows=5)
    attachments = AttachmentsField()


class RateForm(ActionForm):
    action_name = "rate"
    satisfaction = forms.ChoiceField(
        label=_("How satisfied are you with the result?"),
        choices=Satisfaction.choices,
        widget=forms.RadioSelect,
    )
    comment = _note_field(_("Comment"), required=False, rows=3)

    def clean(self) -> dict:
        cleaned = super().clean()
        if (
            cleaned.get("satisfaction") == Satisfaction.UNSATISFIED
            and not cleaned.get("comment", "").strip()
        ):
            self.add_error("comment", _("Please tell us what is still missing."))
        return cleaned


class ReturnVisitForm(ActionForm):
    action_name = "return_visit"
    note = _note_field(_("Return visit notes"))
    satisfaction = forms.ChoiceField(
        label=_("Satisfaction stated by the enterprise"),
        choices=[("", _("Not stated")), *Satisfaction.choices],
        required=False,
    )


class ReopenForm(ActionForm):
    action_name = "reopen"
    reason = _note_field(_("Reason for reopening"))


class NoteForm(ActionForm):
    action_name = "note"
    note = _note_field(_("Note"))
    is_public = forms.BooleanField(
        label=_("Visible to the enterprise"), required=False, initial=False
    )

    def __init__(self, *args, choose_visibility: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not choose_visibility:
            del self.fields["is_public"]


class AttachForm(ActionForm):
    action_name = "attach"
    attachments = AttachmentsField(required=True)
    is_public = forms.BooleanField(
        label=_("Visible to the enterprise"), required=False, initial=True
    )

    def __init__(self, *args, choose_visibility: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not choose_visibility:
            del self.fields["is_public"]


class NeedFilterForm(forms.Form):
    """Filters of the scoped needs list (GET)."""

    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("All statuses")), *NeedStatus.choices],
        required=False,
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
