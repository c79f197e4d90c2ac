"""The notification bell and list in real Chromium, at phone and desktop widths.

Screenshots land in var/screenshots/notifications-*.png.
"""

from unittest import mock

import pytest
from django.db import transaction
from playwright.sync_api import Page, expect

from alliance.core.notifications import notify
from alliance.core.tasks import send_notification_email
from tests import factories
from tests.browser.test_shell import (
    DESKTOP,
    PHONE,
    assert_no_horizontal_overflow,
    shoot,
    sign_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def inbox(db):
    secretary = factories.UserFactory(username="secretary", full_name="钱佳")
    other = factories.UserFactory(username="other", full_name="宋飞洋")
    messages = [
        ("XQ-2026-00041 融资需求已答复", "科学技术局宋飞洋已答复，请在5个工作日内评价。", ""),
        (
            "XQ-2026-00042 已派单",
            "您提交的“数控技工招聘”需求已派给人社局，联络员将尽快与您联系。",
            "/",
        ),
        (
            "工程机械产业链联席会议提醒",
            '会议于明天 14:30 在党群服务中心召开。<img src=x onerror="alert(1)">',
            "",
        ),
    ]
    with mock.patch.object(send_notification_email, "apply_async"), transaction.atomic():
        for title, message, url in messages:
            notify(
                recipients=[secretary],
                kind="generic",
                context={"title": title, "message": message},
                url=url,
            )
        notify(
            recipients=[other],
            kind="generic",
            context={"title": "别人的通知", "message": "不应出现"},
        )
    return secretary


def bell(page: Page):
    return page.locator("header .portal-bell")


def test_bell_list_and_marking_read(page: Page, live_server, inbox, console_problems):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    # Phone: the bell sits beside the menu button, visible without opening the menu.
    page.set_viewport_size(PHONE)
    sign_in(page, live_server.url, "secretary")
    expect(page.locator(".navbar-toggler")).to_be_visible()
    expect(bell(page)).to_be_visible()
    expect(bell(page).locator(".portal-bell-count")).to_have_text("3")
    assert_no_horizontal_overflow(page)
    shoot(page, "notifications-bell-390")

    bell(page).click()
    expect(page).to_have_url(f"{live_server.url}/notifications/")
    items = page.locator(".portal-notification")
    expect(items).to_have_count(3)
    expect(page.locator(".portal-notification-unread")).to_have_count(3)
    expect(page.locator("main")).not_to_contain_text("别人的通知")
    # The newest first; the markup in a message is shown as text, never run.
    expect(items.first).to_contain_text("工程机械产业链联席会议提醒")
    expect(items.first).to_contain_text('<img src=x onerror="alert(1)">')
    assert_no_horizontal_overflow(page)
    shoot(page, "notifications-list-390")

    # "Open" marks it read and follows its link (here: the home page).
    items.filter(has_text="XQ-2026-00042").locator("button[type=submit]").click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(bell(page).locator(".portal-bell-count")).to_have_text("2")

    # Desktop: the bell is the last item of the bar.
    page.set_viewport_size(DESKTOP)
    expect(page.locator(".navbar-toggler")).to_be_hidden()
    bell(page).click()
    expect(page.locator(".portal-notification-unread")).to_have_count(2)
    assert_no_horizontal_overflow(page)
    shoot(page, "notifications-list-1366")

    # A message without a link is marked read in place.
    items.filter(has_text="XQ-2026-00041").locator("button[type=submit]").click()
    expect(page).to_have_url(f"{live_server.url}/notifications/")
    expect(bell(page).locator(".portal-bell-count")).to_have_text("1")
    expect(page.locator(".portal-notification-unread")).to_have_count(1)

    page.locator("form[action='/notifications/read-all/'] button").click()
    expect(page.locator(".alert-success")).to_be_visible()
    expect(bell(page).locator(".portal-bell-count")).to_have_count(0)
    expect(page.locator(".portal-notification-unread")).to_have_count(0)
    expect(page.locator("form[action='/notifications/read-all/']")).to_have_count(0)
    shoot(page, "notifications-all-read-1366")

    page.set_viewport_size(PHONE)
    assert_no_horizontal_overflow(page)
    shoot(page, "notifications-all-read-390")
    assert dialogs == []
    assert console_problems == []
