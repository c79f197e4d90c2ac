"""The weekly report pages: the list of weeks, one week as a page and as .xlsx, and "generate now".

Who sees what is `reports.report_scope_for`: park staff everything, department heads their
department and its liaisons, chain chiefs their chain, both with the park totals; anybody else
gets 404 on every page. Only park staff generate.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from alliance.core.xlsx import xlsx_response
from alliance.reports import figures as reports
from alliance.reports.exports import report_sheets
from alliance.reports.forms import WeeklyReportGenerateForm
from alliance.reports.models import WeeklyReport
from liaisons.models import NeedCategory

REPORTS_PER_PAGE = 25
DIMENSIONS = ("departments", "liaisons", "chains")


def _scope(request: HttpRequest) -> reports.ReportScope:
    scope = reports.report_scope_for(request.user)
    if scope is None:
        raise Http404
    return scope


def _report(week: date) -> WeeklyReport:
    report = WeeklyReport.objects.select_related("generated_by").filter(week_start=week).first()
    if report is None:
        raise Http404
    return report


def _with_rates(row: dict, data: dict) -> dict:
    """The row with each rate as the report gives it (None below the minimum sample, or for a
    snapshot whose rates had other definitions) beside its numerator and denominator."""
    current = _current(data)
    minimum = data.get("min_sample", reports.MIN_SAMPLE)
    rates = {
        f"{name}_rate": (
            reports.rate_shown(row[numerator], row[denominator], min_sample=minimum)
            if current
            else None
        )
        for name, (numerator, denominator) in reports.RATES.items()
    }
    return {
        **row,
        **rates,
        "below_floor": current
        and reports.below_floor(row, floor=data["floor"], min_sample=minimum),
    }


def _current(data: dict) -> bool:
    """Snapshots made before the rates were counted over the week's own steps keep figures of
    other definitions: their counts are shown, their rates not (staff generate them again)."""
    return data.get("version") == reports.SNAPSHOT_VERSION


def _category_label(code: str) -> str:
    return str(NeedCategory(code).label) if code in NeedCategory.values else code


def _presented(report: WeeklyReport, scope: reports.ReportScope) -> dict:
    """The snapshot as this viewer may see it, with rates worked out for the page and sheet."""
    data = scope.filter(report.data)
    current = _current(data)
    return {
        "week_start": report.week_start,
        "week_end": report.week_start + timedelta(days=6),
        "current": current,
        "floor": data["floor"],
        "floor_label": f"{data['floor'] * 100:g}%",
        "min_sample": data.get("min_sample", reports.MIN_SAMPLE),
        "totals": _with_rates(data["totals"], data),
        **{kind: [_with_rates(row, data) for row in data[kind]] for kind in DIMENSIONS},
        "hot_categories": [
            {**row, "label": _category_label(row["category"])} for row in data["hot_categories"]
        ],
        "under_floor": (
            [_with_rates(row, data) for row in reports.under_floor(data)] if current else []
        ),
    }


@login_required
@require_GET
def weekly_report_list(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    weeks = (
        WeeklyReport.objects.defer("data").select_related("generated_by").order_by("-week_start")
    )
    page = Paginator(weeks, REPORTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "alliance/reports/weekly_list.html",
        {
            "page": page,
            "form": WeeklyReportGenerateForm() if scope.everything else None,
            "query": "",
        },
    )


@login_required
@require_GET
def weekly_report_detail(request: HttpRequest, week: date) -> HttpResponse:
    scope = _scope(request)
    report = _report(week)
    return render(
        request,
        "alliance/reports/weekly_detail.html",
        {
            "report": report,
            "view": _presented(report, scope),
            "scope": scope,
            "can_generate": scope.everything,
        },
    )


@login_required
@require_GET
def weekly_report_xlsx(request: HttpRequest, week: date) -> HttpResponse:
    """One sheet per section of the page, rates as numbers formatted as percentages."""
    scope = _scope(request)
    view = _presented(_report(week), scope)
    sheets = report_sheets(view)
    filename = _("Weekly report %(start)s to %(end)s.xlsx") % {
        "start": view["week_start"].isoformat(),
        "end": view["week_end"].isoformat(),
    }
    return xlsx_response(filename, *sheets)


@login_required
@require_POST
def weekly_report_generate(request: HttpRequest) -> HttpResponse:
    """Staff compute a finished week's report now; a week that has one gets it replaced."""
    if not _scope(request).everything:
        raise Http404
    form = WeeklyReportGenerateForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("week", []):
            messages.error(request, error)
        return redirect("reports:weekly-list")
    week = form.cleaned_data["week"]
    previous = (
        WeeklyReport.objects.filter(week_start=week).values_list("generated_at", flat=True).first()
    )
    report, outcome = reports.weekly_report_generate(
        week_start=week, actor=request.user, replace=True
    )
    label = {"start": week.isoformat(), "end": (week + timedelta(days=6)).isoformat()}
    if outcome is reports.Outcome.REPLACED and previous is not None:
        messages.warning(
            request,
            _(
                "The weekly report %(start)s – %(end)s was generated again: it replaces the "
                "snapshot of %(previous)s."
            )
            % {
                **label,
                "previous": formats.date_format(
                    timezone.localtime(previous), "SHORT_DATETIME_FORMAT"
                ),
            },
        )
    else:
        messages.success(request, _("The weekly report %(start)s – %(end)s was generated.") % label)
    return redirect("reports:weekly-detail", week=report.week_start)
