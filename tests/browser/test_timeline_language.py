"""The need timeline and a meeting's time read in the page's language, in real Chromium, at
phone and desktop width: the portal's own lines are translated, typed text stays as typed, and
the weekday's brackets follow the language. Screenshots land in var/screenshots/."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from liaisons.models import NeedStatus, Satisfaction
from liaisons.needs import services as needs
from tests import factories
from tests.browser.test_events import DESKTOP, PHONE, assert_no_horizontal_overflow, shoot
from tests.liaisons.conftest import build_world, make_need

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHANGHAI = ZoneInfo("Asia/Shanghai")
PASSWORD = "correct-horse-battery"


@pytest.fixture
def world(db):
    return build_world()


def sign_in(page: Page, base_url: str, username: str, language: str) -> None:
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "django_language", "value": language, "url": base_url}])
    page.goto(f"{base_url}/accounts/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form[action='/accounts/login/'] button[type=submit]").click()
    expect(page).to_have_url(f"{base_url}/")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_timeline_and_meeting_time_in_english_and_chinese(
    page: Page, live_server, world, console_problems, viewport
):
    need = make_need(
        enterprise=world.enterprise1, status=NeedStatus.REPLIED, liaison=world.liaison1
    )
    needs.need_rate(
        need=need,
        actor=world.users["S1"],
        satisfaction=Satisfaction.BASICALLY,
        comment="办理及时，感谢！",
    )
    start = datetime(2027, 1, 5, 14, 30, tzinfo=SHANGHAI)  # a Tuesday
    event = factories.EventFactory(starts_at=start, ends_at=start + timedelta(hours=2))
    width = "phone" if viewport is PHONE else "desktop"
    page.set_viewport_size(viewport)
    for language, rating, when in [
        ("en", "Basically satisfied", "Jan. 5, 2027 (Tuesday) 14:30"),
        ("zh-hans", "基本满意", "2027年1月5日（星期二）14:30"),
    ]:
        sign_in(page, live_server.url, "staff", language)
        page.goto(f"{live_server.url}/needs/{need.pk}/")
        timeline = page.locator("#need-timeline")
        expect(timeline).to_contain_text(rating)
        expect(timeline).to_contain_text("办理及时，感谢！")
        if language == "en":
            expect(timeline).not_to_contain_text("基本满意")
        assert_no_horizontal_overflow(page)
        shoot(page, f"timeline-{language}-{width}")
        page.goto(f"{live_server.url}/events/{event.pk}/")
        expect(page.locator(".portal-event-facts time").first).to_have_text(when)
    assert console_problems == []
