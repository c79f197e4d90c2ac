"""Meeting times read naturally in each language: full-width brackets in Chinese, half-width
with spaces in English."""

from datetime import datetime, timedelta

import pytest
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import strip_tags

from alliance.core.models import Notification
from events.services.series import series_create
from tests import factories
from tests.events.conftest import SHANGHAI

pytestmark = pytest.mark.django_db

START = datetime(2027, 1, 5, 14, 30, tzinfo=SHANGHAI)  # a Tuesday


def when(language: str) -> str:
    event = factories.EventFactory.build(starts_at=START, ends_at=START + timedelta(hours=2))
    with translation.override(language):
        return strip_tags(render_to_string("events/includes/_when.html", {"event": event})).strip()


def test_the_weekday_in_brackets_follows_the_language():
    assert when("zh-hans") == "2027年1月5日（星期二）14:30–16:30"
    assert when("en") == "Jan. 5, 2027 (Tuesday) 14:30–16:30"


def test_the_series_message_lists_the_meetings_in_chinese_punctuation_and_says_what_moved(world):
    # Written in the portal's language (zh-hans): 1 October 2026 is National Day.
    series_create(
        actor=world.staff,
        kind="joint_meeting",
        title="产业链党建联席会议",
        chains=[],
        venue="党群服务中心",
        rrule="FREQ=MONTHLY;BYMONTHDAY=1",
        first_starts_at=datetime(2026, 10, 1, 9, 0, tzinfo=SHANGHAI),
        duration=timedelta(hours=2),
        months_ahead=1,
        invitees=[world.chief],
        now=datetime(2026, 9, 25, 9, 0, tzinfo=SHANGHAI),
    )
    body = Notification.objects.get(kind="event_series_invited").body
    assert "2026年10月8日 09:00（星期四），党群服务中心" in body
    assert "原定2026年10月1日（国庆节），顺延至下一个工作日" in body
