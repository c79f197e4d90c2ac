"""Overdue and due soon: one definition (`deadline_of`) behind the row marks, the queue's counts
in SQL and the liaison's home panel, at moments across the working week and the holidays.

Every test here runs at each moment of `tests.conftest.MOMENTS` (the `moment` fixture): the
deadlines are placed around the amber horizon of that moment, and what is expected is derived
from working time (`workcalendar.working_hours_between`), never from the wall clock.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from alliance.core import workcalendar
from liaisons.models import EscalationLevel, Need, NeedStatus
from liaisons.needs.clock import amber_horizon, mark_deadlines, queue_summary
from liaisons.needs.selectors import liaison_queue
from tests.liaisons.conftest import as_user, english, make_need

pytestmark = pytest.mark.django_db

MICROSECOND = timedelta(microseconds=1)


def _dues(now: datetime) -> list[datetime]:
    """Deadlines on both sides of everything that decides the mark: now, the horizon, the end of
    a working period and the start of the next, plus plain offsets in wall time."""
    horizon = amber_horizon(now)
    reached = workcalendar.add_working_hours(now, workcalendar.HOURS_PER_DAY).at
    dues = [now - timedelta(days=1), now - MICROSECOND, now + timedelta(minutes=30)]
    dues += [horizon - MICROSECOND, horizon, horizon + MICROSECOND]
    dues += [reached - MICROSECOND, reached, reached + timedelta(minutes=21)]
    dues += [now + timedelta(hours=hours) for hours in (1, 4, 8, 16, 24, 40, 72)]
    dues += [now + timedelta(days=days) for days in (3, 20)]
    return dues


def _clock(status: str, due: datetime) -> dict:
    """Fields that make `due` the need's running clock in `status`."""
    if status == NeedStatus.SUBMITTED:
        return {"accept_due": due}
    if status == NeedStatus.DISPATCHED:
        return {"signed_at": None, "sign_due": due, "resolve_due": due + timedelta(days=30)}
    if status == NeedStatus.IN_PROGRESS:
        return {"first_contact_at": None, "first_contact_due": due}
    if status == NeedStatus.LONG_TERM:
        return {"milestone_due": due}
    return {"resolve_due": due, "first_contact_at": due - timedelta(days=40)}


STATUSES = [
    NeedStatus.SUBMITTED,
    NeedStatus.DISPATCHED,
    NeedStatus.IN_PROGRESS,
    NeedStatus.LONG_TERM,
    NeedStatus.REOPENED,
]


def _queue(world) -> list[Need]:
    now = timezone.now()
    needs = []
    for index, due in enumerate(_dues(now)):
        status = STATUSES[index % len(STATUSES)]
        needs.append(
            make_need(
                enterprise=world.enterprise1,
                status=status,
                liaison=world.liaison1,
                **_clock(status, due),
            )
        )
    # The amber rung reached by the ladder marks a resolve clock far from due; a paused clock
    # is neither overdue nor due soon, however late.
    needs.append(
        make_need(
            enterprise=world.enterprise1,
            status=NeedStatus.IN_PROGRESS,
            liaison=world.liaison1,
            first_contact_at=now - timedelta(days=2),
            resolve_due=now + timedelta(days=20),
            escalation_level=EscalationLevel.AMBER,
        )
    )
    needs.append(
        make_need(
            enterprise=world.enterprise1,
            status=NeedStatus.WAITING_ENTERPRISE,
            liaison=world.liaison1,
            resolve_due=now - timedelta(days=1),
        )
    )
    return needs


def _expected_mark(need: Need, now: datetime) -> str | None:
    """The rule of docs/needs.md, counted independently of the horizon: overdue once the due
    time has passed; due soon when at most one working day of working time remains, or when the
    ladder has reached amber on the resolve clock."""
    deadline = need.deadline
    if deadline is None:
        return None
    if need.status == NeedStatus.WAITING_ENTERPRISE:
        return "paused"
    if deadline.due < now:
        return "overdue"
    remaining = workcalendar.working_hours_between(now, deadline.due)
    amber = deadline.kind == "resolve" and need.escalation_level >= EscalationLevel.AMBER
    return "soon" if remaining <= workcalendar.HOURS_PER_DAY or amber else "on_time"


def test_each_mark_is_what_the_remaining_working_time_says(world, moment):
    _queue(world)
    now = timezone.now()
    marked = mark_deadlines(liaison_queue(world.liaison1), now=now)
    assert marked
    for need in marked:
        assert need.deadline.state == _expected_mark(need, now), (need.status, need.deadline)
    states = {need.deadline.state for need in marked}
    assert {"overdue", "soon", "on_time", "paused"} <= states


def test_the_queue_counts_in_sql_are_the_row_marks(world, moment):
    _queue(world)
    now = timezone.now()
    horizon = amber_horizon(now)
    queue = liaison_queue(world.liaison1)
    marked = mark_deadlines(queue, now=now, horizon=horizon)
    assert queue_summary(queue, now=now, horizon=horizon) == {
        "total": len(marked),
        "overdue": sum(1 for need in marked if need.deadline.overdue),
        "soon": sum(1 for need in marked if need.deadline.soon),
        "to_sign": sum(
            1 for need in marked if need.status == NeedStatus.DISPATCHED and not need.signed_at
        ),
    }


def _badge(html: str, pattern: str) -> int:
    found = re.search(pattern, html)
    return int(found.group(1)) if found else 0


def test_home_panel_queue_header_and_badged_rows_agree(client, world, moment):
    _queue(world)
    as_user(english(client), world, "L1")
    home = client.get(reverse("home")).content.decode()
    panel = home[home.index('id="home-liaison-queue"') :]
    panel = panel[: panel.index("</div>")]
    queue = client.get(reverse("liaisons:need-queue")).content.decode()
    counts = {
        "home": (
            _badge(panel, r"(\d+) overdue"),
            _badge(panel, r"(\d+) due soon"),
        ),
        "queue": (
            _badge(queue, r'id="queue-overdue">(\d+) overdue'),
            _badge(queue, r'id="queue-soon">(\d+) due soon'),
        ),
        "rows": (
            queue.count('aria-hidden="true"></i> Overdue</span>'),
            queue.count('aria-hidden="true"></i> Due soon</span>'),
        ),
    }
    assert counts["home"] == counts["queue"] == counts["rows"], counts
    assert all(counts["rows"]), counts
