"""The navbar in real Chromium: one line from 1200 px for every role, a clean menu on a phone."""

import pytest
from playwright.sync_api import Page, expect

from tests import factories
from tests.browser.test_shell import PASSWORD, assert_no_horizontal_overflow, shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def people(db):
    chain = factories.IndustryChainFactory(code="nev", name="新能源汽车")
    chief = factories.UserFactory(username="chief", full_name="钱志远")
    chain.chief = chief
    chain.save()
    # A long display name: the user menu shortens it instead of pushing the bar onto two lines.
    staff = factories.StaffFactory(username="staff", full_name="欧阳党群工作部部长助理")
    factories.DepartmentFactory(name="党群工作部", head=staff)
    head = factories.UserFactory(username="depthead", full_name="王立新")
    factories.DepartmentFactory(name="科学技术局", head=head)
    return {"staff": staff, "chief": chief, "depthead": head}


def sign_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form[action='/accounts/login/'] button[type=submit]").click()
    expect(page).to_have_url(f"{base_url}/")


def item_tops(page: Page) -> list[float]:
    """The top edge of every visible item of the bar: brand, links, language, user, bell."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll(
            '.portal-navbar .navbar-brand, #portal-nav > ul > li > .nav-link,'
            + ' .portal-language, .portal-user-toggle, .portal-bell'))
            .filter(el => el.offsetParent !== null)
            .map(el => el.getBoundingClientRect().top + el.getBoundingClientRect().height / 2)"""
    )


@pytest.mark.parametrize("username", ["staff", "chief", "depthead"])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_bar_is_one_line_from_1200_px(page, live_server, people, username, language):
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )
    sign_in(page, live_server.url, username)
    for width in (1200, 1366, 1440, 1920):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(f"{live_server.url}/events/")
        expect(page.locator(".navbar-toggler")).to_be_hidden()
        middles = item_tops(page)
        assert len(middles) >= 8
        # Every item is centred on the same line (a wrapped bar has items a line lower).
        assert max(middles) - min(middles) < 12, (width, middles)
        assert page.locator(".portal-navbar").bounding_box()["height"] < 80
        assert_no_horizontal_overflow(page)
    if username == "staff" and language == "zh-hans":
        shoot(page, "navbar-staff-desktop")


def test_the_phone_menu_opens_with_the_data_menu(page, live_server, people):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server.url, "chief")
    nav = page.locator("#portal-nav")
    expect(nav).to_be_hidden()
    expect(page.locator(".portal-bell")).to_be_visible()  # outside the menu
    page.locator(".navbar-toggler").click()
    expect(nav).to_be_visible()
    page.locator("#portal-nav-data").click()
    expect(nav.locator("a[href='/dashboard/']")).to_be_visible()
    expect(nav.locator("a[href='/reports/weekly/']")).to_be_visible()
    expect(nav.locator("a[href='/admin/']")).to_have_count(0)
    assert_no_horizontal_overflow(page)
    shoot(page, "navbar-chief-phone")
    nav.locator("a[href='/reports/weekly/']").click()
    expect(page).to_have_url(f"{live_server.url}/reports/weekly/")
