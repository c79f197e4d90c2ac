"""The weekly report (周通报): what the needs workflow did in one week, per department, liaison
and chain, computed in SQL and kept as a snapshot (`WeeklyReport`).

The week runs from Monday 00:00 to the next Monday 00:00, Beijing time. Definitions:

- the week's needs: submitted before the week ended and not closed before it began (drafts, and
  needs rejected or merged in an earlier week, left out). Every rate below is counted over these
  needs by `liaisons.services.kpis` with "now" set to the end of the week, so the definitions are
  exactly those of the KPI tables;
- received: submitted during the week; closed: closed during the week;
- open / overdue at week end: still open (overdue: past the resolve deadline at week end) when
  the report was generated. The published report is generated on Monday 07:30, so these are the
  figures of the week's end; regenerating an old week later recounts them as of then;
- on-time sign-for, on-time resolution: as kpis.py (over needs whose deadline was decided);
- satisfaction: 满意 + 基本满意 over rated needs (kpis.py);
- reopened: needs of the week that have been reopened at least once;
- hot categories: the five categories with the most needs received, with last week's count;
- under the floor: units whose satisfaction is below 85 % over at least MIN_RATINGS ratings.
Needs count for their current liaison, department and chain (as in kpis.py); a need not yet
dispatched counts for its chain and the park only.

Whatever the number of needs, `weekly_report` makes a fixed number of queries (at most 17).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from alliance.models import User, WeeklyReport
from alliance.notifications import notify
from alliance.roles import PARK_STAFF_GROUP, is_park_staff
from chains.models import IndustryChain
from liaisons.models import Department, Need, NeedCategory, NeedStatus
from liaisons.services import kpis

# Fewer ratings than this and one unhappy firm decides the rate (1 of 2 is 50 %): such a unit
# is not listed under the floor, its rate is still shown in its row.
MIN_RATINGS = 3
HOT_CATEGORIES = 5
SNAPSHOT_VERSION = 1
# Nothing is reported about weeks before the portal could have held any need.
EARLIEST_WEEK = date(2020, 1, 6)

FIGURES = (
    "received",
    "closed",
    "open",
    "overdue",
    "sign_on_time",
    "sign_total",
    "resolve_on_time",
    "resolve_total",
    "satisfied",
    "rated",
    "reopened",
)


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_bounds(week_start: date) -> tuple[datetime, datetime]:
    """Monday 00:00 and the next Monday 00:00, Beijing time."""
    start = datetime.combine(week_start, time.min, tzinfo=_zone())
    return start, datetime.combine(week_start + timedelta(days=7), time.min, tzinfo=_zone())


def last_finished_week(now: datetime | None = None) -> date:
    """The Monday of the week that ended most recently (last week, seen from any day)."""
    today = timezone.localtime(now or timezone.now(), _zone()).date()
    return monday_of(today) - timedelta(days=7)


def week_needs(start: datetime, end: datetime) -> QuerySet[Need]:
    """The needs the week's figures are counted over (see the module docstring)."""
    earlier_dead_end = Q(
        status__in=[NeedStatus.REJECTED, NeedStatus.MERGED], submitted_at__lt=start
    )
    return (
        Need.objects.filter(submitted_at__lt=end)
        .exclude(status=NeedStatus.DRAFT)
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=start))
        .exclude(earlier_dead_end)
    )


def _flow(start: datetime, end: datetime) -> dict:
    return {
        "received": Count("pk", filter=Q(submitted_at__gte=start, submitted_at__lt=end)),
        "closed": Count("pk", filter=Q(closed_at__gte=start, closed_at__lt=end)),
    }


def _figures(kpi: kpis.NeedKpis | None, flow: dict | None) -> dict[str, int]:
    flow = flow or {}
    figures = {"received": flow.get("received", 0), "closed": flow.get("closed", 0)}
    if kpi is None:
        return {**figures, **dict.fromkeys(FIGURES[2:], 0)}
    return {
        **figures,
        "open": kpi.open,
        "overdue": kpi.overdue,
        "sign_on_time": kpi.on_time_sign.numerator,
        "sign_total": kpi.on_time_sign.denominator,
        "resolve_on_time": kpi.on_time_resolve.numerator,
        "resolve_total": kpi.on_time_resolve.denominator,
        "satisfied": kpi.satisfaction.numerator,
        "rated": kpi.satisfaction.denominator,
        "reopened": kpi.reopen.numerator,
    }


def _dimension(needs: QuerySet[Need], key: str, rows: list[kpis.NeedKpis], start, end) -> dict:
    flows = {
        row[key]: row
        for row in needs.filter(**{f"{key}__isnull": False})
        .order_by()
        .values(key)
        .annotate(**_flow(start, end))
    }
    return {row.key.pk: (row, flows.get(row.key.pk)) for row in rows}


def _totals(needs: QuerySet[Need], start: datetime, end: datetime) -> dict[str, int]:
    # kpis.py's own conditional counts (one aggregate over the whole park), so that the park row
    # uses exactly the definitions of the unit rows.
    row = needs.order_by().aggregate(**kpis._counts(end), **_flow(start, end))
    return {
        "received": row["received"],
        "closed": row["closed"],
        "open": row["open"],
        "overdue": row["overdue"],
        "sign_on_time": row["sign_on_time"],
        "sign_total": row["sign_total"],
        "resolve_on_time": row["resolve_on_time"],
        "resolve_total": row["resolve_total"],
        "satisfied": row["satisfied"],
        "rated": row["rated"],
        "reopened": row["reopened"],
    }


def _hot_categories(start: datetime, end: datetime) -> list[dict]:
    previous = start - timedelta(days=7)
    rows = (
        Need.objects.exclude(status=NeedStatus.DRAFT)
        .filter(submitted_at__gte=previous, submitted_at__lt=end)
        .order_by()
        .values("category")
        .annotate(
            count=Count("pk", filter=Q(submitted_at__gte=start)),
            previous=Count("pk", filter=Q(submitted_at__lt=start)),
        )
    )
    order = {value: index for index, value in enumerate(NeedCategory.values)}
    ranked = sorted(
        (row for row in rows if row["count"]),
        key=lambda row: (-row["count"], order.get(row["category"], len(order))),
    )
    return [
        {
            "category": row["category"],
            "count": row["count"],
            "previous": row["previous"],
            "change": row["count"] - row["previous"],
        }
        for row in ranked[:HOT_CATEGORIES]
    ]


def weekly_report(week_start: date, *, now: datetime | None = None) -> dict[str, Any]:
    """The figures of the week starting on Monday `week_start`, as a JSON-ready snapshot."""
    if week_start.weekday() != 0:
        raise ValueError(f"A week starts on a Monday, not on {week_start:%A}.")
    start, end = week_bounds(week_start)
    needs = week_needs(start, end)
    by_department = _dimension(
        needs, "department", kpis.kpis_by_department(needs, now=end), start, end
    )
    by_liaison = _dimension(needs, "liaison", kpis.kpis_by_liaison(needs, now=end), start, end)
    by_chain = _dimension(needs, "chain", kpis.kpis_by_chain(needs, now=end), start, end)
    return {
        "version": SNAPSHOT_VERSION,
        "week_start": week_start.isoformat(),
        "week_end": (week_start + timedelta(days=6)).isoformat(),
        "computed_at": (now or timezone.now()).isoformat(),
        "floor": kpis.SATISFACTION_FLOOR,
        "min_ratings": MIN_RATINGS,
        "totals": _totals(needs, start, end),
        "departments": [
            {"id": pk, "name": row.key.name, **_figures(row, flow)}
            for pk, (row, flow) in by_department.items()
        ],
        "liaisons": [
            {
                "id": pk,
                "name": row.key.user.get_full_name(),
                "department_id": row.key.department_id,
                "department": row.key.department.name,
                **_figures(row, flow),
            }
            for pk, (row, flow) in by_liaison.items()
        ],
        "chains": [
            {"id": pk, "name": row.key.name, **_figures(row, flow)}
            for pk, (row, flow) in by_chain.items()
        ],
        "hot_categories": _hot_categories(start, end),
    }


# --- Reading a snapshot -------------------------------------------------------------------------


def rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def below_floor(row: dict, *, floor: float, min_ratings: int) -> bool:
    value = rate(row["satisfied"], row["rated"])
    return row["rated"] >= min_ratings and value is not None and value < floor


@dataclass(frozen=True)
class ReportScope:
    """What of a weekly report one person sees. Park staff: everything. A department head: the
    department's row and its liaisons. A chain chief: the chain's row. Both see the park totals
    and the hot categories (park-wide counts that name nobody)."""

    everything: bool = False
    departments: frozenset[int] = frozenset()
    chains: frozenset[int] = frozenset()

    def filter(self, data: dict) -> dict:
        if self.everything:
            return data
        return {
            **data,
            "departments": [r for r in data["departments"] if r["id"] in self.departments],
            "liaisons": [r for r in data["liaisons"] if r["department_id"] in self.departments],
            "chains": [r for r in data["chains"] if r["id"] in self.chains],
        }


def report_scope_for(user) -> ReportScope | None:
    """The one scoping function of weekly reports: None when `user` may not see any (404)."""
    if not (user.is_authenticated and user.is_active):
        return None
    if is_park_staff(user):
        return ReportScope(everything=True)
    departments = frozenset(Department.objects.filter(head=user).values_list("pk", flat=True))
    chains = frozenset(IndustryChain.objects.filter(chief=user).values_list("pk", flat=True))
    if not (departments or chains):
        return None
    return ReportScope(departments=departments, chains=chains)


def under_floor(data: dict) -> list[dict]:
    """The departments, liaisons and chains of a (scoped) snapshot below the satisfaction floor."""
    floor, minimum = data["floor"], data["min_ratings"]
    return [
        {"kind": kind, **row}
        for kind in ("departments", "liaisons", "chains")
        for row in data[kind]
        if below_floor(row, floor=floor, min_ratings=minimum)
    ]


# --- Generating and publishing -----------------------------------------------------------------


class Outcome(enum.Enum):
    CREATED = "created"
    KEPT = "kept"  # the week had a report already, and it was not to be replaced
    REPLACED = "replaced"


def report_readers() -> QuerySet[User]:
    """Who is told of a new weekly report: park staff, department heads and chain chiefs."""
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(is_superuser=True)
            | Q(is_staff=True, groups__name=PARK_STAFF_GROUP)
            | Q(headed_departments__isnull=False)
            | Q(chaired_chains__isnull=False)
        )
        .distinct()
        .order_by("pk")
    )


class WeekNotReportable(ValueError):
    """The week is not a Monday-to-Sunday week that has ended (and is not before EARLIEST_WEEK)."""


def check_week(week_start: date, *, now: datetime | None = None) -> None:
    if week_start.weekday() != 0:
        raise WeekNotReportable(f"{week_start} is not a Monday.")
    if week_start < EARLIEST_WEEK or week_start > last_finished_week(now):
        raise WeekNotReportable(f"The week of {week_start} has not ended or is too early.")


def weekly_report_generate(
    *,
    week_start: date,
    actor: User | None = None,
    replace: bool = False,
    now: datetime | None = None,
) -> tuple[WeeklyReport, Outcome]:
    """Compute and store the report of a finished week; safe to run twice.

    The Monday schedule passes replace=False: a week that has its report keeps it as published.
    Staff regenerating a week pass replace=True and the snapshot is replaced. Readers are told
    only when a week's report first appears.
    """
    now = now or timezone.now()
    check_week(week_start, now=now)
    with transaction.atomic():
        existing = WeeklyReport.objects.select_for_update().filter(week_start=week_start).first()
        if existing is not None and not replace:
            return existing, Outcome.KEPT
        data = weekly_report(week_start, now=now)
        if existing is not None:
            existing.data = data
            existing.generated_at = now
            existing.generated_by = actor
            existing.save(update_fields=["data", "generated_at", "generated_by"])
            return existing, Outcome.REPLACED
        try:
            # A savepoint: when a concurrent run created the row first, its report stands.
            with transaction.atomic():
                report = WeeklyReport.objects.create(
                    week_start=week_start, generated_at=now, generated_by=actor, data=data
                )
        except IntegrityError:
            return WeeklyReport.objects.get(week_start=week_start), Outcome.KEPT
        notify(
            recipients=report_readers(),
            kind="weekly_report",
            context={"report": report, "week_end": week_start + timedelta(days=6)},
            url=reverse("reports:weekly-detail", args=[week_start]),
        )
    return report, Outcome.CREATED
