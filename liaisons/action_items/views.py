"""The action items pages (/action-items/). Thin: scope → form → service → message + redirect.

Every page gets its items from `action_items_visible_to` (liaisons.action_items.selectors); an
item outside a person's scope, or a page their role does not have, answers 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import (
    QuerySet,
)
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alliance.core.viewer import request_is_park_staff
from alliance.core.xlsx import xlsx_response
from liaisons.action_items import services
from liaisons.action_items.exports import action_item_sheet
from liaisons.action_items.forms import (
    ActionItemFilterForm,
    ActionItemForm,
    FromNeedForm,
    MilestoneForm,
    ProgressForm,
    StatusForm,
)
from liaisons.action_items.selectors import (
    action_items_visible_to,
    chains_prefetch,
    filter_action_items,
    participants_prefetch,
)
from liaisons.exceptions import ActionItemError
from liaisons.models import (
    ACTION_ITEM_TRANSITIONS,
    ActionItem,
    ActionItemKind,
    ActionItemMilestone,
    ActionItemParticipant,
    ActionItemStatus,
    Need,
)
from liaisons.needs.matchmaking import MATCHMAKING_CATEGORIES, suggest_partners
from liaisons.needs.selectors import needs_visible_to

PROJECTS_PER_PAGE = 25
HISTORY_ROWS = 100
NEED_PANEL_ROWS = 20
DUE_DAYS_DEFAULT = 60


# --- Scoping ---------------------------------------------------------------------------------


def _visible(request: HttpRequest) -> QuerySet[ActionItem]:
    return action_items_visible_to(request.user, staff=request_is_park_staff(request))


@dataclass(frozen=True)
class ItemAccess:
    staff: bool
    manage: bool  # edit, move, milestones
    report: bool  # progress reports


def _get_item(request: HttpRequest, pk: int) -> tuple[ActionItem, ItemAccess]:
    item = (
        _visible(request)
        .select_related("owner", "origin_need__enterprise", "origin_need__chain", "decision__event")
        .filter(pk=pk)
        .first()
    )
    if item is None:
        raise Http404
    staff = request_is_park_staff(request)
    manage = services.can_manage(request.user, item, staff=staff)
    report = manage or services.can_report(request.user, item, staff=staff)
    return item, ItemAccess(staff=staff, manage=manage, report=report)


def _require(allowed: bool) -> None:
    if not allowed:
        raise Http404


# --- The list and its export -----------------------------------------------------------------


@login_required
@require_GET
def action_item_list(request: HttpRequest) -> HttpResponse:
    filters = ActionItemFilterForm(request.GET or None)
    items = (
        filter_action_items(
            _visible(request), filters, user=request.user, today=timezone.localdate()
        )
        .select_related("owner", "origin_need", "decision__event")
        .prefetch_related(chains_prefetch(), participants_prefetch())
    )
    page = Paginator(items, PROJECTS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "liaisons/action_items/action_item_list.html",
        {
            "page": page,
            "filters": filters,
            "query": query.urlencode(),
            "is_staff": request_is_park_staff(request),
            "today": timezone.localdate(),
        },
    )


@login_required
@require_GET
def action_item_export(request: HttpRequest) -> HttpResponse:
    """The list as .xlsx with the filters applied, streamed (memory does not grow with rows)."""
    filters = ActionItemFilterForm(request.GET or None)
    items = (
        filter_action_items(
            _visible(request), filters, user=request.user, today=timezone.localdate()
        )
        .select_related("owner", "origin_need")
        .prefetch_related(chains_prefetch(), participants_prefetch())
    )
    sheet = action_item_sheet(items, timezone.localdate())
    filename = f"action-items-{timezone.localdate():%Y%m%d}.xlsx"
    return xlsx_response(filename, sheet)


# --- One item --------------------------------------------------------------------------------


def _history(item: ActionItem) -> list[dict]:
    """The status log from simple-history: creation, every status move (with its reason) and
    other edits, newest first."""
    records = list(
        item.history.select_related("history_user").order_by("-history_date", "-history_id")[
            :HISTORY_ROWS
        ]
    )
    rows = []
    for index, record in enumerate(records):
        previous = records[index + 1] if index + 1 < len(records) else None
        row = {
            "when": record.history_date,
            "who": record.history_user.get_full_name() if record.history_user else "",
            "reason": record.history_change_reason or "",
            "from": None,
            "to": None,
        }
        if record.history_type == "+":
            row["what"] = _("Created")
            row["to"] = ActionItemStatus(record.status).label
        elif previous is not None and previous.status != record.status:
            row["what"] = _("Status changed")
            row["from"] = ActionItemStatus(previous.status).label
            row["to"] = ActionItemStatus(record.status).label
        else:
            row["what"] = _("Edited")
            if row["reason"] == row["what"]:
                row["reason"] = ""
        rows.append(row)
    return rows


def _status_forms(item: ActionItem) -> list[tuple[str, str, StatusForm]]:
    labels = {
        ActionItemStatus.IN_PROGRESS: _("Start"),
        ActionItemStatus.DONE: _("Mark done"),
        ActionItemStatus.CANCELLED: _("Cancel the item"),
    }
    order = [ActionItemStatus.IN_PROGRESS, ActionItemStatus.DONE, ActionItemStatus.CANCELLED]
    allowed = ACTION_ITEM_TRANSITIONS[item.status]
    return [
        (status, labels[status], StatusForm(initial={"status": status, "expected": item.status}))
        for status in order
        if status in allowed
    ]


@login_required
@require_GET
def action_item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item, access = _get_item(request, pk)
    need = item.origin_need
    # Staff see every need but drafts, and a draft never becomes an item.
    need_visible = need is not None and (
        access.staff or needs_visible_to(request.user).filter(pk=need.pk).only("pk").exists()
    )
    resources = (
        list(need.resources.select_related("department").order_by("title")) if need_visible else []
    )
    is_open = item.status in services.OPEN_STATUSES
    milestones = list(item.milestones.order_by("due_on", "pk"))
    context = {
        "item": item,
        "access": access,
        "is_open": is_open,
        "overdue": is_open and item.due_date is not None and item.due_date < timezone.localdate(),
        "participants": list(
            ActionItemParticipant.objects.filter(action_item=item)
            .select_related("enterprise")
            .order_by("role", "enterprise__name")
        ),
        "chains": list(item.chains.order_by("order", "code")),
        "milestones": milestones,
        "open_milestones": sum(1 for milestone in milestones if milestone.done_at is None),
        "progress": list(
            item.progress_reports.select_related("author").order_by("-created_at", "-pk")
        ),
        "history": _history(item),
        "need": need if need_visible else None,
        "has_hidden_need": need is not None and not need_visible,
        "resources": resources,
        "decision": getattr(item, "decision", None),
        "status_forms": _status_forms(item) if access.manage and is_open else [],
        "milestone_form": MilestoneForm() if access.manage and is_open else None,
        "progress_form": ProgressForm() if access.report and is_open else None,
    }
    return render(request, "liaisons/action_items/action_item_detail.html", context)


def _form_values(data: dict) -> dict:
    return {
        "kind": data["kind"],
        "title": data["title"],
        "description": data["description"],
        "chains": data["chains"],
        "owner": data["owner"],
        "due_date": data["due_date"],
        "lead": data["lead"],
        "partners": data["partners"],
    }


@login_required
@require_http_methods(["GET", "POST"])
def action_item_create(request: HttpRequest) -> HttpResponse:
    _require(request_is_park_staff(request))
    form = ActionItemForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            item = services.action_item_create(
                actor=request.user, **_form_values(form.cleaned_data)
            )
        except ActionItemError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The action item was created."))
            return redirect("action_items:action-item-detail", pk=item.pk)
    return render(
        request, "liaisons/action_items/action_item_form.html", {"form": form, "item": None}
    )


@login_required
@require_http_methods(["GET", "POST"])
def action_item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item, access = _get_item(request, pk)
    _require(access.manage)
    if item.status not in services.OPEN_STATUSES:
        messages.error(request, _("A done or cancelled action item can no longer be edited."))
        return redirect("action_items:action-item-detail", pk=item.pk)
    participants = list(ActionItemParticipant.objects.filter(action_item=item))
    initial = {
        "kind": item.kind,
        "title": item.title,
        "description": item.description,
        "chains": list(item.chains.values_list("pk", flat=True)),
        "owner": item.owner_id,
        "due_date": item.due_date,
        "lead": next((p.enterprise_id for p in participants if p.role == "lead"), None),
        "partners": [p.enterprise_id for p in participants if p.role != "lead"],
    }
    form = ActionItemForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.action_item_update(
                item=item, actor=request.user, **_form_values(form.cleaned_data)
            )
        except ActionItemError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The action item was saved."))
            return redirect("action_items:action-item-detail", pk=item.pk)
    return render(
        request, "liaisons/action_items/action_item_form.html", {"form": form, "item": item}
    )


def _from_need_initial(need: Need, user, partner: str) -> dict:
    """The form as the need fills it: its words, its liaison as owner, a partner suggested by
    matchmaking (`?partner=<firm>`)."""
    return {
        "title": need.title,
        "description": need.description,
        "owner": need.liaison.user_id if need.liaison_id else user.pk,
        "due_date": timezone.localdate() + timedelta(days=DUE_DAYS_DEFAULT),
        "partners": [int(partner)] if partner.isdigit() else [],
    }


@login_required
@require_http_methods(["GET", "POST"])
def action_item_from_need(request: HttpRequest, need_pk: int) -> HttpResponse:
    """'This need becomes a project' (staff or the need's liaison); ?partner=<firm> comes from
    a matchmaking suggestion."""
    need = get_object_or_404(
        needs_visible_to(request.user).select_related("enterprise", "chain", "liaison__user"),
        pk=need_pk,
    )
    _require(
        services.can_make_action_item_from(request.user, need, staff=request_is_park_staff(request))
    )
    initial = _from_need_initial(need, request.user, request.GET.get("partner", ""))
    form = FromNeedForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            item = services.action_item_create_from_need(
                need=need, actor=request.user, **form.cleaned_data
            )
        except ActionItemError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("Need %(number)s is now the action item “%(title)s”.")
                % {"number": need.number, "title": item.title},
            )
            return redirect("action_items:action-item-detail", pk=item.pk)
    return render(
        request,
        "liaisons/action_items/action_item_from_need.html",
        {
            "form": form,
            "need": need,
            "kind_label": ActionItemKind(services.kind_for_need(need)).label,
        },
    )


# --- POST-only actions -----------------------------------------------------------------------


def _done(request: HttpRequest, item: ActionItem, error: ActionItemError | None, success: str):
    if error is not None:
        messages.error(request, error.message)
    else:
        messages.success(request, success)
    return redirect("action_items:action-item-detail", pk=item.pk)


def _invalid(request: HttpRequest, item: ActionItem, form) -> HttpResponse:
    problems = "；".join(str(message) for errors in form.errors.values() for message in errors)
    messages.error(request, _("Please correct the input: %(problems)s") % {"problems": problems})
    return redirect("action_items:action-item-detail", pk=item.pk)


@login_required
@require_POST
def action_item_status(request: HttpRequest, pk: int) -> HttpResponse:
    item, access = _get_item(request, pk)
    _require(access.manage)
    form = StatusForm(request.POST)
    if not form.is_valid():
        return _invalid(request, item, form)
    data = form.cleaned_data
    error = None
    try:
        item = services.action_item_move(
            item=item,
            actor=request.user,
            to_status=data["status"],
            reason=data["reason"],
            outcome=data["outcome"],
            outcome_amount=data["outcome_amount"],
            expected_status=data["expected"],
            close_milestones=data["close_milestones"],
        )
    except ActionItemError as caught:
        error = caught
    return _done(
        request,
        item,
        error,
        _("The action item is now “%(status)s”.") % {"status": item.get_status_display()},
    )


@login_required
@require_POST
def action_item_milestone_add(request: HttpRequest, pk: int) -> HttpResponse:
    item, access = _get_item(request, pk)
    _require(access.manage)
    form = MilestoneForm(request.POST)
    if not form.is_valid():
        return _invalid(request, item, form)
    error = None
    try:
        services.milestone_add(
            item=item,
            actor=request.user,
            due_on=form.cleaned_data["due_on"],
            text=form.cleaned_data["text"],
        )
    except ActionItemError as caught:
        error = caught
    return _done(request, item, error, _("The milestone was added."))


@login_required
@require_POST
def action_item_milestone_done(request: HttpRequest, pk: int) -> HttpResponse:
    milestone = get_object_or_404(
        ActionItemMilestone.objects.filter(action_item__in=_visible(request)), pk=pk
    )
    item, access = _get_item(request, milestone.action_item_id)
    _require(access.manage)
    error = None
    try:
        services.milestone_complete(milestone=milestone, actor=request.user)
    except ActionItemError as caught:
        error = caught
    return _done(request, item, error, _("The milestone is done."))


@login_required
@require_POST
def action_item_progress(request: HttpRequest, pk: int) -> HttpResponse:
    item, access = _get_item(request, pk)
    _require(access.report)
    form = ProgressForm(request.POST)
    if not form.is_valid():
        return _invalid(request, item, form)
    error = None
    try:
        services.progress_report(
            item=item,
            actor=request.user,
            note=form.cleaned_data["note"],
            percent=form.cleaned_data["percent"],
        )
    except ActionItemError as caught:
        error = caught
    return _done(request, item, error, _("The progress report was added."))


# --- Panels on the need page -----------------------------------------------------------------


def need_action_items_panel(request: HttpRequest, need: Need, access) -> dict:
    """Context of the two panels on a need's page: its action items (the trace from the need)
    and, for staff, the matchmaking suggestions of its chain."""
    staff = access.staff
    items = list(
        action_items_visible_to(request.user, staff=staff)
        .filter(origin_need=need)
        .select_related("owner")
        .order_by("-created_at", "-pk")[:NEED_PANEL_ROWS]
    )
    can_make = need.status not in services.NOT_A_PROJECT and (staff or access.liaison)
    suggestions = (
        suggest_partners(need)
        if staff and can_make and need.category in MATCHMAKING_CATEGORIES
        else []
    )
    return {
        "need_action_items": items,
        "can_make_action_item": can_make,
        "show_matchmaking": staff and need.category in MATCHMAKING_CATEGORIES,
        "match_suggestions": suggestions,
    }
