"""The dashboards' numbers on crafted data equal hand-computed values; the page's query count does
not grow with rows; the demo NEV dashboard shows the article's figures."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alliance.dashboards import figures as dashboards
from alliance.dashboards.charts import dashboard_charts
from alliance.templatetags.dashboard import growth, pct, trim_decimal, yi
from chains.models import PeriodKind
from enterprises.models import ChainMembership, PartyOrganization, SignedProject
from events.models import EventStatus, Rsvp
from liaisons.models import ActionItemStatus, NeedStatus, Satisfaction
from liaisons.needs.kpis import Rate
from tests import factories
from tests.liaisons.conftest import make_need

pytestmark = pytest.mark.django_db

LEADER = ChainMembership.Role.LEADER
CORE = ChainMembership.Role.CORE_SUPPLIER
MEMBER = ChainMembership.Role.MEMBER


def month_of(moment) -> date:
    return timezone.localtime(moment).date().replace(day=1)


class Crafted:
    """Chain A with known rows of every kind; chain B with a few that must not leak into A."""

    def __init__(self) -> None:
        self.now = timezone.now()
        now = self.now
        self.chief = factories.UserFactory(username="chief-a")
        self.a = factories.IndustryChainFactory(
            code="alpha", name="甲链", chief=self.chief, order=1
        )
        self.b = factories.IndustryChainFactory(code="beta", name="乙链", order=2)
        firms = [factories.EnterpriseFactory(primary_chain=self.a) for _ in range(6)]
        self.firms = firms
        for firm, role in zip(firms, [LEADER, CORE, CORE, MEMBER, MEMBER, MEMBER], strict=True):
            factories.ChainMembershipFactory(chain=self.a, enterprise=firm, role=role)
        # firms[5] is also in chain B, with B's own leader.
        factories.ChainMembershipFactory(chain=self.b, enterprise=firms[5], role=MEMBER)
        b_leader = factories.EnterpriseFactory(primary_chain=self.b)
        factories.ChainMembershipFactory(chain=self.b, enterprise=b_leader, role=LEADER)
        self.b_leader = b_leader
        factories.SupplyLinkFactory(supplier=firms[1], customer=firms[0], is_local=True)
        factories.SupplyLinkFactory(supplier=firms[2], customer=firms[1], products="电控")
        factories.SupplyLinkFactory(supplier=b_leader, customer=firms[0], products="轴承")

        factories.PartyOrganizationFactory(enterprise=firms[0], member_count=30)
        factories.PartyOrganizationFactory(enterprise=firms[1], member_count=12)
        factories.PartyOrganizationFactory(enterprise=b_leader, member_count=7)
        PartyOrganization.objects.create(
            kind=PartyOrganization.Kind.JOINT_BRANCH, name="联合党支部", member_count=5
        )

        liaison = factories.LiaisonFactory()
        e = firms[1]
        make_need(enterprise=e, status=NeedStatus.SUBMITTED)
        make_need(enterprise=e, status=NeedStatus.SUBMITTED)
        make_need(enterprise=e, status=NeedStatus.DRAFT)  # never counted
        self.overdue = make_need(
            enterprise=e,
            status=NeedStatus.IN_PROGRESS,
            liaison=liaison,
            resolve_due=now - timedelta(hours=1),
            category="hiring",
        )
        self.closed = [
            make_need(enterprise=e, status=NeedStatus.CLOSED, liaison=liaison),
            make_need(
                enterprise=e,
                status=NeedStatus.CLOSED,
                liaison=liaison,
                satisfaction=Satisfaction.BASICALLY,
            ),
            # Replied after its deadline, and rated unsatisfied.
            make_need(
                enterprise=e,
                status=NeedStatus.CLOSED,
                liaison=liaison,
                resolve_due=now - timedelta(hours=10),
                satisfaction=Satisfaction.UNSATISFIED,
            ),
        ]
        # Dispatched 14 months ago: counted by status, outside the 12-month rates.
        make_need(
            enterprise=e,
            status=NeedStatus.CLOSED,
            liaison=liaison,
            dispatched_at=now - timedelta(days=430),
        )
        make_need(enterprise=b_leader, status=NeedStatus.SUBMITTED)  # chain B

        held = {"status": EventStatus.HELD, "starts_at": now - timedelta(days=3)}
        first = factories.EventFactory(**held)
        second = factories.EventFactory(**held)
        first.chains.add(self.a)
        second.chains.add(self.a, self.b)
        factories.InvitationFactory(event=first, checked_in_at=now)
        factories.InvitationFactory(event=first, checked_in_at=now)
        factories.InvitationFactory(event=first, rsvp=Rsvp.DECLINED)
        factories.InvitationFactory(event=second, checked_in_at=now)
        factories.InvitationFactory(event=second)
        planned = factories.EventFactory()  # not held yet
        planned.chains.add(self.a)
        factories.InvitationFactory(event=planned)
        only_b = factories.EventFactory(**held)
        only_b.chains.add(self.b)
        factories.InvitationFactory(event=only_b, checked_in_at=now)
        self.meeting_month = month_of(held["starts_at"])

        for status in (
            ActionItemStatus.PLANNED,
            ActionItemStatus.DONE,
            ActionItemStatus.DONE,
            ActionItemStatus.CANCELLED,
        ):
            factories.ActionItemFactory(status=status).chains.add(self.a)
        factories.ActionItemFactory(status=ActionItemStatus.IN_PROGRESS).chains.add(self.b)

        half = PeriodKind.HALF
        for year, kind, index, output, change in (
            (2025, half, 1, "100", "5"),
            (2025, half, 2, "120", "6.5"),
            (2025, PeriodKind.YEAR, 1, "220", "5.8"),
            (2026, PeriodKind.QUARTER, 2, "40", "1"),
            (2026, half, 1, "150", "50"),
        ):
            factories.ChainIndicatorFactory(
                chain=self.a,
                year=year,
                period_kind=kind,
                period_index=index,
                output_value=Decimal(output),
                yoy_growth=Decimal(change),
            )
        factories.ChainIndicatorFactory(chain=self.b, output_value=Decimal("80"))

        for amount, signed_on in (
            ("120", date(2026, 3, 1)),
            ("30", date(2026, 3, 2)),  # exactly 30: the ≥30 bucket
            ("29.99", date(2026, 3, 3)),
            ("10", date(2026, 3, 4)),
            ("9.99", date(2026, 3, 5)),
            ("0", date(2026, 3, 6)),
            ("15", date(2025, 5, 1)),
        ):
            factories.SignedProjectFactory(
                chain=self.a, investment=Decimal(amount), signed_on=signed_on
            )
        factories.SignedProjectFactory(chain=self.b, investment=Decimal("500"))


@pytest.fixture
def crafted() -> Crafted:
    return Crafted()


def counts(rows) -> dict[str, int]:
    return {row.key: row.count for row in rows}


def test_chain_numbers_equal_hand_computed_values(crafted):
    data = dashboards.chain_dashboard(crafted.a, now=crafted.now)

    assert counts(data["members"]["by_role"]) == {LEADER: 1, CORE: 2, MEMBER: 3}
    assert data["members"]["firms"] == 6
    assert data["party"] == {"organizations": 2, "members": 42}

    needs = data["needs"]
    assert needs["total"] == 7  # the draft is not counted
    assert needs["open"] == 3
    assert needs["closed"] == 4
    # The two submitted needs are past their accept deadline, the one in progress past its
    # resolve deadline.
    assert needs["overdue"] == 3
    by_status = counts(needs["by_status"])
    assert NeedStatus.DRAFT not in by_status
    assert by_status[NeedStatus.SUBMITTED] == 2
    assert by_status[NeedStatus.IN_PROGRESS] == 1
    assert by_status[NeedStatus.CLOSED] == 4
    assert counts(needs["by_category"])["hiring"] == 1
    assert sum(counts(needs["by_category"]).values()) == 7

    rates = data["rates"]
    assert len(rates["months"]) == 12
    assert rates["months"][-1].month == timezone.localdate(crafted.now).replace(day=1)
    # Four needs dispatched in the window: all signed on time; resolved on time 2 of 4 (one
    # late reply, one running overdue); satisfied or basically satisfied 2 of 3 rated.
    assert rates["on_time_sign"] == Rate(4, 4)
    assert rates["on_time_resolve"] == Rate(2, 4)
    assert rates["satisfaction"] == Rate(2, 3)
    assert rates["satisfaction"].percent == 66.7
    assert rates["below_floor"] is True
    month = month_of(crafted.overdue.dispatched_at)
    (row,) = [m for m in rates["months"] if m.month == month]
    assert row.dispatched == 4

    meetings = data["meetings"]
    assert meetings["held"] == 2
    assert meetings["attendance"] == Rate(3, 4)  # declined invitations are not expected
    (row,) = [m for m in meetings["months"] if m.month == crafted.meeting_month]
    assert (row.held, row.invited, row.attended) == (2, 4, 3)

    items = data["action_items"]
    assert counts(items["by_status"]) == {
        ActionItemStatus.PLANNED: 1,
        ActionItemStatus.IN_PROGRESS: 0,
        ActionItemStatus.DONE: 2,
        ActionItemStatus.CANCELLED: 1,
    }
    assert (items["total"], items["done"]) == (4, 2)

    figures = data["indicators"]
    # H1 2026 and Q2 2026 end together; the half-year (the cumulative figure) is the headline.
    assert figures["latest"].period_kind == PeriodKind.HALF
    assert figures["latest"].output_value == Decimal("150")
    assert [(r.year, r.period_index) for r in figures["series"]] == [
        (2025, 1),
        (2025, 2),
        (2026, 1),
    ]
    assert len(figures["rows"]) == 5

    projects = data["projects"]
    buckets = {b.key: (b.count, b.investment) for b in projects["buckets"]}
    assert buckets == {
        SignedProject.SizeBucket.OVER_100: (1, Decimal("120")),
        SignedProject.SizeBucket.OVER_30: (1, Decimal("30")),
        SignedProject.SizeBucket.OVER_10: (3, Decimal("54.99")),
        SignedProject.SizeBucket.BELOW: (2, Decimal("9.99")),
    }
    assert [y["year"] for y in projects["years"]] == [2026, 2025]
    assert [b.count for b in projects["years"][0]["buckets"]] == [1, 1, 2, 2]
    assert projects["count"] == 7
    assert projects["investment"] == Decimal("214.98")
    # The SQL buckets agree with the model's own rule.
    for project in SignedProject.objects.filter(chain=crafted.a):
        assert dashboards.bucket_of(project.investment) == project.size_bucket


def test_park_numbers_count_each_firm_once(crafted):
    data = dashboards.park_overview(now=crafted.now)
    assert data["members"]["firms"] == 7  # firms[5] is in both chains
    assert counts(data["members"]["by_role"]) == {LEADER: 2, CORE: 2, MEMBER: 3}
    assert data["party"] == {"organizations": 4, "members": 54}  # the joint branch included
    assert data["needs"]["total"] == 8
    assert data["meetings"]["held"] == 3
    assert data["meetings"]["attendance"] == Rate(4, 5)
    assert data["action_items"]["total"] == 5
    assert data["projects"]["count"] == 8
    rows = {row["chain"].code: row for row in data["chains"]}
    assert rows["alpha"]["firms"] == 6
    assert rows["alpha"]["organizations"] == 2
    assert rows["alpha"]["party_members"] == 42
    assert rows["alpha"]["needs"] == 7
    assert rows["alpha"]["open"] == 3
    assert rows["alpha"]["latest"].output_value == Decimal("150")
    assert rows["beta"]["firms"] == 2
    assert rows["beta"]["organizations"] == 1
    assert rows["beta"]["needs"] == 1
    assert rows["beta"]["latest"].output_value == Decimal("80")


def test_charts_carry_the_table_numbers(crafted):
    data = dashboards.chain_dashboard(crafted.a, now=crafted.now)
    charts = dashboard_charts(data)
    assert charts["output"]["series"][0]["data"] == [100, 120, 150]
    assert charts["output"]["series"][1]["data"] == [5, 6.5, 50]
    assert charts["projects"]["series"][-1]["name"] == "2026"
    assert charts["projects"]["series"][-1]["data"] == [1, 1, 2, 2]
    assert charts["rates"]["series"][2]["data"][-12:].count(None) >= 10
    pie = {item["value"] for item in charts["members"]["series"][0]["data"]}
    assert pie == {1, 2, 3}


def test_figures_are_formatted_in_chinese_units():
    assert trim_decimal(Decimal("464.10")) == "464.1"
    assert trim_decimal(Decimal("120.00")) == "120"
    assert yi(Decimal("464.10")) == "464.1亿元"
    assert yi(None) == "–"
    assert growth(Decimal("137.80")) == "+137.8%"
    assert growth(Decimal("-3.20")) == "-3.2%"
    assert growth(Decimal("0")) == "0%"
    assert pct(Rate(2, 3)) == "66.7%"
    assert pct(Rate(0, 0)) == "–"


def test_month_starts_cross_the_year():
    months = dashboards.month_starts(date(2026, 2, 14))
    assert months[0] == date(2025, 3, 1)
    assert months[-1] == date(2026, 2, 1)
    assert len(set(months)) == 12


def test_chain_map_links_only_the_chains_own_firms(crafted):
    data = dashboards.chain_map(crafted.a)
    assert len(data["memberships"]) == 6
    assert {(link.supplier_id, link.customer_id, link.is_local) for link in data["links"]} == {
        (crafted.firms[1].pk, crafted.firms[0].pk, True),
        (crafted.firms[2].pk, crafted.firms[1].pk, False),
    }


def test_chain_page_shows_the_figures_and_the_tables(client, crafted):
    client.force_login(crafted.chief)
    response = client.get(reverse("dashboard:chain", args=["alpha"]))
    html = response.content.decode()
    assert "150亿元" in html
    assert "+50%" in html
    assert 'id="dashboard-charts" type="application/json"' in html
    for table in ("members", "needs-status", "rates", "meetings", "projects", "output"):
        assert f'id="table-{table}"' in html
        assert f'data-chart="{table}"' in html
    assert 'href="/dashboard/"' in html  # the navbar link, known here without a query
    assert "录入经济指标" not in html  # staff-only entry


# --- Query budgets ----------------------------------------------------------------------------


def grow(crafted: Crafted, n: int) -> None:
    """Add n more of every row kind the dashboards count, to both chains."""
    now = crafted.now
    liaison = factories.LiaisonFactory()
    for i in range(n):
        firm = factories.EnterpriseFactory(primary_chain=crafted.a)
        factories.ChainMembershipFactory(chain=crafted.a, enterprise=firm)
        factories.PartyOrganizationFactory(enterprise=firm, member_count=3)
        make_need(enterprise=firm, status=NeedStatus.CLOSED, liaison=liaison)
        make_need(enterprise=firm, status=NeedStatus.SUBMITTED)
        event = factories.EventFactory(status=EventStatus.HELD, starts_at=now - timedelta(days=i))
        event.chains.add(crafted.a)
        factories.InvitationFactory(event=event, checked_in_at=now)
        factories.ActionItemFactory().chains.add(crafted.a)
        factories.SignedProjectFactory(chain=crafted.a, investment=Decimal(i))
        factories.SupplyLinkFactory(supplier=firm, customer=crafted.firms[0])
        if i < 10:
            factories.ChainIndicatorFactory(
                chain=crafted.a, year=2026, period_kind=PeriodKind.MONTH, period_index=1 + i
            )


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("page", ["overview", "chain", "chain-map", "firm", "project-list"])
def test_query_count_does_not_grow_with_rows(client, crafted, page, django_assert_num_queries):
    staff = factories.StaffFactory()
    client.force_login(staff)
    args = {
        "overview": [],
        "chain": ["alpha"],
        "chain-map": ["alpha"],
        "firm": [crafted.firms[0].pk],
        "project-list": ["alpha"],
    }[page]
    url = reverse(f"dashboard:{page}", args=args)
    small = count_queries(client, url)
    grow(crafted, 12)
    with django_assert_num_queries(small):
        client.get(url)


def test_chain_dashboard_query_budget(client, crafted, django_assert_num_queries):
    client.force_login(crafted.chief)
    # No needs summary yet (test_dashboard_summary pins the budget with one: 10): 1 session, 2
    # user, 3 the person's roles with the navbar bell, 4 the chain (scoped to its chief), 5 the
    # chain's summary rows (none), 6 members by role with their party organizations, 7 needs by
    # status × category × overdue, 8 rates by month, 9 meetings by month, 10 action items by
    # status, 11 the chain's figures, 12 projects by year × bucket.
    with django_assert_num_queries(12):
        client.get(reverse("dashboard:chain", args=["alpha"]))


def test_park_overview_query_budget(client, crafted, django_assert_num_queries):
    client.force_login(factories.StaffFactory())
    # No needs summary yet (test_dashboard_summary pins the budget with one: 13): 1 session, 2
    # user, 3 the person's roles with the navbar bell, 4 the summary (none), 5 needs by chain ×
    # status × category × overdue, 6 chains with their firm counts, 7 party organizations per
    # chain, 8 every chain's figures, 9 members by role, 10 party organizations, 11 rates by
    # month, 12 meetings by month, 13 action items, 14 projects by year × bucket.
    with django_assert_num_queries(14):
        client.get(reverse("dashboard:overview"))


# --- The demo -------------------------------------------------------------------------------------


def test_demo_nev_dashboard_shows_the_article_figures(client, settings):
    from alliance.demo import load_demo

    settings.DEBUG = True
    load_demo()
    from alliance.core.models import User

    client.force_login(User.objects.get(username="staff"))
    response = client.get(reverse("dashboard:chain", args=["nev"]))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<div class="dashboard-tile-value" id="tile-output">464.1亿元</div>' in html
    assert '<span class="fw-semibold text-success" id="tile-growth">+137.8%</span>' in html
    assert "2026年上半年" in html
    data = response.context["data"]
    (year,) = [y for y in data["projects"]["years"] if y["year"] == 2026]
    assert [b.count for b in year["buckets"]] == [1, 1, 4, 8]
    assert len(data["indicators"]["series"]) >= 4  # a line, not a point

    # The map: the leader, local and non-local links.
    response = client.get(reverse("dashboard:chain-map", args=["nev"]))
    graph = response.context["graph"]
    leaders = [n for n in graph["nodes"] if n["leader"]]
    assert [n["fullName"] for n in leaders] == ["理想汽车常州基地"]
    assert {link["local"] for link in graph["links"]} == {True, False}
    assert all(n["url"].startswith("/dashboard/firms/") for n in graph["nodes"])

    # The chief of 工程机械 lands on their chain.
    client.force_login(User.objects.get(username="chief"))
    response = client.get(reverse("dashboard:overview"))
    assert response["Location"] == reverse("dashboard:chain", args=["machinery"])
