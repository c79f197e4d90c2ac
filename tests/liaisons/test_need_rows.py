"""The rows of the needs lists (`need_items`) and the deadline mark (`need_deadline`), written
in Python for speed: the same markup the pages had, every value escaped, the marks and times
in the viewer's language and time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from liaisons.models import EscalationLevel, Need, NeedEscalation, NeedStatus
from liaisons.needs.clock import (
    LAPSED,
    OVERDUE,
    PAUSED,
    SOON,
    Deadline,
    deadline_of,
    mark_deadlines,
    with_running_due,
)
from liaisons.needs.rows import NeedRow, escalation_rows, need_rows
from tests.liaisons.conftest import make_need

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script>'
ROWS = Template(
    "{% load need_tags %}{% need_items needs show_enterprise=enterprise show_liaison=liaison %}"
)


def render_rows(needs, *, enterprise=True, liaison=True, language="en") -> str:
    with translation.override(language):
        return ROWS.render(Context({"needs": needs, "enterprise": enterprise, "liaison": liaison}))


def row_of(need) -> NeedRow:
    (row,) = need_rows(Need.objects.filter(pk=need.pk))
    return row


def hostile_need(world, *named):
    """An open need whose title, firm, liaison and any of `named` (with a `name`) are HOSTILE."""
    for thing in (world.enterprise1, *named):
        thing.name = HOSTILE
        thing.save(update_fields=["name"])
    world.liaison1.user.full_name = HOSTILE
    world.liaison1.user.save(update_fields=["full_name"])
    return make_need(
        enterprise=world.enterprise1,
        status=NeedStatus.IN_PROGRESS,
        liaison=world.liaison1,
        title=HOSTILE,
    )


def test_a_row_shows_the_need_with_every_value_escaped(world):
    need = hostile_need(world)
    html = render_rows([row_of(need)])
    assert "<script>" not in html
    assert html.count("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;") == 3
    assert f'href="/needs/{need.pk}/"' in html
    assert f'<span class="font-monospace">{need.number}</span>' in html
    assert ">In progress</span>" in html and "bi-person-badge" in html
    # The number and the labels are escaped too (quotes included, as in an attribute).
    row = row_of(need)
    row.number, row.category = "<b>'1'&\"</b>", "<i>cat</i>"
    html = render_rows([row])
    assert "&lt;b&gt;&#x27;1&#x27;&amp;&quot;&lt;/b&gt;" in html and "&lt;i&gt;cat" in html
    assert "<b>" not in html and "<i>cat" not in html
    # Without the optional parts: no firm, no liaison line.
    bare = render_rows([row_of(need)], enterprise=False, liaison=False)
    assert bare.count("&lt;script&gt;") == 1 and "bi-person-badge" not in bare


def test_rows_speak_the_viewers_language(world):
    need = row_of(make_need(enterprise=world.enterprise1, status=NeedStatus.SUBMITTED))
    assert ">待受理</span>" in render_rows([need], language="zh-hans")
    assert ">Awaiting acceptance</span>" in render_rows([need], language="en")


@pytest.mark.parametrize(
    ("kind", "state", "badge", "text"),
    [
        ("resolve", OVERDUE, "text-bg-danger", "Overdue"),
        ("rating", LAPSED, "text-bg-secondary", "Rating window closed"),
        ("resolve", SOON, "text-bg-warning", "Due soon"),
        ("resolve", PAUSED, "text-bg-secondary", "Clock paused"),
        ("resolve", "", None, None),
    ],
)
def test_the_deadline_mark(world, kind, state, badge, text):
    need = row_of(
        make_need(
            enterprise=world.enterprise1, status=NeedStatus.IN_PROGRESS, liaison=world.liaison1
        )
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
    need = row_of(
        make_need(enterprise=world.enterprise1, status=NeedStatus.CLOSED, liaison=world.liaison1)
    )
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


def test_a_row_holds_what_the_need_says(world):
    """`need_rows` reads the columns of a row without model instances: the same values, the
    liaison's name as `get_full_name` gives it, and the same running deadline as the need."""
    user = world.liaison1.user
    need = make_need(
        enterprise=world.enterprise1, status=NeedStatus.IN_PROGRESS, liaison=world.liaison1
    )
    need.refresh_from_db()
    row = row_of(need)
    assert (row.pk, row.id, row.number, row.title) == (need.pk, need.pk, need.number, need.title)
    assert (row.category, row.urgency, row.status) == (need.category, need.urgency, need.status)
    assert row.enterprise_name == world.enterprise1.name
    assert row.liaison_name == user.get_full_name()
    assert row.resolve_due == need.resolve_due and row.created_at == need.created_at
    now = timezone.now()
    assert deadline_of(row, now=now, horizon=now) == deadline_of(need, now=now, horizon=now)
    (marked,) = mark_deadlines([row], now=now, horizon=now)
    assert marked.deadline == deadline_of(need, now=now, horizon=now)
    # A user without a full name: first and last name, else the username.
    user.full_name, user.first_name, user.last_name = "", "Li", "Ming"
    user.save()
    assert row_of(need).liaison_name == "Li Ming" == user.get_full_name()
    user.first_name = user.last_name = ""
    user.save()
    assert row_of(need).liaison_name == user.username == user.get_full_name()
    # Without a liaison: no name, no query for one.
    need.liaison = None
    need.save(update_fields=["liaison"])
    assert row_of(need).liaison_name == "" and row_of(need).liaison_id is None


def test_rows_read_an_ordering_annotation_along_and_nothing_else(world):
    need = make_need(
        enterprise=world.enterprise1, status=NeedStatus.IN_PROGRESS, liaison=world.liaison1
    )
    annotated = with_running_due(Need.objects.filter(pk=need.pk))
    (row,) = need_rows(annotated, extra=["running_due"])
    assert row.running_due == annotated.get().running_due is not None
    assert row_of(need).running_due is None
    with pytest.raises(ValueError, match="not an ordering annotation"):
        need_rows(annotated, extra=["password"])


def test_rows_are_one_query(world, django_assert_num_queries):
    for _ in range(5):
        make_need(
            enterprise=world.enterprise1, status=NeedStatus.IN_PROGRESS, liaison=world.liaison1
        )
    with django_assert_num_queries(1):
        rows = need_rows(Need.objects.order_by("pk"))
    assert [row.pk for row in rows] == list(
        Need.objects.order_by("pk").values_list("pk", flat=True)
    )


def test_row_links_are_what_reverse_gives_under_any_script_prefix(world):
    from django.urls import reverse, set_script_prefix

    needs = [row_of(make_need(enterprise=world.enterprise1)) for _ in range(3)]
    try:
        for prefix in ("/", "/hongchain/", "/park 园区/&x/"):
            set_script_prefix(prefix)
            html = render_rows(needs)
            for need in needs:
                url = reverse("liaisons:need-detail", args=[need.pk])
                assert f'href="{escape(url)}"' in html
    finally:
        set_script_prefix("/")


def test_an_unusual_route_is_reversed_row_by_row(world, monkeypatch):
    from alliance.core import routes

    def twice(name, args, current_app=None):  # a route writing its pk twice: no one place
        return f"/needs/{args[0]}/{args[0]}/"

    monkeypatch.setattr(routes, "reverse", twice)
    need = row_of(make_need(enterprise=world.enterprise1))
    assert f'href="/needs/{need.pk}/{need.pk}/"' in render_rows([need])


# --- The supervision page's escalations (`escalation_rows`, `escalation_items`) ----------------

ESCALATIONS = Template("{% load need_tags %}{% escalation_items rows %}")


def test_an_escalation_row_shows_its_need_with_every_value_escaped(world):
    need = hostile_need(world, world.liaison1.department)
    due = datetime(2026, 11, 13, 7, 59, tzinfo=UTC)  # 15:59 in Beijing
    NeedEscalation.objects.create(need=need, level=EscalationLevel.SUPERVISE, due_at=due)
    (row,) = escalation_rows(NeedEscalation.objects.filter(need=need))
    assert (row.need_id, row.number, row.status) == (need.pk, need.number, need.status)
    with translation.override("zh-hans"):
        html = ESCALATIONS.render(Context({"rows": [row]}))
    assert "<script>" not in html
    # Title, firm, department and liaison.
    assert html.count("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;") == 4
    assert f'href="/needs/{need.pk}/"' in html
    assert '<span class="badge text-bg-danger">督办</span>' in html and "办理中" in html
    assert "办理期限：2026年11月13日 15:59" in html


def test_an_escalation_of_a_need_without_liaison_or_department_leaves_them_out(world):
    need = make_need(enterprise=world.enterprise1, status=NeedStatus.ACCEPTED)
    NeedEscalation.objects.create(need=need, level=EscalationLevel.URGE, due_at=timezone.now())
    (row,) = escalation_rows(NeedEscalation.objects.filter(need=need))
    assert row.liaison_name == "" and row.department_name is None
    html = ESCALATIONS.render(Context({"rows": [row]}))
    assert "bi-person-badge" not in html and " · None" not in html


def test_escalation_rows_are_one_query(world, django_assert_num_queries):
    for _ in range(5):
        need = make_need(
            enterprise=world.enterprise1, status=NeedStatus.IN_PROGRESS, liaison=world.liaison1
        )
        NeedEscalation.objects.create(
            need=need, level=EscalationLevel.URGE, due_at=need.resolve_due
        )
    with django_assert_num_queries(1):
        rows = escalation_rows(NeedEscalation.objects.order_by("-created_at", "-pk"))
    with django_assert_num_queries(0):
        ESCALATIONS.render(Context({"rows": rows}))
    assert len(rows) == 5


@pytest.mark.parametrize(
    ("role", "route"), [("staff", "liaisons:need-list"), ("L1", "liaisons:need-queue")]
)
def test_a_hostile_title_is_shown_as_text_on_the_list_pages(client, world, role, route):
    need = hostile_need(world)
    client.force_login(world.users[role])
    html = client.get(reverse(route)).content.decode()
    assert f'href="/needs/{need.pk}/"' in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert HOSTILE not in html
