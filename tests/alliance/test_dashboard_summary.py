"""The dashboards' needs and meetings summary: the counts a beat task makes ahead
equal the live aggregation on crafted data, a refresh is idempotent, a stale summary is never
shown, the pages say how old their figures are, and their query count does not grow with rows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from alliance.dashboards import figures as dashboards
from alliance.dashboards.models import NeedDashboardSummary
from alliance.dashboards.tasks import refresh_dashboard_summary
from liaisons.models import NeedStatus
from tests import factories
from tests.alliance.test_dashboard_numbers import Crafted, grow
from tests.liaisons.conftest import make_need

pytestmark = pytest.mark.django_db


@pytest.fixture
def crafted() -> Crafted:
    return Crafted()


def needs_figures(data: dict) -> tuple:
    chains = [
        (row["chain"].code, row["needs"], row["open"], row["overdue"]) for row in data["chains"]
    ]
    return data["needs"], data["rates"], data["meetings"], chains


def test_summary_equals_the_live_aggregation(crafted):
    live = dashboards.park_overview(now=crafted.now)
    assert live["figures_as_of"] is None  # no summary yet: counted live
    assert dashboards.refresh_need_summary(now=crafted.now) > 0
    summarised = dashboards.park_overview(now=crafted.now)
    assert summarised["figures_as_of"] == crafted.now
    assert needs_figures(summarised) == needs_figures(live)
    # The crafted data has every kind the summary folds: overdue, outside the rate window,
    # rated, per chain; the numbers are not all zero.
    assert live["needs"]["total"] == 8
    assert live["needs"]["overdue"] > 0
    assert 0 < sum(month.dispatched for month in live["rates"]["months"]) < 8
    assert live["rates"]["satisfaction"].denominator > 0
    assert sum(row[1] for row in needs_figures(live)[3]) == 8
    assert live["meetings"]["held"] == 3


def test_summary_equals_live_after_rows_grow(crafted):
    grow(crafted, 5)
    liaison = factories.LiaisonFactory()
    make_need(enterprise=crafted.firms[2], status=NeedStatus.LONG_TERM, liaison=liaison)
    live = dashboards.park_overview(now=crafted.now)
    dashboards.refresh_need_summary(now=crafted.now)
    assert needs_figures(dashboards.park_overview(now=crafted.now)) == needs_figures(live)


def test_refresh_is_idempotent_and_replaces_every_row(crafted):
    first = dashboards.refresh_need_summary(now=crafted.now)
    assert dashboards.refresh_need_summary(now=crafted.now) == first
    assert NeedDashboardSummary.objects.count() == first
    later = crafted.now + timedelta(minutes=10)
    dashboards.refresh_need_summary(now=later)
    assert set(NeedDashboardSummary.objects.values_list("refreshed_at", flat=True)) == {later}


def test_a_stale_summary_is_not_shown(crafted):
    dashboards.refresh_need_summary(now=crafted.now - timedelta(minutes=31))
    make_need(enterprise=crafted.firms[1], status=NeedStatus.SUBMITTED)  # after the refresh
    data = dashboards.park_overview(now=crafted.now)
    assert data["figures_as_of"] is None
    assert data["needs"]["total"] == 9  # counted live, the new need included


def test_a_fresh_summary_shows_its_age_and_not_later_rows(crafted):
    dashboards.refresh_need_summary(now=crafted.now - timedelta(minutes=5))
    make_need(enterprise=crafted.firms[1], status=NeedStatus.SUBMITTED)
    data = dashboards.park_overview(now=crafted.now)
    assert data["figures_as_of"] == crafted.now - timedelta(minutes=5)
    assert data["needs"]["total"] == 8  # as of the refresh


def test_the_page_says_as_of_when(client, crafted):
    client.force_login(factories.StaffFactory())
    url = reverse("dashboard:overview")
    assert 'id="figures-as-of"' not in client.get(url).content.decode()
    moment = timezone.now()
    dashboards.refresh_need_summary(now=moment)
    content = client.get(url).content.decode()
    assert f"需求和会议数据截至 {timezone.localtime(moment):%H:%M}" in content


def test_the_beat_task_refreshes_the_summary(crafted):
    assert refresh_dashboard_summary.run() == NeedDashboardSummary.objects.count() > 0
    schedule = settings.CELERY_BEAT_SCHEDULE["refresh-dashboard-summary"]
    assert schedule["task"] == "alliance.tasks.refresh_dashboard_summary"
    # Refreshed well within the age after which the overview stops trusting it.
    assert timedelta(seconds=schedule["schedule"]) * 2 < dashboards.SUMMARY_MAX_AGE


def test_park_overview_query_budget_with_summary(client, crafted, django_assert_num_queries):
    client.force_login(factories.StaffFactory())
    dashboards.refresh_need_summary()
    # 1 session, 2 user, 3 the person's roles with the navbar bell, 4 summary by chain × status
    # × category × overdue, 5 summary rates by month, 6 chains with their firm counts, 7 party
    # organizations per chain, 8 every chain's figures, 9 members by role, 10 party
    # organizations, 11 meetings by month, 12 action items, 13 projects by year × bucket.
    with django_assert_num_queries(13):
        client.get(reverse("dashboard:overview"))
    grow(crafted, 8)
    dashboards.refresh_need_summary()
    with django_assert_num_queries(13):
        client.get(reverse("dashboard:overview"))


def chain_figures(data: dict) -> tuple:
    return data["needs"], data["rates"]


def test_chain_dashboard_reads_its_rows_of_the_summary(crafted):
    grow(crafted, 4)
    chains = (crafted.a, crafted.b)
    live = {chain: dashboards.chain_dashboard(chain, now=crafted.now) for chain in chains}
    dashboards.refresh_need_summary(now=crafted.now)
    for chain, data in live.items():
        summarised = dashboards.chain_dashboard(chain, now=crafted.now)
        assert data["figures_as_of"] is None
        assert summarised["figures_as_of"] == crafted.now
        assert chain_figures(summarised) == chain_figures(data)
    assert live[crafted.a]["needs"]["total"] == 7 + 8  # chain B's need stays out of A


def test_chain_dashboard_ignores_a_stale_summary(crafted):
    dashboards.refresh_need_summary(now=crafted.now - timedelta(minutes=31))
    make_need(enterprise=crafted.firms[1], status=NeedStatus.SUBMITTED)
    data = dashboards.chain_dashboard(crafted.a, now=crafted.now)
    assert data["figures_as_of"] is None
    assert data["needs"]["total"] == 8


def test_chain_page_says_as_of_when(client, crafted):
    client.force_login(crafted.chief)
    url = reverse("dashboard:chain", args=["alpha"])
    assert 'id="figures-as-of"' not in client.get(url).content.decode()
    moment = timezone.now()
    dashboards.refresh_need_summary(now=moment)
    content = client.get(url).content.decode()
    assert f"需求数据截至 {timezone.localtime(moment):%H:%M}" in content


def test_chain_dashboard_query_budget_with_summary(client, crafted, django_assert_num_queries):
    client.force_login(crafted.chief)
    dashboards.refresh_need_summary()
    # 1 session, 2 user, 3 the person's roles with the navbar bell, 4 the chain (scoped to its
    # chief), 5 the chain's summary rows (needs and rates), 6 members by role with their party
    # organizations, 7 meetings by month, 8 action items by status, 9 the chain's figures, 10
    # projects by year × bucket: 7 for the dashboard itself (budget ≤ 8), 10 in all (budget ≤ 10).
    with django_assert_num_queries(10):
        client.get(reverse("dashboard:chain", args=["alpha"]))
    grow(crafted, 8)
    dashboards.refresh_need_summary()
    with django_assert_num_queries(10):
        client.get(reverse("dashboard:chain", args=["alpha"]))
