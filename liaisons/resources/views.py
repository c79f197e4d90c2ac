"""The department resources list (部门资源清单): browse and search (everyone signed in), the
maintenance pages (department heads and park staff), the .xlsx export, and the panel on a need's
page with the linked resources and the suggestions, plus its link/unlink POSTs."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alliance.core.viewer import request_is_park_staff
from alliance.core.xlsx import xlsx_response
from liaisons.exceptions import NeedActionError
from liaisons.models import DepartmentResource, Need
from liaisons.needs.access import NeedAccess, get_need_for_user, visible_needs
from liaisons.resources import services
from liaisons.resources.exports import resource_sheet
from liaisons.resources.forms import ResourceFilterForm, ResourceForm
from liaisons.resources.selectors import (
    departments_managed_by,
    filter_resources,
    resources_manageable_by,
    resources_visible_to,
)

RESOURCES_PER_PAGE = 20
LINKED_NEEDS_SHOWN = 50


def _mark(resources, today) -> list[DepartmentResource]:
    resources = list(resources)
    for resource in resources:
        resource.expired = resource.is_expired(today)
        resource.upcoming = resource.is_upcoming(today)
    return resources


def _filtered(request: HttpRequest, today):
    form = ResourceFilterForm(request.GET or None)
    resources = filter_resources(
        resources_visible_to(request.user).select_related("department"),
        form.filters(),
        today=today,
    )
    return form, resources


# --- Browse -------------------------------------------------------------------------------------


@login_required
@require_GET
def resource_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    form, resources = _filtered(request, today)
    page = Paginator(resources, RESOURCES_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = _mark(page.object_list, today)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "liaisons/resources/resource_list.html",
        {
            "page": page,
            "filters": form,
            "query": query.urlencode(),
            "can_manage": departments_managed_by(
                request.user, staff=request_is_park_staff(request)
            ).exists(),
        },
    )


@login_required
@require_GET
def resource_detail(request: HttpRequest, pk: int) -> HttpResponse:
    today = timezone.localdate()
    resource = get_object_or_404(
        resources_visible_to(request.user).select_related("department", "department__head"),
        pk=pk,
    )
    _mark([resource], today)
    # Only the needs the reader may open: a firm sees its own, a liaison theirs.
    linked_needs = list(
        visible_needs(request)
        .filter(resources=resource)
        .select_related("enterprise")
        .order_by("-created_at", "-pk")[:LINKED_NEEDS_SHOWN]
    )
    can_manage = services.can_manage_department(request.user, resource.department)
    return render(
        request,
        "liaisons/resources/resource_detail.html",
        {
            "resource": resource,
            "linked_needs": linked_needs,
            "can_manage": can_manage,
            # Also links on needs the reader cannot see: then it can only be retired.
            "is_linked": can_manage and resource.needs.exists(),
        },
    )


@login_required
@require_GET
def resource_export(request: HttpRequest) -> HttpResponse:
    """The list as .xlsx with the same filters, written row by row (memory does not grow)."""
    today = timezone.localdate()
    _form, resources = _filtered(request, today)
    filename = _("department-resources-%(date)s.xlsx") % {"date": today.isoformat()}
    return xlsx_response(filename, resource_sheet(resources, today))


# --- Maintenance (department heads, park staff) ------------------------------------------------


def _form_data(form: ResourceForm) -> dict:
    return {name: form.cleaned_data[name] for name in services.RESOURCE_FIELDS}


@login_required
@require_http_methods(["GET", "POST"])
def resource_create(request: HttpRequest) -> HttpResponse:
    departments = departments_managed_by(request.user, staff=request_is_park_staff(request))
    if not departments.exists():
        raise Http404
    form = ResourceForm(request.POST or None, departments=departments)
    if request.method == "POST":
        if form.is_valid():
            try:
                resource = services.resource_create(actor=request.user, **_form_data(form))
            except services.ResourceError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("The resource was added to the list."))
                return redirect("resources:resource-detail", pk=resource.pk)
        else:
            messages.error(request, _("Please correct the marked fields."))
    return render(request, "liaisons/resources/resource_form.html", {"form": form})


def _manageable(request: HttpRequest, pk: int) -> DepartmentResource:
    return get_object_or_404(
        resources_manageable_by(request.user, staff=request_is_park_staff(request)).select_related(
            "department"
        ),
        pk=pk,
    )


@login_required
@require_http_methods(["GET", "POST"])
def resource_edit(request: HttpRequest, pk: int) -> HttpResponse:
    resource = _manageable(request, pk)
    departments = departments_managed_by(request.user, staff=request_is_park_staff(request))
    form = ResourceForm(request.POST or None, instance=resource, departments=departments)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.resource_update(resource=resource, actor=request.user, **_form_data(form))
            except services.ResourceError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("The resource was saved."))
                return redirect("resources:resource-detail", pk=resource.pk)
        else:
            messages.error(request, _("Please correct the marked fields."))
    if request.method == "POST":
        # The page's title and links show what is stored, not the refused input.
        resource.refresh_from_db()
    return render(
        request, "liaisons/resources/resource_form.html", {"form": form, "resource": resource}
    )


@login_required
@require_POST
def resource_retire(request: HttpRequest, pk: int) -> HttpResponse:
    resource = _manageable(request, pk)
    try:
        services.resource_retire(resource=resource, actor=request.user)
    except services.ResourceError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("“%(title)s” was retired: it is marked expired and no longer suggested.")
            % {"title": resource.title},
        )
    return redirect("resources:resource-detail", pk=resource.pk)


@login_required
@require_POST
def resource_delete(request: HttpRequest, pk: int) -> HttpResponse:
    resource = _manageable(request, pk)
    try:
        services.resource_delete(resource=resource, actor=request.user)
    except services.ResourceError as error:
        messages.error(request, error.message)
        return redirect("resources:resource-detail", pk=resource.pk)
    messages.success(request, _("“%(title)s” was deleted.") % {"title": resource.title})
    return redirect("resources:resource-list")


# --- On a need's page --------------------------------------------------------------------------


def need_resources_panel(request: HttpRequest, need: Need, access: NeedAccess) -> dict:
    """Context of templates/liaisons/includes/_need_resources.html: the linked resources for
    everyone who sees the need; the suggestions and the buttons for its liaison and park staff
    while the need is still being worked. Two queries (one without suggestions)."""
    today = timezone.localdate()
    linked = _mark(
        need.resources.select_related("department").order_by("department__order", "title"),
        today,
    )
    can_link = (access.liaison or access.staff) and need.status in services.LINK_STATUSES
    return {
        "linked": linked,
        "can_link": can_link,
        "suggestions": services.suggest_resources(need, today=today) if can_link else [],
        "browse_url": f"{reverse('resources:resource-list')}?category={need.category}",
    }


def _need_and_resource(request: HttpRequest, need_pk: int) -> tuple[Need, DepartmentResource]:
    need, access = get_need_for_user(request, need_pk)
    if not (access.liaison or access.staff):
        raise Http404
    resource_pk = request.POST.get("resource", "")
    if not resource_pk.isdigit():
        raise Http404
    resource = get_object_or_404(resources_visible_to(request.user), pk=int(resource_pk))
    return need, resource


def _back_to_need(need: Need) -> HttpResponse:
    return redirect(f"{reverse('liaisons:need-detail', args=[need.pk])}#need-resources")


@login_required
@require_POST
def need_link_resource(request: HttpRequest, need_pk: int) -> HttpResponse:
    need, resource = _need_and_resource(request, need_pk)
    try:
        services.link_resource(need=need, resource=resource, actor=request.user)
    except NeedActionError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("“%(title)s” was offered on need %(number)s; the enterprise can see it.")
            % {"title": resource.title, "number": need.number},
        )
    return _back_to_need(need)


@login_required
@require_POST
def need_unlink_resource(request: HttpRequest, need_pk: int) -> HttpResponse:
    need, resource = _need_and_resource(request, need_pk)
    try:
        services.unlink_resource(need=need, resource=resource, actor=request.user)
    except NeedActionError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("“%(title)s” was unlinked from need %(number)s.")
            % {"title": resource.title, "number": need.number},
        )
    return _back_to_need(need)
