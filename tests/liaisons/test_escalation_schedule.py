"""Each running need keeps its next rung's moment; the sweep reads only the needs whose moment
has come, and a change to the calendar or the limits moves the moments."""

from datetime import date
from unittest import mock

import pytest
from django.utils import translation

from alliance.core.models import CalendarDay
from alliance.core.tasks import send_notification_email
from liaisons import tasks
from liaisons.admin import NeedTimeLimitAdmin
from liaisons.models import (
    EscalationLevel,
    Need,
    NeedCategory,
    NeedEscalation,
    NeedStatus,
    NeedTimeLimit,
    Urgency,
)
from liaisons.needs import deadlines, escalations
from liaisons.needs import services as needs
from liaisons.needs.escalations import sweep_need_deadlines
from tests.admin_helpers import admin_url
from tests.liaisons.test_admin import _need_form
from tests.liaisons.test_escalations import DUE, at
from tests.liaisons.test_services import make_world, need_in

# Financing, green: 15 working days; due Monday 30 November 09:00, amber three working days
# before, 催办 on 1 December 08:30, 督办 on 7 December 09:00.
AMBER = at(2026, 11, 25, 9, 0)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def no_broker():
    with mock.patch.object(send_notification_email, "apply_async") as apply_async:
        yield apply_async


@pytest.fixture
def world(db):
    return make_world()


@pytest.fixture
def reschedule_runs():
    """The rescheduling task, run where it is queued."""
    with mock.patch.object(
        tasks.reschedule_need_escalations,
        "apply_async",
        side_effect=lambda *args, **kwargs: tasks.reschedule_need_escalations.run(),
    ) as queued:
        yield queued


@pytest.fixture
def recount_runs():
    """The recount of deadlines (and escalation moments), run where it is queued."""
    with mock.patch.object(
        tasks.recount_need_deadlines,
        "apply_async",
        side_effect=lambda *args, **kwargs: tasks.recount_need_deadlines.run(),
    ) as queued:
        yield queued


@pytest.fixture
def admin_post(staff_client, django_capture_on_commit_callbacks):
    """A staff member's admin form, with what it queues after its commit run."""

    def send(url: str, data: dict):
        with django_capture_on_commit_callbacks(execute=True):
            return staff_client.post(url, data)

    return send


def running(world, **fields) -> Need:
    return need_in(world, NeedStatus.IN_PROGRESS, **{"resolve_due": DUE, **fields})


def stored(need: Need):
    return Need.objects.values_list("next_escalation_at", flat=True).get(pk=need.pk)


def test_a_need_walked_through_its_clock_keeps_its_next_rung(world):
    need = need_in(world, NeedStatus.ACCEPTED)
    assert stored(need) is None
    need = needs.need_dispatch(
        need=need, liaison=world.liaison, actor=world.staff, now=at(2026, 11, 9, 9, 0)
    )
    assert need.resolve_due == DUE
    assert stored(need) == AMBER
    need = needs.need_sign(need=need, actor=world.liaison.user, now=at(2026, 11, 9, 10, 0))
    assert stored(need) == AMBER
    # Waiting for the firm: no rung comes while the clock stands still…
    need = needs.need_request_info(
        need=need, actor=world.liaison.user, note="请补充", now=at(2026, 11, 10, 9, 0)
    )
    assert stored(need) is None
    # …and the firm's answer a working day later moves the deadline and its rungs.
    need = needs.need_supply_info(
        need=need, actor=world.secretary, note="已补充", now=at(2026, 11, 11, 9, 0)
    )
    assert need.resolve_due == at(2026, 12, 1, 9, 0)
    assert stored(need) == at(2026, 11, 26, 9, 0)
    assert sweep_need_deadlines(now=at(2026, 11, 26, 9, 0)) == 1
    need.refresh_from_db()
    assert need.escalation_level == EscalationLevel.AMBER
    assert stored(need) == at(2026, 12, 2, 8, 30)  # 催办 next
    # Three more working days: 20 % of 18 is 28.8 working hours before the new deadline.
    need = needs.need_request_extension(
        need=need, actor=world.liaison.user, workdays=3, reason="审批慢", now=at(2026, 11, 26, 10)
    )
    need = needs.need_decide_extension(need=need, actor=world.staff, approve=True, note="")
    assert need.resolve_due == at(2026, 12, 4, 9, 0)
    assert need.escalation_level == EscalationLevel.NONE
    assert stored(need) == at(2026, 11, 30, 13, 12)
    need = needs.need_reply(
        need=need, actor=world.liaison.user, resolution="已协调", now=at(2026, 11, 27, 9, 0)
    )
    assert stored(need) is None


def test_a_need_on_the_ladder_without_a_moment_is_scheduled_by_the_sweep(world):
    waiting = running(world)
    late = running(world)
    # Written past the services (a script, an import): no next moment.
    Need.objects.filter(pk__in=[waiting.pk, late.pk]).update(next_escalation_at=None)
    Need.objects.filter(pk=late.pk).update(resolve_due=at(2026, 11, 20, 9, 0))
    assert sweep_need_deadlines(now=at(2026, 11, 23, 9, 0)) == 2  # amber and 催办 for `late`
    assert stored(waiting) == AMBER
    assert stored(late) == at(2026, 11, 27, 9, 0)  # its 督办
    assert sweep_need_deadlines(now=at(2026, 11, 23, 9, 5)) == 0


def test_a_stale_moment_is_corrected_without_escalating(world):
    need = running(world)
    Need.objects.filter(pk=need.pk).update(next_escalation_at=at(2026, 11, 10, 9, 0))
    assert sweep_need_deadlines(now=at(2026, 11, 10, 9, 0)) == 0
    assert stored(need) == AMBER
    need.refresh_from_db()
    assert need.escalation_level == EscalationLevel.NONE
    assert not NeedEscalation.objects.exists()


def test_the_sweep_works_through_more_needs_than_one_batch(world):
    crossing = [running(world) for _ in range(7)]
    with mock.patch.object(escalations, "SWEEP_BATCH", 3):
        assert sweep_need_deadlines(now=at(2026, 12, 1, 9, 0)) == 14
    for need in crossing:
        need.refresh_from_db()
        assert need.escalation_level == EscalationLevel.URGE
        assert stored(need) == at(2026, 12, 7, 9, 0)


def test_an_escalation_is_kept_in_the_need_history(world):
    need = running(world)
    sweep_need_deadlines(now=AMBER)
    latest = need.history.latest()
    assert latest.escalation_level == EscalationLevel.AMBER
    assert latest.history_user is None


def test_the_reschedule_moves_each_moment_once_and_only_what_changed(world):
    need = running(world)
    distant = running(world, resolve_due=at(2027, 3, 1, 9, 0))
    paused = need_in(world, NeedStatus.WAITING_ENTERPRISE, resolve_due=DUE)
    assert escalations.escalations_reschedule() == 0
    # A park event day on the Wednesday before the deadline: amber one working day earlier.
    CalendarDay.objects.create(date=date(2026, 11, 25), is_workday=False, name="园区活动日")
    with mock.patch.object(escalations, "RESCHEDULE_BATCH", 1):
        assert escalations.escalations_reschedule() == 1
    assert stored(need) == at(2026, 11, 24, 9, 0)
    assert stored(distant) == deadlines.next_escalation_at(distant)
    assert stored(paused) is None
    assert escalations.escalations_reschedule() == 0


def test_staff_entering_a_calendar_day_move_the_moments(world, admin_post, recount_runs):
    need = running(world)
    response = admin_post(
        admin_url(CalendarDay, "add"), {"date": "2026-11-25", "is_workday": "", "name": "活动日"}
    )
    assert response.status_code == 302
    recount_runs.assert_called_once()
    assert stored(need) == at(2026, 11, 24, 9, 0)
    day = CalendarDay.objects.get()
    response = admin_post(admin_url(CalendarDay, "delete", day.pk), {"post": "yes"})
    assert response.status_code == 302
    assert stored(need) == AMBER
    # Several at once, from the list's delete action.
    for day in (24, 25):
        CalendarDay.objects.create(date=date(2026, 11, day), is_workday=False, name="活动日")
    response = admin_post(
        admin_url(CalendarDay, "changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [
                str(pk) for pk in CalendarDay.objects.values_list("pk", flat=True)
            ],
            "post": "yes",
        },
    )
    assert response.status_code == 302
    assert not CalendarDay.objects.exists()
    assert stored(need) == AMBER
    assert recount_runs.call_count == 3


def test_a_longer_resolve_limit_moves_amber_earlier(world, admin_post, reschedule_runs):
    need = running(world)
    limit = NeedTimeLimit.objects.get(category=NeedCategory.FINANCING, urgency=Urgency.GREEN)
    fields = ("category", "urgency", *NeedTimeLimitAdmin.list_editable)
    data = {field: getattr(limit, field) for field in fields}
    response = admin_post(
        admin_url(NeedTimeLimit, "change", limit.pk), {**data, "rating_hours": 24}
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    reschedule_runs.assert_not_called()  # the rating window moves no rung
    response = admin_post(
        admin_url(NeedTimeLimit, "change", limit.pk), {**data, "resolve_hours": 200}
    )
    assert response.status_code == 302
    reschedule_runs.assert_called_once()
    # 20 % of 200 working hours is 40: five working days before the deadline.
    assert stored(need) == at(2026, 11, 23, 9, 0)


def test_a_broker_that_cannot_take_the_reschedule_loses_nothing(world, admin_post, caplog):
    with mock.patch.object(
        tasks.recount_need_deadlines, "apply_async", side_effect=OSError("refused")
    ):
        response = admin_post(
            admin_url(CalendarDay, "add"),
            {"date": "2026-11-24", "is_workday": "", "name": "活动日"},
        )
    assert response.status_code == 302
    assert CalendarDay.objects.filter(date=date(2026, 11, 24)).exists()
    assert "nightly run" in caplog.text


def test_staff_correcting_the_urgency_move_the_moment(world, admin_post):
    need = running(world)
    response = admin_post(admin_url(Need, "change", need.pk), _need_form(need, urgency=Urgency.RED))
    assert response.status_code == 302
    need.refresh_from_db()
    assert need.urgency == Urgency.RED
    # Red financing: 5 working days; 20 % is under a day, so amber one working day before.
    assert stored(need) == at(2026, 11, 27, 9, 0)
    assert need.status == NeedStatus.IN_PROGRESS


def test_the_nightly_task_reschedules(world):
    need = running(world)
    Need.objects.filter(pk=need.pk).update(next_escalation_at=at(2027, 1, 1, 9, 0))
    assert tasks.reschedule_need_escalations.run() == 1
    assert stored(need) == AMBER
    assert tasks.reschedule_need_escalations.run() == 0
