"""The detail page's side of each need action (`NeedActionSpec`): which form it takes, how the
page words and shows it, and how the form's data reach the service. The states it is offered in
and the roles that see it are the workflow table's (`liaisons.needs.workflow`), not the page's.

The service is the judge of the workflow: the page may offer a form that the service then
refuses (another person acted first, a rule the page cannot know), and that refusal becomes a
message, never a 500.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from liaisons.models import Liaison, LiaisonAssignment, Need, NeedTimeLimit
from liaisons.needs import forms, services, workflow
from liaisons.needs.access import NeedAccess, visible_needs

# The table's actions the detail page does not offer: a draft is edited on its own page.
NOT_ON_THE_PAGE = frozenset({"update_draft"})


@dataclass(frozen=True)
class NeedActionSpec:
    name: str
    form_class: type[forms.ActionForm]
    run: Callable[..., object]
    success: str
    title: str
    # What the state and the role cannot tell (a pending request, a cap): the page hides the
    # form; the service still decides.
    offered_if: Callable[[Need], bool] = field(default=lambda need: True)
    button: str = ""
    icon: str = "bi-arrow-right-circle"
    danger: bool = False

    @property
    def action(self) -> workflow.NeedAction:
        return workflow.ACTIONS[self.name]

    @property
    def roles(self) -> tuple[str, ...]:
        """Who sees the form, in some form (public or internal): the table's roles."""
        return self.action.all_roles

    @property
    def statuses(self) -> frozenset[str]:
        return self.action.from_states

    @property
    def url_name(self) -> str:
        return f"liaisons:need-{self.name.replace('_', '-')}"

    def offered(self, need: Need, access: NeedAccess) -> bool:
        return need.status in self.statuses and access.has_any(self.roles) and self.offered_if(need)


def _attach_all(*, need: Need, actor, uploads, is_public: bool = True) -> None:
    for upload in uploads:
        services.need_attach(need=need, actor=actor, upload=upload, is_public=is_public)


def _visibility(form: forms.ActionForm, access: NeedAccess) -> bool:
    forced = access.note_visibility
    return form.cleaned_data.get("is_public", True) if forced is None else forced


# --- What each move does with its form --------------------------------------------------------


def _submit(need, actor, form, access):
    return services.need_submit(need=need, actor=actor, expected_status=form.seen_status)


def _accept(need, actor, form, access):
    data = form.cleaned_data
    return services.need_accept(
        need=need,
        actor=actor,
        category=data["category"],
        urgency=data["urgency"],
        note=data["note"],
        expected_status=form.seen_status,
    )


def _reject(need, actor, form, access):
    return services.need_reject(
        need=need, actor=actor, reason=form.cleaned_data["reason"], expected_status=form.seen_status
    )


def _merge(need, actor, form, access):
    return services.need_merge(
        need=need,
        into=form.cleaned_data["into"],
        actor=actor,
        note=form.cleaned_data["note"],
        expected_status=form.seen_status,
    )


def _dispatch(need, actor, form, access):
    return services.need_dispatch(
        need=need,
        actor=actor,
        liaison=form.cleaned_data["liaison"],
        note=form.cleaned_data["note"],
        expected_status=form.seen_status,
    )


def _sign(need, actor, form, access):
    return services.need_sign(need=need, actor=actor, expected_status=form.seen_status)


def _contact(need, actor, form, access):
    data = form.cleaned_data
    return services.need_log_contact(
        need=need,
        actor=actor,
        note=data["note"],
        visit=data["visit"],
        is_public=data["is_public"],
        expected_status=form.seen_status,
    )


def _request_info(need, actor, form, access):
    return services.need_request_info(
        need=need, actor=actor, note=form.cleaned_data["note"], expected_status=form.seen_status
    )


def _supply_info(need, actor, form, access):
    need = services.need_supply_info(
        need=need, actor=actor, note=form.cleaned_data["note"], expected_status=form.seen_status
    )
    _attach_all(need=need, actor=actor, uploads=form.cleaned_data["attachments"])
    return need


def _request_return(need, actor, form, access):
    return services.need_request_return(
        need=need, actor=actor, reason=form.cleaned_data["reason"], expected_status=form.seen_status
    )


def _decide_return(need, actor, form, access):
    return services.need_decide_return(
        need=need,
        actor=actor,
        approve=form.approve,
        note=form.cleaned_data["note"],
        expected_status=form.seen_status,
    )


def _request_extension(need, actor, form, access):
    return services.need_request_extension(
        need=need,
        actor=actor,
        workdays=form.cleaned_data["workdays"],
        reason=form.cleaned_data["reason"],
        expected_status=form.seen_status,
    )


def _decide_extension(need, actor, form, access):
    return services.need_decide_extension(
        need=need,
        actor=actor,
        approve=form.approve,
        note=form.cleaned_data["note"],
        expected_status=form.seen_status,
    )


def _long_term(need, actor, form, access):
    return services.need_mark_long_term(
        need=need, actor=actor, note=form.cleaned_data["note"], expected_status=form.seen_status
    )


def _milestone(need, actor, form, access):
    return services.need_milestone_reply(
        need=need, actor=actor, note=form.cleaned_data["note"], expected_status=form.seen_status
    )


def _reply(need, actor, form, access):
    # The resolution's files go in first, while the need is still the liaison's to work on.
    _attach_all(need=need, actor=actor, uploads=form.cleaned_data["attachments"])
    return services.need_reply(
        need=need,
        actor=actor,
        resolution=form.cleaned_data["resolution"],
        expected_status=form.seen_status,
    )


def _rate(need, actor, form, access):
    return services.need_rate(
        need=need,
        actor=actor,
        satisfaction=form.cleaned_data["satisfaction"],
        comment=form.cleaned_data["comment"],
        expected_status=form.seen_status,
    )


def _return_visit(need, actor, form, access):
    return services.need_log_return_visit(
        need=need,
        actor=actor,
        note=form.cleaned_data["note"],
        satisfaction=form.cleaned_data["satisfaction"] or None,
        expected_status=form.seen_status,
    )


def _reopen(need, actor, form, access):
    return services.need_reopen(
        need=need, actor=actor, reason=form.cleaned_data["reason"], expected_status=form.seen_status
    )


def _note(need, actor, form, access):
    return services.need_add_note(
        need=need,
        actor=actor,
        note=form.cleaned_data["note"],
        is_public=_visibility(form, access),
        expected_status=form.seen_status,
    )


def _attach(need, actor, form, access):
    _attach_all(
        need=need,
        actor=actor,
        uploads=form.cleaned_data["attachments"],
        is_public=_visibility(form, access),
    )
    return need


def _may_request_extension(need: Need) -> bool:
    return not need.extension_requested and not need.extension_workdays and need.resolve_due


def _may_request_return(need: Need) -> bool:
    return need.return_count < workflow.MAX_RETURNS


def _has_pending_extension(need: Need) -> bool:
    return bool(need.extension_requested)


_SPECS = [
    NeedActionSpec(
        name="submit",
        form_class=forms.ConfirmForm,
        run=_submit,
        title=_("Submit"),
        button=_("Submit to the park"),
        success=_("The need was submitted. The park will accept it shortly."),
        icon="bi-send",
    ),
    NeedActionSpec(
        name="accept",
        form_class=forms.AcceptForm,
        run=_accept,
        title=_("Accept"),
        success=_("The need was accepted."),
        icon="bi-check2-circle",
    ),
    NeedActionSpec(
        name="dispatch",
        form_class=forms.DispatchForm,
        run=_dispatch,
        title=_("Dispatch to a liaison"),
        button=_("Dispatch"),
        success=_("The need was dispatched; the liaison's clock is running."),
        icon="bi-person-check",
    ),
    NeedActionSpec(
        name="reject",
        form_class=forms.RejectForm,
        run=_reject,
        title=_("Do not accept"),
        success=_("The need was not accepted; the enterprise is told why."),
        icon="bi-x-circle",
        danger=True,
    ),
    NeedActionSpec(
        name="merge",
        form_class=forms.MergeForm,
        run=_merge,
        title=_("Merge into another need"),
        button=_("Merge"),
        success=_("The need was merged."),
        icon="bi-union",
    ),
    NeedActionSpec(
        name="sign",
        form_class=forms.SignForm,
        run=_sign,
        title=_("Sign for"),
        button=_("Sign for this need"),
        success=_("You signed for the need."),
        icon="bi-pen",
    ),
    NeedActionSpec(
        name="contact",
        form_class=forms.ContactForm,
        run=_contact,
        title=_("Log a contact or visit (staged reply)"),
        button=_("Log"),
        success=_("The contact was logged."),
        icon="bi-telephone",
    ),
    NeedActionSpec(
        name="reply",
        form_class=forms.ReplyForm,
        run=_reply,
        title=_("Reply with the resolution"),
        button=_("Send the reply"),
        success=_("The reply was sent; the enterprise is asked to rate it."),
        icon="bi-reply",
    ),
    NeedActionSpec(
        name="request_info",
        form_class=forms.RequestInfoForm,
        run=_request_info,
        title=_("Ask the enterprise for information"),
        button=_("Ask"),
        success=_("The enterprise was asked; the clock is paused until it answers."),
        icon="bi-question-circle",
    ),
    NeedActionSpec(
        name="request_extension",
        form_class=forms.RequestExtensionForm,
        run=_request_extension,
        title=_("Request an extension"),
        button=_("Request"),
        success=_("The extension was requested; park staff will decide."),
        offered_if=_may_request_extension,
        icon="bi-hourglass-split",
    ),
    NeedActionSpec(
        name="long_term",
        form_class=forms.LongTermForm,
        run=_long_term,
        title=_("Mark as long-term"),
        button=_("Mark long-term"),
        success=_("The need is followed up long-term with monthly milestone replies."),
        icon="bi-calendar-range",
    ),
    NeedActionSpec(
        name="milestone",
        form_class=forms.MilestoneForm,
        run=_milestone,
        title=_("Milestone reply"),
        button=_("Send"),
        success=_("The milestone reply was logged."),
        icon="bi-flag",
    ),
    NeedActionSpec(
        name="request_return",
        form_class=forms.RequestReturnForm,
        run=_request_return,
        title=_("Request a return"),
        button=_("Request the return"),
        success=_("The return was requested; park staff will decide."),
        offered_if=_may_request_return,
        icon="bi-arrow-return-left",
        danger=True,
    ),
    NeedActionSpec(
        name="decide_return",
        form_class=forms.DecideReturnForm,
        run=_decide_return,
        title=_("Decide the return request"),
        success=_("The return request was decided."),
        icon="bi-signpost-split",
    ),
    NeedActionSpec(
        name="decide_extension",
        form_class=forms.DecideExtensionForm,
        run=_decide_extension,
        title=_("Decide the extension request"),
        success=_("The extension request was decided."),
        offered_if=_has_pending_extension,
        icon="bi-hourglass",
    ),
    NeedActionSpec(
        name="supply_info",
        form_class=forms.SupplyInfoForm,
        run=_supply_info,
        title=_("Add the information asked for"),
        button=_("Send"),
        success=_("Thank you. The liaison has your information and continues the work."),
        icon="bi-info-circle",
    ),
    NeedActionSpec(
        name="rate",
        form_class=forms.RateForm,
        run=_rate,
        title=_("Rate the reply"),
        button=_("Send the rating"),
        success=_("Thank you for your rating."),
        icon="bi-star",
    ),
    NeedActionSpec(
        name="return_visit",
        form_class=forms.ReturnVisitForm,
        run=_return_visit,
        title=_("Log the return visit"),
        button=_("Log"),
        success=_("The return visit was logged."),
        icon="bi-telephone-outbound",
    ),
    NeedActionSpec(
        name="reopen",
        form_class=forms.ReopenForm,
        run=_reopen,
        title=_("Reopen"),
        success=_("The need was reopened with a new deadline."),
        icon="bi-arrow-counterclockwise",
        danger=True,
    ),
    NeedActionSpec(
        name="note",
        form_class=forms.NoteForm,
        run=_note,
        title=_("Add a note"),
        button=_("Add"),
        success=_("The note was added."),
        icon="bi-chat-left-text",
    ),
    NeedActionSpec(
        name="attach",
        form_class=forms.AttachForm,
        run=_attach,
        title=_("Attach files"),
        button=_("Upload"),
        success=_("The files were attached."),
        icon="bi-paperclip",
    ),
]


def _checked(specs: list[NeedActionSpec]) -> dict[str, NeedActionSpec]:
    """The specs by name, in the page's order, once each of the table's actions has one."""
    by_name = {spec.name: spec for spec in specs}
    missing = set(workflow.ACTIONS) - NOT_ON_THE_PAGE - set(by_name)
    unknown = set(by_name) - set(workflow.ACTIONS)
    if missing or unknown:
        raise ImproperlyConfigured(
            f"The need page's actions differ from the workflow table: missing {sorted(missing)}, "
            f"not in the table {sorted(unknown)}."
        )
    return by_name


ACTIONS: dict[str, NeedActionSpec] = _checked(_SPECS)


def build_form(
    spec: NeedActionSpec, need: Need, access: NeedAccess, request, data=None, files=None
) -> forms.ActionForm:
    kwargs: dict = {"need": need}
    if spec.name == "merge":
        kwargs["candidates"] = visible_needs(request)
    elif spec.name == "dispatch":
        kwargs["liaisons"] = Liaison.objects.filter(is_active=True).select_related(
            "user", "department"
        )
        kwargs["suggested"] = primary_liaison(need)
    elif spec.name == "request_extension":
        kwargs["max_workdays"] = max_extension_workdays(need)
    elif spec.name in ("note", "attach"):
        kwargs["choose_visibility"] = access.note_visibility is None
    if data is None:
        return spec.form_class(**kwargs)
    return spec.form_class(data, files, **kwargs)


def primary_liaison(need: Need) -> Liaison | None:
    assignment = (
        LiaisonAssignment.objects.filter(
            enterprise_id=need.enterprise_id, is_primary=True, until__isnull=True
        )
        .select_related("liaison__user", "liaison__department")
        .first()
    )
    if assignment is None or not assignment.liaison.is_active:
        return None
    return assignment.liaison


def max_extension_workdays(need: Need) -> int | None:
    limit = (
        NeedTimeLimit.objects.filter(category=need.category, urgency=need.urgency)
        .values_list("extension_max_hours", flat=True)
        .first()
    )
    if not limit:
        return None
    return max(1, limit // 8)
