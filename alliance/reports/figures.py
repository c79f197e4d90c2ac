"""The weekly report (周通报): what the needs workflow did in one week, per department, liaison
and chain, computed in SQL and kept as a snapshot (`WeeklyReport`).

The week runs from Monday 00:00 to the next Monday 00:00, Beijing time. A report describes its
week whenever it is generated: every figure is a function of the needs' timestamps and of their
append-only timeline (`NeedEvent`) up to the week's end, so regenerating an old week later gives
the same figures (the approximations left are below the definitions). Definitions:

- status at week end: the `to_status` of the need's last move (a timeline entry with a
  to_status) before the end; if its first move came after the end, that move's `from_status`;
  a need with no move in its timeline at all (data imported without one) counts with its
  current status;
- the week's needs: submitted before the week ended, leaving out those that were closed, not
  accepted or merged throughout the week (their last move before the end came before the week
  began). Every figure below is counted over these needs;
- received: submitted during the week; closed: moved to closed during the week (or closed_at in
  the week, for needs without a timeline);
- open at week end: in an open status at the end;
- overdue at week end: the need's running clock, as it stood at the end, had passed by the
  end: the rule of the pages and of the ladder (`liaisons.needs.clock`, read from the week's
  columns by `clock.overdue_sql`): the acceptance, sign-for, first-contact, resolve or
  long-term milestone deadline, whichever ran; a paused clock (waiting for the firm) and a
  rating window are never overdue;
- rates: each is over the needs that took a step during the week, and that step's count is a
  figure of the same row, its denominator: on-time sign-for over the needs signed for during
  the week (`signed`); on-time resolution over the needs closed during the week (`closed`),
  on time when their last reply came by the resolution deadline; satisfaction (满意 + 基本满意)
  over the needs rated during the week (`rated`; a rating without its timestamp, imported data,
  counts in the week the need was closed). A need whose deadline passed without a sign-for or a
  reply is in "overdue at week end" instead, and in the rate of the week it is done;
- reopened: needs with at least one move to reopened during the week (from the timeline), not
  needs reopened at some time;
- hot categories: the five categories with the most needs received, with last week's count;
- a rate over fewer than MIN_SAMPLE needs is not given (the page and the sheet show "—" beside
  the count), and such a unit is not listed under the floor;
- under the floor: units whose satisfaction is below 85 % over at least MIN_SAMPLE ratings.

The timeline records moves, not field values. The fields a later move overwrites (deadlines
moved by an extension or a new clock, a sign-for cleared by a reopening, a second reply or
rating, the liaison after a return) are read from the need's historical row
(django-simple-history, written by every save) as it stood at the end, when the need changed
after the end; otherwise from the need itself. A need without a historical row before the end
(imported in bulk, which writes none) is read as it is now: for it, a deadline moved after the
end is not seen (it can be missing from "overdue", never added to it). Needs count for their
liaison, department and chain at the end; a need not yet dispatched counts for its chain and
the park only.

Whatever the number of needs, `weekly_report` makes a fixed number of queries (8).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, NullIf
from django.urls import reverse
from django.utils import timezone

from alliance.core.models import User
from alliance.core.notifications import notify
from alliance.core.staff import PARK_STAFF_GROUP, is_park_staff
from alliance.reports.models import WeeklyReport
from chains.models import IndustryChain
from liaisons.models import (
    NEED_OPEN_STATUSES,
    Department,
    Liaison,
    Need,
    NeedCategory,
    NeedEvent,
    NeedStatus,
    Satisfaction,
)
from liaisons.needs import clock, kpis

# Below this many needs a rate is not given, only its count: with four, one need moves the
# rate by 25 points, so a single firm's rating (or one late reply) decides whether a unit is
# "under the 85 % floor" and the headline reads 0 % or 100 % from one case. Five is also the
# usual small-cell threshold of published statistics. The unit is not listed under the floor
# either; its counts are always shown.
MIN_SAMPLE = 5
HOT_CATEGORIES = 5
# 3: each rate over the needs that took its step in the week (signed, closed, rated), with a
# minimum sample; 2: rates over the week's needs decided by the end; 1: open/overdue/reopened
# as of generation.
SNAPSHOT_VERSION = 3
# Nothing is reported about weeks before the portal could have held any need.
EARLIEST_WEEK = date(2020, 1, 6)

FIGURES = (
    "received",
    "open",
    "overdue",
    "signed",
    "sign_on_time",
    "closed",
    "resolve_on_time",
    "rated",
    "satisfied",
    "reopened",
)
# Each rate of a row: (numerator, denominator), both figures of the same row.
RATES = {
    "sign": ("sign_on_time", "signed"),
    "resolve": ("resolve_on_time", "closed"),
    "satisfaction": ("satisfied", "rated"),
}
# Statuses a need does not leave by itself: one that sat in them all week is not the week's.
DEAD_ENDS = (NeedStatus.CLOSED, NeedStatus.REJECTED, NeedStatus.MERGED)
SATISFIED = (Satisfaction.SATISFIED, Satisfaction.BASICALLY)


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


# --- The needs as they stood at the week's end ---------------------------------------------------


def _moves() -> QuerySet[NeedEvent]:
    """The timeline entries of the outer need that moved it (they carry a to_status)."""
    return NeedEvent.objects.filter(need=OuterRef("pk")).exclude(to_status="")


# The fields read as they stood at the end, and the column each gets in the week's rows: from
# the latest historical row (django-simple-history, written by every save) before the end when
# the need changed after the end; otherwise, or for a need without such a row (imported data),
# the current value.
AS_OF_END_FIELDS = {
    "accept_due": "accept_due_then",
    "dispatched_at": "dispatched_then",
    "sign_due": "sign_due_then",
    "signed_at": "signed_then",
    "resolve_due": "resolve_due_then",
    "replied_at": "replied_then",
    "satisfaction": "satisfaction_then",
    "rated_at": "rated_then",
    "closed_at": "closed_then",
    "department": "unit_department",
    "liaison": "unit_liaison",
    "chain": "unit_chain",
}
# And every field the running clock reads, for "overdue at week end" (`liaisons.needs.clock`).
AS_OF_END_FIELDS.update(
    {name: f"{name}_then" for name in clock.FIELDS if name not in AS_OF_END_FIELDS}
)


def needs_at(end: datetime) -> QuerySet[Need]:
    """Submitted needs, with what the timeline says of them at `end` (see the module docstring):
    `status_at_end`, `moved_at_end` (when that status was entered; None without a timeline) and
    `snapshot_at_end`, the historical row to read AS_OF_END_FIELDS from (None: the need)."""
    before = _moves().filter(created_at__lt=end).order_by("-created_at", "-pk")
    after = _moves().filter(created_at__gte=end).order_by("created_at", "pk")
    history = Need.history.model.objects.filter(id=OuterRef("pk"))
    return Need.objects.filter(submitted_at__lt=end).alias(
        status_at_end=Coalesce(
            Subquery(before.values("to_status")[:1]),
            NullIf(Subquery(after.values("from_status")[:1]), Value("")),
            F("status"),
        ),
        moved_at_end=Subquery(before.values("created_at")[:1], output_field=DateTimeField()),
        snapshot_at_end=Case(
            When(
                Exists(history.filter(history_date__gte=end)),
                then=Subquery(
                    history.filter(history_date__lt=end)
                    .order_by("-history_date", "-history_id")
                    .values("history_id")[:1]
                ),
            ),
            default=None,
        ),
    )


def week_needs(start: datetime, end: datetime) -> QuerySet[Need]:
    """The candidates for the week's needs: submitted before the end, less those that were
    plainly in a dead end all week (in one now, with no move since the week began, closed or,
    never closed, submitted before it). `_grouped_figures` leaves out the rest of those in a dead
    end all week once their status at the end is known; the subqueries only run for the
    candidates."""
    dead_all_along = Q(status__in=DEAD_ENDS, submitted_at__lt=start) & (
        Q(closed_at__isnull=True) | Q(closed_at__lt=start)
    )
    moved_since_start = _moves().filter(created_at__gte=start)
    return needs_at(end).exclude(dead_all_along & ~Exists(moved_since_start))


def week_rows(start: datetime, end: datetime) -> QuerySet:
    """`week_needs` as rows of the values the figures need, each subquery computed once; the
    fields of AS_OF_END_FIELDS as they are now (`now_<field>`) and the snapshot to read them
    from as they were."""
    moved_in_week = _moves().filter(created_at__gte=start, created_at__lt=end)
    return (
        week_needs(start, end)
        .order_by()
        .values(
            **{f"now_{name}": F(name) for name in AS_OF_END_FIELDS},
            snapshot=F("snapshot_at_end"),
            status_then=F("status_at_end"),
            moved_then=F("moved_at_end"),
            submitted=F("submitted_at"),
            closed_in_week=Exists(moved_in_week.filter(to_status=NeedStatus.CLOSED)),
            reopened_in_week=Exists(moved_in_week.filter(to_status=NeedStatus.REOPENED)),
        )
    )


def _week_sql(start: datetime, end: datetime) -> tuple[str, list]:
    """The CTEs `rows` (week_rows) and `week`: one row per need of the week with each field of
    AS_OF_END_FIELDS as it stood at the end (one join on the historical row), dead ends of the
    whole week left out."""
    rows_sql, rows_params = week_rows(start, end).query.sql_with_params()
    history = Need.history.model._meta.db_table
    then = ", ".join(
        f"CASE WHEN h.history_id IS NULL THEN r.now_{name} "
        f"ELSE h.{Need._meta.get_field(name).column} END AS {column}"
        for name, column in AS_OF_END_FIELDS.items()
    )
    dead_end = _in("r.status_then", DEAD_ENDS)
    sql = (
        f"WITH rows AS ({rows_sql}), week AS ("  # noqa: S608
        f"SELECT r.status_then, r.submitted, r.closed_in_week, r.reopened_in_week, {then} "
        f"FROM rows r LEFT JOIN {history} h ON h.history_id = r.snapshot "
        # In a dead end since before the week: without a timeline, since its close (as it
        # stood at the end) or, never closed, its submission.
        f"WHERE NOT ({dead_end[0]} AND COALESCE(r.moved_then, "
        f"CASE WHEN h.history_id IS NULL THEN r.now_closed_at ELSE h.closed_at END, "
        f"r.submitted) < %s))"
    )
    return sql, [*rows_params, *dead_end[1], _db_moment(start)]


def _db_moment(moment: datetime):
    # Raw SQL: the moment as the backend stores it (SQLite compares UTC text).
    return connection.ops.adapt_datetimefield_value(moment)


def _in(column: str, values) -> tuple[str, list]:
    values = [str(value) for value in values]
    return f"{column} IN ({', '.join(['%s'] * len(values))})", values


def _all(*parts: tuple[str, list], glue: str = "AND") -> tuple[str, list]:
    return (
        "(" + f" {glue} ".join(sql for sql, _params in parts) + ")",
        [param for _sql, params in parts for param in params],
    )


def _column_then(field: str) -> str:
    """The column of the week's rows that holds `field` as it stood at the end."""
    return "status_then" if field == "status" else AS_OF_END_FIELDS[field]


def _conditions(start: datetime, end: datetime) -> dict[str, tuple[str, list]]:
    """Each figure as an SQL condition on one row of `week_rows` (see the module docstring).
    NULL compares false, so a missing timestamp or deadline never counts."""
    start, end = _db_moment(start), _db_moment(end)
    signed = ("(signed_then >= %s AND signed_then < %s)", [start, end])
    closed = ("(closed_in_week OR (closed_then >= %s AND closed_then < %s))", [start, end])
    rated = _all(
        ("satisfaction_then <> ''", []),
        _all(
            ("(rated_then >= %s AND rated_then < %s)", [start, end]),
            _all(("rated_then IS NULL", []), closed),
            glue="OR",
        ),
    )
    return {
        "received": ("submitted >= %s", [start]),
        "open": _in("status_then", NEED_OPEN_STATUSES),
        "overdue": clock.overdue_sql(_column_then, at=end),
        "signed": signed,
        "sign_on_time": _all(signed, ("signed_then <= sign_due_then", [])),
        "closed": closed,
        "resolve_on_time": _all(closed, ("replied_then <= resolve_due_then", [])),
        "rated": rated,
        "satisfied": _all(rated, _in("satisfaction_then", SATISFIED)),
        "reopened": ("reopened_in_week", []),
    }


DIMENSIONS = ("unit_department", "unit_liaison", "unit_chain")


def _grouped_figures(start: datetime, end: datetime) -> dict:
    """The figures of the park and of every department, liaison and chain in ONE query.

    The rows of `week_rows` are a CTE, computed once (each need's subqueries run once; an ORM
    aggregate would repeat them in every count, per table), and counted four times: per
    department, liaison and chain, and for the park. Plain SQL that SQLite runs too.
    Returns {None: park figures, ("unit_department", pk): figures, ...}."""
    week_sql, week_params = _week_sql(start, end)
    conditions = _conditions(start, end)
    counts = ", ".join(
        f"COUNT(*) FILTER (WHERE {sql}) AS {name}" for name, (sql, _p) in conditions.items()
    )
    count_params = [param for _sql, params in conditions.values() for param in params]
    # Names are this module's constants, the inner SQL is Django's, every value is a parameter.
    selects, params = [], list(week_params)
    for column in (*DIMENSIONS, None):
        if column is None:
            selects.append(f"SELECT 'park' AS dimension, NULL AS unit, {counts} FROM week")  # noqa: S608
        else:
            selects.append(
                f"SELECT '{column}' AS dimension, {column} AS unit, {counts} FROM week "  # noqa: S608
                f"WHERE {column} IS NOT NULL GROUP BY {column}"
            )
        params += count_params
    sql = f"{week_sql} " + " UNION ALL ".join(selects)
    result: dict = {}
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The plan's cost (a subquery per need and column) makes PostgreSQL JIT-compile it:
            # compiling takes far longer than running (docs/benchmarks.md). Off here.
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        for values in cursor.fetchall():
            row = dict(zip(names, values, strict=True))
            key = None if row["dimension"] == "park" else (row["dimension"], row["unit"])
            result[key] = {name: row[name] for name in FIGURES}
    return result


def _figures(row: dict | None) -> dict[str, int]:
    return {name: (row or {}).get(name, 0) for name in FIGURES}


def _dimension(grouped: dict, column: str, model, *related) -> list:
    """(unit, figures) for each unit with needs of the week, in the model's order: 1 query."""
    keys = [pk for key, pk in (k for k in grouped if k is not None) if key == column]
    if not keys:
        return []
    units = model.objects.filter(pk__in=keys).select_related(*related)
    return [(unit, grouped[(column, unit.pk)]) for unit in units]


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
    grouped = _grouped_figures(start, end)
    return {
        "version": SNAPSHOT_VERSION,
        "week_start": week_start.isoformat(),
        "week_end": (week_start + timedelta(days=6)).isoformat(),
        "computed_at": (now or timezone.now()).isoformat(),
        "floor": kpis.SATISFACTION_FLOOR,
        "min_sample": MIN_SAMPLE,
        "totals": _figures(grouped.get(None)),
        "departments": [
            {"id": unit.pk, "name": unit.name, **figures}
            for unit, figures in _dimension(grouped, "unit_department", Department)
        ],
        "liaisons": [
            {
                "id": unit.pk,
                "name": unit.user.get_full_name(),
                "department_id": unit.department_id,
                "department": unit.department.name,
                **figures,
            }
            for unit, figures in _dimension(grouped, "unit_liaison", Liaison, "user", "department")
        ],
        "chains": [
            {"id": unit.pk, "name": unit.name, **figures}
            for unit, figures in _dimension(grouped, "unit_chain", IndustryChain)
        ],
        "hot_categories": _hot_categories(start, end),
    }


# --- Reading a snapshot -------------------------------------------------------------------------


def rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def rate_shown(numerator: int, denominator: int, *, min_sample: int) -> float | None:
    """The rate as the report gives it: None ("—") over fewer than `min_sample` needs."""
    return rate(numerator, denominator) if denominator >= min_sample else None


def below_floor(row: dict, *, floor: float, min_sample: int) -> bool:
    value = rate_shown(row["satisfied"], row["rated"], min_sample=min_sample)
    return value is not None and value < floor


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
    floor, minimum = data["floor"], data["min_sample"]
    return [
        {"kind": kind, **row}
        for kind in ("departments", "liaisons", "chains")
        for row in data[kind]
        if below_floor(row, floor=floor, min_sample=minimum)
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
