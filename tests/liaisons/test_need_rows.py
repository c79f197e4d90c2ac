"""The rows of the needs lists (`need_items`) and the deadline mark (`need_deadline`), written
in Python for speed: the same markup the pages had, every value escaped, the marks and times
in the viewer's language and time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from liaisons.models import NeedStatus
from liaisons.views.deadlines import OVERDUE, PAUSED, SOON, Deadline
from tests.liaisons.conftest import make_need

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script>'
ROWS = Template(
    "{% load need_tags %}{% need_items needs show_enterprise=enterprise show_liaison=liaison %}"
)


def render_rows(needs, *, enterprise=True, liaison=True, language="en") -> str:
    with translation.override(language):
        return ROWS.render(Context({"needs": needs, "enterprise": enterprise, "liaison": liaison}))


def test_a_row_shows_the_need_with_every_value_escaped(world):
    world.enterprise1.name = HOSTILE
    world.enterprise1.save(update_fields=["name"])
    world.liaison1.user.full_name = HOSTILE
    world.liaison1.user.save(update_fields=["full_name"])
    need = make_need(
        enterprise=world.enterprise1,
        status=NeedStatus.IN_PROGRESS,
        liaison=world.liaison1,
        title=HOSTILE,
    )
    html = render_rows([need])
    assert "<script>" not in html
    assert html.count("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;") == 3
    assert f'href="/needs/{need.pk}/"' in html
    assert f'<span class="font-monospace">{need.number}</span>' in html
    assert ">In progress</span>" in html and "bi-person-badge" in html
    # Without the optional parts: no firm, no liaison line.
    bare = render_rows([need], enterprise=False, liaison=False)
    assert bare.count("&lt;script&gt;") == 1 and "bi-person-badge" not in bare


def test_rows_speak_the_viewers_language(world):
    need = make_need(enterprise=world.enterprise1, status=NeedStatus.SUBMITTED)
    assert ">待受理</span>" in render_rows([need], language="zh-hans")
    assert ">Awaiting acceptance</span>" in render_rows([need], language="en")


@pytest.mark.parametrize(
    ("kind", "state", "badge", "text"),
    [
        ("resolve", OVERDUE, "text-bg-danger", "Overdue"),
        ("rating", OVERDUE, "text-bg-secondary", "Rating window closed"),
        ("resolve", SOON, "text-bg-warning", "Due soon"),
        ("resolve", PAUSED, "text-bg-secondary", "Clock paused"),
        ("resolve", "", None, None),
    ],
)
def test_the_deadline_mark(world, kind, state, badge, text):
    need = make_need(
        enterprise=world.enterprise1, status=NeedStatus.IN_PROGRESS, liaison=world.liaison1
    )
    due = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)  # 17:30 in Beijing
    need.deadline = Deadline(kind=kind, due=due, state=state)
    with timezone.override("Asia/Shanghai"):
        html = render_rows([need])
    assert '<time datetime="2026-11-27T17:30:00+08:00">' in html
    if badge is None:
        assert "badge text-bg" not in html.split("need-deadline")[1]
    else:
        assert f'<span class="badge {badge}">' in html and f"</i> {text}</span>" in html


def test_a_need_without_a_running_clock_has_no_deadline_line(world):
    need = make_need(enterprise=world.enterprise1, status=NeedStatus.CLOSED, liaison=world.liaison1)
    need.deadline = None
    assert "need-deadline" not in render_rows([need])
    assert render_rows([]) == ""


def test_the_detail_pages_mark_is_the_same(world):
    template = Template("{% load need_tags %}{% need_deadline deadline %}")
    deadline = Deadline(kind="resolve", due=timezone.now() - timedelta(hours=1), state=OVERDUE)
    with translation.override("zh-hans"):
        html = template.render(Context({"deadline": deadline}))
        assert "已超期" in html
    assert template.render(Context({"deadline": None})) == ""
