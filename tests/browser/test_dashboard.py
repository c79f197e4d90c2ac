"""The dashboards in real Chromium, on the demo data: a chain chief opens their chain's dashboard
and its map, ECharts draws every chart (canvas elements, no console errors), a click on a firm of
the map opens its page. Screenshots at phone (390) and desktop (1366) width go to /tmp for a
human to look at."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from alliance.core.models import User
from alliance.demo import DEMO_PASSWORD, load_demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
SCREENSHOTS = Path("/tmp")  # noqa: S108 - where the reviewers look for them
NEV_CHARTS = (
    "output",
    "projects",
    "members",
    "action-items",
    "needs-status",
    "needs-category",
    "rates",
    "meetings",
)


@pytest.fixture
def demo(settings):
    settings.DEBUG = False
    load_demo()
    # The NEV chief is not one of the printed demo logins: give them the demo password here.
    chief = User.objects.get(username="qianzhiyuan")
    chief.set_password(DEMO_PASSWORD)
    chief.save(update_fields=["password"])


def sign_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("form[action='/accounts/login/'] button[type=submit]").click()
    expect(page).to_have_url(f"{base_url}/")


def shoot(page: Page, name: str) -> None:
    page.wait_for_timeout(1200)  # ECharts' entry animation (about a second) has finished
    page.screenshot(path=str(SCREENSHOTS / f"dashboard-{name}.png"), full_page=True)


def assert_no_horizontal_overflow(page: Page) -> None:
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"page is {overflow}px wider than the viewport"


def expect_charts_drawn(page: Page, ids) -> None:
    for chart in ids:
        expect(page.locator(f"#chart-{chart} canvas").first).to_be_attached()
    # ECharts sized every chart to its container (no zero-width canvas).
    widths = page.eval_on_selector_all(
        ".dashboard-chart canvas", "els => els.map(e => e.getBoundingClientRect().width)"
    )
    assert widths and min(widths) > 100, widths


def test_nev_chief_opens_dashboard_and_map(page, live_server, demo, console_problems):
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server.url, "qianzhiyuan")
    # The home page's card leads to the dashboard; a chief of one chain lands on it directly.
    page.locator("#home-chief-dashboard").click()
    expect(page).to_have_url(f"{live_server.url}/dashboard/chains/nev/")
    expect(page.locator("h1")).to_contain_text("新能源汽车产业链数据看板")
    expect(page.locator("#tile-output")).to_have_text("464.1亿元")
    expect(page.locator("#tile-growth")).to_have_text("+137.8%")
    expect_charts_drawn(page, NEV_CHARTS)
    # The numbers are also a table, one click away.
    page.locator("#h-projects").locator("xpath=../..").locator("summary").click()
    expect(page.locator("#table-projects")).to_be_visible()
    expect(page.locator("#table-projects tbody tr").first).to_contain_text("2026")
    assert_no_horizontal_overflow(page)
    shoot(page, "nev-1366")

    page.set_viewport_size(PHONE)
    page.reload()
    expect_charts_drawn(page, NEV_CHARTS)
    assert_no_horizontal_overflow(page)
    shoot(page, "nev-390")

    # The map: a graph on a canvas; a click on the leader opens the firm's page.
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/dashboard/chains/nev/map/")
    expect(page.locator("#chain-map canvas").first).to_be_attached()
    expect(page.locator("#table-links")).to_contain_text("就近配套")
    page.wait_for_timeout(2500)  # let the force layout settle before the screenshot
    assert_no_horizontal_overflow(page)
    shoot(page, "nev-map-1366")
    page.set_viewport_size(PHONE)
    page.reload()
    expect(page.locator("#chain-map canvas").first).to_be_attached()
    page.wait_for_timeout(2500)
    assert_no_horizontal_overflow(page)
    shoot(page, "nev-map-390")

    # A click on the firm list (the map's nodes lead to the same page) opens a firm profile.
    page.locator("#map-firms a", has_text="理想汽车常州基地").click()
    expect(page.locator("h1")).to_have_text("理想汽车常州基地")
    expect(page.locator("#firm-links")).to_contain_text("动力电池包")
    shoot(page, "firm-390")
    assert console_problems == []


def test_a_map_node_click_opens_the_firm(page, live_server, demo, console_problems):
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server.url, "qianzhiyuan")
    page.goto(f"{live_server.url}/dashboard/chains/nev/map/")
    expect(page.locator("#chain-map canvas").first).to_be_attached()
    # Ask ECharts where the leader node is drawn, then click there like a person would.
    page.wait_for_timeout(3000)
    point = page.evaluate(
        """() => {
            const el = document.getElementById('chain-map');
            const chart = echarts.getInstanceByDom(el);
            const data = chart.getModel().getSeriesByIndex(0).getData();
            for (let i = 0; i < data.count(); i++) {
                if (data.getRawDataItem(i).fullName === '理想汽车常州基地') {
                    const xy = chart.convertToPixel({seriesIndex: 0}, data.getItemLayout(i));
                    const box = el.getBoundingClientRect();
                    return [box.left + xy[0], box.top + xy[1]];
                }
            }
            return null;
        }"""
    )
    assert point is not None
    page.mouse.click(point[0], point[1])
    page.wait_for_url(f"{live_server.url}/dashboard/firms/**")
    expect(page.locator("h1")).to_have_text("理想汽车常州基地")
    assert console_problems == []


def test_staff_park_overview_renders(page, live_server, demo, console_problems):
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server.url, "staff")
    page.locator("#portal-nav-data").click()  # the navbar's 数据 menu
    page.locator("#portal-nav a[href='/dashboard/']").click()
    expect(page.locator("h1")).to_have_text("园区总览")
    expect_charts_drawn(page, ("chains", "members", "rates", "meetings", "projects"))
    expect(page.locator("#table-chains")).to_contain_text("464.1亿元")
    assert_no_horizontal_overflow(page)
    shoot(page, "overview-1366")
    page.set_viewport_size(PHONE)
    page.reload()
    expect_charts_drawn(page, ("chains", "members"))
    assert_no_horizontal_overflow(page)
    shoot(page, "overview-390")
    assert console_problems == []
