"""A liaison offers a suggested department resource on a need in real Chromium:
the suggestion shows with its reason, "Offer" links it, and the link is on the need's timeline,
which the firm sees too. Screenshots at 390 and 1366 wide go to <tmp>/resources-screenshots/."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from liaisons.models import NeedCategory, NeedEventAction, NeedStatus
from tests import factories
from tests.liaisons.conftest import make_need

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
SCREENSHOTS = Path(tempfile.gettempdir()) / "resources-screenshots"


@pytest.fixture
def scene(db):
    machinery = factories.IndustryChainFactory(code="machinery", name="工程机械", order=3)
    hengli = factories.EnterpriseFactory(
        name="江苏恒立液压股份有限公司", short_name="恒立液压", primary_chain=machinery
    )
    secretary = factories.UserFactory(username="secretary", full_name="钱佳")
    factories.EnterpriseContactFactory(user=secretary, enterprise=hengli)
    economy = factories.DepartmentFactory(name="经济发展局")
    liaison = factories.LiaisonFactory(
        user=factories.UserFactory(username="liaison", full_name="宋飞洋"), department=economy
    )
    factories.LiaisonAssignmentFactory(liaison=liaison, enterprise=hengli)
    need = make_need(
        enterprise=hengli,
        status=NeedStatus.IN_PROGRESS,
        liaison=liaison,
        submitted_by=secretary,
        category=NeedCategory.FINANCING,
        title="设备更新贷款贴息",
        description="企业计划更新数控设备，申请银行贷款三千万元，希望享受贷款贴息和融资担保。",
    )
    package = factories.DepartmentResourceFactory(
        department=economy,
        title="利链惠链政策包·金融支持",
        category=NeedCategory.FINANCING,
        description="联合合作银行为链上企业提供科技贷、供应链金融和贷款贴息。",
        how_to_apply="通过红链专员提交融资需求，经发局在3个工作日内组织银企对接。",
        contact="杨帆 13900001111",
        is_policy_package=True,
        tags="利链惠链、科技贷、贴息",
    )
    factories.DepartmentResourceFactory(
        department=economy,
        title="首台套资金奖补",
        category=NeedCategory.FUNDS,
        description="对首台（套）重大装备给予资金奖补，设备更新项目优先。",
    )
    factories.DepartmentResourceFactory(
        department=factories.DepartmentFactory(name="人力资源和社会保障局"),
        title="人才公寓",
        category=NeedCategory.TALENT,
        description="高层次人才住房保障。",
    )
    return {"need": need, "package": package}


def sign_in(browser, base: str, username: str, viewport: dict) -> tuple[Page, list[str]]:
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    problems: list[str] = []
    page.on(
        "console", lambda m: problems.append(m.text) if m.type in {"error", "warning"} else None
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{base}/accounts/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form[action='/accounts/login/'] button[type=submit]").click()
    expect(page).to_have_url(f"{base}/")
    return page, problems


def both_widths(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    current = page.viewport_size
    for label, size in (("390", PHONE), ("1366", DESKTOP)):
        page.set_viewport_size(size)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name} at {label}px is {overflow}px too wide"
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(current)


def test_liaison_offers_a_suggested_resource(browser, live_server, scene):
    base = live_server.url
    need, package = scene["need"], scene["package"]
    page, problems = sign_in(browser, base, "liaison", PHONE)
    page.goto(f"{base}/needs/{need.pk}/")
    suggestions = page.locator("#need-suggested-resources > li")
    # Same category first (the policy package), then the text-only match (首台套: 设备更新).
    expect(suggestions).to_have_count(2)
    expect(suggestions.first).to_contain_text("利链惠链政策包·金融支持")
    expect(suggestions.first).to_contain_text("同属「融资」类")
    expect(suggestions.first).to_contain_text("属利链惠链政策包")
    expect(suggestions.nth(1)).to_contain_text("首台套资金奖补")
    page.locator("#need-resources").scroll_into_view_if_needed()
    both_widths(page, "need-resources-suggested")

    with page.expect_navigation():
        suggestions.first.locator("button[type=submit]").click()
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.locator("#need-linked-resources")).to_contain_text("利链惠链政策包·金融支持")
    expect(page.locator("#need-suggested-resources > li")).to_have_count(1)
    expect(page.locator("#need-timeline")).to_contain_text(
        "“利链惠链政策包·金融支持”（经济发展局）"
    )
    assert list(need.resources.all()) == [package]
    assert need.events.filter(action=NeedEventAction.LINK_RESOURCE, is_public=True).exists()
    both_widths(page, "need-resources-linked")

    # The firm sees the offered resource and the timeline entry, without the buttons.
    firm, firm_problems = sign_in(browser, base, "secretary", DESKTOP)
    firm.goto(f"{base}/needs/{need.pk}/")
    expect(firm.locator("#need-linked-resources")).to_contain_text("经发局在3个工作日内")
    expect(firm.locator("#need-timeline")).to_contain_text("已关联资源")
    expect(firm.locator("#need-suggested-resources")).to_have_count(0)
    both_widths(firm, "need-resources-firm")

    firm.goto(f"{base}/resources/?q=贴息")
    expect(firm.locator("#resource-list > li")).to_have_count(1)
    both_widths(firm, "resource-list")
    firm.locator("#resource-list a").first.click()
    expect(firm.locator("#resource-needs")).to_contain_text(need.number)
    both_widths(firm, "resource-detail")
    assert problems == [] and firm_problems == []
