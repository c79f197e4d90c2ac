"""A salon from invitation to action item, in real Chromium.

Staff create a salon for the robotics chain and invite its firms; the secretary of 节卡机器人 sees
it on their home page, accepts and downloads the .ics; after the salon staff record the minutes
and a decision, which appears on the action items list. Screenshots at phone (390x844) and
desktop (1366x900) widths land in var/screenshots/.
"""

import re
from datetime import timedelta
from pathlib import Path

import icalendar
import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Page, expect

from events.models import Event, Rsvp
from liaisons.models import ActionItem
from tests.events.conftest import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
TITLE = "“红链有约 服务赋能”机器人专场沙龙"


@pytest.fixture
def world(db):
    return build_world()


def shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def assert_no_horizontal_overflow(page: Page) -> None:
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"page is {overflow}px wider than the viewport"


def sign_in(page: Page, base_url: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base_url}/accounts/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form[action='/accounts/login/'] button[type=submit]").click()
    expect(page).to_have_url(f"{base_url}/")


def local_input(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_salon_from_invitation_to_action_item(page: Page, live_server, world, console_problems):
    base = live_server.url

    # --- Staff create the salon and invite the robotics chain ---------------------------------
    page.set_viewport_size(DESKTOP)
    sign_in(page, base, "staff")
    page.goto(f"{base}/events/new/")
    start = timezone.now() + timedelta(days=5)
    form = page.locator("form.portal-form")
    form.locator("select[name=kind]").select_option("salon")
    form.locator("input[name=title]").fill(TITLE)
    form.locator(f"input[name=chains][value='{world.robotics.pk}']").check()
    form.locator("input[name=venue]").fill("武进高新区党群服务中心")
    form.locator("input[name=starts_at]").fill(local_input(start))
    form.locator("input[name=ends_at]").fill(local_input(start + timedelta(hours=2)))
    form.locator("textarea[name=agenda]").fill("一、惠企政策解读\n二、链上企业供需交流")
    # events.js: a search box above the long lists narrows them down.
    chains_filter = form.locator("select[name=invite_chains]").locator(
        "xpath=preceding-sibling::input[@type='search']"
    )
    chains_filter.fill("机器")
    form.locator("select[name=invite_chains]").select_option(str(world.robotics.pk))
    shoot(page, "event-create-1366")
    form.locator("button[type=submit]").click()
    # Wait for the redirect before reading the database: the click returns before the POST ends.
    expect(page).to_have_url(re.compile(r"/events/\d+/$"))
    event = Event.objects.get(title=TITLE)
    expect(page).to_have_url(f"{base}/events/{event.pk}/")
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.locator("#event-title")).to_have_text(TITLE)
    attendance = page.locator("table.portal-attendance")
    for name in ("钱佳", "丁磊", "宋飞洋", "王链长"):
        expect(attendance).to_contain_text(name)
    expect(attendance).to_contain_text("节卡机器人股份有限公司")
    # The door's QR code is drawn by the portal itself.
    qr = page.locator("img.portal-qr")
    expect(qr).to_be_visible()
    # Visible is not yet decoded: wait for the image itself (a broken one times out and fails).
    page.wait_for_function(
        "() => { const img = document.querySelector('img.portal-qr');"
        " return img !== null && img.complete && img.naturalWidth > 0; }"
    )
    assert_no_horizontal_overflow(page)
    shoot(page, "event-detail-staff-1366")
    page.set_viewport_size(PHONE)
    assert_no_horizontal_overflow(page)
    shoot(page, "event-detail-staff-390")

    # --- The secretary sees it at home, accepts and downloads the .ics ------------------------
    sign_in(page, base, "secretary")
    panel = page.locator(".portal-home-meetings")
    expect(panel).to_contain_text(TITLE)
    assert_no_horizontal_overflow(page)
    shoot(page, "home-secretary-meetings-390")
    expect(page.locator(".alert-success")).to_have_count(0)
    panel.locator("button[value=accepted]").click()
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page).to_have_url(f"{base}/")
    expect(panel.locator("button[value=accepted]")).to_have_attribute("aria-pressed", "true")
    invitation = event.invitations.get(user=world.secretary)
    assert invitation.rsvp == Rsvp.ACCEPTED

    panel.get_by_role("link", name=TITLE).click()
    expect(page).to_have_url(f"{base}/events/{event.pk}/")
    # An invitee sees their own reply, not the list of the others.
    expect(page.locator("table.portal-attendance")).to_have_count(0)
    assert_no_horizontal_overflow(page)
    shoot(page, "event-detail-secretary-390")
    with page.expect_download() as download_info:
        page.locator(f"a[href='/events/{event.pk}/event.ics']").click()
    download = download_info.value
    assert download.suggested_filename == f"event-{event.pk}.ics"
    calendar = icalendar.Calendar.from_ical(Path(download.path()).read_bytes())
    vevent = calendar.walk("VEVENT")[0]
    assert str(vevent["SUMMARY"]) == TITLE
    assert vevent.walk("VALARM")
    page.set_viewport_size(DESKTOP)
    shoot(page, "event-detail-secretary-1366")

    # --- After the salon, staff record minutes and a decision --------------------------------
    # The salon took place: put it in the past (the portal refuses to create past meetings).
    held_start = timezone.now() - timedelta(hours=3)
    Event.objects.filter(pk=event.pk).update(
        starts_at=held_start, ends_at=held_start + timedelta(hours=2)
    )
    sign_in(page, base, "staff")
    page.goto(f"{base}/events/{event.pk}/")
    page.locator(f"a[href='/events/{event.pk}/minutes/']").click()
    page.locator("textarea[name=minutes]").fill("沙龙围绕机器人核心零部件本地配套开展交流。")
    page.locator("form.portal-form button[type=submit]").click()
    expect(page.locator(".alert-success")).to_be_visible()
    page.locator(f"a[href='/events/{event.pk}/decisions/new/']").click()
    form = page.locator("form.portal-form")
    form.locator("textarea[name=text]").fill("推动节卡机器人与湟里减速机开展谐波减速器联合攻关。")
    form.locator("select[name=kind]").select_option("joint_rd")
    form.locator("input[name=title]").fill("谐波减速器联合攻关")
    form.locator("select[name=owner]").select_option(str(world.liaison.pk))
    due = timezone.localdate() + timedelta(days=90)
    form.locator("input[name=due_date]").fill(due.isoformat())
    form.locator("select[name=lead_enterprise]").select_option(str(world.jaka.pk))
    shoot(page, "decision-form-1366")
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(f"{base}/events/{event.pk}/")
    expect(page.locator(".portal-decisions")).to_contain_text("谐波减速器联合攻关")
    shoot(page, "event-detail-held-1366")

    # The decision links to its action item, which shows the meeting it came from.
    page.locator(".portal-decisions a").first.click()
    item = ActionItem.objects.get()
    expect(page).to_have_url(f"{base}/action-items/{item.pk}/")
    expect(page.locator("#action-item-title")).to_contain_text("谐波减速器联合攻关")
    expect(page.locator(".portal-facts")).to_contain_text("宋飞洋")
    expect(page.locator("#action-item-origin-decision")).to_contain_text(TITLE)
    expect(page.locator("#action-item-participants")).to_contain_text("节卡机器人股份有限公司")
    assert item.decision.event_id == event.pk
    shoot(page, "action-items-1366")
    page.set_viewport_size(PHONE)
    assert_no_horizontal_overflow(page)
    shoot(page, "action-items-390")
    assert console_problems == []


def test_invitee_checks_in_at_the_door_on_a_phone(page: Page, live_server, world, console_problems):
    start = timezone.now() + timedelta(minutes=20)
    event = Event.objects.create(
        kind="salon",
        title=TITLE,
        venue="武进高新区党群服务中心",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
    )
    event.invitations.create(user=world.secretary)
    page.set_viewport_size(PHONE)
    # The QR code opens the check-in page; signing in brings the person back to it.
    page.goto(f"{live_server.url}/events/{event.pk}/check-in/")
    page.locator("input[name=username]").fill("secretary")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form[action='/accounts/login/'] button[type=submit]").click()
    expect(page).to_have_url(f"{live_server.url}/events/{event.pk}/check-in/")
    assert_no_horizontal_overflow(page)
    shoot(page, "check-in-390")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".portal-checked-in")).to_be_visible()
    shoot(page, "check-in-done-390")
    assert event.invitations.get().checked_in_at is not None
    assert console_problems == []
