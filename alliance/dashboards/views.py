"""The dashboards: park overview, chain dashboard, chain map, firm profile, and the
staff pages that record a chain's figures and signed projects.

Scope: park staff see every chain; a chain chief sees the chains they chair; anybody else gets
404 (the pages do not exist for them). Every page gets its chain or firm through
`alliance.dashboards.figures.chains_visible_to` / `enterprises_visible_to`.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from alliance.dashboards import figures as dashboards
from alliance.dashboards.charts import dashboard_charts, map_chart
from alliance.dashboards.forms import ChainIndicatorForm, SignedProjectForm
from alliance.dashboards.services import (
    FigureConflict,
    chain_indicator_save,
    signed_project_save,
)
from alliance.roles import request_is_park_staff
from chains.models import ChainIndicator, IndustryChain
from enterprises.models import SignedProject
from liaisons.needs.selectors import needs_visible_to

PROJECTS_PER_PAGE = 25


def _get_chain_for_user(request: HttpRequest, code: str) -> IndustryChain:
    staff = request_is_park_staff(request)
    chains = dashboards.chains_visible_to(request.user, staff=staff)
    chain = get_object_or_404(chains.select_related("chief"), code=code)
    request._dashboard_chief = not staff  # the navbar's dashboard link, without a query
    return chain


def _get_chain_for_staff(request: HttpRequest, code: str) -> IndustryChain:
    if not request_is_park_staff(request):
        raise Http404
    return _get_chain_for_user(request, code)


@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    """Park staff: the park overview. A chain chief: their chain, or a choice of their chains."""
    if not request_is_park_staff(request):
        chains = list(dashboards.chains_visible_to(request.user, staff=False))
        if not chains:
            raise Http404
        request._dashboard_chief = True
        if len(chains) == 1:
            return redirect("dashboard:chain", code=chains[0].code)
        return render(request, "alliance/dashboard/chooser.html", {"chains": chains})
    data = dashboards.park_overview()
    return render(
        request,
        "alliance/dashboard/overview.html",
        {"data": data, "charts": dashboard_charts(data), "is_staff": True},
    )


@login_required
@require_GET
def chain_detail(request: HttpRequest, code: str) -> HttpResponse:
    chain = _get_chain_for_user(request, code)
    data = dashboards.chain_dashboard(chain)
    return render(
        request,
        "alliance/dashboard/chain.html",
        {
            "chain": chain,
            "data": data,
            "charts": dashboard_charts(data),
            "is_staff": request_is_park_staff(request),
        },
    )


@login_required
@require_GET
def chain_map(request: HttpRequest, code: str) -> HttpResponse:
    chain = _get_chain_for_user(request, code)
    data = dashboards.chain_map(chain)
    # Every member of a chain the user may open is a firm they may open: no per-node check.
    urls = {
        m.enterprise_id: reverse("dashboard:firm", args=[m.enterprise_id])
        for m in data["memberships"]
    }
    return render(
        request,
        "alliance/dashboard/map.html",
        {
            "chain": chain,
            "data": data,
            "graph": map_chart(data, firm_urls=urls),
            "is_staff": request_is_park_staff(request),
        },
    )


@login_required
@require_GET
def firm_detail(request: HttpRequest, pk: int) -> HttpResponse:
    staff = request_is_park_staff(request)
    firms = dashboards.enterprises_visible_to(request.user, staff=staff)
    firm = get_object_or_404(firms.select_related("primary_chain"), pk=pk)
    request._dashboard_chief = not staff
    profile = dashboards.firm_profile(firm, needs=needs_visible_to(request.user))
    linked = {link.customer_id for link in profile["supplies"]}
    linked |= {link.supplier_id for link in profile["supplied_by"]}
    openable = set(firms.filter(pk__in=linked).values_list("pk", flat=True)) if linked else set()
    chains = set(
        dashboards.chains_visible_to(request.user, staff=staff).values_list("pk", flat=True)
    )
    return render(
        request,
        "alliance/dashboard/firm.html",
        {"profile": profile, "firm": firm, "openable": openable, "my_chains": chains},
    )


# --- Staff entry of figures -----------------------------------------------------------------------


def _figure_form(
    request: HttpRequest,
    *,
    chain: IndustryChain,
    form_class,
    save,
    instance=None,
    title: str,
    success: str,
):
    form = form_class(request.POST or None, instance=instance, chain=chain)
    if request.method == "POST" and form.is_valid():
        try:
            save(
                chain=chain,
                data=form.cleaned_data,
                actor=request.user,
                pk=instance.pk if instance is not None else None,
            )
        except FigureConflict:
            form.add_error(None, _("Someone saved the same entry meanwhile; check and try again."))
        else:
            messages.success(request, success)
            return redirect("dashboard:chain", code=chain.code)
    return render(
        request,
        "alliance/dashboard/figure_form.html",
        {"chain": chain, "form": form, "title": title, "instance": instance},
    )


@login_required
@require_http_methods(["GET", "POST"])
def indicator_create(request: HttpRequest, code: str) -> HttpResponse:
    chain = _get_chain_for_staff(request, code)
    return _figure_form(
        request,
        chain=chain,
        form_class=ChainIndicatorForm,
        save=chain_indicator_save,
        title=_("Record the chain's figures for a period"),
        success=_("The figures are saved."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def indicator_edit(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    chain = _get_chain_for_staff(request, code)
    indicator = get_object_or_404(ChainIndicator, pk=pk, chain=chain)
    return _figure_form(
        request,
        chain=chain,
        form_class=ChainIndicatorForm,
        save=chain_indicator_save,
        instance=indicator,
        title=_("Edit the figures of %(period)s") % {"period": indicator.period_label},
        success=_("The figures are saved."),
    )


@login_required
@require_GET
def project_list(request: HttpRequest, code: str) -> HttpResponse:
    chain = _get_chain_for_staff(request, code)
    projects = chain.signed_projects.select_related("enterprise").order_by("-signed_on", "name")
    page = Paginator(projects, PROJECTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "alliance/dashboard/project_list.html", {"chain": chain, "page": page})


@login_required
@require_http_methods(["GET", "POST"])
def project_create(request: HttpRequest, code: str) -> HttpResponse:
    chain = _get_chain_for_staff(request, code)
    return _figure_form(
        request,
        chain=chain,
        form_class=SignedProjectForm,
        save=signed_project_save,
        title=_("Record a signed project"),
        success=_("The signed project is saved."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def project_edit(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    chain = _get_chain_for_staff(request, code)
    project = get_object_or_404(SignedProject, pk=pk, chain=chain)
    return _figure_form(
        request,
        chain=chain,
        form_class=SignedProjectForm,
        save=signed_project_save,
        instance=project,
        title=_("Edit the signed project"),
        success=_("The signed project is saved."),
    )
