"""The bulk-data generator: proportional, skewed, consistent, deterministic, fast."""

from __future__ import annotations

import io
import random
from collections import Counter, defaultdict

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alliance.core import workcalendar
from alliance.demo.bulk import (
    BASE_MOMENT,
    PARK,
    BulkDataExists,
    Timeline,
    generate_bulk,
)
from enterprises.models import Enterprise, EnterpriseContact
from events.models import Event, Invitation
from liaisons.models import (
    LADDER_STATUSES,
    NEED_OPEN_STATUSES,
    ActionItem,
    DepartmentResource,
    EscalationLevel,
    Liaison,
    LiaisonAssignment,
    Need,
    NeedEscalation,
    NeedEvent,
    NeedStatus,
    NeedTimeLimit,
)
from liaisons.models import (
    NeedEventAction as A,
)
from liaisons.needs import deadlines
from liaisons.needs.escalations import sweep_need_deadlines
from liaisons.needs.numbering import need_number_next
from liaisons.needs.recount import need_deadlines_recount

User = get_user_model()
SCALE = 0.01


@pytest.fixture
def generated(db):
    return generate_bulk(seed=42, scale=SCALE)


def snapshot() -> dict:
    """The generated data by natural keys (primary keys differ between runs on PostgreSQL)."""
    return {
        "users": list(User.objects.order_by("username").values_list("username", "full_name")),
        "firms": list(
            Enterprise.objects.order_by("name").values_list(
                "name", "primary_chain__name", "employees"
            )
        ),
        "needs": list(
            Need.objects.order_by("number").values_list(
                "number",
                "enterprise__name",
                "status",
                "category",
                "urgency",
                "submitted_at",
                "resolve_due",
                "closed_at",
                "liaison__user__username",
                "merged_into__number",
            )
        ),
        "timeline": list(
            NeedEvent.objects.order_by("need__number", "created_at", "action").values_list(
                "need__number", "action", "created_at", "actor__username"
            )
        ),
        "invitations": list(
            Invitation.objects.order_by("event__uid", "user__username").values_list(
                "event__uid", "event__starts_at", "user__username", "rsvp"
            )
        ),
    }


def test_counts_are_proportional_to_the_scale(generated):
    assert Enterprise.objects.count() == round(PARK["enterprises"] * SCALE)
    assert EnterpriseContact.objects.count() == Enterprise.objects.count()
    assert Need.objects.count() == round(PARK["needs"] * SCALE)
    assert Event.objects.count() == round(PARK["events"] * SCALE)
    assert Invitation.objects.count() == round(PARK["events"] * SCALE) * 20
    assert Liaison.objects.count() == 2  # the floor: a queue needs somebody to serve it
    assert ActionItem.objects.exists()
    assert DepartmentResource.objects.exists()
    # Every firm has exactly one active primary liaison.
    active = LiaisonAssignment.objects.filter(until__isnull=True, is_primary=True)
    assert active.values("enterprise").distinct().count() == Enterprise.objects.count()
    assert generated.counts["needs"] == Need.objects.count()
    assert generated.counts["need events"] == NeedEvent.objects.count()
    assert NeedEvent.objects.count() > 5 * Need.objects.count()


def test_every_status_is_present_and_the_skew_holds(generated):
    statuses = set(Need.objects.values_list("status", flat=True))
    assert statuses == set(NeedStatus.values)
    total = Need.objects.count()
    per_firm = sorted(
        Need.objects.values("enterprise").annotate(n=Count("pk")).values_list("n", flat=True),
        reverse=True,
    )
    hot = max(1, round(Enterprise.objects.count() * 0.05))
    assert 0.12 <= sum(per_firm[:hot]) / total <= 0.30
    overdue = Need.objects.filter(status__in=NEED_OPEN_STATUSES, resolve_due__lt=BASE_MOMENT)
    assert 0.02 <= overdue.count() / total <= 0.10


def test_timelines_match_the_status(generated):
    events = defaultdict(list)
    for number, action, at in NeedEvent.objects.order_by("created_at", "pk").values_list(
        "need__number", "action", "created_at"
    ):
        events[number].append((action, at))
    closed = Need.objects.filter(status=NeedStatus.CLOSED)
    assert closed.exists()
    for need in closed:
        actions = [action for action, _at in events[need.number]]
        for expected in (A.SUBMIT, A.ACCEPT, A.DISPATCH, A.SIGN, A.CONTACT, A.REPLY, A.RATE):
            assert expected in actions, (need.number, actions)
        assert need.closed_at == events[need.number][-1][1] or actions[-1] == A.RETURN_VISIT
        assert need.satisfaction in ("satisfied", "basically")
    # The rating's line is stored as a code (read in each reader's language), the last one
    # matching the need's satisfaction; COPY writes it as JSON.
    ratings = dict(
        NeedEvent.objects.filter(need__in=closed, action=A.RATE)
        .order_by("created_at", "pk")
        .values_list("need__number", "data")
    )
    for need in closed:
        assert ratings[need.number] == [{"code": "satisfaction", "value": need.satisfaction}]
    for need in Need.objects.filter(status=NeedStatus.DRAFT):
        assert need.submitted_at is None and not events[need.number]
    for need in Need.objects.filter(status=NeedStatus.MERGED).select_related("merged_into"):
        assert need.merged_into.status != NeedStatus.MERGED
        assert [a for a, _ in events[need.number]] == [A.SUBMIT, A.MERGE]
    for need in Need.objects.exclude(status=NeedStatus.DRAFT):
        times = [at for _action, at in events[need.number]]
        assert times == sorted(times)
        assert times[0] == need.submitted_at == need.created_at
        assert times[-1] <= BASE_MOMENT
        assert need.updated_at == times[-1]
    for need in Need.objects.filter(status__in=[NeedStatus.IN_PROGRESS, NeedStatus.CLOSED]):
        assert need.liaison_id and need.department_id == need.liaison.department_id
        assert need.signed_at and need.first_contact_at and need.resolve_due


def test_the_escalation_ladder_is_where_the_sweep_would_have_left_it(generated):
    """Every running clock's rung is the one the sweep computes at the base moment; each need
    has one escalation (and one timeline entry) per rung up to its level, and the sweep run at
    the base moment finds nothing left to claim."""
    limits = {(t.category, t.urgency): t for t in NeedTimeLimit.objects.all()}
    levels = Counter()
    running = Need.objects.filter(status__in=LADDER_STATUSES, resolve_due__isnull=False)
    for need in running:
        rungs = deadlines.ladder_rungs(
            due=need.resolve_due,
            limit=limits.get((need.category, need.urgency)),
            extension_workdays=need.extension_workdays,
        )
        expected = rungs.reached(BASE_MOMENT)
        assert need.escalation_level == expected, need.number
        levels[expected] += 1
        # The next rung's moment, as the services store it: still ahead at the base moment.
        assert need.next_escalation_at == rungs.after(expected), need.number
        assert need.next_escalation_at is None or need.next_escalation_at > BASE_MOMENT
    assert not Need.objects.exclude(status__in=LADDER_STATUSES, resolve_due__isnull=False).filter(
        next_escalation_at__isnull=False
    )
    assert levels[EscalationLevel.SUPERVISE] and levels[EscalationLevel.URGE]
    assert levels[EscalationLevel.NONE]
    escalated = Need.objects.filter(escalation_level__gt=0)
    assert escalated.exclude(status__in=LADDER_STATUSES).exists()  # replied, paused: kept
    for need in escalated:
        rungs = need.escalations.filter(due_at=need.resolve_due).order_by("level")
        assert [rung.level for rung in rungs] == list(range(1, need.escalation_level + 1))
        assert all(rung.created_at <= BASE_MOMENT for rung in rungs)
        assert {(rung.chain_id, rung.department_id) for rung in rungs} == {
            (need.chain_id, need.department_id)
        }
    assert NeedEvent.objects.filter(action=A.ESCALATE).count() == NeedEscalation.objects.count()
    assert sweep_need_deadlines(now=BASE_MOMENT) == 0


def test_deadlines_are_those_of_the_working_calendar(generated):
    limits = {(t.category, t.urgency): t for t in NeedTimeLimit.objects.all()}
    submitted = Need.objects.exclude(status=NeedStatus.DRAFT).order_by("number")[:40]
    for need in submitted:
        limit = limits[(need.category, need.urgency)]
        assert (
            need.accept_due
            == workcalendar.add_working_hours(need.submitted_at, limit.accept_hours).at
        )
    dispatched = Need.objects.filter(
        dispatched_at__isnull=False, reopen_count=0, status=NeedStatus.IN_PROGRESS
    )[:40]
    assert dispatched
    for need in dispatched:
        limit = limits[(need.category, need.urgency)]
        start = need.dispatched_at
        assert need.resolve_due == workcalendar.add_working_hours(start, limit.resolve_hours).at
        assert need.sign_due == workcalendar.add_working_hours(start, limit.sign_hours).at
    # Each running need keeps the basis its deadlines are counted from, as the workflow does:
    # counting them again on the same calendar moves nothing.
    assert need_deadlines_recount(now=BASE_MOMENT) == 0
    assert not NeedEvent.objects.filter(action=A.RECOUNT).exists()


@pytest.mark.django_db
def test_timeline_axis_agrees_with_add_working_hours():
    timeline = Timeline(BASE_MOMENT.date().replace(month=1, day=1), BASE_MOMENT.date())
    rng = random.Random(7)
    for _ in range(200):
        start = rng.randrange(0, 200 * 480)
        hours = rng.choice([0.5, 2, 4, 8, 24, 40, 120])
        expected = workcalendar.add_working_hours(timeline.at(start), hours).at
        assert timeline.at(start + int(hours * 60)) == expected
        assert timeline.minute_of(timeline.at(start)) == start


def test_need_numbers_continue_after_the_generated_ones(generated):
    year = BASE_MOMENT.year
    last = max(
        int(number.rsplit("-", 1)[1])
        for number in Need.objects.filter(number__startswith=f"XQ-{year}-").values_list(
            "number", flat=True
        )
    )
    assert need_number_next(now=BASE_MOMENT) == f"XQ-{year}-{last + 1:05d}"


@pytest.mark.django_db
def test_same_seed_same_data_and_another_seed_differs():
    runs = []
    # The second run writes the needs in chunks of 64: chunking does not change the data.
    for seed, chunk_size in ((42, 20000), (42, 64), (7, 20000)):
        with transaction.atomic():
            generate_bulk(seed=seed, scale=SCALE, chunk_size=chunk_size)
            runs.append(snapshot())
            transaction.set_rollback(True)
    assert runs[0]["needs"]
    assert runs[0] == runs[1]
    assert runs[0]["needs"] != runs[2]["needs"]


@pytest.mark.django_db
def test_no_query_per_row():
    """Only the number of INSERT batches grows with the scale (SQLite caps the parameters of one
    statement, so its batches are smaller); every other query is issued a fixed number of times."""
    others, inserts, rows = [], [], []
    for scale in (0.01, 0.03):
        with transaction.atomic(), CaptureQueriesContext(connection) as queries:
            result = generate_bulk(seed=1, scale=scale)
            transaction.set_rollback(True)
        statements = [q["sql"] for q in queries]
        inserts.append(sum(1 for sql in statements if sql.startswith("INSERT")))
        others.append(len(statements) - inserts[-1])
        rows.append(sum(result.counts.values()))
    assert others[0] == others[1]
    assert inserts[1] * 20 < rows[1]


def test_refuses_to_run_twice(generated):
    with pytest.raises(BulkDataExists):
        generate_bulk(seed=42, scale=SCALE)


@pytest.mark.django_db
def test_command_refuses_without_debug_then_runs_with_force(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG 未开启"):
        call_command("generate_bulk", scale=SCALE)
    assert not Need.objects.exists()
    out = io.StringIO()
    call_command("generate_bulk", scale=SCALE, seed=3, force=True, stdout=out)
    assert "needs 300/300 and their timeline" in out.getvalue()  # progress per chunk
    assert "invitations: 300 rows" in out.getvalue()
    assert "已生成" in out.getvalue()  # "Generated … rows"
    assert Need.objects.count() == round(PARK["needs"] * SCALE)
    with pytest.raises(CommandError, match="已有生成的数据"):
        call_command("generate_bulk", scale=SCALE, force=True, stdout=io.StringIO())


def test_portal_pages_answer_on_generated_data(generated, client):
    staff = User.objects.filter(username__startswith="bulk-staff-").first()
    client.force_login(staff)
    assert client.get(reverse("liaisons:need-inbox")).status_code == 200
    busiest = Need.objects.annotate(n=Count("events")).order_by("-n", "number").first()
    response = client.get(reverse("liaisons:need-detail", args=[busiest.pk]))
    assert response.status_code == 200
    assert busiest.number in response.content.decode()

    queue_owner = Counter(
        Need.objects.filter(status__in=NEED_OPEN_STATUSES, liaison__isnull=False).values_list(
            "liaison__user", flat=True
        )
    ).most_common(1)[0][0]
    client.force_login(User.objects.get(pk=queue_owner))
    response = client.get(reverse("liaisons:need-queue"))
    assert response.status_code == 200
    assert response.context["needs"]
