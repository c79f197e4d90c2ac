"""Staff turn a need into an action item in real Chromium, from a matchmaking suggestion, and follow
the trace both ways: need → action item (with the need's resources) and action item → need.
Screenshots at 390 and 1366 px land in /tmp/action-items-screens/."""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from enterprises.models import ChainMembership
from liaisons.models import ActionItem, NeedCategory, NeedStatus
from tests import factories
from tests.liaisons.conftest import make_need

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
SCREENSHOTS = Path(tempfile.gettempdir()) / "action-items-screens"


@pytest.fixture
def trace_world(db):
    machinery = factories.IndustryChainFactory(code="machinery", name="工程机械", order=3)
    liugong = factories.EnterpriseFactory(
        name="柳工常州机械有限公司", main_products="挖掘机、装载机", primary_chain=machinery
    )
    hengli = factories.EnterpriseFactory(
        name="江苏恒立液压股份有限公司",
        main_products="高压油缸、液压柱塞泵、液压控制阀",
        primary_chain=machinery,
    )
    factories.ChainMembershipFactory(
        chain=machinery, enterprise=liugong, role=ChainMembership.Role.LEADER
    )
    factories.ChainMembershipFactory(
        chain=machinery, enterprise=hengli, role=ChainMembership.Role.CORE_SUPPLIER
    )
    factories.SupplyLinkFactory(
        supplier=hengli, customer=liugong, products="高压油缸", is_local=True
    )
    economy = factories.DepartmentFactory(name="经济发展局")
    liaison = factories.LiaisonFactory(
        user=factories.UserFactory(username="majun", full_name="马骏"), department=economy
    )
    factories.LiaisonAssignmentFactory(liaison=liaison, enterprise=liugong)
    factories.StaffFactory(username="staff", full_name="陈杰")
    need = make_need(
        enterprise=liugong,
        status=NeedStatus.IN_PROGRESS,
        liaison=liaison,
        category=NeedCategory.MATCHMAKING,
        title="挖掘机新品液压件本地配套",
        description="挖掘机新品投产，希望在园区内找到高压油缸、液压阀的就近配套企业。",
    )
    need.resources.add(
        factories.DepartmentResourceFactory(department=economy, title="产业链供需对接服务")
    )
    return {"need": need, "hengli": hengli}


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form[action='/accounts/login/'] button[type=submit]").click()
    expect(page).to_have_url(f"{base}/")


def both_widths(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for label, size in (("390", PHONE), ("1366", DESKTOP)):
        page.set_viewport_size(size)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name} at {label}px is {overflow}px too wide"
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(DESKTOP)


def test_staff_turn_a_need_into_a_project_and_see_the_trace(page: Page, live_server, trace_world):
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    base = live_server.url
    need, hengli = trace_world["need"], trace_world["hengli"]
    page.set_viewport_size(DESKTOP)
    sign_in(page, base, "staff")

    page.goto(f"{base}/needs/{need.pk}/")
    suggestion = page.locator("#need-matchmaking .portal-suggestion").filter(has_text=hengli.name)
    expect(suggestion).to_contain_text("主营产品含「高压油缸」")
    expect(suggestion).to_contain_text("已向本企业供货")
    both_widths(page, "need-with-suggestions")

    suggestion.get_by_role("link").click()
    expect(page).to_have_url(f"{base}/action-items/from-need/{need.pk}/?partner={hengli.pk}")
    expect(page.locator("select[name=partners] option:checked")).to_have_text(hengli.name)
    page.locator("input[name=due_date]").fill(
        (timezone.localdate() + timedelta(days=60)).isoformat()
    )
    both_widths(page, "action-item-from-need")
    page.locator("form.portal-form button[type=submit]").click()

    item = ActionItem.objects.get(origin_need=need)
    expect(page).to_have_url(f"{base}/action-items/{item.pk}/")
    expect(page.locator("#action-item-participants")).to_contain_text(hengli.name)
    expect(page.locator("#action-item-origin-need")).to_contain_text(need.number)
    expect(page.locator("#action-item-origin-resources")).to_contain_text("产业链供需对接服务")
    # Start it and report progress: the history and the progress list grow.
    page.locator("#status-in_progress button[type=submit]").click()
    expect(page.locator("#action-item-status")).to_contain_text("进行中")
    page.locator("#progress-form textarea[name=note]").fill("已组织恒立液压与柳工技术对接。")
    page.locator("#progress-form input[name=percent]").fill("30")
    page.locator("#progress-form button[type=submit]").click()
    expect(page.locator("#action-item-progress")).to_contain_text("已组织恒立液压与柳工技术对接。")
    expect(page.locator("#action-item-history")).to_contain_text("状态变更")
    both_widths(page, "action-item-detail")

    # And back: the need shows its action item and the timeline entry.
    page.locator("#action-item-origin-need").click()
    expect(page).to_have_url(f"{base}/needs/{need.pk}/")
    expect(page.locator("#need-projects")).to_contain_text(item.title)
    expect(page.locator("#need-timeline")).to_contain_text("转为行动项目")
    both_widths(page, "need-with-project")

    page.goto(f"{base}/action-items/")
    expect(page.locator("#action-item-list")).to_contain_text(item.title)
    both_widths(page, "action-item-list")
    assert problems == []
