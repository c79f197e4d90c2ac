"""Staff create a regular meeting from plain choices, in real Chromium, at phone and desktop
width: the fields that do not apply hide, the rule is written for them, and a meeting that falls
on a holiday is shown moved to the next working day. Screenshots land in var/screenshots/."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from alliance.core.models import CalendarDay
from events.models import EventSeries
from tests.browser.test_events import DESKTOP, PHONE, assert_no_horizontal_overflow, shoot, sign_in
from tests.events.conftest import SHANGHAI, build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(db):
    return build_world()


def shown(page: Page, name: str):
    return page.locator(f"#div_id_{name}")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_staff_build_a_monthly_series_and_see_a_holiday_move(
    page: Page, live_server, world, console_problems, viewport
):
    # The first Wednesday ahead is made a day off in the calendar, so its meeting moves.
    today = timezone.localdate()
    start = today + timedelta(days=1)
    first_wednesday = next(
        day
        for day in (start + timedelta(days=n) for n in range(62))
        if day.weekday() == 2 and day.day <= 7
    )
    CalendarDay.objects.create(date=first_wednesday, is_workday=False, name="园区运动会")
    page.set_viewport_size(viewport)
    sign_in(page, live_server.url, "staff")
    page.goto(f"{live_server.url}/events/series/new/")
    # Monthly by weekday is the default: the day-of-month and the custom rule are hidden.
    expect(shown(page, "week")).to_be_visible()
    expect(shown(page, "month_day")).to_be_hidden()
    expect(shown(page, "rrule")).to_be_hidden()
    expect(shown(page, "until")).to_be_hidden()
    page.locator("select[name=repeat]").select_option("weekly")
    expect(shown(page, "week")).to_be_hidden()
    expect(shown(page, "monthly_by")).to_be_hidden()
    page.locator("select[name=repeat]").select_option("custom")
    expect(shown(page, "rrule")).to_be_visible()
    expect(shown(page, "weekday")).to_be_hidden()
    page.locator("select[name=repeat]").select_option("monthly")
    page.locator("input[name=title]").fill("机器人产业链联席会议")
    page.locator("input[name=venue]").fill("党群服务中心")
    page.locator("select[name=week]").select_option("1")
    page.locator("select[name=weekday]").select_option("WE")
    page.locator("input[name=start_date]").fill(start.isoformat())
    page.locator("input[name=start_time]").fill("14:30")
    page.locator("input[name=ends][value=count]").check()
    expect(shown(page, "count")).to_be_visible()
    page.locator("input[name=count]").fill("6")
    assert_no_horizontal_overflow(page)
    shoot(page, f"series-form-{'phone' if viewport is PHONE else 'desktop'}")
    page.locator("form.portal-form button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("机器人产业链联席会议")
    series = EventSeries.objects.get()
    assert series.rrule == "FREQ=MONTHLY;BYDAY=1WE;COUNT=6"
    expect(page.locator("main")).to_contain_text("每月第一个周三 14:30，共6次")
    moved = series.occurrences.get(day_off="园区运动会")
    assert moved.series_slot.astimezone(SHANGHAI).date() == first_wednesday
    assert moved.starts_at.astimezone(SHANGHAI).date() > first_wednesday
    expect(page.locator("main")).to_contain_text("（园区运动会），顺延至下一个工作日")
    assert_no_horizontal_overflow(page)
    shoot(page, f"series-detail-{'phone' if viewport is PHONE else 'desktop'}")
    assert console_problems == []
