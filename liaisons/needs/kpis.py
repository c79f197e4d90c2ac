"""Needs KPIs per liaison, department and chain (docs/needs.md), from any scoped queryset of needs.

Rates are counted by the database (conditional COUNTs in one grouped query); a rate whose
denominator is empty is None ("no data"), never 0. The average first-contact time is in working
hours, which SQL cannot count (holidays, make-up days), so it is computed from one query of
timestamp pairs and one query of calendar overrides. Whatever the number of needs, a call makes
at most four queries.

Definitions:
- on-time sign: signed by the sign-for deadline, over needs signed or past that deadline;
- on-time resolve: replied by the resolve deadline, over needs replied (REPLIED, CLOSED) or whose
  running clock is past it; the clock does not run while waiting for the firm or long-term;
- first contact: working hours from dispatch to the first contact with the firm;
- satisfaction: 满意 + 基本满意 over rated needs (the floor is 85 %);
- reopen: needs reopened at least once, over needs replied at least once;
- return: needs returned at least once, over needs dispatched.
Needs are counted with their current liaison, department and chain: a need returned by one
liaison and re-dispatched to another counts for the second one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from alliance.core.workcalendar import working_hours_between_many
from chains.models import IndustryChain
from liaisons.models import (
    LADDER_STATUSES,
    NEED_OPEN_STATUSES,
    Department,
    Liaison,
    Need,
    NeedStatus,
    Satisfaction,
)

SATISFACTION_FLOOR = 0.85
REPLIED_STATUSES = (NeedStatus.REPLIED, NeedStatus.CLOSED)
# The working periods (docs/needs.md), Beijing time; alliance.core.workcalendar uses the same ones.


@dataclass(frozen=True)
class Rate:
    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    @property
    def percent(self) -> float | None:
        value = self.value
        return None if value is None else round(value * 100, 1)


@dataclass(frozen=True)
class NeedKpis:
    key: Liaison | Department | IndustryChain
    needs: int
    open: int
    overdue: int
    on_time_sign: Rate
    on_time_resolve: Rate
    first_contact_hours: float | None  # average, in working hours
    satisfaction: Rate
    reopen: Rate
    returns: Rate

    @property
    def below_satisfaction_floor(self) -> bool:
        value = self.satisfaction.value
        return value is not None and value < SATISFACTION_FLOOR


def kpi_counts(now: datetime) -> dict[str, Count]:
    """The KPI definitions above as conditional COUNT aggregates, keyed by name.

    Pass them to `.aggregate(**kpi_counts(now))` or to `.values(key).annotate(...)` of any
    queryset of needs; `now` decides which deadlines have passed (a running clock past its due
    counts as late). Keys: needs, open, overdue, sign_total, sign_on_time, resolve_total,
    resolve_on_time, rated, satisfied, replied_ever, reopened, dispatched, returned. The rates
    are `Rate(<x>_on_time, <x>_total)`, `Rate(satisfied, rated)`, `Rate(reopened, replied_ever)`
    and `Rate(returned, dispatched)`. The dashboards use the same counts, so both pages agree.
    """
    dispatched = Q(dispatched_at__isnull=False)
    sign_decided = Q(sign_due__isnull=False) & (Q(signed_at__isnull=False) | Q(sign_due__lt=now))
    replied = Q(status__in=REPLIED_STATUSES)
    running_overdue = Q(status__in=LADDER_STATUSES, resolve_due__lt=now)
    rated = ~Q(satisfaction="")
    return {
        "needs": Count("pk"),
        "open": Count("pk", filter=Q(status__in=NEED_OPEN_STATUSES)),
        "overdue": Count("pk", filter=running_overdue),
        "sign_total": Count("pk", filter=dispatched & sign_decided),
        "sign_on_time": Count(
            "pk", filter=dispatched & Q(signed_at__isnull=False, signed_at__lte=F("sign_due"))
        ),
        "resolve_total": Count(
            "pk", filter=Q(resolve_due__isnull=False) & (replied | running_overdue)
        ),
        "resolve_on_time": Count(
            "pk", filter=replied & Q(resolve_due__isnull=False, replied_at__lte=F("resolve_due"))
        ),
        "rated": Count("pk", filter=rated),
        "satisfied": Count(
            "pk", filter=Q(satisfaction__in=[Satisfaction.SATISFIED, Satisfaction.BASICALLY])
        ),
        "replied_ever": Count("pk", filter=Q(replied_at__isnull=False)),
        "reopened": Count("pk", filter=Q(replied_at__isnull=False, reopen_count__gt=0)),
        "dispatched": Count("pk", filter=dispatched),
        "returned": Count("pk", filter=dispatched & Q(return_count__gt=0)),
    }


def _kpis(
    needs: QuerySet[Need], *, key: str, model, select_related: Iterable[str], now: datetime | None
) -> list[NeedKpis]:
    now = now or timezone.now()
    grouped = needs.filter(**{f"{key}__isnull": False}).order_by()
    totals = {
        row[key]: row for row in grouped.values(key).annotate(**kpi_counts(now)).order_by(key)
    }
    if not totals:
        return []
    pairs = list(
        grouped.filter(dispatched_at__isnull=False, first_contact_at__isnull=False).values_list(
            key, "dispatched_at", "first_contact_at"
        )
    )
    hours = working_hours_between_many([(start, end) for _key, start, end in pairs])
    contact_hours: dict[int, list[float]] = defaultdict(list)
    for (group, _start, _end), value in zip(pairs, hours, strict=True):
        contact_hours[group].append(value)
    rows = []
    # The model's own ordering (department order, names) orders the table.
    for obj in model.objects.filter(pk__in=totals).select_related(*select_related):
        row = totals[obj.pk]
        durations = contact_hours.get(obj.pk)
        rows.append(
            NeedKpis(
                key=obj,
                needs=row["needs"],
                open=row["open"],
                overdue=row["overdue"],
                on_time_sign=Rate(row["sign_on_time"], row["sign_total"]),
                on_time_resolve=Rate(row["resolve_on_time"], row["resolve_total"]),
                first_contact_hours=(
                    round(sum(durations) / len(durations), 1) if durations else None
                ),
                satisfaction=Rate(row["satisfied"], row["rated"]),
                reopen=Rate(row["reopened"], row["replied_ever"]),
                returns=Rate(row["returned"], row["dispatched"]),
            )
        )
    return rows


def kpis_by_liaison(needs: QuerySet[Need], *, now: datetime | None = None) -> list[NeedKpis]:
    return _kpis(
        needs, key="liaison", model=Liaison, select_related=("user", "department"), now=now
    )


def kpis_by_department(needs: QuerySet[Need], *, now: datetime | None = None) -> list[NeedKpis]:
    return _kpis(needs, key="department", model=Department, select_related=(), now=now)


def kpis_by_chain(needs: QuerySet[Need], *, now: datetime | None = None) -> list[NeedKpis]:
    return _kpis(needs, key="chain", model=IndustryChain, select_related=(), now=now)


# --- Working hours for many intervals at once ---------------------------------------------------
