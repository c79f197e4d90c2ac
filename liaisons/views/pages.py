"""The needs lists: the scoped list with filters, the liaison's queue and firms, the staff
triage inbox and the supervision page of chain chiefs and department heads."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from alliance import workcalendar
from alliance.roles import is_park_staff
from liaisons.forms import NeedFilterForm
from liaisons.models import (
    NEED_OPEN_STATUSES,
    EscalationLevel,
    LiaisonAssignment,
    NeedEscalation,
    NeedStatus,
)
from liaisons.services import kpis
from liaisons.views.access import enterprises_of, liaison_of, visible_needs
from liaisons.views.deadlines import (
    amber_horizon,
    mark_deadlines,
    overdue_q,
)

NEEDS_PER_PAGE = 25
ESCALATIONS_PER_PAGE = 25


def _list_queryset(request: HttpRequest):
    return visible_needs(request).select_related("enterprise", "liaison__user")


def _far_future():
    return timezone.now().replace(year=9999)


@login_required
@require_GET
def need_list(request: HttpRequest) -> HttpResponse:
    """Every need the user may see, newest first, filtered by status and overdue."""
    now = timezone.now()
    needs = _list_queryset(request)
    filters = NeedFilterForm(request.GET or None)
    if filters.is_valid():
        if filters.cleaned_data["status"]:
            needs = needs.filter(status=filters.cleaned_data["status"])
        if filters.cleaned_data["overdue"]:
            needs = needs.filter(overdue_q(now))
    page = Paginator(needs.order_by("-created_at", "-pk"), NEEDS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    page.object_list = mark_deadlines(page.object_list, now=now)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "liaisons/need_list.html",
        {
            "page": page,
            "filters": filters,
            "query": query.urlencode(),
            "can_submit": enterprises_of(request.user).exists(),
        },
    )


@login_required
@require_GET
def need_queue(request: HttpRequest) -> HttpResponse:
    """A liaison's open needs, the nearest deadline first."""
    liaison = liaison_of(request.user)
    if liaison is None:
        raise Http404
    now = timezone.now()
    needs = mark_deadlines(
        _list_queryset(request).filter(liaison=liaison, status__in=NEED_OPEN_STATUSES),
        now=now,
    )
    far = _far_future()
    needs.sort(key=lambda need: (need.deadline.due if need.deadline else far, need.pk))
    return render(
        request,
        "liaisons/need_queue.html",
        {
            "liaison": liaison,
            "needs": needs,
            "overdue_count": sum(1 for n in needs if n.deadline and n.deadline.overdue),
            "soon_count": sum(1 for n in needs if n.deadline and n.deadline.soon),
            "to_sign_count": sum(1 for n in needs if _awaits_signature(n)),
        },
    )


def _awaits_signature(need) -> bool:
    signable = (NeedStatus.DISPATCHED, NeedStatus.REOPENED)
    return need.status in signable and need.signed_at is None


@login_required
@require_GET
def liaison_firms(request: HttpRequest) -> HttpResponse:
    """The firms a liaison serves, with how many of their needs are open and in total."""
    liaison = liaison_of(request.user)
    if liaison is None:
        raise Http404
    today = timezone.localdate()
    assignments = list(
        LiaisonAssignment.objects.filter(liaison=liaison)
        .filter(Q(until__isnull=True) | Q(until__gte=today))
        .select_related("enterprise", "enterprise__primary_chain")
        .order_by("-is_primary", "enterprise__name")
    )
    counts = {
        row["enterprise"]: row
        for row in visible_needs(request)
        .filter(enterprise__in=[a.enterprise_id for a in assignments])
        .values("enterprise")
        .annotate(
            total=Count("pk"),
            open=Count("pk", filter=Q(status__in=NEED_OPEN_STATUSES)),
        )
    }
    for assignment in assignments:
        row = counts.get(assignment.enterprise_id, {})
        assignment.need_total = row.get("total", 0)
        assignment.need_open = row.get("open", 0)
    return render(
        request, "liaisons/liaison_firms.html", {"liaison": liaison, "assignments": assignments}
    )


@login_required
@require_GET
def liaison_firm_needs(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    """One assigned firm's need history, as far as the liaison may see it."""
    liaison = liaison_of(request.user)
    if liaison is None:
        raise Http404
    today = timezone.localdate()
    assignment = (
        # enterprise__pk, not enterprise_id: an id beyond any integer is simply not found.
        LiaisonAssignment.objects.filter(liaison=liaison, enterprise__pk=enterprise_id)
        .filter(Q(until__isnull=True) | Q(until__gte=today))
        .select_related("enterprise")
        .first()
    )
    if assignment is None:
        raise Http404
    now = timezone.now()
    needs = mark_deadlines(
        _list_queryset(request)
        .filter(enterprise_id=assignment.enterprise_id)
        .order_by("-created_at", "-pk"),
        now=now,
    )
    return render(
        request,
        "liaisons/liaison_firm_needs.html",
        {"enterprise": assignment.enterprise, "assignment": assignment, "needs": needs},
    )


@login_required
@require_GET
def need_inbox(request: HttpRequest) -> HttpResponse:
    """Park staff's triage inbox: everything waiting for a staff decision."""
    if not is_park_staff(request.user):
        raise Http404
    now = timezone.now()
    visible = _list_queryset(request)
    sections = {
        "submitted": visible.filter(status=NeedStatus.SUBMITTED).order_by("accept_due", "pk"),
        "accepted": visible.filter(status=NeedStatus.ACCEPTED).order_by("accepted_at", "pk"),
        "returns": visible.filter(status=NeedStatus.RETURN_PENDING).order_by("updated_at", "pk"),
        "extensions": visible.filter(
            extension_requested__gt=0, status__in=NEED_OPEN_STATUSES
        ).order_by("resolve_due", "pk"),
        "return_visits": visible.filter(status=NeedStatus.REPLIED, rating_due__lt=now).order_by(
            "rating_due", "pk"
        ),
    }
    # One calendar query for the whole page (the amber horizon), whatever the number of rows.
    horizon = amber_horizon(now)
    grouped = {
        name: mark_deadlines(queryset, now=now, horizon=horizon)
        for name, queryset in sections.items()
    }
    return render(
        request,
        "liaisons/need_inbox.html",
        {
            "sections": grouped,
            "unknown_years": workcalendar.unknown_years_ahead(timezone.localdate()),
            "kpi_tables": _kpi_tables(visible_needs(request)),
        },
    )


def _kpi_tables(needs) -> list[tuple[str, list]]:
    return [
        ("liaison", kpis.kpis_by_liaison(needs)),
        ("department", kpis.kpis_by_department(needs)),
        ("chain", kpis.kpis_by_chain(needs)),
    ]


@login_required
@require_GET
def need_supervision(request: HttpRequest) -> HttpResponse:
    """Chain chiefs and department heads: the escalations addressed to them and the KPIs.

    催办 (level URGE) goes to the liaison's department head; 督办 (level SUPERVISE) to the chain
    chief and park staff (DESIGN §4).
    """
    user = request.user
    staff = is_park_staff(user)
    heads = list(user.headed_departments.values_list("pk", flat=True))
    chains = list(user.chaired_chains.values_list("pk", flat=True))
    if not (staff or heads or chains):
        raise Http404
    addressed = Q(pk__in=[])
    if heads:
        addressed |= Q(level=EscalationLevel.URGE, need__department__in=heads)
    if chains:
        addressed |= Q(level=EscalationLevel.SUPERVISE, need__chain__in=chains)
    if staff:
        addressed |= Q(level=EscalationLevel.SUPERVISE)
    visible = visible_needs(request)
    escalations = (
        NeedEscalation.objects.filter(addressed, need__in=visible)
        .select_related("need__enterprise", "need__liaison__user", "need__department")
        .order_by("-created_at", "-pk")
    )
    page = Paginator(escalations, ESCALATIONS_PER_PAGE).get_page(request.GET.get("page"))
    now = timezone.now()
    counts = visible.aggregate(
        open=Count("pk", filter=Q(status__in=NEED_OPEN_STATUSES)),
        overdue=Count("pk", filter=overdue_q(now)),
    )
    return render(
        request,
        "liaisons/need_supervision.html",
        {
            "page": page,
            "counts": counts,
            "is_head": bool(heads),
            "is_chief": bool(chains),
            "kpi_tables": _kpi_tables(visible),
            "now": now,
        },
    )
