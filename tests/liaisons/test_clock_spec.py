"""The running clock is specified once (`liaisons.needs.clock.SPEC`); every form of it is
derived. Here a seeded population of needs in every status, with deadlines on both sides of
each moment and of its amber horizon, pauses, first contacts and amber rungs at random, is read
at many moments (`tests.conftest.MOMENTS`: working hours, evenings, a weekend, the National Day
holiday and its make-up Saturday, plus moments equal to deadlines), and each derived form must
say what the Python one says:

- `running_clock` is the rule as docs/needs.md states it (`_reference_clock`, written out
  plainly here: a change of the specification that is not also a change of the rule fails);
- the CASE (`with_running_due`, `running_deadline_expr`) is `running_clock`;
- `overdue_q`, `due_soon_q` and `queue_summary` are the marks of `deadline_of`;
- the as-of form (`running_due_sql`, `overdue_sql`) read over the historical rows as they
  stood at a moment is the Python clock of those rows, and the weekly report's "overdue at
  week end" is the Python count over the needs as they stood at the week's end.

What is expected is computed from the rows and the moment, never from the wall clock.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.db.models import BooleanField, DateTimeField
from django.db.models.expressions import RawSQL

from alliance.reports import figures as reports
from liaisons.models import EscalationLevel, Need, NeedEvent, NeedEventAction, NeedStatus
from liaisons.needs import clock
from tests import factories
from tests.conftest import MOMENTS, SHANGHAI

pytestmark = pytest.mark.django_db
History = Need.history.model

SEED = 20261207
NEEDS = 420
DEADLINES = (
    "accept_due",
    "sign_due",
    "first_contact_due",
    "resolve_due",
    "milestone_due",
    "rating_due",
)
# The history: every need stood in its first state (A) from THEN until LATER, and has stood in
# its current state (B) since; every moment read below lies between the two.
THEN = datetime(2026, 1, 5, 9, 0, tzinfo=SHANGHAI)
LATER = datetime(2027, 6, 1, 9, 0, tzinfo=SHANGHAI)
SUBMITTED = datetime(2025, 12, 1, 9, 0, tzinfo=SHANGHAI)
# Weeks of the weekly report: the one before the Saturday of MOMENTS, the National Day week.
WEEKS = (date(2026, 12, 7), date(2026, 9, 28))
MICROSECOND = timedelta(microseconds=1)


def _reference_clock(need) -> tuple[str, datetime] | None:
    """The running clock as docs/needs.md states it, written out without the specification:
    awaiting acceptance, the acceptance deadline; awaiting sign-for (dispatched, or reopened and
    not signed again), the sign-for deadline, else the resolve deadline; handled (in progress,
    return under review, reopened and signed), the first-contact deadline while no contact was
    made and it comes before the resolve deadline, else the resolve deadline; waiting for the
    firm, the resolve deadline (paused); long-term, the monthly milestone, else the resolve
    deadline; replied, the rating window; nothing otherwise."""
    s = NeedStatus
    resolve = ("resolve", need.resolve_due) if need.resolve_due else None
    if need.status == s.SUBMITTED:
        return ("accept", need.accept_due) if need.accept_due else None
    if need.status in (s.DISPATCHED, s.REOPENED) and need.signed_at is None:
        return ("sign", need.sign_due) if need.sign_due else resolve
    if need.status in (s.IN_PROGRESS, s.RETURN_PENDING, s.REOPENED):
        contact = need.first_contact_due
        pending = need.first_contact_at is None and contact is not None
        if pending and (need.resolve_due is None or contact < need.resolve_due):
            return ("first_contact", contact)
        return resolve
    if need.status == s.WAITING_ENTERPRISE:
        return resolve
    if need.status == s.LONG_TERM:
        return ("milestone", need.milestone_due) if need.milestone_due else resolve
    if need.status == s.REPLIED:
        return ("rating", need.rating_due) if need.rating_due else None
    return None


# --- The population ----------------------------------------------------------------------------


def _anchors() -> list[datetime]:
    """Moments a deadline is placed around: each moment, its amber horizon, and the ends of the
    weekly report's weeks."""
    anchors = []
    for moment in MOMENTS.values():
        anchors += [moment, clock.amber_horizon(moment)]
    for week in WEEKS:
        anchors.append(reports.week_bounds(week)[1])
    return anchors


OFFSETS = [
    -timedelta(days=3),
    -timedelta(hours=5),
    -MICROSECOND,
    timedelta(0),
    MICROSECOND,
    timedelta(minutes=30),
    timedelta(hours=8),
    timedelta(days=1),
    timedelta(days=20),
]


def _state(rng: random.Random, anchors: list[datetime], *, statuses, master: Need) -> dict:
    status = rng.choice(statuses)
    fields: dict = {"status": status}
    for name in DEADLINES:
        due = rng.choice(anchors) + rng.choice(OFFSETS) if rng.random() < 0.75 else None
        fields[name] = due
    if fields["resolve_due"] is not None and rng.random() < 0.15:
        fields["first_contact_due"] = fields["resolve_due"]  # the tie: resolve runs
    fields["signed_at"] = THEN if rng.random() < 0.5 else None
    fields["first_contact_at"] = THEN if rng.random() < 0.5 else None
    fields["escalation_level"] = rng.choice(list(EscalationLevel.values))
    fields["submitted_at"] = None if status == NeedStatus.DRAFT else SUBMITTED
    fields["closed_at"] = THEN if status == NeedStatus.CLOSED else None
    fields["merged_into_id"] = master.pk if status == NeedStatus.MERGED else None
    return fields


@pytest.fixture
def population(db) -> list[Need]:
    """NEEDS needs in every status: each stood in a random state A from THEN and stands in a
    random state B (never a draft again) since LATER, with the timeline and historical rows
    of both moves."""
    rng = random.Random(SEED)
    firm = factories.EnterpriseFactory()
    master = factories.NeedFactory(enterprise=firm, status=NeedStatus.SUBMITTED)
    anchors = _anchors()
    every = list(NeedStatus.values)
    states = [
        (
            _state(rng, anchors, statuses=every, master=master),
            _state(
                rng, anchors, statuses=[s for s in every if s != NeedStatus.DRAFT], master=master
            ),
        )
        for _index in range(NEEDS)
    ]
    needs = Need.objects.bulk_create(
        Need(
            number=f"XQ-2099-{index:05d}",
            enterprise=firm,
            chain=firm.primary_chain,
            category=master.category,
            title=f"需求{index}",
            description="随机生成的需求。",
            submitted_by=master.submitted_by,
            **now,
        )
        for index, (_first, now) in enumerate(states)
    )
    # The historical rows django-simple-history writes on each save, written in two batches.
    tracked = [f.attname for f in History._meta.concrete_fields if f.attname in _NEED_COLUMNS]
    History.objects.bulk_create(
        History(
            **{**{name: getattr(need, name) for name in tracked}, **state},
            history_date=at,
            history_type=kind,
        )
        for need, (first, now) in zip(needs, states, strict=True)
        for state, at, kind in ((first, THEN, "+"), (now, LATER, "~"))
    )
    _moves(needs, [("", first["status"]) for first, _now in states], at=THEN)
    _moves(needs, [(first["status"], now["status"]) for first, now in states], at=LATER)
    return list(Need.objects.filter(number__startswith="XQ-2099-").order_by("pk"))


_NEED_COLUMNS = {f.attname for f in Need._meta.concrete_fields}


def _moves(needs, statuses, *, at: datetime) -> None:
    last = NeedEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    NeedEvent.objects.bulk_create(
        NeedEvent(need=need, action=NeedEventAction.COMMENT, from_status=old, to_status=new)
        for need, (old, new) in zip(needs, statuses, strict=True)
    )
    NeedEvent.objects.filter(pk__gt=last).update(created_at=at)


def _moments(population) -> list[datetime]:
    """MOMENTS, and moments that fall exactly on deadlines of the population."""
    rng = random.Random(SEED + 1)
    dues = sorted({getattr(n, name) for n in population for name in DEADLINES} - {None})
    return [*MOMENTS.values(), *rng.sample(dues, 12)]


# --- The Python clock is the rule ------------------------------------------------------------


def test_the_python_clock_is_the_rule_of_the_docs(population):
    historical = list(History.objects.filter(number__startswith="XQ-2099-"))
    rows = [*population, *historical]
    assert {row.status for row in rows} == set(NeedStatus.values)
    for row in rows:
        assert clock.running_clock(row) == _reference_clock(row), (row.status, row.pk)
    kinds = {clock.running_clock(row)[0] for row in rows if clock.running_clock(row)}
    assert kinds == set(clock.KINDS)


# --- The ORM forms -----------------------------------------------------------------------------


def test_the_case_is_the_python_clock(population):
    expected = {need.pk: clock.running_clock(need) for need in population}
    needs = Need.objects.filter(number__startswith="XQ-2099-")
    compiled = clock.with_running_due(needs, kind=True).values_list(
        "pk", "running_due", "running_kind"
    )
    built = needs.annotate(due=clock.running_deadline_expr(), kind=clock.running_kind_expr())
    for rows in (compiled, built.values_list("pk", "due", "kind")):
        for pk, due, kind in rows:
            assert ((kind, due) if due is not None else None) == expected[pk], pk


def _marks(population, now: datetime, horizon: datetime) -> dict[int, str | None]:
    marks = {}
    for need in population:
        deadline = clock.deadline_of(need, now=now, horizon=horizon)
        marks[need.pk] = deadline.state if deadline else None
    return marks


def test_overdue_due_soon_and_the_queue_counts_are_the_python_marks(population):
    needs = Need.objects.filter(number__startswith="XQ-2099-")
    seen = set()
    for now in _moments(population):
        horizon = clock.amber_horizon(now)
        marks = _marks(population, now, horizon)
        seen |= set(marks.values())
        overdue = {pk for pk, mark in marks.items() if mark == clock.OVERDUE}
        soon = {pk for pk, mark in marks.items() if mark == clock.SOON}
        assert set(needs.filter(clock.overdue_q(now)).values_list("pk", flat=True)) == overdue
        assert (
            set(needs.filter(clock.due_soon_q(now, horizon)).values_list("pk", flat=True)) == soon
        ), now
        unsigned = [
            n
            for n in population
            if n.status in (NeedStatus.DISPATCHED, NeedStatus.REOPENED) and n.signed_at is None
        ]
        assert clock.queue_summary(needs, now=now, horizon=horizon) == {
            "total": len(population),
            "overdue": len(overdue),
            "soon": len(soon),
            "to_sign": len(unsigned),
        }, now
    # Every mark was met, at some moment: none of the comparisons was vacuous.
    assert seen == {None, clock.OVERDUE, clock.SOON, clock.ON_TIME, clock.PAUSED, clock.LAPSED}


# --- As of a moment ----------------------------------------------------------------------------


def _column_of_history(field: str) -> str:
    table = connection.ops.quote_name(History._meta.db_table)
    return f"{table}.{connection.ops.quote_name(History._meta.get_field(field).column)}"


def test_the_as_of_form_is_the_python_clock_of_the_state_then(population):
    due_sql, due_params = clock.running_due_sql(_column_of_history)
    for now in _moments(population):
        horizon = clock.amber_horizon(now)
        at = connection.ops.adapt_datetimefield_value(now)
        late_sql, late_params = clock.overdue_sql(_column_of_history, at=at)
        rows = History.objects.filter(number__startswith="XQ-2099-", history_date__lt=now)
        rows = rows.annotate(
            due_then=RawSQL(due_sql, due_params, output_field=DateTimeField()),  # noqa: S611
            late_then=RawSQL(late_sql, late_params, output_field=BooleanField()),  # noqa: S611
        )
        rows = list(rows)
        assert len(rows) == NEEDS  # state A of every need
        for row in rows:
            running = clock.running_clock(row)
            assert row.due_then == (running[1] if running else None), row.status
            deadline = clock.deadline_of(row, now=now, horizon=horizon)
            assert bool(row.late_then) == bool(deadline and deadline.overdue), (row.status, now)


@pytest.mark.parametrize("week", WEEKS, ids=str)
def test_the_weekly_reports_overdue_is_the_python_count_at_the_weeks_end(population, week):
    _start, end = reports.week_bounds(week)
    horizon = clock.amber_horizon(end)
    then = list(Need.history.as_of(end).filter(number__startswith="XQ-2099-"))
    assert len(then) == NEEDS
    expected = sum(
        1
        for need in then
        if (deadline := clock.deadline_of(need, now=end, horizon=horizon)) and deadline.overdue
    )
    assert expected  # the week's end sees overdue needs (and more that are not)
    totals = reports.weekly_report(week, now=LATER)["totals"]
    assert totals["overdue"] == expected


def test_a_derivation_that_drifts_is_caught(population, monkeypatch):
    """The comparisons above can fail: one clock condition read differently by the SQL forms
    (the first contact's tie going to first contact) makes them disagree with Python."""
    tie = clock.Earlier("first_contact_due", "resolve_due", or_same=True)
    drifted = tuple(
        clock.Stage(
            stage.statuses,
            tuple(
                clock.Clock(c.kind, c.due, _swap(c.when, tie)) if c.kind == "first_contact" else c
                for c in stage.clocks
            ),
            stage.paused,
        )
        for stage in clock.SPEC
    )
    expected = {need.pk: clock.running_clock(need) for need in population}
    needs = Need.objects.filter(number__startswith="XQ-2099-")
    annotated = needs.annotate(
        due=clock.running_deadline_expr(drifted), kind=clock.running_kind_expr(drifted)
    )
    differ = [
        pk
        for pk, due, kind in annotated.values_list("pk", "due", "kind")
        if ((kind, due) if due is not None else None) != expected[pk]
    ]
    assert differ


def _swap(condition, tie):
    if isinstance(condition, clock.Earlier):
        return tie
    if isinstance(condition, clock.All | clock.Any):
        return type(condition)(*(_swap(part, tie) for part in condition.parts))
    return condition
