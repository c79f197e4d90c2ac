"""The needs lists: the scoped list with filters, the liaison's queue and firms, the staff
triage inbox and the supervision page of chain chiefs and department heads."""

from __future__ import annotations

from dataclasses import replace

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from alliance.core import workcalendar
from alliance.core.paginators import estimated_rows
from alliance.core.viewer import request_is_park_staff, request_navbar_facts
from liaisons.models import (
    NEED_OPEN_STATUSES,
    LiaisonAssignment,
    Need,
)
from liaisons.needs import kpis
from liaisons.needs.access import liaison_of, visible_needs
from liaisons.needs.clock import (
    amber_horizon,
    mark_deadlines,
    overdue_q,
    queue_summary,
    with_running_due,
)
from liaisons.needs.forms import NeedFilterForm
from liaisons.needs.rows import escalation_rows, need_rows, rows_reader
from liaisons.needs.selectors import (
    inbox_sections,
    liaison_queue,
    supervision_counts,
    supervision_escalations,
)
from liaisons.paging import (
    COUNT_CAP,
    BoundedCount,
    keyset_page,
    keyset_sections,
    numbered_page,
)

NEEDS_PER_PAGE = 25
ESCALATIONS_PER_PAGE = 25
INBOX_SECTION_ROWS = 10  # five sections on one page; each pages on its own
# The KPI tables read every need in view (and compute working hours in Python): they are cached
# per scope for five minutes.
KPI_CACHE_SECONDS = 300


def _whole_table_count(request: HttpRequest) -> BoundedCount | None:
    """Park staff's unfiltered list is every need but the drafts: when PostgreSQL's estimate of
    the table is twice the cap, the list is certainly longer than the cap, and counting 10,001
    index entries on every visit (docs/benchmarks.md) says nothing more. None: count."""
    if not request_is_park_staff(request):
        return None
    estimate = estimated_rows(Need)
    if estimate is None or estimate < 2 * COUNT_CAP:
        return None
    return BoundedCount(COUNT_CAP, True)


@login_required
@require_GET
def need_list(request: HttpRequest) -> HttpResponse:
    """Every need the user may see, newest first, filtered by status and overdue."""
    now = timezone.now()
    needs = visible_needs(request)
    filters = NeedFilterForm(request.GET or None)
    filtered = False
    if filters.is_valid():
        if filters.cleaned_data["status"]:
            needs = needs.filter(status=filters.cleaned_data["status"])
            filtered = True
        if filters.cleaned_data["overdue"]:
            needs = needs.filter(overdue_q(now))
            filtered = True
    # Numbered pages over the (created_at, id) index with a count that stops at 10,000:
    # page 1,000 costs an OFFSET of 25,000 index entries, whatever the size of the table.
    page = numbered_page(
        needs.order_by("-created_at", "-pk"),
        request.GET,
        per_page=NEEDS_PER_PAGE,
        count=None if filtered else _whole_table_count(request),
        rows=need_rows,
    )
    page.object_list = mark_deadlines(page.object_list, now=now)
    return render(
        request,
        "liaisons/need_list.html",
        {
            "page": page,
            "filters": filters,
            "query": page.query,
            "can_submit": request_navbar_facts(request).is_secretary,
        },
    )


@login_required
@require_GET
def need_queue(request: HttpRequest) -> HttpResponse:
    """A liaison's open needs, the nearest deadline first."""
    liaison = request_navbar_facts(request).liaison_id
    if liaison is None:
        raise Http404
    now = timezone.now()
    horizon = amber_horizon(now)
    # The running deadline is computed in SQL (the same rules as `running_clock`), so the
    # queue is ordered and paged by the database and its badges are one grouped query.
    queue = liaison_queue(liaison)
    page = keyset_page(
        with_running_due(queue),
        request.GET,
        key="running_due",
        nullable=True,
        per_page=NEEDS_PER_PAGE,
        rows=rows_reader("running_due"),
    )
    page.object_list = mark_deadlines(page.object_list, now=now, horizon=horizon)
    summary = queue_summary(queue, now=now, horizon=horizon)
    return render(
        request,
        "liaisons/need_queue.html",
        {
            "needs": page.object_list,
            "page": page,
            "total": summary["total"],
            "overdue_count": summary["overdue"],
            "soon_count": summary["soon"],
            "to_sign_count": summary["to_sign"],
        },
    )


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
        need_rows(
            visible_needs(request)
            .filter(enterprise_id=assignment.enterprise_id)
            .order_by("-created_at", "-pk")
        ),
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
    if not request_is_park_staff(request):
        raise Http404
    now = timezone.now()
    visible = visible_needs(request)
    sections = inbox_sections(visible, now=now)
    # The five pages and their badges: two queries (ids and counts, then the rows).
    pages = keyset_sections(
        {name: replace(section, prefix=f"{name}-") for name, section in sections.items()},
        request.GET,
        per_page=INBOX_SECTION_ROWS,
        rows=need_rows,
    )
    # One calendar query for the whole page (the amber horizon and the years without
    # holidays), whatever the number of rows.
    today = timezone.localdate()
    calendar = workcalendar.Calendar.covering(now, today)
    horizon = amber_horizon(now, calendar=calendar)
    for page in pages.values():
        page.object_list = mark_deadlines(page.object_list, now=now, horizon=horizon)
    return render(
        request,
        "liaisons/need_inbox.html",
        {
            "sections": pages,
            "unknown_years": workcalendar.unknown_years_ahead(today, calendar=calendar),
        },
    )


def _kpi_scope(request: HttpRequest) -> str | None:
    """Who sees which KPI tables: staff all needs, heads and chiefs their own (None: nobody)."""
    facts = request_navbar_facts(request)
    if facts.is_park_staff:
        return "staff"
    if facts.heads_department or facts.chairs_chain:
        return f"user-{request.user.pk}"
    return None


def _kpi_tables(scope: str, needs) -> tuple[list[tuple[str, list]], object]:
    """The three KPI tables of `needs`, cached per scope for the current `KPI_CACHE_SECONDS`
    window (so at most that old). Returns (tables, computed at)."""
    now = timezone.now()
    window = int(now.timestamp()) // KPI_CACHE_SECONDS
    key = f"liaisons:kpis:{scope}:{window}"
    cached = cache.get(key)
    if cached is None:
        cached = (
            [
                ("liaison", kpis.kpis_by_liaison(needs, now=now)),
                ("department", kpis.kpis_by_department(needs, now=now)),
                ("chain", kpis.kpis_by_chain(needs, now=now)),
            ],
            now,
        )
        cache.set(key, cached, KPI_CACHE_SECONDS)
    return cached


@login_required
@require_GET
def need_kpis(request: HttpRequest) -> HttpResponse:
    """The KPI tables of the needs in the user's view: staff, heads and chiefs.

    Their own page, linked from the inbox and the supervision page: they read every need in
    view, which those work lists must not do on every request."""
    scope = _kpi_scope(request)
    if scope is None:
        raise Http404
    tables, computed_at = _kpi_tables(scope, visible_needs(request))
    return render(
        request,
        "liaisons/need_kpis.html",
        {"kpi_tables": tables, "computed_at": computed_at},
    )


@login_required
@require_GET
def need_supervision(request: HttpRequest) -> HttpResponse:
    """Chain chiefs and department heads: the escalations addressed to them and the KPIs.

    催办 (level URGE) goes to the liaison's department head; 督办 (level SUPERVISE) to the chain
    chief and park staff.
    """
    user = request.user
    facts = request_navbar_facts(request)
    staff, heads, chains = facts.is_park_staff, facts.heads_department, facts.chairs_chain
    if not (staff or heads or chains):
        raise Http404
    escalations = supervision_escalations(user, facts)
    page = keyset_page(
        escalations,
        request.GET,
        key="created_at",
        descending=True,
        per_page=ESCALATIONS_PER_PAGE,
        rows=escalation_rows,
    )
    now = timezone.now()
    counts = supervision_counts(user, facts, now=now)
    return render(
        request,
        "liaisons/need_supervision.html",
        {
            "page": page,
            "counts": counts,
            "is_head": bool(heads),
            "is_chief": bool(chains),
            "now": now,
        },
    )
