"""The dashboards' numbers: the park overview and one dashboard per chain.

Every figure is counted by the database: grouped COUNT/SUM with conditional filters, one query per
section, so a page makes the same number of queries whatever the number of firms, needs, meetings
or projects. Python only folds the grouped rows (bounded by the number of statuses, categories,
months, buckets or chains), never the rows themselves.

Scoping lives here too: `chains_visible_to(user)` is the one selector for the dashboards (park
staff: every chain; a chain chief: the chains they chair; anybody else: none), and
`enterprises_visible_to(user)` the one for the firm profile page.

Rates reuse the needs KPI definitions of `liaisons.needs.kpis` (on-time sign-for, on-time
resolution, satisfaction), grouped by the month in which a need was dispatched: each month is a
cohort, and its rates fill in as its needs are signed, replied to and rated.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    Case,
    Count,
    DateField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import ExtractYear, Trunc, TruncMonth
from django.utils import timezone

from alliance.core.staff import is_park_staff
from alliance.dashboards.models import MeetingDashboardSummary, NeedDashboardSummary
from chains.models import ChainIndicator, IndustryChain, PeriodKind
from enterprises.models import (
    ChainMembership,
    Enterprise,
    PartyOrganization,
    SignedProject,
    SupplyLink,
)
from events.models import Event, EventStatus, Rsvp
from liaisons.models import (
    NEED_OPEN_STATUSES,
    ActionItem,
    ActionItemStatus,
    Need,
    NeedCategory,
    NeedStatus,
)
from liaisons.needs import kpis
from liaisons.needs.clock import overdue_q
from liaisons.needs.kpis import Rate

RATE_MONTHS = 12
# The KPI counts the monthly rates need (keys of liaisons.needs.kpis.kpi_counts).
RATE_COUNTS = (
    "dispatched",
    "sign_total",
    "sign_on_time",
    "resolve_total",
    "resolve_on_time",
    "rated",
    "satisfied",
)
CLOSED_STATUSES = (NeedStatus.CLOSED,)
# Buckets of a signed project's investment in 亿元 (100 million yuan), as the park reports them:
# "超100亿元项目1个、30亿元项目1个、10亿元项目4个".
BUCKETS = (
    (Decimal(100), SignedProject.SizeBucket.OVER_100),
    (Decimal(30), SignedProject.SizeBucket.OVER_30),
    (Decimal(10), SignedProject.SizeBucket.OVER_10),
)
PROJECT_YEARS = 3  # the signed-projects chart compares the last three years with projects
PERIOD_SPAN = {PeriodKind.YEAR: 12, PeriodKind.HALF: 6, PeriodKind.QUARTER: 3, PeriodKind.MONTH: 1}


# --- Scoping --------------------------------------------------------------------------------------


def chains_visible_to(user, *, staff: bool | None = None) -> QuerySet[IndustryChain]:
    """The chains whose dashboard, map and firms `user` may open; every dashboard page starts
    here. `staff` may pass an `is_park_staff` answer the caller already has."""
    if not (user.is_authenticated and user.is_active):
        return IndustryChain.objects.none()
    if staff is None:
        staff = is_park_staff(user)
    if staff:
        return IndustryChain.objects.all()
    return IndustryChain.objects.filter(chief=user)


def enterprises_visible_to(user, *, staff: bool | None = None) -> QuerySet[Enterprise]:
    """Firms whose profile `user` may open: all for park staff, a chief's chains' members."""
    if not (user.is_authenticated and user.is_active):
        return Enterprise.objects.none()
    if staff is None:
        staff = is_park_staff(user)
    if staff:
        return Enterprise.objects.all()
    # A subquery, not a join: a firm in two of the chief's chains appears once, without DISTINCT.
    members = ChainMembership.objects.filter(chain__chief=user).values("enterprise")
    return Enterprise.objects.filter(pk__in=members)


# --- Small helpers --------------------------------------------------------------------------------


def month_starts(today: date, count: int = RATE_MONTHS) -> list[date]:
    """The first days of the last `count` months, oldest first, the current month last."""
    months = []
    year, month = today.year, today.month
    for _i in range(count):
        months.append(date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return months[::-1]


def _window_start(months: list[date]) -> datetime:
    first = months[0]
    return timezone.make_aware(datetime(first.year, first.month, 1))


def _as_date(value) -> date:
    # TruncMonth returns a datetime in the current time zone on PostgreSQL, a date on SQLite.
    return value.date() if isinstance(value, datetime) else value


def bucket_of(investment: Decimal) -> str:
    return SignedProject.bucket_for(investment)


def _bucket_expression() -> Case:
    return Case(
        *(When(investment__gte=threshold, then=Value(bucket)) for threshold, bucket in BUCKETS),
        default=Value(SignedProject.SizeBucket.BELOW),
    )


def period_sort_key(indicator: ChainIndicator) -> tuple[int, int, int]:
    """Chronological by the end of the period; at the same end the longer period comes last
    (H1 after Q2), so that the latest figure is the cumulative one the park reports."""
    span = PERIOD_SPAN[indicator.period_kind]
    end = span * indicator.period_index if indicator.period_kind != PeriodKind.YEAR else 12
    return (indicator.year, end, span)


@dataclass(frozen=True)
class Tally:
    key: str
    label: str
    count: int


def _choice_counts(rows: dict[str, int], choices, *, skip: tuple = ()) -> list[Tally]:
    """One entry per choice in the model's order, zeros included, so charts keep their axes."""
    return [
        Tally(key=value, label=str(label), count=rows.get(value, 0))
        for value, label in choices
        if value not in skip
    ]


# --- Sections -------------------------------------------------------------------------------------


def _role_counts() -> dict[str, Count]:
    # DISTINCT because at park level a firm in two chains has two memberships.
    return {
        "firms": Count("enterprise", distinct=True),
        **{
            role: Count("enterprise", filter=Q(role=role), distinct=True)
            for role in ChainMembership.Role.values
        },
    }


def _members_section(counts: dict[str, int]) -> dict[str, Any]:
    return {
        "by_role": _choice_counts(counts, ChainMembership.Role.choices),
        "firms": counts["firms"],
    }


def _park_members_and_party() -> tuple[dict[str, Any], dict[str, int]]:
    counts = ChainMembership.objects.order_by().aggregate(**_role_counts())
    totals = PartyOrganization.objects.order_by().aggregate(
        organizations=Count("pk"), members=Sum("member_count")
    )
    party = {"organizations": totals["organizations"], "members": totals["members"] or 0}
    return _members_section(counts), party


def _chain_members_and_party(chain: IndustryChain) -> tuple[dict[str, Any], dict[str, int]]:
    """The chain's firms by role and their party organizations and members, in one query.

    Per member firm, its organizations through the enterprise index (a firm is in a chain once):
    on a province-sized table the planner otherwise hashes every organization of the province
    for one chain's few (docs/benchmarks.md)."""
    per_firm = PartyOrganization.objects.filter(enterprise=OuterRef("enterprise")).order_by()
    counts = (
        chain.memberships.order_by()
        .annotate(
            n=Subquery(per_firm.values("enterprise").annotate(n=Count("pk")).values("n")),
            members=Subquery(
                per_firm.values("enterprise").annotate(m=Sum("member_count")).values("m")
            ),
        )
        .aggregate(**_role_counts(), organizations=Sum("n"), party_members=Sum("members"))
    )
    party = {
        "organizations": counts["organizations"] or 0,
        "members": counts["party_members"] or 0,
    }
    return _members_section(counts), party


def _needs(needs: QuerySet[Need], now: datetime, *, per_chain: bool = False) -> dict[str, Any]:
    """Needs by status, by category, open and overdue, in one grouped query (status × category
    × overdue, and × chain for the park overview: one pass over the needs either way)."""
    keys = ["status", "category", "late"] + (["chain"] if per_chain else [])
    rows = (
        needs.order_by()
        .annotate(late=Case(When(overdue_q(now), then=Value(1)), default=Value(0)))
        .values(*keys)
        .annotate(n=Count("pk"))
    )
    return _fold_needs(rows, per_chain=per_chain)


def _fold_needs(rows, *, per_chain: bool) -> dict[str, Any]:
    """Fold grouped rows (status, category, late, [chain], n) into the needs section."""
    by_status: dict[str, int] = defaultdict(int)
    by_category: dict[str, int] = defaultdict(int)
    chains: dict[int, dict[str, int]] = defaultdict(lambda: {"total": 0, "open": 0, "overdue": 0})
    overdue = 0
    for row in rows:
        n = row["n"]
        by_status[row["status"]] += n
        by_category[row["category"]] += n
        overdue += n if row["late"] else 0
        if per_chain and row["chain"] is not None:
            chain = chains[row["chain"]]
            chain["total"] += n
            chain["open"] += n if row["status"] in NEED_OPEN_STATUSES else 0
            chain["overdue"] += n if row["late"] else 0
    result = {
        "by_status": _choice_counts(by_status, NeedStatus.choices, skip=(NeedStatus.DRAFT,)),
        "by_category": _choice_counts(by_category, NeedCategory.choices),
        "total": sum(by_status.values()),
        "open": sum(n for status, n in by_status.items() if status in NEED_OPEN_STATUSES),
        "closed": by_status.get(NeedStatus.CLOSED, 0),
        "overdue": overdue,
    }
    if per_chain:
        result["per_chain"] = dict(chains)
    return result


@dataclass(frozen=True)
class MonthRates:
    month: date
    dispatched: int
    on_time_sign: Rate
    on_time_resolve: Rate
    satisfaction: Rate


def _rates(needs: QuerySet[Need], months: list[date], now: datetime) -> dict[str, Any]:
    """The needs KPIs per month of dispatch (one grouped query with the KPI module's counts)."""
    counts = kpis.kpi_counts(now)  # the KPI module's definitions, so both pages agree
    rows = {
        _as_date(row["month"]): row
        for row in needs.filter(dispatched_at__gte=_window_start(months))
        .order_by()
        .annotate(month=TruncMonth("dispatched_at"))
        .values("month")
        .annotate(**{key: counts[key] for key in RATE_COUNTS})
    }
    return _fold_rates(rows, months)


def _fold_rates(rows: dict[date, dict[str, int]], months: list[date]) -> dict[str, Any]:
    """Fold per-month KPI counts (keys RATE_COUNTS) into the rates section."""
    result = []
    for month in months:
        row = rows.get(month)
        if row is None:
            result.append(MonthRates(month, 0, Rate(0, 0), Rate(0, 0), Rate(0, 0)))
            continue
        result.append(
            MonthRates(
                month=month,
                dispatched=row["dispatched"],
                on_time_sign=Rate(row["sign_on_time"], row["sign_total"]),
                on_time_resolve=Rate(row["resolve_on_time"], row["resolve_total"]),
                satisfaction=Rate(row["satisfied"], row["rated"]),
            )
        )

    def total(attr: str) -> Rate:
        rates = [getattr(month, attr) for month in result]
        return Rate(sum(r.numerator for r in rates), sum(r.denominator for r in rates))

    return {
        "months": result,
        "on_time_sign": total("on_time_sign"),
        "on_time_resolve": total("on_time_resolve"),
        "satisfaction": total("satisfaction"),
        "below_floor": (
            total("satisfaction").value is not None
            and total("satisfaction").value < kpis.SATISFACTION_FLOOR
        ),
    }


@dataclass(frozen=True)
class MonthMeetings:
    month: date
    held: int
    invited: int
    attended: int

    @property
    def attendance(self) -> Rate:
        return Rate(self.attended, self.invited)


def _meeting_rows(chain: IndustryChain | None, months: list[date]) -> QuerySet:
    """Meetings held per month, with their invitations not declined and their check-ins."""
    events = Event.objects.filter(status=EventStatus.HELD, starts_at__gte=_window_start(months))
    if chain is not None:
        events = events.filter(pk__in=chain.events.values("pk"))
    expected = ~Q(invitations__rsvp=Rsvp.DECLINED)
    return (
        events.order_by()
        .annotate(month=Trunc("starts_at", "month", output_field=DateField()))
        .values("month")
        .annotate(
            held=Count("pk", distinct=True),
            invited=Count("invitations", filter=expected),
            attended=Count("invitations", filter=Q(invitations__checked_in_at__isnull=False)),
        )
    )


def _meetings(chain: IndustryChain | None, months: list[date]) -> dict[str, Any]:
    """Meetings held per month, and attendance: check-ins over invitations not declined."""
    rows = {_as_date(row["month"]): row for row in _meeting_rows(chain, months)}
    return _fold_meetings(rows, months)


def _fold_meetings(rows: dict[date, dict[str, int]], months: list[date]) -> dict[str, Any]:
    result = [
        MonthMeetings(
            month=month,
            held=rows[month]["held"] if month in rows else 0,
            invited=rows[month]["invited"] if month in rows else 0,
            attended=rows[month]["attended"] if month in rows else 0,
        )
        for month in months
    ]
    invited = sum(m.invited for m in result)
    attended = sum(m.attended for m in result)
    return {
        "months": result,
        "held": sum(m.held for m in result),
        "attendance": Rate(attended, invited),
    }


def _action_items(chain: IndustryChain | None) -> dict[str, Any]:
    items = ActionItem.objects.all()
    if chain is not None:
        items = items.filter(pk__in=chain.action_items.values("pk"))
    grouped = items.order_by().values("status").annotate(n=Count("pk"))
    rows = dict(grouped.values_list("status", "n"))
    by_status = _choice_counts(rows, ActionItemStatus.choices)
    return {
        "by_status": by_status,
        "total": sum(row.count for row in by_status),
        "done": rows.get(ActionItemStatus.DONE, 0),
    }


def _indicators(indicators: list[ChainIndicator]) -> dict[str, Any]:
    """The chain's figures (a handful of rows per chain and year): the latest period with an
    output value is the headline; the chart follows the periods of the headline's kind."""
    rows = sorted(indicators, key=period_sort_key)
    with_output = [row for row in rows if row.output_value is not None]
    latest = with_output[-1] if with_output else None
    kind = latest.period_kind if latest else None
    return {
        "rows": rows[::-1],  # newest first in the table
        "latest": latest,
        "series_kind": kind,
        "series_kind_label": PeriodKind(kind).label if kind else "",
        "series": [row for row in rows if row.period_kind == kind],
    }


@dataclass(frozen=True)
class Bucket:
    key: str
    label: str
    count: int
    investment: Decimal


def _projects(projects: QuerySet[SignedProject]) -> dict[str, Any]:
    rows = (
        projects.order_by()
        .annotate(bucket=_bucket_expression(), year=ExtractYear("signed_on"))
        .values("year", "bucket")
        .annotate(n=Count("pk"), amount=Sum("investment"))
    )
    per_year: dict[int, dict[str, tuple[int, Decimal]]] = defaultdict(dict)
    for row in rows:
        per_year[row["year"]][row["bucket"]] = (row["n"], row["amount"] or Decimal(0))

    def buckets(found: dict[str, tuple[int, Decimal]]) -> list[Bucket]:
        return [
            Bucket(value, str(label), *found.get(value, (0, Decimal(0))))
            for value, label in SignedProject.SizeBucket.choices
        ]

    years = [
        {
            "year": year,
            "buckets": buckets(per_year[year]),
            "count": sum(n for n, _amount in per_year[year].values()),
            "investment": sum((amount for _n, amount in per_year[year].values()), Decimal(0)),
        }
        for year in sorted(per_year, reverse=True)
    ]
    overall: dict[str, tuple[int, Decimal]] = {}
    for found in per_year.values():
        for bucket, (n, amount) in found.items():
            count, total = overall.get(bucket, (0, Decimal(0)))
            overall[bucket] = (count + n, total + amount)
    return {
        "years": years,
        "chart_years": years[:PROJECT_YEARS][::-1],
        "buckets": buckets(overall),
        "count": sum(year["count"] for year in years),
        "investment": sum((year["investment"] for year in years), Decimal(0)),
    }


# --- The two dashboards ---------------------------------------------------------------------------


def chain_dashboard(chain: IndustryChain, *, now: datetime | None = None) -> dict[str, Any]:
    """All the numbers of one chain's dashboard, in six queries whatever the chain's size (eight
    when there is no fresh needs summary and the chain's needs and rates are counted live)."""
    now = now or timezone.now()
    months = month_starts(timezone.localdate(now))
    summary = _chain_summary_sections(chain, months, now)
    if summary is None:
        needs = Need.objects.filter(chain=chain).exclude(status=NeedStatus.DRAFT)
        summary = {
            "needs": _needs(needs, now),
            "rates": _rates(needs, months, now),
            "figures_as_of": None,
        }
    members, party = _chain_members_and_party(chain)
    return {
        "chain": chain,
        "months": months,
        "figures_as_of": summary["figures_as_of"],
        "members": members,
        "party": party,
        "needs": summary["needs"],
        "rates": summary["rates"],
        "meetings": _meetings(chain, months),
        "action_items": _action_items(chain),
        "indicators": _indicators(list(chain.indicators.all())),
        "projects": _projects(chain.signed_projects.all()),
    }


def _chain_figures() -> dict[int, tuple[int, int, int]]:
    """Per chain: memberships, and the party organizations of its member firms with their
    members, in one pass. The organizations are counted per firm first and then joined to the
    memberships: cheaper than joining every organization to every membership and then grouping,
    or a correlated count per chain (measured in docs/benchmarks.md)."""
    quote = connection.ops.quote_name
    memberships = quote(ChainMembership._meta.db_table)
    organizations = quote(PartyOrganization._meta.db_table)
    sql = (
        "SELECT m.chain_id, COUNT(*), COALESCE(SUM(p.n), 0), COALESCE(SUM(p.members), 0) "  # noqa: S608
        f"FROM {memberships} m LEFT JOIN ("
        f"SELECT enterprise_id, COUNT(*) AS n, SUM(member_count) AS members FROM {organizations} "
        "WHERE enterprise_id IS NOT NULL GROUP BY enterprise_id"
        ") p ON p.enterprise_id = m.enterprise_id GROUP BY m.chain_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return {chain: (int(firms), int(n), int(members)) for chain, firms, n, members in cursor}


def _chain_rows(needs_per_chain: dict[int, dict[str, int]]) -> list[dict[str, Any]]:
    """One comparison row per chain: firms, party organizations, needs, latest figures."""
    chains = list(IndustryChain.objects.all())
    figures = _chain_figures()
    indicators: dict[int, list[ChainIndicator]] = defaultdict(list)
    for indicator in ChainIndicator.objects.all():
        indicators[indicator.chain_id].append(indicator)
    rows = []
    for chain in chains:
        need_row = needs_per_chain.get(chain.pk, {})
        firms, organizations, party_members = figures.get(chain.pk, (0, 0, 0))
        rows.append(
            {
                "chain": chain,
                "firms": firms,
                "organizations": organizations,
                "party_members": party_members,
                "needs": need_row.get("total", 0),
                "open": need_row.get("open", 0),
                "overdue": need_row.get("overdue", 0),
                "latest": _indicators(indicators.get(chain.pk, []))["latest"],
            }
        )
    return rows


# --- The needs summary ---------------------------------------------------------------------------
# On a province-sized table counting the needs twice outlasts the page (docs/benchmarks.md); the
# park overview reads the counts a beat task made ahead (`refresh_need_summary`). A summary older
# than SUMMARY_MAX_AGE, or none yet, is not shown: the overview then counts the needs itself, slower
# but never stale.
SUMMARY_MAX_AGE = timedelta(minutes=30)


def _insert_select(model, columns: list[str], rows: QuerySet, now: datetime) -> int:
    """INSERT INTO model's table SELECT the grouped `rows` (their columns in values() order, then
    the annotations in the order given), every row stamped `refreshed_at = now`."""
    select_sql, params = rows.query.sql_with_params()
    quote = connection.ops.quote_name
    names = ", ".join(quote(column) for column in [*columns, "refreshed_at"])
    # Only quoted names and the ORM's own SQL are interpolated; the values are parameters.
    insert = (
        f"INSERT INTO {quote(model._meta.db_table)} ({names}) "  # noqa: S608
        f"SELECT summary.*, %s FROM ({select_sql}) AS summary"
    )
    with connection.cursor() as cursor:
        cursor.execute(insert, (now, *params))
        return cursor.rowcount


def refresh_need_summary(*, now: datetime | None = None) -> int:
    """Replace the dashboard summaries with the counts as of `now`: the needs (one INSERT …
    SELECT over the needs) and the meetings per month (one over the held meetings), in one
    transaction, so readers see the old rows or the new ones, never a mix. Idempotent. Returns
    the number of needs summary rows."""
    now = now or timezone.now()
    months = month_starts(timezone.localdate(now))
    counts = kpis.kpi_counts(now)
    needs = (
        Need.objects.exclude(status=NeedStatus.DRAFT)
        .order_by()
        .annotate(
            late=Case(When(overdue_q(now), then=Value(True)), default=Value(False)),
            month=Case(
                When(
                    dispatched_at__gte=_window_start(months),
                    then=Trunc("dispatched_at", "month", output_field=DateField()),
                ),
                default=None,
                output_field=DateField(),
            ),
        )
        .values("chain", "status", "category", "late", "month")
        .annotate(needs=Count("pk"), **{key: counts[key] for key in RATE_COUNTS})
    )
    need_columns = ["chain_id", "status", "category", "late", "month", "needs", *RATE_COUNTS]
    meeting_columns = ["month", "held", "invited", "attended"]
    with transaction.atomic():
        NeedDashboardSummary.objects.all().delete()
        MeetingDashboardSummary.objects.all().delete()
        written = _insert_select(NeedDashboardSummary, need_columns, needs, now)
        _insert_select(MeetingDashboardSummary, meeting_columns, _meeting_rows(None, months), now)
    return written


def _summary_sections(months: list[date], now: datetime) -> dict[str, Any] | None:
    """The needs, rates and meetings sections from a fresh summary (three grouped queries over
    the summary rows), with the time they were counted; None when there is no fresh summary."""
    fresh = Q(refreshed_at__gte=now - SUMMARY_MAX_AGE)
    summary = NeedDashboardSummary.objects.filter(fresh)
    rows = list(
        summary.order_by()
        .values("status", "category", "late", "chain")
        .annotate(n=Sum("needs"), refreshed_at=Max("refreshed_at"))
    )
    if not rows:
        return None
    rates = {
        row["month"]: row
        for row in summary.filter(month__isnull=False)
        .order_by()
        .values("month")
        .annotate(**{key: Sum(key) for key in RATE_COUNTS})
    }
    meetings = {row["month"]: row for row in MeetingDashboardSummary.objects.filter(fresh).values()}
    return {
        "needs": _fold_needs(rows, per_chain=True),
        "rates": _fold_rates(rates, months),
        "meetings": _fold_meetings(meetings, months),
        "figures_as_of": max(row["refreshed_at"] for row in rows),
    }


def _chain_summary_sections(
    chain: IndustryChain, months: list[date], now: datetime
) -> dict[str, Any] | None:
    """One chain's needs and rates sections from a fresh summary: its rows (statuses ×
    categories × overdue × months, a few hundred at most) in one query, folded here; None when
    there is no fresh summary row for the chain."""
    rows = list(
        NeedDashboardSummary.objects.filter(
            chain=chain, refreshed_at__gte=now - SUMMARY_MAX_AGE
        ).values("status", "category", "late", "month", "needs", "refreshed_at", *RATE_COUNTS)
    )
    if not rows:
        return None
    rates: dict[date, dict[str, int]] = defaultdict(lambda: dict.fromkeys(RATE_COUNTS, 0))
    for row in rows:
        row["n"] = row["needs"]
        if row["month"] is not None:
            month = rates[row["month"]]
            for key in RATE_COUNTS:
                month[key] += row[key]
    return {
        "needs": _fold_needs(rows, per_chain=False),
        "rates": _fold_rates(rates, months),
        "figures_as_of": max(row["refreshed_at"] for row in rows),
    }


def park_overview(*, now: datetime | None = None) -> dict[str, Any]:
    """The park overview: the same sections over every chain, and a row per chain. The needs
    figures come from the summary when a fresh one exists (`figures_as_of` says when they were
    counted; None when counted live)."""
    now = now or timezone.now()
    months = month_starts(timezone.localdate(now))
    summary = _summary_sections(months, now)
    if summary is None:
        needs = Need.objects.exclude(status=NeedStatus.DRAFT)
        summary = {
            "needs": _needs(needs, now, per_chain=True),
            "rates": _rates(needs, months, now),
            "meetings": _meetings(None, months),
            "figures_as_of": None,
        }
    need_counts = summary["needs"]
    members, party = _park_members_and_party()
    return {
        "chains": _chain_rows(need_counts.pop("per_chain")),
        "months": months,
        "figures_as_of": summary["figures_as_of"],
        "members": members,
        "party": party,
        "needs": need_counts,
        "rates": summary["rates"],
        "meetings": summary["meetings"],
        "action_items": _action_items(None),
        "projects": _projects(SignedProject.objects.all()),
    }


# --- Firm profile -------------------------------------------------------------------------------


def firm_profile(firm: Enterprise, *, needs: QuerySet[Need], now: datetime | None = None) -> dict:
    """A firm's read-only profile: party organizations, chains, supply links and the counts of
    the needs the viewer may see (`needs` is already scoped to the viewer)."""
    now = now or timezone.now()
    counts = needs.filter(enterprise=firm).aggregate(
        total=Count("pk"),
        open=Count("pk", filter=Q(status__in=NEED_OPEN_STATUSES)),
        overdue=Count("pk", filter=overdue_q(now)),
        closed=Count("pk", filter=Q(status=NeedStatus.CLOSED)),
    )
    return {
        "firm": firm,
        "organizations": list(firm.party_organizations.order_by("name")),
        "memberships": list(
            firm.memberships.select_related("chain").order_by("chain__order", "chain__code")
        ),
        "supplies": list(
            firm.supplies.select_related("customer").order_by("customer__name", "products")
        ),
        "supplied_by": list(
            firm.supplied_by.select_related("supplier").order_by("supplier__name", "products")
        ),
        "needs": counts,
    }


def chain_map(chain: IndustryChain) -> dict[str, Any]:
    """The chain's member firms and the supply links between them (both ends in the chain)."""
    role_order = Case(
        When(role=ChainMembership.Role.LEADER, then=Value(0)),
        When(role=ChainMembership.Role.CORE_SUPPLIER, then=Value(1)),
        default=Value(2),
    )
    memberships = list(
        chain.memberships.select_related("enterprise").order_by(role_order, "enterprise__name")
    )
    members = chain.memberships.values("enterprise")
    links = list(
        SupplyLink.objects.filter(supplier__in=members, customer__in=members)
        .select_related("supplier", "customer")
        .order_by("customer__name", "supplier__name", "products")
    )
    return {"memberships": memberships, "links": links}
