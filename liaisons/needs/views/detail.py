"""One need: submit and edit (secretaries), the detail page with its action forms, the POST-only
action views and the attachment download."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alliance.core import workcalendar
from alliance.core.viewer import request_is_park_staff
from liaisons.action_items.views import need_action_items_panel
from liaisons.exceptions import NeedActionError
from liaisons.models import Need, NeedAttachment, NeedStatus
from liaisons.needs import services
from liaisons.needs.access import (
    SECRETARY,
    NeedAccess,
    access_for,
    enterprises_of,
    get_need_for_user,
    require,
    visible_needs,
)
from liaisons.needs.clock import amber_horizon, deadline_of
from liaisons.needs.forms import ActionForm, NeedForm
from liaisons.needs.selectors import merge_candidates
from liaisons.needs.uploads import content_type_for
from liaisons.needs.views.actions import ACTIONS, NeedActionSpec, build_form
from liaisons.resources.views import need_resources_panel

NEED_FIELDS = ("category", "urgency", "title", "description", "contact_name", "contact_phone")


# --- Submit and edit (secretaries) ------------------------------------------------------------


def _wants_submit(request: HttpRequest) -> bool:
    return request.POST.get("action") == "submit"


@login_required
@require_http_methods(["GET", "POST"])
def need_create(request: HttpRequest) -> HttpResponse:
    enterprises = list(enterprises_of(request.user))
    if not enterprises:
        raise Http404
    form = NeedForm(
        request.POST or None, request.FILES or None, enterprises=enterprises_of(request.user)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        enterprise = data.get("enterprise") or enterprises[0]
        submit = _wants_submit(request)
        try:
            with transaction.atomic():
                need = services.need_create(
                    enterprise=enterprise,
                    actor=request.user,
                    submit=submit,
                    **{name: data[name] for name in NEED_FIELDS},
                )
                for upload in data["attachments"]:
                    services.need_attach(need=need, actor=request.user, upload=upload)
        except NeedActionError as error:
            messages.error(request, error.message)
        else:
            if submit:
                messages.success(
                    request,
                    _("Need %(number)s was submitted. The park will accept it shortly.")
                    % {"number": need.number},
                )
            else:
                messages.success(request, _("The draft was saved. Submit it when it is complete."))
            return redirect("liaisons:need-detail", pk=need.pk)
    elif request.method == "POST":
        messages.error(request, _("Please correct the marked fields."))
    return render(request, "liaisons/need_form.html", {"form": form, "need": None})


@login_required
@require_http_methods(["GET", "POST"])
def need_edit(request: HttpRequest, pk: int) -> HttpResponse:
    need, access = get_need_for_user(request, pk)
    require(access, (SECRETARY,))
    if need.status != NeedStatus.DRAFT:
        messages.error(request, _("Only a draft can be edited."))
        return redirect("liaisons:need-detail", pk=need.pk)
    form = NeedForm(request.POST or None, request.FILES or None, instance=need)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        submit = _wants_submit(request)
        try:
            with transaction.atomic():
                updated = services.need_update_draft(
                    need=need, actor=request.user, **{name: data[name] for name in NEED_FIELDS}
                )
                for upload in data["attachments"]:
                    services.need_attach(need=updated, actor=request.user, upload=upload)
                if submit:
                    updated = services.need_submit(
                        need=updated, actor=request.user, expected_status=NeedStatus.DRAFT
                    )
        except NeedActionError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("Need %(number)s was submitted. The park will accept it shortly.")
                % {"number": updated.number}
                if submit
                else _("The draft was saved."),
            )
        return redirect("liaisons:need-detail", pk=need.pk)
    if request.method == "POST":
        messages.error(request, _("Please correct the marked fields."))
    return render(request, "liaisons/need_form.html", {"form": form, "need": need})


# --- The detail page ---------------------------------------------------------------------------


def _deadline_rows(need: Need) -> list[dict]:
    # A reopened need keeps its earlier reply and rating times: they do not meet the new clock.
    answered = need.status in (NeedStatus.REPLIED, NeedStatus.CLOSED)
    rows = [
        (_("Accept by"), need.accept_due, need.accepted_at),
        (_("Sign for by"), need.sign_due, need.signed_at),
        (_("First contact by"), need.first_contact_due, need.first_contact_at),
        (_("Resolve by"), need.resolve_due, need.replied_at if answered else None),
        (_("Next milestone reply by"), need.milestone_due, None),
        (_("Rate by"), need.rating_due, need.rated_at if answered else None),
    ]
    return [{"label": label, "due": due, "done": done} for label, due, done in rows if due]


def _timeline(need: Need, access: NeedAccess) -> tuple[list, list]:
    """The need's timeline entries and attachments, the public ones only for the firm."""
    events = need.events.select_related("actor").order_by("created_at", "pk")
    attachments = need.attachments.select_related("uploaded_by").order_by("created_at", "pk")
    if access.enterprise_view:
        events = events.filter(is_public=True)
        attachments = attachments.filter(is_public=True)
    return list(events), list(attachments)


def _action_forms(
    request: HttpRequest,
    need: Need,
    access: NeedAccess,
    bound_form: tuple[str, ActionForm] | None,
) -> list[tuple[NeedActionSpec, ActionForm]]:
    """The form of every move the viewer may make now; the one just posted keeps its errors."""
    forms = []
    for spec in ACTIONS.values():
        if bound_form and bound_form[0] == spec.name:
            forms.append((spec, bound_form[1]))
        elif spec.offered(need, access):
            forms.append((spec, build_form(spec, need, access, request)))
    return forms


def render_detail(
    request: HttpRequest,
    need: Need,
    access: NeedAccess,
    *,
    bound_form: tuple[str, ActionForm] | None = None,
) -> HttpResponse:
    now = timezone.now()
    events, attachments = _timeline(need, access)
    today = timezone.localdate()
    # One calendar query for the amber horizon and the years without holidays.
    calendar = workcalendar.Calendar.covering(now, today)
    deadline = deadline_of(need, now=now, horizon=amber_horizon(now, calendar=calendar))

    forms = _action_forms(request, need, access, bound_form)
    context = {
        "need": need,
        "access": access,
        "events": events,
        "attachments": attachments,
        "escalations": (
            [] if access.enterprise_view else list(need.escalations.order_by("created_at", "pk"))
        ),
        "deadline": deadline,
        "deadline_rows": _deadline_rows(need),
        "action_forms": forms,
        "open_form": bound_form[0] if bound_form else None,
        "merged_needs": list(
            visible_needs(request).filter(merged_into=need).only("pk", "number", "title")
        ),
        "unknown_years": (
            workcalendar.unknown_years_ahead(today, calendar=calendar) if access.staff else []
        ),
        "resources_panel": need_resources_panel(request, need, access),
        "action_items_panel": need_action_items_panel(request, need, access),
    }
    if any(spec.name == "merge" for spec, _form in forms):
        context["merge_candidates"] = list(merge_candidates(visible_needs(request), need))
    return render(request, "liaisons/need_detail.html", context)


@login_required
@require_GET
def need_detail(request: HttpRequest, pk: int) -> HttpResponse:
    need, access = get_need_for_user(request, pk)
    return render_detail(request, need, access)


# --- Actions ---------------------------------------------------------------------------------


def _make_action_view(spec: NeedActionSpec) -> Callable[[HttpRequest, int], HttpResponse]:
    @login_required
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        need, access = get_need_for_user(request, pk)
        require(access, spec.roles)
        form = build_form(spec, need, access, request, request.POST, request.FILES)
        if not form.is_valid():
            messages.error(request, _("Please correct the marked fields."))
            return render_detail(request, need, access, bound_form=(spec.name, form))
        try:
            with transaction.atomic():
                spec.run(need, request.user, form, access)
        except NeedActionError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, spec.success)
        return redirect("liaisons:need-detail", pk=need.pk)

    view.__name__ = view.__qualname__ = f"need_{spec.name}"
    view.__doc__ = f"POST only: {spec.name}, for {' / '.join(spec.roles)}."
    return view


ACTION_VIEWS: dict[str, Callable] = {name: _make_action_view(s) for name, s in ACTIONS.items()}


# --- Attachments ----------------------------------------------------------------------------


@login_required
@require_GET
def attachment_download(request: HttpRequest, pk: int) -> HttpResponse:
    """An attachment, as a download, to whoever may see its need (and, for the enterprise's
    own people, only if it is public)."""
    attachment = (
        NeedAttachment.objects.select_related(
            "need__enterprise", "need__chain", "need__liaison", "need__department"
        )
        .filter(pk=pk, need__in=visible_needs(request))
        .first()
    )
    if attachment is None:
        raise Http404
    access = access_for(request.user, attachment.need, staff=request_is_park_staff(request))
    if access.enterprise_view and not attachment.is_public:
        raise Http404
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError) as error:
        raise Http404 from error
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=content_type_for(attachment.original_name),
    )
    # Never rendered by the browser, whatever the bytes turn out to be.
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
