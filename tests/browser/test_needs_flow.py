"""The needs loop in real Chromium.

A secretary submits a need with an attachment, staff accept and dispatch it, the liaison signs
for it and replies, the secretary rates it 满意 and sees it closed; and the 不满意 path, where the
need comes back reopened and goes round again. Each person has a browser context of their own.
Screenshots land in var/screenshots/ at phone (390x844) and desktop (1366x900) widths.

The assertions read the database and stable hooks (ids, names), not UI wording, which the
zh-hans catalogue will change.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Browser, Page, expect

from liaisons.models import Need, NeedStatus, Satisfaction
from tests import factories
from tests.liaisons.conftest import pdf_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


@pytest.fixture
def people(db):
    machinery = factories.IndustryChainFactory(
        code="machinery", name="工程机械", alliance_name="工程机械产业链党建联盟", order=3
    )
    hengli = factories.EnterpriseFactory(
        name="江苏恒立液压股份有限公司", short_name="恒立液压", primary_chain=machinery
    )
    factories.ChainMembershipFactory(chain=machinery, enterprise=hengli)
    secretary = factories.UserFactory(username="secretary", full_name="钱佳")
    factories.EnterpriseContactFactory(user=secretary, enterprise=hengli)
    science = factories.DepartmentFactory(name="科学技术局")
    liaison = factories.LiaisonFactory(
        user=factories.UserFactory(username="liaison", full_name="宋飞洋"),
        department=science,
        phone="13912345678",
    )
    factories.LiaisonAssignmentFactory(liaison=liaison, enterprise=hengli)
    factories.LiaisonFactory(
        user=factories.UserFactory(username="liaison2", full_name="周敏"),
        department=factories.DepartmentFactory(name="人力资源和社会保障局"),
    )
    factories.StaffFactory(username="staff", full_name="陈杰")
    return {"liaison": liaison}


class Person:
    """One signed-in person with their own browser context (cookies, viewport)."""

    def __init__(self, browser: Browser, base_url: str, username: str, viewport: dict) -> None:
        self.context = browser.new_context(viewport=viewport, accept_downloads=True)
        self.page = self.context.new_page()
        self.base_url = base_url
        self.problems: list[str] = []
        self.page.on(
            "console",
            lambda m: (
                self.problems.append(f"console {m.type}: {m.text}")
                if m.type in {"error", "warning"}
                else None
            ),
        )
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        self.page.goto(f"{base_url}/accounts/login/")
        self.page.locator("input[name=username]").fill(username)
        self.page.locator("input[name=password]").fill(PASSWORD)
        self.page.locator("form[action='/accounts/login/'] button[type=submit]").click()
        expect(self.page).to_have_url(f"{base_url}/")

    def open_need(self, need: Need) -> Page:
        self.page.goto(f"{self.base_url}/needs/{need.pk}/")
        return self.page

    def close(self) -> None:
        self.context.close()


def shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def both_widths(page: Page, name: str) -> None:
    """Screenshot at both widths, checking that nothing overflows sideways."""
    current = page.viewport_size
    for label, size in (("390", PHONE), ("1366", DESKTOP)):
        page.set_viewport_size(size)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name} at {label}px is {overflow}px too wide"
        shoot(page, f"{name}-{label}")
    page.set_viewport_size(current)


def act(page: Page, action: str, fields: dict | None = None, *, button: str | None = None):
    """Open the action's panel if closed, fill it and submit; wait for the page to come back."""
    panel = page.locator(f"details#action-{action}")
    expect(panel).to_be_attached()
    if panel.get_attribute("open") is None:
        panel.locator("summary").click()
    for selector, value in (fields or {}).items():
        control = panel.locator(selector)
        if control.evaluate("el => el.tagName") == "SELECT":
            control.select_option(value)
        elif control.get_attribute("type") in {"radio", "checkbox"}:
            control.check()
        else:
            control.fill(value)
    submit = panel.locator(button or "button[type=submit]").first
    with page.expect_navigation():
        submit.click()
    expect(page.locator(".alert-success")).to_be_visible()


def submit_need(secretary: Person, tmp_path: Path, title: str) -> Need:
    page = secretary.page
    page.goto(f"{secretary.base_url}/")
    page.locator("a[href='/needs/new/']").first.click()
    expect(page).to_have_url(f"{secretary.base_url}/needs/new/")
    page.locator("#id_category").select_option("financing")
    page.locator("#id_urgency").select_option("yellow")
    page.locator("#id_title").fill(title)
    page.locator("#id_description").fill("企业扩产需要流动资金三千万元，请协调银行授信。")
    page.locator("#id_contact_name").fill("钱佳")
    page.locator("#id_contact_phone").fill("13800001111")
    statement = tmp_path / "财务报表.pdf"
    statement.write_bytes(pdf_bytes())
    page.locator("#id_attachments").set_input_files(str(statement))
    both_widths(page, "need-form-secretary")
    with page.expect_navigation():
        page.locator("button[name=action][value=submit]").click()
    expect(page.locator(".alert-success")).to_be_visible()
    need = Need.objects.get(title=title)
    assert need.status == NeedStatus.SUBMITTED
    assert need.attachments.get().original_name == "财务报表.pdf"
    expect(page.locator("#need-attachments")).to_contain_text("财务报表.pdf")
    return need


def accept_and_dispatch(staff: Person, need: Need, liaison_pk: int) -> None:
    page = staff.page
    page.goto(f"{staff.base_url}/needs/inbox/")
    expect(page.locator("#inbox-list-submitted")).to_contain_text(need.title)
    both_widths(page, "need-inbox-staff")
    page.locator("#inbox-list-submitted a", has_text=need.title).click()
    both_widths(page, "need-detail-staff-submitted")
    act(page, "accept", {"#id_accept_urgency": "yellow"})
    need.refresh_from_db()
    assert need.status == NeedStatus.ACCEPTED
    # The firm's primary liaison is pre-selected.
    expect(page.locator("#id_dispatch_liaison")).to_have_value(str(liaison_pk))
    both_widths(page, "need-detail-staff-dispatch")
    act(page, "dispatch", {"#id_dispatch_note": "请三个工作日内与企业对接。"})
    need.refresh_from_db()
    assert need.status == NeedStatus.DISPATCHED
    assert need.liaison_id == liaison_pk


def sign_and_reply(liaison: Person, need: Need, resolution: str, shots: str = "") -> None:
    page = liaison.page
    page.goto(f"{liaison.base_url}/needs/queue/")
    expect(page.locator("#need-queue")).to_contain_text(need.title)
    if shots:
        both_widths(page, f"need-queue-liaison{shots}")
    page.locator("#need-queue a", has_text=need.title).click()
    act(page, "sign")
    act(page, "contact", {"#id_contact_note": "已电话联系企业财务总监，约定走访。"})
    if shots:
        both_widths(page, f"need-detail-liaison{shots}")
    act(page, "reply", {"#id_reply_resolution": resolution})
    need.refresh_from_db()
    assert need.status == NeedStatus.REPLIED


def test_a_need_goes_round_the_loop_and_is_closed_satisfied(browser, live_server, people, tmp_path):
    base = live_server.url
    secretary = Person(browser, base, "secretary", PHONE)
    need = submit_need(secretary, tmp_path, "流动资金贷款需求")
    both_widths(secretary.page, "need-detail-secretary-submitted")

    staff = Person(browser, base, "staff", DESKTOP)
    accept_and_dispatch(staff, need, people["liaison"].pk)

    liaison = Person(browser, base, "liaison", PHONE)
    sign_and_reply(liaison, need, "已对接江南农商行，授信三千万元，合同已签。", shots="-1")

    page = secretary.open_need(need)
    expect(page.locator("#need-resolution")).to_contain_text("授信三千万元")
    expect(page.locator("details#action-rate")).to_have_attribute("open", "")
    both_widths(page, "need-detail-secretary-rate")
    act(page, "rate", {"input[name=satisfaction][value=satisfied]": "on"})
    need.refresh_from_db()
    assert need.status == NeedStatus.CLOSED
    assert need.satisfaction == Satisfaction.SATISFIED
    expect(page.locator("#need-status")).to_have_text("已办结")  # the page speaks Chinese
    expect(page.locator("details#action-rate")).to_have_count(0)
    both_widths(page, "need-detail-secretary-closed")

    # The attachment comes back as a download.
    with page.expect_download() as download:
        page.locator("#need-attachments a").first.click()
    assert download.value.suggested_filename == "财务报表.pdf"

    page.goto(f"{base}/needs/")
    expect(page.locator("#need-list")).to_contain_text(need.number)
    both_widths(page, "need-list-secretary")
    for person in (secretary, staff, liaison):
        assert person.problems == []
        person.close()


def test_unsatisfied_rating_reopens_the_need(browser, live_server, people, tmp_path):
    base = live_server.url
    secretary = Person(browser, base, "secretary", DESKTOP)
    need = submit_need(secretary, tmp_path, "招工用工需求")
    staff = Person(browser, base, "staff", DESKTOP)
    accept_and_dispatch(staff, need, people["liaison"].pk)
    liaison = Person(browser, base, "liaison", DESKTOP)
    sign_and_reply(liaison, need, "已推送人社局招聘会信息。")

    page = secretary.open_need(need)
    panel = page.locator("details#action-rate")
    # 不满意 needs a reason: without one the form comes back with the error, nothing changes.
    panel.locator("input[name=satisfaction][value=unsatisfied]").check()
    with page.expect_navigation():
        panel.locator("button[type=submit]").click()
    expect(page.locator("details#action-rate .invalid-feedback")).to_be_visible()
    need.refresh_from_db()
    assert need.status == NeedStatus.REPLIED
    both_widths(page, "need-detail-secretary-rate-error")
    act(
        page,
        "rate",
        {
            "input[name=satisfaction][value=unsatisfied]": "on",
            "#id_rate_comment": "招聘会时间不合适，仍缺数控技工二十名。",
        },
    )
    need.refresh_from_db()
    assert need.status == NeedStatus.REOPENED
    assert need.reopen_count == 1

    # Back in the liaison's queue: sign again, reply again.
    sign_and_reply(liaison, need, "已组织定向招聘，二十名数控技工到岗。", shots="-reopened")
    page = secretary.open_need(need)
    act(page, "rate", {"input[name=satisfaction][value=basically]": "on"})
    need.refresh_from_db()
    assert need.status == NeedStatus.CLOSED

    # Staff may still reopen a closed need after a complaint at the return visit.
    page = staff.open_need(need)
    act(page, "reopen", {"#id_reopen_reason": "回访时企业反映技工流失。"})
    need.refresh_from_db()
    assert need.status == NeedStatus.REOPENED
    both_widths(page, "need-detail-staff-reopened")
    for person in (secretary, staff, liaison):
        assert person.problems == []
        person.close()
