"""Needs KPIs per liaison, department and chain, and the working-hours helper behind them."""

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from alliance.core import workcalendar
from alliance.core.models import CalendarDay
from liaisons.models import Need, NeedStatus, Satisfaction
from liaisons.needs.kpis import (
    Rate,
    kpis_by_chain,
    kpis_by_department,
    kpis_by_liaison,
)
from tests import factories

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=SHANGHAI)  # Friday
MONDAY = datetime(2026, 11, 16, 9, 0, tzinfo=SHANGHAI)

pytestmark = pytest.mark.django_db


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


@pytest.fixture
def office(db):
    chain_a = factories.IndustryChainFactory(code="nev", name="新能源汽车")
    chain_b = factories.IndustryChainFactory(code="robotics", name="机器人")
    firm_a = factories.EnterpriseFactory(primary_chain=chain_a)
    firm_b = factories.EnterpriseFactory(primary_chain=chain_b)
    d1 = factories.DepartmentFactory(name="科学技术局", order=1)
    d2 = factories.DepartmentFactory(name="经济发展局", order=2)
    l1 = factories.LiaisonFactory(department=d1, user__full_name="王专员")
    l2 = factories.LiaisonFactory(department=d2, user__full_name="李专员")

    def need(firm, liaison, status, **fields):
        values = {"enterprise": firm, "status": status}
        if liaison is not None:
            values.update(
                liaison=liaison,
                department=liaison.department,
                dispatched_at=MONDAY,
                sign_due=MONDAY + hours(4),
                resolve_due=MONDAY + hours(48),
            )
        return factories.NeedFactory(**{**values, **fields})

    # L1 (科学技术局, 新能源汽车):
    need(  # on time everywhere, satisfied; first contact 2 working hours after dispatch
        firm_a,
        l1,
        NeedStatus.CLOSED,
        signed_at=MONDAY + hours(1),
        first_contact_at=MONDAY + hours(2),
        replied_at=MONDAY + hours(24),
        closed_at=MONDAY + hours(30),
        satisfaction=Satisfaction.SATISFIED,
    )
    need(  # late everywhere, basically satisfied after one reopening; first contact Tuesday
        firm_a,
        l1,
        NeedStatus.CLOSED,
        signed_at=MONDAY + hours(6),
        first_contact_at=MONDAY + timedelta(days=1, hours=1.5),
        replied_at=MONDAY + hours(60),
        closed_at=MONDAY + hours(70),
        satisfaction=Satisfaction.BASICALLY,
        reopen_count=1,
    )
    need(  # signed on time, now past its resolve deadline; returned once before
        firm_a,
        l1,
        NeedStatus.IN_PROGRESS,
        signed_at=MONDAY + hours(3),
        resolve_due=NOW - hours(1),
        return_count=1,
    )
    need(  # just dispatched: neither deadline decided yet
        firm_a,
        l1,
        NeedStatus.DISPATCHED,
        sign_due=NOW + hours(4),
        resolve_due=NOW + hours(40),
    )
    need(  # reopened after an unsatisfied rating, waiting to be signed again
        firm_a,
        l1,
        NeedStatus.REOPENED,
        sign_due=NOW + hours(4),
        resolve_due=NOW + hours(40),
        replied_at=MONDAY + hours(20),
        satisfaction=Satisfaction.UNSATISFIED,
        reopen_count=1,
    )
    # Not dispatched yet: counts for the chain only.
    need(firm_a, None, NeedStatus.SUBMITTED)
    # L2 (经济发展局, 机器人): signed on time, nothing else decided.
    need(
        firm_b,
        l2,
        NeedStatus.IN_PROGRESS,
        signed_at=MONDAY + hours(2),
        resolve_due=NOW + hours(8),
    )
    return {"l1": l1, "l2": l2, "d1": d1, "d2": d2, "chain_a": chain_a, "chain_b": chain_b}


def by_key(rows):
    return {row.key: row for row in rows}


def test_rates_per_liaison(office):
    rows = by_key(kpis_by_liaison(Need.objects.all(), now=NOW))
    assert list(rows) == [office["l1"], office["l2"]]  # the liaisons' own order
    l1 = rows[office["l1"]]
    assert (l1.needs, l1.open, l1.overdue) == (5, 3, 1)
    assert l1.on_time_sign == Rate(2, 3)
    assert l1.on_time_resolve == Rate(1, 3)
    # Monday 09:00 → 11:00 is 2 working hours; → Tuesday 10:30 is 7.5 + 2 = 9.5; average 5.75.
    assert l1.first_contact_hours == pytest.approx(5.8)
    assert l1.satisfaction == Rate(2, 3)
    assert l1.reopen == Rate(2, 3)
    assert l1.returns == Rate(1, 5)
    assert l1.below_satisfaction_floor is True  # 66.7 % < 85 %
    assert l1.on_time_sign.percent == 66.7


def test_no_data_is_none_not_zero(office):
    l2 = by_key(kpis_by_liaison(Need.objects.all(), now=NOW))[office["l2"]]
    assert l2.on_time_sign.value == 1.0
    assert l2.on_time_resolve == Rate(0, 0)
    assert l2.on_time_resolve.value is None and l2.on_time_resolve.percent is None
    assert l2.satisfaction.value is None
    assert l2.below_satisfaction_floor is False
    assert l2.reopen.value is None
    assert l2.first_contact_hours is None
    assert l2.returns.value == 0.0  # dispatched once, never returned: a real 0 %


def test_per_department_and_chain(office):
    departments = by_key(kpis_by_department(Need.objects.all(), now=NOW))
    assert list(departments) == [office["d1"], office["d2"]]
    assert departments[office["d1"]].on_time_resolve == Rate(1, 3)
    chains = by_key(kpis_by_chain(Need.objects.all(), now=NOW))
    chain_a = chains[office["chain_a"]]
    assert (chain_a.needs, chain_a.open) == (6, 4)  # the undispatched need counts here
    assert chain_a.returns == Rate(1, 5)
    assert chains[office["chain_b"]].needs == 1


def test_the_queryset_given_is_the_scope(office):
    rows = kpis_by_liaison(Need.objects.filter(enterprise__primary_chain=office["chain_b"]))
    assert [row.key for row in rows] == [office["l2"]]
    assert kpis_by_chain(Need.objects.none()) == []


@pytest.mark.parametrize("report", [kpis_by_liaison, kpis_by_department, kpis_by_chain])
def test_a_fixed_number_of_queries_whatever_the_rows(office, report, django_assert_num_queries):
    # 1 grouped counts, 1 first-contact pairs, 1 calendar overrides, 1 the liaisons/departments/
    # chains themselves.
    with django_assert_num_queries(4):
        report(Need.objects.all(), now=NOW)
    liaison = office["l1"]
    for i in range(50):
        factories.NeedFactory(
            enterprise=factories.EnterpriseFactory(primary_chain=office["chain_a"]),
            liaison=factories.LiaisonFactory(department=liaison.department) if i % 2 else liaison,
            department=liaison.department,
            status=NeedStatus.CLOSED,
            dispatched_at=MONDAY,
            first_contact_at=MONDAY + hours(i % 7),
            sign_due=MONDAY + hours(4),
            signed_at=MONDAY + hours(1),
            replied_at=MONDAY + hours(10),
            closed_at=MONDAY + hours(11),
            satisfaction=Satisfaction.SATISFIED,
        )
    with django_assert_num_queries(4):
        rows = report(Need.objects.all(), now=NOW)
    assert sum(row.needs for row in rows) == 57 - (1 if report is not kpis_by_chain else 0)


def test_working_hours_many_matches_the_calendar(db):
    # Staff overrides in 2026 and an entered 2027 holiday, plus a year nobody knows (2028).
    CalendarDay.objects.create(date=datetime(2026, 11, 27).date(), is_workday=False, name="调整")
    CalendarDay.objects.create(date=datetime(2026, 11, 29).date(), is_workday=True, name="补班")
    CalendarDay.objects.create(date=datetime(2027, 1, 1).date(), is_workday=False, name="元旦")
    generator = random.Random(20261126)
    start = datetime(2026, 9, 25, 0, 0, tzinfo=SHANGHAI)
    pairs = []
    for _ in range(300):
        first = start + timedelta(minutes=generator.randrange(0, 60 * 24 * 120))
        second = first + timedelta(minutes=generator.randrange(-60 * 24 * 20, 60 * 24 * 20))
        pairs.append((first, second))
    pairs.append(
        (datetime(2027, 12, 28, 9, tzinfo=SHANGHAI), datetime(2028, 1, 5, tzinfo=SHANGHAI))
    )
    utc = ZoneInfo("UTC")
    pairs.append(
        (datetime(2026, 10, 9, 1, 0, tzinfo=utc), datetime(2026, 10, 12, 9, 0, tzinfo=utc))
    )
    expected = [workcalendar.working_hours_between(a, b) for a, b in pairs]
    assert workcalendar.working_hours_between_many(pairs) == pytest.approx(expected)
    assert workcalendar.working_hours_between_many([]) == []


def test_working_hours_many_reads_the_calendar_once(db, django_assert_num_queries):
    pairs = [(MONDAY + hours(i), MONDAY + hours(3 * i)) for i in range(40)]
    with django_assert_num_queries(1):
        workcalendar.working_hours_between_many(pairs)
