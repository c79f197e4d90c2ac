"""The portal shell in real Chromium: sign-in, home pages, language switch, admin, screenshots.

Screenshots land in var/screenshots/ (phone 390x844 and desktop 1366x900) for a human to look at.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from enterprises.models import ChainMembership, PartyOrganization
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


@pytest.fixture
def world(db):
    machinery = factories.IndustryChainFactory(
        code="machinery", name="工程机械", alliance_name="工程机械产业链党建联盟", order=3
    )
    nev = factories.IndustryChainFactory(
        code="nev", name="新能源汽车", alliance_name="新能源汽车产业链党建联盟", order=1
    )
    hengli = factories.EnterpriseFactory(
        name="江苏恒立液压股份有限公司",
        short_name="恒立液压",
        primary_chain=machinery,
        is_above_scale=True,
        is_high_tech=True,
        is_listed=True,
        stock_code="601100",
    )
    factories.ChainMembershipFactory(
        chain=machinery, enterprise=hengli, role=ChainMembership.Role.CORE_SUPPLIER
    )
    factories.ChainMembershipFactory(chain=nev, enterprise=hengli)
    factories.PartyOrganizationFactory(
        enterprise=hengli,
        kind=PartyOrganization.Kind.COMMITTEE,
        name="江苏恒立液压股份有限公司党委",
        secretary_name="钱佳",
        member_count=186,
        brand="先锋恒立",
        work_method="三恒三立",
    )
    secretary = factories.UserFactory(username="secretary", full_name="钱佳")
    factories.EnterpriseContactFactory(user=secretary, enterprise=hengli)
    science = factories.DepartmentFactory(name="科学技术局")
    liaison = factories.LiaisonFactory(
        user=factories.UserFactory(username="liaison", full_name="宋飞洋"),
        department=science,
        phone="13912345678",
        expertise="企业党建、人才招引、专精特新申报、融资",
    )
    factories.LiaisonAssignmentFactory(liaison=liaison, enterprise=hengli)
    for name in ("柳工常州机械有限公司", "今创集团股份有限公司", "常州龙城精锻有限公司"):
        firm = factories.EnterpriseFactory(name=name, primary_chain=machinery)
        factories.LiaisonAssignmentFactory(liaison=liaison, enterprise=firm, is_primary=False)
    factories.TaskForceMembershipFactory(liaison=liaison, chain=machinery, is_lead=True)
    staff = factories.StaffFactory(username="staff", full_name="陈杰")
    return {"secretary": secretary, "liaison": liaison.user, "staff": staff}


def shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def assert_no_horizontal_overflow(page: Page) -> None:
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"page is {overflow}px wider than the viewport"


def sign_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/")
    expect(page).to_have_url(f"{base_url}/accounts/login/?next=/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form[action='/accounts/login/'] button[type=submit]").click()
    expect(page).to_have_url(f"{base_url}/")


def switch_language(page: Page, code: str) -> None:
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():
        toggler.click()
        # The menu has finished opening before its button is pressed.
        expect(page.locator("#portal-nav")).to_have_class(re.compile(r"\bshow\b"))
    # The form posts and is redirected back: wait for that page, however slow the machine.
    with page.expect_navigation():
        page.locator(f"form.portal-language button[value='{code}']").click()


def test_secretary_signs_in_and_sees_their_enterprise(page, live_server, world, console_problems):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    assert_no_horizontal_overflow(page)
    shoot(page, "login-390")

    # A wrong password first: the form comes back with an error and keeps the username.
    page.locator("input[name=username]").fill("secretary")
    page.locator("input[name=password]").fill("wrong-password-1")
    page.locator("form[action='/accounts/login/'] button[type=submit]").click()
    expect(page.locator(".alert-danger")).to_be_visible()
    expect(page.locator("input[name=username]")).to_have_value("secretary")
    shoot(page, "login-error-390")

    sign_in(page, live_server.url, "secretary")
    main = page.locator("main")
    expect(main).to_contain_text("钱佳")
    expect(main).to_contain_text("江苏恒立液压股份有限公司")
    expect(main).to_contain_text("工程机械")
    expect(main).to_contain_text("新能源汽车")
    expect(main).to_contain_text("江苏恒立液压股份有限公司党委")
    expect(main).to_contain_text("先锋恒立")
    expect(main).to_contain_text("宋飞洋")  # their liaison
    # Not park staff: no admin link.
    expect(page.locator("a[href='/admin/']")).to_have_count(0)
    assert_no_horizontal_overflow(page)
    shoot(page, "home-secretary-390")

    page.set_viewport_size(DESKTOP)
    expect(page.locator(".navbar-toggler")).to_be_hidden()
    assert_no_horizontal_overflow(page)
    shoot(page, "home-secretary-1366")
    assert console_problems == []


def test_language_switch_to_english_and_back(page, live_server, world, console_problems):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server.url, "liaison")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    # On a phone the menu is collapsed behind the toggler (Bootstrap's JS must work under CSP).
    expect(page.locator("form.portal-language")).to_be_hidden()
    page.locator(".navbar-toggler").click()
    expect(page.locator("#portal-nav")).to_have_class(re.compile(r"\bshow\b"))
    expect(page.locator("form.portal-language")).to_be_visible()
    shoot(page, "nav-open-390")
    page.locator(".navbar-toggler").click()
    expect(page.locator("form.portal-language")).to_be_hidden()

    switch_language(page, "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator("main")).to_contain_text("Red chain liaison")
    expect(page.locator("main")).to_contain_text("科学技术局")
    expect(page.locator("main")).to_contain_text("Primary liaison")
    assert_no_horizontal_overflow(page)
    shoot(page, "home-liaison-en-390")

    # The choice sticks across pages.
    page.goto(f"{live_server.url}/accounts/password/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    shoot(page, "password-change-en-390")

    switch_language(page, "zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page).to_have_url(f"{live_server.url}/accounts/password/")
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/")
    shoot(page, "home-liaison-1366")
    assert console_problems == []


def test_user_menu_and_sign_out(page, live_server, world, console_problems):
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server.url, "secretary")
    page.locator(".portal-user-toggle").click()
    menu = page.locator(".dropdown-menu")
    expect(menu).to_be_visible()
    expect(menu.locator("a[href='/accounts/password/']")).to_be_visible()
    shoot(page, "user-menu-1366")
    menu.locator("form[action='/accounts/logout/'] button").click()
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
    expect(page.locator(".alert-success")).to_be_visible()
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/")
    assert console_problems == []


def test_staff_sees_the_admin_link_and_the_admin_is_chinese(
    page, live_server, world, console_problems
):
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server.url, "staff")
    expect(page.locator("main")).to_contain_text("陈杰")
    assert_no_horizontal_overflow(page)
    shoot(page, "home-staff-1366")

    page.locator("nav a[href='/admin/']").click()
    expect(page).to_have_url(f"{live_server.url}/admin/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    # Django's own zh-hans admin catalogue.
    expect(page.locator("body")).to_contain_text("最近动作")
    expect(page.locator("body")).to_contain_text("修改密码")
    shoot(page, "admin-1366")

    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/")
    assert_no_horizontal_overflow(page)
    shoot(page, "home-staff-390")
    assert console_problems == []


def test_no_role_and_not_found_pages(page, live_server, world, console_problems):
    factories.UserFactory(username="nobody", full_name="路人甲")
    page.set_viewport_size(PHONE)
    sign_in(page, live_server.url, "nobody")
    expect(page.locator("main .card")).to_contain_text("nobody")
    assert_no_horizontal_overflow(page)
    shoot(page, "home-no-role-390")

    response = page.goto(f"{live_server.url}/no-such-page/")
    assert response.status == 404
    expect(page.locator(".portal-error-code")).to_have_text("404")
    assert_no_horizontal_overflow(page)
    shoot(page, "not-found-390")
    # The browser reports the 404 document itself as a failed load; nothing else is allowed.
    assert [p for p in console_problems if "404" not in p] == []


def test_lockout_page(page, live_server, world, console_problems):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/accounts/login/")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        page.locator("input[name=username]").fill("secretary")
        page.locator("input[name=password]").fill("wrong-password-1")
        page.locator("form[action='/accounts/login/'] button[type=submit]").click()
        page.wait_for_load_state()
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator(".alert-warning")).to_contain_text("15")
    assert_no_horizontal_overflow(page)
    shoot(page, "lockout-390")
    # The lockout answer is HTTP 429, which the browser logs as a failed load.
    assert [p for p in console_problems if "429" not in p] == []
