"""The weekly report (周通报): figures checked against a hand-computed week, week boundaries in
Beijing time, the snapshot and its beat task, the pages, the .xlsx and who sees what."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.urls import reverse

from alliance.core.models import Notification
from alliance.reports import figures as reports
from alliance.reports.models import WeeklyReport
from alliance.reports.tasks import generate_weekly_report
from liaisons.models import Need, NeedCategory, NeedEvent, NeedEventAction, NeedStatus, Satisfaction
from liaisons.needs import services as need_services
from tests import factories

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEEK = date(2026, 11, 16)  # Monday; the week ends Monday 2026-11-23 00:00 Beijing time
AFTER = datetime(2026, 11, 23, 7, 30, tzinfo=SHANGHAI)  # when beat publishes it

pytestmark = pytest.mark.django_db
History = Need.history.model


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of November 2026, Beijing time."""
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


def timeline(need, *moves) -> None:
    """The need's status moves (moment, action, from, to), dated as in the story."""
    for moment, action, from_status, to_status in moves:
        event = NeedEvent.objects.create(
            need=need, action=action, from_status=from_status, to_status=to_status
        )
        NeedEvent.objects.filter(pk=event.pk).update(created_at=moment)


def acted(moment: datetime, action, **kwargs):
    """Run a need service at `moment`: its timeline entries and historical rows dated then."""
    last_event = NeedEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    last_row = History.objects.order_by("-history_id").values_list("history_id", flat=True)
    last_row = last_row.first() or 0
    result = action(now=moment, **kwargs)
    NeedEvent.objects.filter(pk__gt=last_event).update(created_at=moment)
    History.objects.filter(history_id__gt=last_row).update(history_date=moment)
    return result


def build_week() -> dict:
    """Two chains, two departments with their heads, two liaisons, and these needs:

    in the week (16–22 Nov):
      N1 F1·L1 financing  closed Thu, signed and replied on time, 满意
      N2 F1·L1 financing  reopened Tue after 不满意, signed late again, replied late, closed Fri
                          with 基本满意
      N3 F1·L1 hiring     in progress, resolve deadline Fri 18:00 passed → overdue at week end
      N4 F2·L2 financing  reopened Thu after 不满意 (replied Wed), to be signed again next week
      N5 F2·L2 financing  submitted last week, closed Wed, on time, 满意
      N6 F2    technology submitted Saturday, not dispatched (counts for chain and park only)
      N7 F2·L2 permits    closed Thu, on time, 满意
      N8 F1·L1 other      submitted last week, closed with 基本满意 and reopened by staff last
                          Friday (not a reopening of this week), signed on time, in progress
    outside it: X1 closed last week, X2 submitted next Monday, X3 a draft, X4 rejected last week.
    N2, N3, N4 and N8 have their timeline; the others have none (imported data) and count with
    their current status. Each need's historical row is dated Sunday night: as things stood at
    the week's end.
    """
    heads = {
        key: factories.UserFactory(username=key, full_name=name)
        for key, name in (("h1", "局长甲"), ("h2", "局长乙"), ("c1", "链长甲"), ("c2", "链长乙"))
    }
    chain1 = factories.IndustryChainFactory(
        code="nev", name="新能源汽车", chief=heads["c1"], order=1
    )
    chain2 = factories.IndustryChainFactory(
        code="robotics", name="机器人", chief=heads["c2"], order=2
    )
    d1 = factories.DepartmentFactory(name="科学技术局", head=heads["h1"], order=1)
    d2 = factories.DepartmentFactory(name="经济发展局", head=heads["h2"], order=2)
    l1 = factories.LiaisonFactory(department=d1, user__username="l1", user__full_name="宋飞洋")
    l2 = factories.LiaisonFactory(department=d2, user__username="l2", user__full_name="李专员")
    f1 = factories.EnterpriseFactory(name="理想汽车常州基地", primary_chain=chain1)
    f2 = factories.EnterpriseFactory(name="节卡机器人", primary_chain=chain2)

    def need(firm, liaison, status, category, submitted, **fields):
        values = {
            "enterprise": firm,
            "status": status,
            "category": category,
            "submitted_at": submitted,
        }
        if liaison is not None:
            values.update(liaison=liaison, department=liaison.department)
        return factories.NeedFactory(**{**values, **fields})

    closed = NeedStatus.CLOSED
    needs = {
        "N1": need(
            f1,
            l1,
            closed,
            NeedCategory.FINANCING,
            at(16, 9),
            dispatched_at=at(16, 10),
            sign_due=at(16, 14),
            signed_at=at(16, 11),
            resolve_due=at(19, 18),
            replied_at=at(18, 10),
            closed_at=at(19, 10),
            satisfaction=Satisfaction.SATISFIED,
        ),
        "N2": need(
            f1,
            l1,
            closed,
            NeedCategory.FINANCING,
            at(16, 9, 30),
            dispatched_at=at(16, 10),
            sign_due=at(17, 14),  # the clock of the reopening
            signed_at=at(17, 16),
            resolve_due=at(17, 18),
            replied_at=at(18, 12),
            closed_at=at(20, 10),
            satisfaction=Satisfaction.BASICALLY,
            reopen_count=1,
        ),
        "N3": need(
            f1,
            l1,
            NeedStatus.IN_PROGRESS,
            NeedCategory.HIRING,
            at(17, 9),
            dispatched_at=at(17, 10),
            sign_due=at(17, 14),
            signed_at=at(17, 11),
            resolve_due=at(20, 18),
        ),
        "N4": need(
            f2,
            l2,
            NeedStatus.REOPENED,
            NeedCategory.FINANCING,
            at(16, 10),
            dispatched_at=at(16, 11),
            sign_due=at(24, 12),
            resolve_due=at(27, 18),
            replied_at=at(18, 9),
            rated_at=at(19, 10),
            satisfaction=Satisfaction.UNSATISFIED,
            reopen_count=1,
        ),
        "N5": need(
            f2,
            l2,
            closed,
            NeedCategory.FINANCING,
            at(11, 10),
            dispatched_at=at(11, 11),
            sign_due=at(11, 15),
            signed_at=at(11, 12),
            resolve_due=at(17, 18),
            replied_at=at(17, 9),
            closed_at=at(18, 10),
            satisfaction=Satisfaction.SATISFIED,
        ),
        "N6": need(f2, None, NeedStatus.SUBMITTED, NeedCategory.TECHNOLOGY, at(21, 10)),
        "N7": need(
            f2,
            l2,
            closed,
            NeedCategory.PERMITS,
            at(16, 11),
            dispatched_at=at(16, 12),
            sign_due=at(16, 16),
            signed_at=at(16, 13),
            resolve_due=at(18, 18),
            replied_at=at(18, 17),
            closed_at=at(19, 9),
            satisfaction=Satisfaction.SATISFIED,
        ),
        "N8": need(
            f1,
            l1,
            NeedStatus.IN_PROGRESS,
            NeedCategory.OTHER,
            at(10, 9),
            dispatched_at=at(10, 10),
            sign_due=at(16, 11),
            signed_at=at(13, 16),
            resolve_due=at(27, 18),
            replied_at=at(11, 15),
            rated_at=at(12, 10),
            satisfaction=Satisfaction.BASICALLY,
            reopen_count=1,
        ),
        "X1": need(
            f1,
            l1,
            closed,
            NeedCategory.FINANCING,
            at(9, 9),
            dispatched_at=at(9, 10),
            sign_due=at(9, 14),
            signed_at=at(9, 11),
            resolve_due=at(12, 18),
            replied_at=at(12, 10),
            closed_at=at(13, 10),
            satisfaction=Satisfaction.UNSATISFIED,
        ),
        "X2": need(f1, None, NeedStatus.SUBMITTED, NeedCategory.HIRING, at(23, 8)),
        "X3": need(f1, None, NeedStatus.DRAFT, NeedCategory.HIRING, None),
        "X4": need(f2, None, NeedStatus.REJECTED, NeedCategory.OTHER, at(10, 9)),
    }
    a, s = NeedEventAction, NeedStatus
    timeline(
        needs["N2"],
        (at(16, 9, 30), a.SUBMIT, s.DRAFT, s.SUBMITTED),
        (at(16, 9, 45), a.ACCEPT, s.SUBMITTED, s.ACCEPTED),
        (at(16, 10), a.DISPATCH, s.ACCEPTED, s.DISPATCHED),
        (at(16, 16), a.SIGN, s.DISPATCHED, s.IN_PROGRESS),
        (at(17, 9), a.REPLY, s.IN_PROGRESS, s.REPLIED),
        (at(17, 10), a.RATE, s.REPLIED, s.REOPENED),
        (at(17, 16), a.SIGN, s.REOPENED, s.IN_PROGRESS),
        (at(18, 12), a.REPLY, s.IN_PROGRESS, s.REPLIED),
        (at(20, 10), a.RATE, s.REPLIED, s.CLOSED),
    )
    timeline(
        needs["N3"],
        (at(17, 9), a.SUBMIT, s.DRAFT, s.SUBMITTED),
        (at(17, 9, 30), a.ACCEPT, s.SUBMITTED, s.ACCEPTED),
        (at(17, 10), a.DISPATCH, s.ACCEPTED, s.DISPATCHED),
        (at(17, 11), a.SIGN, s.DISPATCHED, s.IN_PROGRESS),
    )
    timeline(
        needs["N4"],
        (at(16, 10), a.SUBMIT, s.DRAFT, s.SUBMITTED),
        (at(16, 10, 30), a.ACCEPT, s.SUBMITTED, s.ACCEPTED),
        (at(16, 11), a.DISPATCH, s.ACCEPTED, s.DISPATCHED),
        (at(16, 12), a.SIGN, s.DISPATCHED, s.IN_PROGRESS),
        (at(18, 9), a.REPLY, s.IN_PROGRESS, s.REPLIED),
        (at(19, 10), a.RATE, s.REPLIED, s.REOPENED),
    )
    timeline(
        needs["N8"],
        (at(10, 9), a.SUBMIT, s.DRAFT, s.SUBMITTED),
        (at(10, 9, 30), a.ACCEPT, s.SUBMITTED, s.ACCEPTED),
        (at(10, 10), a.DISPATCH, s.ACCEPTED, s.DISPATCHED),
        (at(10, 11), a.SIGN, s.DISPATCHED, s.IN_PROGRESS),
        (at(11, 15), a.REPLY, s.IN_PROGRESS, s.REPLIED),
        (at(12, 10), a.RATE, s.REPLIED, s.CLOSED),
        (at(13, 15), a.REOPEN, s.CLOSED, s.REOPENED),
        (at(13, 16), a.SIGN, s.REOPENED, s.IN_PROGRESS),
    )
    History.objects.filter(id__in=[n.pk for n in needs.values()]).update(history_date=at(22, 23))
    History.objects.filter(id=needs["X2"].pk).update(history_date=at(23, 8))
    return {
        **heads,
        "chain1": chain1,
        "chain2": chain2,
        "d1": d1,
        "d2": d2,
        "l1": l1,
        "l2": l2,
        "f1": f1,
        "f2": f2,
        "needs": needs,
    }


@pytest.fixture
def week():
    return build_week()


def figures(**values) -> dict:
    return {
        "received": 0,
        "open": 0,
        "overdue": 0,
        "signed": 0,
        "sign_on_time": 0,
        "closed": 0,
        "resolve_on_time": 0,
        "rated": 0,
        "satisfied": 0,
        "reopened": 0,
        **values,
    }


# Worked out by hand from build_week's docstring. Each rate is over the needs that took its
# step in the week: signed for, closed, rated.
SIDE1 = figures(
    received=3,  # N1 N2 N3
    open=2,  # N3 N8
    overdue=1,  # N3
    signed=3,  # N1 N2 N3 (N8 signed the week before)
    sign_on_time=2,  # N1 N3 (N2 signed again Tue at 16:00, due 14:00)
    closed=2,  # N1 N2
    resolve_on_time=1,  # N1 (N2 replied Wed, due Tue)
    rated=2,  # N1 N2 (N8 rated the week before)
    satisfied=2,  # 满意, 基本满意
    reopened=1,  # N2 (N8 was reopened the week before)
)
SIDE2 = figures(
    received=2,  # N4 N7 (N5 came last week)
    open=1,  # N4
    signed=1,  # N7 (N5 signed last week; N4's sign-for was cleared by its reopening)
    sign_on_time=1,
    closed=2,  # N5 N7
    resolve_on_time=2,  # N5 N7
    rated=3,  # N4 N5 N7
    satisfied=2,  # N5 N7; N4 不满意
    reopened=1,  # N4
)
CHAIN2 = {**SIDE2, "received": 3, "open": 2}  # + N6, submitted and not dispatched
PARK = figures(
    received=6,
    open=4,
    overdue=1,
    signed=4,
    sign_on_time=3,
    closed=4,
    resolve_on_time=3,
    rated=5,
    satisfied=4,
    reopened=2,
)


def test_figures_match_the_hand_computed_week(week):
    data = reports.weekly_report(WEEK, now=AFTER)
    assert data["week_start"] == "2026-11-16"
    assert data["week_end"] == "2026-11-22"
    assert data["totals"] == PARK
    assert data["departments"] == [
        {"id": week["d1"].pk, "name": "科学技术局", **SIDE1},
        {"id": week["d2"].pk, "name": "经济发展局", **SIDE2},
    ]
    assert data["liaisons"] == [
        {
            "id": week["l1"].pk,
            "name": "宋飞洋",
            "department_id": week["d1"].pk,
            "department": "科学技术局",
            **SIDE1,
        },
        {
            "id": week["l2"].pk,
            "name": "李专员",
            "department_id": week["d2"].pk,
            "department": "经济发展局",
            **SIDE2,
        },
    ]
    assert data["chains"] == [
        {"id": week["chain1"].pk, "name": "新能源汽车", **SIDE1},
        {"id": week["chain2"].pk, "name": "机器人", **CHAIN2},
    ]
    # Financing 3 this week (N1 N2 N4), 2 last week (N5 X1); the ties in the categories' order.
    assert data["hot_categories"] == [
        {"category": "financing", "count": 3, "previous": 2, "change": 1},
        {"category": "hiring", "count": 1, "previous": 0, "change": 1},
        {"category": "permits", "count": 1, "previous": 0, "change": 1},
        {"category": "technology", "count": 1, "previous": 0, "change": 1},
    ]


def add_rated(week, *satisfactions) -> None:
    """More needs of F2·L2 in the week, each signed, replied and closed on time and rated (as
    imported: no timeline)."""
    for index, satisfaction in enumerate(satisfactions):
        factories.NeedFactory(
            enterprise=week["f2"],
            liaison=week["l2"],
            department=week["d2"],
            status=NeedStatus.CLOSED,
            category=NeedCategory.OTHER,
            submitted_at=at(17, 9, index),
            dispatched_at=at(17, 10),
            sign_due=at(17, 14),
            signed_at=at(17, 11),
            resolve_due=at(20, 18),
            replied_at=at(19, 10),
            closed_at=at(20, 10),
            rated_at=at(20, 10),
            satisfaction=satisfaction,
        )


def test_units_under_the_floor_need_enough_ratings(week):
    # Side 2: 2 of 3 rated satisfied (66.7 %), but 3 ratings are too few to judge a unit by.
    assert reports.MIN_SAMPLE == 5
    data = reports.weekly_report(WEEK, now=AFTER)
    assert data["min_sample"] == reports.MIN_SAMPLE
    assert data["departments"][1]["rated"] == 3
    assert reports.under_floor(data) == []
    add_rated(week, Satisfaction.UNSATISFIED)  # 2 of 4: still too few
    assert reports.under_floor(reports.weekly_report(WEEK, now=AFTER)) == []
    add_rated(week, Satisfaction.SATISFIED)  # 3 of 5: 60 %, under the floor
    data = reports.weekly_report(WEEK, now=AFTER)
    assert [(row["kind"], row["name"]) for row in reports.under_floor(data)] == [
        ("departments", "经济发展局"),
        ("liaisons", "李专员"),
        ("chains", "机器人"),
    ]


def test_each_rate_is_over_a_count_of_its_own_row(week):
    data = reports.weekly_report(WEEK, now=AFTER)
    for row in [data["totals"], *data["departments"], *data["liaisons"], *data["chains"]]:
        for numerator, denominator in reports.RATES.values():
            assert 0 <= row[numerator] <= row[denominator], (row, numerator)


def test_a_reply_awaiting_its_rating_is_not_counted_as_closed_on_time(db):
    """A week with nothing closed gives no on-time resolution rate: a need replied on time and
    waiting for the firm's rating, and one past its deadline, are not a 50 % resolution rate."""
    liaison = factories.LiaisonFactory()
    firm = factories.EnterpriseFactory()
    common = {"enterprise": firm, "liaison": liaison, "department": liaison.department}
    factories.NeedFactory(
        **common,
        status=NeedStatus.REPLIED,
        submitted_at=at(16, 9),
        dispatched_at=at(16, 10),
        sign_due=at(16, 14),
        signed_at=at(16, 11),
        resolve_due=at(20, 18),
        replied_at=at(19, 10),
    )
    factories.NeedFactory(
        **common,
        status=NeedStatus.IN_PROGRESS,
        submitted_at=at(16, 9),
        dispatched_at=at(16, 10),
        sign_due=at(16, 14),
        signed_at=at(16, 12),
        resolve_due=at(18, 18),
    )
    totals = reports.weekly_report(WEEK, now=AFTER)["totals"]
    assert (totals["closed"], totals["resolve_on_time"], totals["overdue"]) == (0, 0, 1)
    assert reports.rate_shown(0, totals["closed"], min_sample=reports.MIN_SAMPLE) is None
    assert (totals["signed"], totals["sign_on_time"]) == (2, 2)


def test_a_rate_is_given_from_the_minimum_sample_on():
    assert reports.rate_shown(0, 1, min_sample=5) is None
    assert reports.rate_shown(4, 4, min_sample=5) is None
    assert reports.rate_shown(4, 5, min_sample=5) == pytest.approx(0.8)
    assert reports.rate_shown(0, 0, min_sample=0) is None


def test_hot_categories_are_the_top_five(db):
    firm = factories.EnterpriseFactory()
    categories = list(NeedCategory.values)[:7]
    for count, category in enumerate(categories, start=1):
        for _ in range(count):
            factories.NeedFactory(enterprise=firm, category=category, submitted_at=at(18, 9))
    hot = reports.weekly_report(WEEK, now=AFTER)["hot_categories"]
    assert [row["category"] for row in hot] == categories[6:1:-1]
    assert [row["count"] for row in hot] == [7, 6, 5, 4, 3]


def test_the_week_runs_monday_to_monday_in_beijing_time(db):
    firm = factories.EnterpriseFactory()
    utc = ZoneInfo("UTC")
    inside = [
        at(16, 0, 0),  # Monday 00:00 Beijing = Sunday 16:00 UTC
        datetime(2026, 11, 22, 15, 59, 59, tzinfo=utc),  # Sunday 23:59:59 Beijing
    ]
    outside = [
        datetime(2026, 11, 15, 15, 59, 59, tzinfo=utc),  # the Sunday before, 23:59:59 Beijing
        datetime(2026, 11, 22, 16, 0, tzinfo=utc),  # next Monday 00:00 Beijing
    ]
    for moment in inside + outside:
        factories.NeedFactory(enterprise=firm, submitted_at=moment)
    assert reports.week_bounds(WEEK) == (at(16, 0), at(23, 0))
    assert reports.weekly_report(WEEK, now=AFTER)["totals"]["received"] == 2


def test_last_finished_week_in_beijing_time():
    # Sunday 22 Nov 23:30 in Beijing is still the week of the 16th: the one before has ended.
    assert reports.last_finished_week(at(22, 23, 30)) == date(2026, 11, 9)
    # Monday 00:10 in Beijing (Sunday 16:10 UTC): the week of the 16th has just ended.
    assert reports.last_finished_week(at(23, 0, 10)) == WEEK
    assert reports.last_finished_week(AFTER) == WEEK


def test_a_week_starts_on_a_monday(db):
    with pytest.raises(ValueError):
        reports.weekly_report(date(2026, 11, 17))


def test_queries_do_not_grow_with_needs(django_assert_num_queries, week):
    firm, liaison = week["f1"], week["l1"]

    def add(n: int) -> None:
        for _ in range(n):
            factories.NeedFactory(
                enterprise=firm,
                liaison=liaison,
                department=liaison.department,
                status=NeedStatus.IN_PROGRESS,
                submitted_at=at(18, 9),
                dispatched_at=at(18, 10),
                first_contact_at=at(18, 11),
                sign_due=at(18, 14),
                signed_at=at(18, 11),
                resolve_due=at(25, 18),
            )

    # The figures of the park, departments, liaisons and chains in one query (in a savepoint
    # that switches PostgreSQL's JIT off: savepoint, SET, the query, release), the units of the
    # three tables, the hot categories. The timeline and the historical rows are subqueries.
    expected = 8 if connection.vendor == "postgresql" else 7  # no JIT to switch off
    add(5)
    with django_assert_num_queries(expected):
        reports.weekly_report(WEEK, now=AFTER)
    add(45)
    with django_assert_num_queries(expected):
        reports.weekly_report(WEEK, now=AFTER)


def test_a_week_does_not_change_when_regenerated_later(week):
    """Monday's report and one generated days later give the same figures, whatever happened to
    the needs since Sunday 24:00 (the services run at their own moments after the week)."""
    needs = week["needs"]
    staff = factories.StaffFactory(username="staff")
    secretary = factories.UserFactory(username="secretary")
    factories.EnterpriseContactFactory(user=secretary, enterprise=week["f1"])
    liaison1, liaison2 = week["l1"].user, week["l2"].user
    # In the week: N3's liaison asks for two more working days on Friday, before the deadline.
    acted(
        at(20, 12),
        need_services.need_request_extension,
        need=needs["N3"],
        actor=liaison1,
        workdays=2,
        reason="等待人社局联审",
    )
    published, _outcome = reports.weekly_report_generate(week_start=WEEK, now=AFTER)
    assert published.data["totals"] == PARK

    # After the week: the extension is approved (N3 was overdue at the week's end, it is not
    # any more), N3 is replied and rated 不满意 (reopened, a new clock), N1 reopened (its close
    # stays in the week), N4 signed and replied, X1 (closed last week) reopened, N6 (open at the
    # week's end) not accepted, N8 given back by 宋飞洋 and dispatched to 李专员.
    acted(
        at(23, 9),
        need_services.need_decide_extension,
        need=needs["N3"],
        actor=staff,
        approve=True,
        note="同意",
    )
    acted(
        at(24, 10),
        need_services.need_reply,
        need=needs["N3"],
        actor=liaison1,
        resolution="已协调人社局办结。",
    )
    acted(
        at(24, 15),
        need_services.need_rate,
        need=needs["N3"],
        actor=secretary,
        satisfaction=Satisfaction.UNSATISFIED,
        comment="仍未落实",
    )
    for need, moment in ((needs["N1"], at(24, 9)), (needs["X1"], at(24, 11))):
        acted(moment, need_services.need_reopen, need=need, actor=staff, reason="回访企业不满意")
    acted(at(24, 9), need_services.need_sign, need=needs["N4"], actor=liaison2)
    acted(
        at(25, 10),
        need_services.need_reply,
        need=needs["N4"],
        actor=liaison2,
        resolution="贷款已发放。",
    )
    acted(at(23, 10), need_services.need_reject, need=needs["N6"], actor=staff, reason="不属实")
    acted(
        at(23, 14),
        need_services.need_request_return,
        need=needs["N8"],
        actor=liaison1,
        reason="不属于本部门职责",
    )
    acted(
        at(23, 15),
        need_services.need_decide_return,
        need=needs["N8"],
        actor=staff,
        approve=True,
        note="改派",
    )
    acted(
        at(23, 16),
        need_services.need_dispatch,
        need=needs["N8"],
        actor=staff,
        liaison=week["l2"],
    )
    now = {
        pk: (status, resolve_due)
        for pk, status, resolve_due in Need.objects.values_list("pk", "status", "resolve_due")
    }
    assert now[needs["N3"].pk][0] == NeedStatus.REOPENED  # rated 不满意 after the week
    assert now[needs["N3"].pk][1] > at(23, 0)  # the clock of the reopening
    assert now[needs["N1"].pk][0] == now[needs["X1"].pk][0] == NeedStatus.REOPENED
    assert now[needs["N4"].pk][0] == NeedStatus.REPLIED
    assert now[needs["N6"].pk][0] == NeedStatus.REJECTED
    assert Need.objects.get(pk=needs["N8"].pk).liaison == week["l2"]

    later = at(26, 9)
    report, outcome = reports.weekly_report_generate(
        week_start=WEEK, actor=staff, replace=True, now=later
    )
    assert outcome is reports.Outcome.REPLACED
    assert report.data["computed_at"] == later.isoformat()
    assert {**report.data, "computed_at": None} == {**published.data, "computed_at": None}
    assert report.data["totals"] == PARK
    # The week after sees the moves: two reopenings (N1, X1) and N3's 不满意, N3 and N4 replied,
    # N6 not accepted.
    following = reports.weekly_report(WEEK + timedelta(days=7), now=later)["totals"]
    assert following["reopened"] == 3
    assert following["received"] == 1  # X2


def test_a_reopening_counts_in_the_week_it_happened(week):
    """N8 was reopened the week before: it counts there, not in the week it is worked on."""
    previous = reports.weekly_report(WEEK - timedelta(days=7), now=AFTER)
    chain1 = next(row for row in previous["chains"] if row["id"] == week["chain1"].pk)
    assert chain1["reopened"] == 1  # N8, reopened Friday the 13th
    data = reports.weekly_report(WEEK, now=AFTER)
    assert data["chains"][0]["reopened"] == 1  # N2 only
    assert week["needs"]["N8"].reopen_count == 1


def test_overdue_counts_the_deadline_of_the_status_at_week_end(db):
    """Awaiting acceptance: the acceptance deadline; awaiting sign-for: the sign-for deadline;
    clock running: the resolve deadline; clock paused (waiting for the firm): not overdue."""
    firm = factories.EnterpriseFactory()
    past, ahead = at(20, 18), at(24, 18)
    for status, fields in (
        (NeedStatus.SUBMITTED, {"accept_due": past}),  # overdue
        (NeedStatus.SUBMITTED, {"accept_due": ahead}),
        (NeedStatus.DISPATCHED, {"sign_due": past, "resolve_due": ahead}),  # overdue
        (NeedStatus.REOPENED, {"sign_due": ahead, "resolve_due": ahead}),
        (NeedStatus.IN_PROGRESS, {"sign_due": past, "resolve_due": past}),  # overdue
        (NeedStatus.WAITING_ENTERPRISE, {"resolve_due": past}),
        (NeedStatus.REPLIED, {"resolve_due": past}),  # replied: not open
    ):
        factories.NeedFactory(enterprise=firm, status=status, submitted_at=at(16, 9), **fields)
    totals = reports.weekly_report(WEEK, now=AFTER)["totals"]
    assert (totals["open"], totals["overdue"]) == (6, 3)


# --- The snapshot and its beat task --------------------------------------------------------------


def test_generating_stores_a_snapshot_and_tells_the_readers(week):
    staff = factories.StaffFactory(username="staff")
    factories.UserFactory(username="nobody")  # no role: not told
    report, outcome = reports.weekly_report_generate(week_start=WEEK, now=AFTER)
    assert outcome is reports.Outcome.CREATED
    assert (report.week_start, report.generated_at, report.generated_by) == (WEEK, AFTER, None)
    assert report.data["totals"] == PARK
    told = Notification.objects.filter(kind="weekly_report")
    assert set(told.values_list("recipient__username", flat=True)) == {
        "staff",
        "h1",
        "h2",
        "c1",
        "c2",
    }
    note = told.get(recipient=staff)
    assert note.url == "/reports/weekly/2026-11-16/"
    assert "2026-11-16" in note.title
    assert "2026-11-22" in note.title


@time_machine.travel(AFTER, tick=True)  # the week has ended: the task and the page take now
def test_the_task_is_idempotent_and_keeps_the_published_snapshot(week):
    factories.StaffFactory(username="staff")
    assert generate_weekly_report.run(week_start="2026-11-16") == "created"
    first = WeeklyReport.objects.get()
    week["needs"]["N3"].delete()  # the figures move on after publication
    assert generate_weekly_report.run(week_start="2026-11-16") == "kept"
    assert WeeklyReport.objects.count() == 1
    kept = WeeklyReport.objects.get()
    assert (kept.generated_at, kept.data) == (first.generated_at, first.data)
    assert Notification.objects.filter(kind="weekly_report").count() == 5  # once each


def test_staff_regenerating_replace_the_snapshot(week):
    staff = factories.StaffFactory(username="staff")
    reports.weekly_report_generate(week_start=WEEK, now=AFTER)
    week["needs"]["N3"].delete()
    later = AFTER + timedelta(days=2)
    report, outcome = reports.weekly_report_generate(
        week_start=WEEK, actor=staff, replace=True, now=later
    )
    assert outcome is reports.Outcome.REPLACED
    assert (report.generated_at, report.generated_by) == (later, staff)
    assert report.data["totals"]["received"] == 5
    assert WeeklyReport.objects.count() == 1
    assert Notification.objects.filter(kind="weekly_report").count() == 5  # not told again


@pytest.mark.parametrize(
    "week_start",
    [date(2026, 11, 17), date(2026, 11, 23), date(2019, 12, 30)],
    ids=["not-a-monday", "not-ended", "too-early"],
)
def test_only_finished_weeks_are_generated(db, week_start):
    with pytest.raises(reports.WeekNotReportable):
        reports.weekly_report_generate(week_start=week_start, now=AFTER)
    assert not WeeklyReport.objects.exists()


def test_beat_runs_the_task_on_monday_morning():
    entry = settings.CELERY_BEAT_SCHEDULE["generate-weekly-report"]
    assert entry["task"] == generate_weekly_report.name
    schedule = entry["schedule"]
    assert (schedule.day_of_week, schedule.hour, schedule.minute) == ({1}, {7}, {30})
    assert settings.CELERY_TIMEZONE == "Asia/Shanghai"


# --- Pages, .xlsx and who sees what ------------------------------------------------------------


@pytest.fixture
def published(week):
    reports.weekly_report_generate(week_start=WEEK, now=AFTER)
    return week


def detail_url(week_start: date = WEEK) -> str:
    return reverse("reports:weekly-detail", args=[week_start])


def xlsx_url(week_start: date = WEEK) -> str:
    return reverse("reports:weekly-xlsx", args=[week_start])


def open_xlsx(response) -> openpyxl.Workbook:
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def table_row(content: str, kind: str, pk: int) -> str:
    """The <tr> of one unit in one table of the page."""
    table = content.split(f'data-kind="{kind}"', 1)[1].split("</table>", 1)[0]
    return table.split(f'data-id="{pk}"', 1)[1].split("</tr>", 1)[0]


@pytest.fixture
def published_rated(week):
    """The week with two more rated needs of side 2 (1 满意, 1 不满意): 3 of 5 satisfied, enough
    ratings for a rate, under the floor."""
    add_rated(week, Satisfaction.SATISFIED, Satisfaction.UNSATISFIED)
    reports.weekly_report_generate(week_start=WEEK, now=AFTER)
    return week


def test_the_page_shows_the_hand_computed_figures(client, published_rated):
    week = published_rated
    client.force_login(factories.StaffFactory(username="staff"))
    response = client.get(detail_url())
    assert response.status_code == 200
    content = response.content.decode()
    assert "周通报 2026-11-16 – 2026-11-22" in content
    assert f'data-below-floor="1" data-id="{week["d2"].pk}"' in content  # highlighted
    assert f'data-below-floor="1" data-id="{week["d1"].pk}"' not in content
    assert "满意率低于 85% 底线的单位" in content
    department2 = table_row(content, "departments", week["d2"].pk)
    assert 'data-figure="received">4<' in department2
    assert "60.0%" in department2  # 3 of 5 satisfied: under the floor, highlighted
    assert 'data-sample="5">(3/5)<' in department2
    # 3 sign-fors and 4 closes are too few for a rate: a dash beside the counts.
    assert '<span data-rate="" title="不足 5 件，样本过少，不计比率。">—</span>' in department2
    sample = '<span class="text-body-secondary fw-normal small" data-sample="3">(3/3)<'
    assert f">—</span> {sample}" in department2
    assert 'data-sample="4">(4/4)<' in department2
    department1 = table_row(content, "departments", week["d1"].pk)
    assert 'data-sample="3">(2/3)<' in department1  # sign-for
    assert 'data-sample="2">(1/2)<' in department1  # resolution over the 2 closed
    assert "%" not in department1
    chain2 = table_row(content, "chains", week["chain2"].pk)
    assert 'data-figure="received">5<' in chain2
    assert 'data-figure="open">2<' in chain2
    under_floor = content.split('id="weekly-under-floor"', 1)[1].split("</section>", 1)[0]
    assert "经济发展局" in under_floor
    assert "李专员" in under_floor
    assert "机器人" in under_floor
    assert "科学技术局" not in under_floor
    assert "(3/5)" in under_floor
    hot = content.split('id="weekly-hot"', 1)[1].split("</table>", 1)[0]
    assert hot.index("融资") < hot.index("用工")  # financing first
    assert "+1" in hot
    totals = content.split('id="weekly-totals"', 1)[1].split("</dl>", 1)[0]
    assert 'data-figure="received">8<' in totals
    assert 'data-figure="closed">6<' in totals
    # Sign-for, and resolution over the 6 closed.
    sample = '<span class="text-body-secondary fw-normal small" data-sample="6">(5/6)'
    assert f">83.3%</span> {sample}" in totals
    assert totals.count("(5/6)") == 2
    assert ">71.4%</span>" in totals and "(5/7)" in totals  # satisfaction over 7 ratings
    # The note says the figures are those of the week's end, whenever generated, and how
    # each rate is counted.
    assert "事后重新生成，数据不变" in content
    assert "本周内被重办的需求" in content
    assert "按时办结率以本周办结的需求为基数" in content
    assert "基数不足 5 件的比率显示为“—”" in content


def test_the_xlsx_has_one_sheet_per_section_with_typed_figures(client, published_rated):
    client.force_login(factories.StaffFactory(username="staff"))
    response = client.get(xlsx_url())
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    book = open_xlsx(response)
    assert book.sheetnames == [
        "全园区",
        "按部门",
        "按红链专员",
        "按产业链",
        "热点类别",
        "低于满意度底线",
    ]
    departments = list(book["按部门"].iter_rows(values_only=True))
    # Each rate comes right after the count it is taken over.
    assert departments[0] == (
        "单位",
        "收到需求",
        "周末在办",
        "周末超期",
        "已签收",
        "按时签收率",
        "办结需求",
        "按时办结率",
        "评价数",
        "满意率",
        "重办",
        "低于满意度底线",
    )
    # 科学技术局: 3 received, 2 open, 1 overdue; 3 signed for, 2 closed, 2 rated: too few.
    assert departments[1] == ("科学技术局", 3, 2, 1, 3, "—", 2, "—", 2, "—", 1, None)
    assert departments[2][0] == "经济发展局"
    assert departments[2][8:] == (5, pytest.approx(3 / 5), 1, "是")
    cell = book["按部门"]["J3"]  # satisfaction of 经济发展局
    assert cell.number_format == "0.0%"
    park = list(book["全园区"].iter_rows(values_only=True))
    assert park[1][:5] == ("全园区", 8, 4, 1, 6)
    assert park[1][5:10] == (pytest.approx(5 / 6), 6, pytest.approx(5 / 6), 7, pytest.approx(5 / 7))
    liaisons = list(book["按红链专员"].iter_rows(values_only=True))
    assert liaisons[1][:3] == ("宋飞洋", "科学技术局", 3)
    hot = list(book["热点类别"].iter_rows(values_only=True))
    assert hot[1] == (1, "融资", 3, 2, 1)
    floor = list(book["低于满意度底线"].iter_rows(values_only=True))
    assert floor[0] == ("类型", "单位", "评价数", "满意率")
    assert floor[1:] == [
        ("部门", "经济发展局", 5, pytest.approx(0.6)),
        ("红链专员", "李专员", 5, pytest.approx(0.6)),
        ("产业链", "机器人", 5, pytest.approx(0.6)),
    ]


def test_a_rate_from_one_rating_is_a_dash_beside_its_count(client, db):
    """A chief whose chain had one rating in the week (不满意) sees "—" beside (0/1), on the page
    and in the sheet, never a headline of 0.0 %."""
    chief = factories.UserFactory(username="chief")
    chain = factories.IndustryChainFactory(chief=chief)
    liaison = factories.LiaisonFactory()
    factories.NeedFactory(
        enterprise=factories.EnterpriseFactory(primary_chain=chain),
        chain=chain,
        liaison=liaison,
        department=liaison.department,
        status=NeedStatus.REOPENED,
        submitted_at=at(16, 9),
        dispatched_at=at(16, 10),
        replied_at=at(18, 10),
        rated_at=at(19, 10),
        satisfaction=Satisfaction.UNSATISFIED,
    )
    reports.weekly_report_generate(week_start=WEEK, now=AFTER)
    client.force_login(chief)
    content = client.get(detail_url()).content.decode()
    totals = content.split('id="weekly-totals"', 1)[1].split("</dl>", 1)[0]
    satisfaction = totals.split('data-figure="satisfaction">', 1)[1].split("</dd>", 1)[0]
    assert ">—</span>" in satisfaction
    assert "(0/1)" in satisfaction
    assert "0.0%" not in content
    row = table_row(content, "chains", chain.pk)
    assert "(0/1)" in row
    assert "%" not in row
    book = open_xlsx(client.get(xlsx_url()))
    chains = list(book["按产业链"].iter_rows(values_only=True))
    assert chains[1][8:10] == (1, "—")  # 1 rating, no rate
    assert list(book["低于满意度底线"].iter_rows(min_row=2, values_only=True)) == []


def test_a_snapshot_of_earlier_definitions_shows_its_counts_and_no_rates(client, published):
    report = WeeklyReport.objects.get()
    data = dict(report.data)
    data["version"] = 2
    data["min_ratings"] = data.pop("min_sample")
    for row in [data["totals"], *data["departments"], *data["liaisons"], *data["chains"]]:
        row["sign_total"] = row.pop("signed")
        row["resolve_total"] = row["closed"]
    report.data = data
    report.save(update_fields=["data"])
    client.force_login(factories.StaffFactory(username="staff"))
    response = client.get(detail_url())
    assert response.status_code == 200
    content = response.content.decode()
    assert 'id="weekly-old-definitions"' in content
    assert "%" not in content.split('id="weekly-totals"', 1)[1].split("</dl>", 1)[0]
    assert client.get(xlsx_url()).status_code == 200


def test_a_department_head_sees_the_department_and_its_liaisons(client, published):
    client.force_login(published["h1"])
    content = client.get(detail_url()).content.decode()
    assert "科学技术局" in content
    assert "宋飞洋" in content
    assert "经济发展局" not in content
    assert "李专员" not in content
    assert 'data-kind="chains"' not in content  # no chain row for a department head
    assert 'id="weekly-totals"' in content
    assert reverse("reports:weekly-generate") not in content  # only staff generate
    book = open_xlsx(client.get(xlsx_url()))
    assert [r[0] for r in book["按部门"].iter_rows(min_row=2, values_only=True)] == ["科学技术局"]
    assert [r[0] for r in book["按红链专员"].iter_rows(min_row=2, values_only=True)] == ["宋飞洋"]
    assert list(book["按产业链"].iter_rows(min_row=2, values_only=True)) == []
    assert list(book["低于满意度底线"].iter_rows(min_row=2, values_only=True)) == []


def test_a_chain_chief_sees_the_chain(client, published):
    client.force_login(published["c2"])
    content = client.get(detail_url()).content.decode()
    assert 'data-kind="chains"' in content
    assert "机器人" in content
    assert "新能源汽车" not in content
    assert "科学技术局" not in content
    assert "宋飞洋" not in content
    book = open_xlsx(client.get(xlsx_url()))
    assert [r[0] for r in book["按产业链"].iter_rows(min_row=2, values_only=True)] == ["机器人"]
    assert list(book["按部门"].iter_rows(min_row=2, values_only=True)) == []
    assert list(book["低于满意度底线"].iter_rows(min_row=2, values_only=True)) == []


# anon, an outsider, a secretary, a liaison, a department head, a chain chief, park staff
ROLES = ("anon", "outsider", "secretary", "liaison", "head", "chief", "staff")
MATRIX = {
    ("weekly-list", "GET"): (302, 404, 404, 404, 200, 200, 200),
    ("weekly-list", "POST"): (302, 405, 405, 405, 405, 405, 405),
    ("weekly-detail", "GET"): (302, 404, 404, 404, 200, 200, 200),
    ("weekly-detail", "POST"): (302, 405, 405, 405, 405, 405, 405),
    ("weekly-xlsx", "GET"): (302, 404, 404, 404, 200, 200, 200),
    ("weekly-generate", "POST"): (302, 404, 404, 404, 404, 404, 302),
    ("weekly-generate", "GET"): (302, 405, 405, 405, 405, 405, 405),
}


def _role_user(role: str, week: dict):
    if role == "anon":
        return None
    if role == "secretary":
        user = factories.UserFactory(username="secretary")
        factories.EnterpriseContactFactory(user=user, enterprise=week["f1"])
        return user
    return {
        "outsider": lambda: factories.UserFactory(username="outsider"),
        "liaison": lambda: week["l1"].user,
        "head": lambda: week["h1"],
        "chief": lambda: week["c1"],
        "staff": lambda: factories.StaffFactory(username="staff"),
    }[role]()


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(client, published, role):
    user = _role_user(role, published)
    if user is not None:
        client.force_login(user)
    before = list(WeeklyReport.objects.values())
    for (name, method), codes in MATRIX.items():
        args = [WEEK] if name in ("weekly-detail", "weekly-xlsx") else []
        url = reverse(f"reports:{name}", args=args)
        data = {"week": "2026-11-18"} if name == "weekly-generate" else {}
        response = client.post(url, data) if method == "POST" else client.get(url)
        expected = codes[ROLES.index(role)]
        assert response.status_code == expected, (name, method, role)
        if role == "anon":
            assert response["Location"].startswith(reverse("login"))
    if role != "staff":
        assert list(WeeklyReport.objects.values()) == before


@pytest.mark.parametrize("path", ["2026-11-09/", "2026-11-17/", "2026-02-30/", "2026-11-16x/"])
def test_a_week_without_a_report_is_not_found(client, published, path):
    client.force_login(factories.StaffFactory(username="staff"))
    assert client.get(f"/reports/weekly/{path}").status_code == 404


def test_the_list_shows_the_weeks(client, published, django_assert_max_num_queries):
    client.force_login(factories.StaffFactory(username="staff"))
    client.get(reverse("reports:weekly-list"))
    # session, user, park staff group, count, the page of weeks (their snapshots deferred);
    # the page frame: unread notifications, park staff group (the admin link)
    with django_assert_max_num_queries(7):
        response = client.get(reverse("reports:weekly-list"))
    content = response.content.decode()
    assert "2026-11-16 – 2026-11-22" in content
    assert "由每周一定时任务发布" in content
    assert detail_url() in content
    assert xlsx_url() in content
    assert 'name="week"' in content  # staff may generate


def test_the_detail_page_queries_do_not_depend_on_the_rows(
    client, published, django_assert_max_num_queries
):
    client.force_login(factories.StaffFactory(username="staff"))
    client.get(detail_url())
    # session, user, park staff group, the report with who generated it; the page frame:
    # unread notifications, park staff group (the admin link)
    with django_assert_max_num_queries(6):
        assert client.get(detail_url()).status_code == 200


@time_machine.travel(AFTER, tick=True)  # the week has ended: the task and the page take now
def test_staff_generate_a_week_and_regenerate_it(client, week):
    staff = factories.StaffFactory(username="staff")
    client.force_login(staff)
    response = client.post(
        reverse("reports:weekly-generate"), {"week": "2026-11-19"}, follow=True
    )  # any day of the week
    assert response.redirect_chain[-1][0] == detail_url()
    assert "周通报 2026-11-16 – 2026-11-22 已生成" in response.content.decode()
    report = WeeklyReport.objects.get()
    assert report.generated_by == staff
    response = client.post(reverse("reports:weekly-generate"), {"week": "2026-11-16"}, follow=True)
    content = response.content.decode()
    assert "已重新生成" in content
    assert WeeklyReport.objects.count() == 1


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "这个字段是必填项"),
        ("not-a-date", "输入一个有效的日期"),
        ("2999-01-04", "这一周尚未结束"),
        ("9999-12-31", "这一周尚未结束"),
        ("2019-06-03", "2020-01-06"),
        ("<script>alert(1)</script>", "输入一个有效的日期"),
        ("2026-11-16" * 500, "输入一个有效的日期"),
    ],
    ids=["missing", "wrong", "future", "far-future", "too-early", "hostile", "oversized"],
)
def test_generate_refuses_bad_weeks_with_a_message(client, db, value, message):
    client.force_login(factories.StaffFactory(username="staff"))
    response = client.post(reverse("reports:weekly-generate"), {"week": value}, follow=True)
    content = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("reports:weekly-list")
    assert message in content
    assert "<script>alert(1)" not in content
    assert not WeeklyReport.objects.exists()


@pytest.mark.parametrize(
    ("role", "shown"),
    [("staff", True), ("head", True), ("chief", True), ("liaison", False), ("outsider", False)],
)
def test_the_home_page_links_the_reports_for_those_who_see_them(client, week, role, shown):
    client.force_login(_role_user(role, week))
    content = client.get(reverse("home")).content.decode()
    assert (reverse("reports:weekly-list") in content) is shown
