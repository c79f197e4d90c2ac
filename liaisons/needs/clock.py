"""The running clock: which deadline a need's holder is working against now, and its mark.

`SPEC` says it once: per status, the clocks that may run, in order; the first whose condition
holds and whose deadline is set is the running one. A stage may be paused (the firm owes
information: the clock stands still, never overdue nor due soon). `KINDS` says what each clock
is: its label, whether the escalation ladder's amber rung marks it due soon (`ladder`), and
whether its passing closes a window instead of making the need late (`lapses`: the firm's
rating window; nobody is overdue when it ends).

Everything else is derived from the two tables, never written again:
- Python: `running_clock(need)` and `deadline_of(need, now=, horizon=)` (the row marks);
- the ORM: `running_deadline_expr()` / `running_kind_expr()` (CASE), `overdue_q(now)`,
  `due_soon_q(now, horizon)`, `with_running_due` and `queue_summary` (the queue's counts);
- raw SQL over any columns (`running_due_sql`, `overdue_sql`): the weekly report reads the
  needs as they stood at a week's end from its own columns (`alliance.reports.figures`).
Marks: overdue once the running deadline has passed; due soon when at most one working day of
working time remains (`amber_horizon`, counted as the ladder counts its amber rung), or when
the ladder has reached amber on a `ladder` clock (80 % of the time, kept on the need as
`escalation_level`, so the marks cost no query per row). `tests/liaisons/test_clock_spec.py`
holds every derived form equal to the Python one at moments across the week and the holidays.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from django.db import connections
from django.db.models import Case, CharField, DateTimeField, F, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from alliance.core import workcalendar
from liaisons.models import EscalationLevel, Need, NeedStatus

# --- Conditions: one small vocabulary read as Python, as a Q and as SQL ------------------------
# Each condition knows its own negation (with SQL's NULLs spelled out), so that "this clock, and
# none before it" is a plain AND/OR of indexable comparisons, never a NOT over nullable columns.


class Condition(ABC):
    @abstractmethod
    def holds(self, need) -> bool: ...

    @abstractmethod
    def q(self) -> Q: ...

    @abstractmethod
    def sql(self, column: Callable[[str], str]) -> str: ...

    @abstractmethod
    def negated(self) -> Condition: ...

    @abstractmethod
    def fields(self) -> set[str]: ...


@dataclass(frozen=True)
class IsNull(Condition):
    field: str

    def holds(self, need) -> bool:
        return getattr(need, self.field) is None

    def q(self) -> Q:
        return Q(**{f"{self.field}__isnull": True})

    def sql(self, column) -> str:
        return f"{column(self.field)} IS NULL"

    def negated(self) -> Condition:
        return NotNull(self.field)

    def fields(self) -> set[str]:
        return {self.field}


@dataclass(frozen=True)
class NotNull(Condition):
    field: str

    def holds(self, need) -> bool:
        return getattr(need, self.field) is not None

    def q(self) -> Q:
        return Q(**{f"{self.field}__isnull": False})

    def sql(self, column) -> str:
        return f"{column(self.field)} IS NOT NULL"

    def negated(self) -> Condition:
        return IsNull(self.field)

    def fields(self) -> set[str]:
        return {self.field}


@dataclass(frozen=True)
class Earlier(Condition):
    """Both set, and `field` before `other` (`or_same`: not after it)."""

    field: str
    other: str
    or_same: bool = False

    def holds(self, need) -> bool:
        a, b = getattr(need, self.field), getattr(need, self.other)
        return a is not None and b is not None and (a <= b if self.or_same else a < b)

    def q(self) -> Q:
        return Q(**{f"{self.field}__{'lte' if self.or_same else 'lt'}": F(self.other)})

    def sql(self, column) -> str:
        return f"{column(self.field)} {'<=' if self.or_same else '<'} {column(self.other)}"

    def negated(self) -> Condition:
        later = Earlier(self.other, self.field, or_same=not self.or_same)
        return Any(IsNull(self.field), IsNull(self.other), later)

    def fields(self) -> set[str]:
        return {self.field, self.other}


@dataclass(frozen=True, init=False)
class All(Condition):
    parts: tuple[Condition, ...]

    def __init__(self, *parts: Condition) -> None:
        object.__setattr__(self, "parts", parts)

    def holds(self, need) -> bool:
        return all(part.holds(need) for part in self.parts)

    def q(self) -> Q:
        result = Q()
        for part in self.parts:
            result &= part.q()
        return result

    def sql(self, column) -> str:
        if not self.parts:
            return "1 = 1"
        return "(" + " AND ".join(part.sql(column) for part in self.parts) + ")"

    def negated(self) -> Condition:
        return Any(*(part.negated() for part in self.parts))

    def fields(self) -> set[str]:
        return set().union(*(part.fields() for part in self.parts))


@dataclass(frozen=True, init=False)
class Any(Condition):
    parts: tuple[Condition, ...]

    def __init__(self, *parts: Condition) -> None:
        object.__setattr__(self, "parts", parts)

    def holds(self, need) -> bool:
        return any(part.holds(need) for part in self.parts)

    def q(self) -> Q:
        result = Q(pk__in=[])
        for index, part in enumerate(self.parts):
            result = part.q() if index == 0 else result | part.q()
        return result

    def sql(self, column) -> str:
        if not self.parts:
            return "1 = 0"
        return "(" + " OR ".join(part.sql(column) for part in self.parts) + ")"

    def negated(self) -> Condition:
        return every(*(part.negated() for part in self.parts))

    def fields(self) -> set[str]:
        return set().union(*(part.fields() for part in self.parts))


def every(*parts: Condition) -> All:
    """All of `parts`, nested conjunctions flattened (the SQL stays one level deep)."""
    flat: list[Condition] = []
    for part in parts:
        flat.extend(part.parts if isinstance(part, All) else (part,))
    return All(*flat)


ALWAYS = every()

# --- The specification ------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    label: Promise
    ladder: bool = False  # the amber rung (80 % of the time) marks it due soon
    lapses: bool = False  # its passing closes a window: nobody is late


KINDS = {
    "accept": Kind(_("Accept by")),
    "sign": Kind(_("Sign for by")),
    "first_contact": Kind(_("First contact by")),
    "resolve": Kind(_("Resolve by"), ladder=True),
    "milestone": Kind(_("Next milestone reply by")),
    "rating": Kind(_("Rating window ends"), lapses=True),
}


@dataclass(frozen=True)
class Clock:
    kind: str
    due: str  # the need's deadline field
    when: Condition = ALWAYS


@dataclass(frozen=True)
class Stage:
    statuses: tuple[str, ...]
    clocks: tuple[Clock, ...]
    paused: bool = False


UNSIGNED = IsNull("signed_at")
# First contact runs first while none was made, unless the resolve deadline comes first.
CONTACT_FIRST = every(
    IsNull("first_contact_at"),
    Any(IsNull("resolve_due"), Earlier("first_contact_due", "resolve_due")),
)
RESOLVE = Clock("resolve", "resolve_due")
SPEC: tuple[Stage, ...] = (
    Stage((NeedStatus.SUBMITTED,), (Clock("accept", "accept_due"),)),
    # A dispatched need is signed for (the sign-for deadline; without one, the resolve deadline).
    Stage(
        (NeedStatus.DISPATCHED,),
        (Clock("sign", "sign_due", UNSIGNED), Clock("resolve", "resolve_due", UNSIGNED)),
    ),
    # A reopened need is signed for again, on a new clock; signed, it is handled.
    Stage(
        (NeedStatus.REOPENED,),
        (
            Clock("sign", "sign_due", UNSIGNED),
            Clock("resolve", "resolve_due", UNSIGNED),
            Clock("first_contact", "first_contact_due", every(NotNull("signed_at"), CONTACT_FIRST)),
            Clock("resolve", "resolve_due", NotNull("signed_at")),
        ),
    ),
    Stage(
        (NeedStatus.IN_PROGRESS, NeedStatus.RETURN_PENDING),
        (Clock("first_contact", "first_contact_due", CONTACT_FIRST), RESOLVE),
    ),
    Stage((NeedStatus.WAITING_ENTERPRISE,), (RESOLVE,), paused=True),
    Stage((NeedStatus.LONG_TERM,), (Clock("milestone", "milestone_due"), RESOLVE)),
    Stage((NeedStatus.REPLIED,), (Clock("rating", "rating_due"),)),
)

DEADLINE_LABELS = {name: kind.label for name, kind in KINDS.items()}
STAGE_OF = {status: stage for stage in SPEC for status in stage.statuses}
PAUSED_STATUSES = tuple(status for stage in SPEC if stage.paused for status in stage.statuses)


@dataclass(frozen=True)
class Branch:
    """One clock of one stage with what makes it the running one: `chosen` (its condition holds
    and its deadline is set: enough inside a first-match CASE) and `runs` (chosen, and no
    clock before it in the stage is)."""

    stage: Stage
    clock: Clock
    chosen: Condition
    runs: Condition

    @property
    def kind(self) -> Kind:
        return KINDS[self.clock.kind]


def _assuming(condition: Condition, known: set[Condition]) -> Condition:
    """`condition` where the atoms `known` hold: a disjunct they contradict is dropped, one
    they assert makes it true (so "not signed for, and signed for or no sign-for deadline"
    reads "not signed for, and no sign-for deadline")."""
    if not isinstance(condition, Any):
        return condition
    parts = []
    for part in condition.parts:
        if part in known:
            return ALWAYS
        if part.negated() not in known:
            parts.append(part)
    return Any(*parts)


def _branches(spec: Iterable[Stage]) -> tuple[Branch, ...]:
    branches = []
    for stage in spec:
        before: list[Condition] = []
        for clock in stage.clocks:
            chosen = every(clock.when, NotNull(clock.due))
            known = set(chosen.parts)
            runs = every(chosen, *(_assuming(earlier.negated(), known) for earlier in before))
            branches.append(Branch(stage, clock, chosen, runs))
            before.append(chosen)
    return tuple(branches)


BRANCHES = _branches(SPEC)
# The need's fields the running clock reads, besides the status.
FIELDS = tuple(sorted(set().union(*(branch.runs.fields() for branch in BRANCHES))))

# --- Python ------------------------------------------------------------------------------------

OVERDUE = "overdue"
SOON = "soon"
ON_TIME = "on_time"
PAUSED = "paused"
LAPSED = "lapsed"  # a window (`Kind.lapses`) has closed


@dataclass(frozen=True)
class Deadline:
    kind: str
    due: datetime
    state: str

    @property
    def label(self) -> str:
        return str(DEADLINE_LABELS[self.kind])

    @property
    def overdue(self) -> bool:
        return self.state == OVERDUE

    @property
    def soon(self) -> bool:
        return self.state == SOON

    @property
    def paused(self) -> bool:
        return self.state == PAUSED

    @property
    def mark(self) -> str | None:
        """The badge a list shows: paused, lapsed, overdue, soon; none on time."""
        return self.state if self.state in (PAUSED, LAPSED, OVERDUE, SOON) else None


def running_clock(need) -> tuple[str, datetime] | None:
    """(kind, due) of the clock the need's current holder is working against (a need, a list
    row or a historical row: anything with the need's fields)."""
    stage = STAGE_OF.get(need.status)
    for clock in stage.clocks if stage is not None else ():
        due = getattr(need, clock.due)
        if due is not None and clock.when.holds(need):
            return clock.kind, due
    return None


def deadline_of(need, *, now: datetime, horizon: datetime) -> Deadline | None:
    """The running deadline and its mark at `now` (`horizon`: `amber_horizon(now)`)."""
    clock = running_clock(need)
    if clock is None:
        return None
    kind, due = clock
    if STAGE_OF[need.status].paused:
        state = PAUSED  # the clock stands still while the firm owes information
    elif due < now:
        state = LAPSED if KINDS[kind].lapses else OVERDUE
    elif due < horizon or (KINDS[kind].ladder and need.escalation_level >= EscalationLevel.AMBER):
        state = SOON
    else:
        state = ON_TIME
    return Deadline(kind=kind, due=due, state=state)


def amber_horizon(now: datetime, *, calendar: workcalendar.Calendar | None = None) -> datetime:
    """Anything due before this moment is due within one working day: at most one working day
    of working time remains until it, as the escalation ladder's amber rung counts it
    (`workcalendar.working_time_before`). After 17:30 that reaches through the next working
    day's end to the morning after (`calendar`: the overrides, when the page has read them)."""
    return workcalendar.first_moment_beyond(now, workcalendar.HOURS_PER_DAY, calendar=calendar).at


def mark_deadlines(needs, *, now: datetime, horizon: datetime | None = None) -> list:
    """Set `need.deadline` on each need or list row (`liaisons.needs.rows.NeedRow`): one calendar
    query for the whole list, none when the page computed the horizon already."""
    needs = list(needs)
    if horizon is None:
        horizon = amber_horizon(now) if needs else now
    for need in needs:
        need.deadline = deadline_of(need, now=now, horizon=horizon)
    return needs


# --- The ORM -----------------------------------------------------------------------------------


def _status_q(stage: Stage) -> Q:
    if len(stage.statuses) == 1:
        return Q(status=stage.statuses[0])
    return Q(status__in=stage.statuses)


def running_deadline_expr(spec: Iterable[Stage] = SPEC) -> Case:
    """The running deadline as a CASE (NULL when none runs)."""
    return Case(
        *(
            When(_status_q(branch.stage) & branch.chosen.q(), then=F(branch.clock.due))
            for branch in _branches(spec)
        ),
        default=None,
        output_field=DateTimeField(),
    )


def running_kind_expr(spec: Iterable[Stage] = SPEC) -> Case:
    """The running clock's kind as a CASE ('' when none runs)."""
    return Case(
        *(
            When(_status_q(branch.stage) & branch.chosen.q(), then=Value(branch.clock.kind))
            for branch in _branches(spec)
        ),
        default=Value(""),
        output_field=CharField(),
    )


def _any_q(parts: Iterable[Q]) -> Q:
    result = Q(pk__in=[])
    for index, part in enumerate(parts):
        result = part if index == 0 else result | part
    return result


def overdue_q(now: datetime) -> Q:
    """Needs whose running clock has passed `now` (a paused clock is never overdue, a window
    that closed is not late). An OR of one branch per clock, each an AND of indexable
    comparisons: no CASE, so the database may pick an index (`status`, `resolve_due`)."""
    return _any_q(
        _status_q(b.stage) & b.runs.q() & Q(**{f"{b.clock.due}__lt": now})
        for b in BRANCHES
        if not b.stage.paused and not b.kind.lapses
    )


def due_soon_q(now: datetime, horizon: datetime) -> Q:
    """Needs whose running clock is due soon at `now` (the `SOON` of `deadline_of`)."""
    amber = Q(escalation_level__gte=EscalationLevel.AMBER)

    def soon(branch: Branch) -> Q:
        due = branch.clock.due
        early = Q(**{f"{due}__lt": horizon})
        return Q(**{f"{due}__gte": now}) & ((early | amber) if branch.kind.ladder else early)

    return _any_q(_status_q(b.stage) & b.runs.q() & soon(b) for b in BRANCHES if not b.stage.paused)


@cache
def _running_clock_sql(alias: str) -> dict[str, RawSQL]:
    """The two CASEs compiled once per database into SQL on `liaisons_need`'s own columns.

    The queue compiled each nine-branch CASE on every request, a large share of its time
    (docs/benchmarks.md). The SQL names the table `liaisons_need` itself: use it on a queryset of
    needs whose table is not aliased (the main query; `queue_summary` wraps the main query's SQL),
    never inside a subquery Django would relabel."""
    query = Need.objects.annotate(
        running_due=running_deadline_expr(), running_kind=running_kind_expr()
    ).query
    compiler = query.get_compiler(using=alias)
    compiled = {}
    for name, field in (("running_due", DateTimeField()), ("running_kind", CharField())):
        sql, params = compiler.compile(query.annotations[name])
        compiled[name] = RawSQL(sql, tuple(params), output_field=field)  # noqa: S611  (Django's SQL)
    return compiled


def with_running_due(needs: QuerySet, *, kind: bool = False) -> QuerySet:
    """Annotate `running_due` (the deadline of the running clock, NULL when none runs) and, with
    `kind`, `running_kind`, so a queue can be ordered, paged and counted in SQL. (A page reads
    the kind from `mark_deadlines`; only `queue_summary` needs it in SQL.)"""
    compiled = _running_clock_sql(needs.db)
    if kind:
        return needs.annotate(
            running_due=compiled["running_due"], running_kind=compiled["running_kind"]
        )
    return needs.annotate(running_due=compiled["running_due"])


def _in(column: str, values: Iterable[str]) -> tuple[str, list]:
    values = [str(value) for value in values]
    if not values:
        return "1 = 0", []
    return f"{column} IN ({', '.join(['%s'] * len(values))})", values


def queue_summary(needs: QuerySet, *, now: datetime, horizon: datetime) -> dict[str, int]:
    """Counts for a queue, in one query: all, overdue, due soon (the states of `deadline_of`)
    and waiting to be signed for.

    The queue is the subquery (`with_running_due`) and the counts read its running deadline and
    kind with the marks of `KINDS` and the paused stages of `SPEC`: the running deadline is
    computed once per row (an ORM aggregate would repeat the CASE in every count and costs
    more to compile than the page's rows to render), and a runaway queue stops at 10,000."""
    inner = (
        with_running_due(needs, kind=True)
        .order_by()
        .values("status", "signed_at", "escalation_level", "running_due", "running_kind")[:10_000]
    )
    sql, params = inner.query.sql_with_params()
    paused = _in("q.status", PAUSED_STATUSES)
    late = _in("q.running_kind", (name for name, kind in KINDS.items() if not kind.lapses))
    ladder = _in("q.running_kind", (name for name, kind in KINDS.items() if kind.ladder))
    to_sign = _in("q.status", (NeedStatus.DISPATCHED, NeedStatus.REOPENED))
    summary = f"""
        SELECT COUNT(*),
               COUNT(*) FILTER (WHERE NOT ({paused[0]}) AND {late[0]} AND q.running_due < %s),
               COUNT(*) FILTER (WHERE NOT ({paused[0]}) AND q.running_due >= %s
                                AND (q.running_due < %s
                                     OR ({ladder[0]} AND q.escalation_level >= %s))),
               COUNT(*) FILTER (WHERE {to_sign[0]} AND q.signed_at IS NULL)
        FROM ({sql}) q
    """  # noqa: S608 - the inner SQL is Django's, every value is a parameter
    connection = connections[needs.db]
    # Raw SQL gets no field to convert its values: a moment is adapted as a datetime column
    # stores it. (SQLite compares text: an unadapted "+08:00" horizon read as eight hours
    # later than it is, and every deadline of the next evening counted as due soon.)
    now, horizon = (connection.ops.adapt_datetimefield_value(value) for value in (now, horizon))
    values = [*paused[1], *late[1], now, *paused[1], now, horizon, *ladder[1]]
    values += [int(EscalationLevel.AMBER), *to_sign[1]]
    with connection.cursor() as cursor:
        cursor.execute(summary, [*values, *params])
        total, overdue, soon, signing = cursor.fetchone()
    return {"total": total, "overdue": overdue, "soon": soon, "to_sign": signing}


# --- Raw SQL over any columns: the needs as they stood at a moment -----------------------------


def running_due_sql(column: Callable[[str], str], spec: Iterable[Stage] = SPEC) -> tuple[str, list]:
    """The running deadline as an SQL CASE over the columns `column(field)` names (`"status"`
    included): for rows that hold a need's fields as they stood at some moment."""
    whens, params = [], []
    for branch in _branches(spec):
        status = _in(column("status"), branch.stage.statuses)
        whens.append(
            f"WHEN {status[0]} AND {branch.chosen.sql(column)} THEN {column(branch.clock.due)}"
        )
        params += status[1]
    return f"CASE {' '.join(whens)} ELSE NULL END", params


def overdue_sql(
    column: Callable[[str], str], *, at, spec: Iterable[Stage] = SPEC
) -> tuple[str, list]:
    """`overdue_q` as an SQL condition over the columns `column(field)` names, at the moment
    `at` (already adapted to the backend, as raw SQL needs it)."""
    parts, params = [], []
    for branch in _branches(spec):
        if branch.stage.paused or branch.kind.lapses:
            continue
        status = _in(column("status"), branch.stage.statuses)
        parts.append(
            f"({status[0]} AND {branch.runs.sql(column)} AND {column(branch.clock.due)} < %s)"
        )
        params += [*status[1], at]
    return ("(" + " OR ".join(parts) + ")" if parts else "1 = 0"), params
