#!/usr/bin/env python3
"""The periodic sweeps timed on a bench database, run by hand. See docs/benchmarks.md.

    .venv/bin/python bench/sweeps.py --db hc_bench100

Each case runs inside a transaction that is rolled back, so the database is left as generated
and the cases can be repeated. The moments are those of the generated data (its base moment,
Friday 20 November 2026 17:30) and the working mornings after it:

- escalations, steady: the five-minute sweep at the base moment, when no rung is due;
- escalations, Monday 08:30: the sweep after a weekend, when every need due on the Friday
  reaches its 催办 and the ambers of three working days come at once;
- escalations, first run: the same sweep when no running need has its next moment yet (right
  after the migration that added it), which schedules them all;
- reschedule: every running need's moment computed again (a time limit changed);
- recount, steady: every running need's open deadlines counted again on an unchanged calendar
  (the nightly run: nothing moves);
- recount, park holiday: the same after staff make the next Friday a day off (the deadlines
  counted across it move, each with its timeline entry and history row);
- meeting reminders: the minute sweep at the base moment and at Monday 08:30, and the sweep a
  minute after one that sent everything due (the steady state between two reminder times).

For each it prints the wall time of two runs (the first in a fresh process also loads templates
and URLs; one run for the two slow cases), the SQL statements of the last run (transaction
control left out) and what the sweep returned (rungs claimed, reminders sent, moments moved).
The sweeps log at INFO; quiet them with `2>/dev/null`.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class _Rollback(Exception):
    pass


def _setup(database_url: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alliance.settings")
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_DEBUG", "false")
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-" + "x" * 50)
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _timed(name: str, run, *, rounds: int = 2) -> None:
    """Run `run()` `rounds` times, each in a transaction rolled back afterwards; print the time
    of each (the first includes the process's first template and URL loading), the statements
    of the last and its result."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    times, result = [], None
    for _ in range(rounds):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            try:
                with transaction.atomic():
                    result = run()
                    times.append(time.perf_counter() - started)
                    raise _Rollback
            except _Rollback:
                pass
    statements = [
        query["sql"]
        for query in captured.captured_queries
        if not query["sql"]
        .upper()
        .startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK", "BEGIN", "COMMIT"))
    ]
    shown = " / ".join(f"{seconds * 1000:.1f}" for seconds in times)
    print(f"{name:<42} {shown:>20} ms {len(statements):>6} statements → {result}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="hc_bench")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--skip-first-run", action="store_true", help="skip the first-run case")
    args = parser.parse_args()
    _setup(f"{args.server}/{args.db}")

    from alliance.core.models import CalendarDay
    from alliance.core.workcalendar import next_workday_start
    from alliance.demo.bulk import BASE_MOMENT
    from events.services import reminders
    from liaisons.models import LADDER_STATUSES, Need
    from liaisons.needs import escalations, recount

    monday = next_workday_start(BASE_MOMENT)
    on_ladder = Need.objects.filter(
        status__in=LADDER_STATUSES, resolve_due__isnull=False, escalation_level__lt=3
    )
    print(
        f"database {args.db}: {Need.objects.count():,} needs, {on_ladder.count():,} on the ladder"
    )
    print(f"base moment {BASE_MOMENT:%Y-%m-%d %H:%M}, next working morning {monday:%Y-%m-%d %H:%M}")

    def sweep(now):
        return lambda: escalations.sweep_need_deadlines(now=now)

    def first_run():
        on_ladder.update(next_escalation_at=None)
        return escalations.sweep_need_deadlines(now=BASE_MOMENT)

    _timed("escalations, steady (base moment)", sweep(BASE_MOMENT))
    _timed("escalations, Monday 08:30", sweep(monday))
    if not args.skip_first_run:
        # Pessimistic: the moments are emptied in the same transaction, so the index scans
        # also pass the row versions it replaced (a real first run after the migration
        # measured 233 s at ×100, docs/benchmarks.md).
        _timed("escalations, first run (none scheduled)", first_run, rounds=1)
    _timed("reschedule (every running need)", escalations.escalations_reschedule, rounds=1)

    def park_holiday():
        friday = BASE_MOMENT.date() + timedelta(days=7)
        CalendarDay.objects.create(date=friday, is_workday=False, name="园区活动日")
        return recount.need_deadlines_recount(now=BASE_MOMENT)

    _timed("recount, steady (calendar unchanged)", recount.need_deadlines_recount, rounds=1)
    _timed("recount, park holiday next Friday", park_holiday, rounds=1)

    def reminders_again(now):
        reminders.send_due_reminders(now=now)  # claims what is due
        started = time.perf_counter()
        sent = reminders.send_due_reminders(now=now + timedelta(minutes=1))
        return f"{sent} sent by the next minute's sweep, {time.perf_counter() - started:.3f} s"

    _timed("meeting reminders (base moment)", lambda: reminders.send_due_reminders(now=BASE_MOMENT))
    _timed("meeting reminders, then a minute later", lambda: reminders_again(BASE_MOMENT))
    _timed("meeting reminders, Monday 08:30", lambda: reminders.send_due_reminders(now=monday))


if __name__ == "__main__":
    main()
