"""Every page the benchmark (bench/bench.py) covers makes the same number of queries
with a few rows as with several pages of them — nothing per row, no count that grows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alliance.core import paginators
from alliance.core.models import Notification
from liaisons.models import EscalationLevel, Need, NeedEscalation, NeedStatus
from tests import factories
from tests.liaisons.conftest import english, make_need


@pytest.fixture(autouse=True)
def _setup():
    cache.clear()
    yield
    cache.clear()


def queries(client, url: str) -> tuple[int, list[str]]:
    client.get(url)  # warm process-wide caches (content types, translations)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured), [q["sql"] for q in captured.captured_queries]


def login(client, world, role):
    english(client).force_login(world.users[role])
    return client


def _needs(world, n: int) -> None:
    """n needs of every kind the pages list, spread over both sides."""
    now = timezone.now()
    for i in range(n):
        liaison = world.liaison1 if i % 2 else world.liaison2
        firm = world.enterprise1 if i % 2 else world.enterprise2
        make_need(enterprise=firm, status=NeedStatus.SUBMITTED)
        make_need(enterprise=firm, status=NeedStatus.ACCEPTED)
        make_need(enterprise=firm, status=NeedStatus.RETURN_PENDING, liaison=liaison)
        make_need(
            enterprise=firm,
            status=NeedStatus.IN_PROGRESS,
            liaison=liaison,
            extension_requested=2,
            resolve_due=now + timedelta(hours=i % 7 - 3),
        )
        make_need(
            enterprise=firm,
            status=NeedStatus.REPLIED,
            liaison=liaison,
            rating_due=now - timedelta(hours=1 + i),
        )
        need = make_need(enterprise=firm, status=NeedStatus.DISPATCHED, liaison=liaison)
        NeedEscalation.objects.create(
            need=need, level=EscalationLevel.SUPERVISE, due_at=now - timedelta(hours=i + 1)
        )


PAGES = [
    # (role, url name, query string, at most this many queries). Session and user are two of
    # them; staff pages check the park_staff group up to three times (page, navbar).
    ("S1", "notification-count", "", 3),  # the benchmark's logged-in trivial view
    ("S1", "liaisons:need-list", "", 7),
    ("staff", "liaisons:need-list", "", 9),
    ("staff", "liaisons:need-list", "?page=3", 9),
    ("staff", "liaisons:need-list", "?page=1000", 9),  # past the end: the last page
    ("L1", "liaisons:need-queue", "", 7),
    # five sections: their pages of ids and their bounded counts in one query, the rows in one
    ("staff", "liaisons:need-inbox", "", 7),
    ("C1", "liaisons:need-supervision", "", 8),
    ("staff", "liaisons:need-supervision", "", 11),
    ("staff", "liaisons:need-kpis", "", 6),  # served from the cache on the counted request
]


@pytest.mark.parametrize(("role", "name", "query", "expected"), PAGES)
def test_page_queries_do_not_grow_with_rows(client, world, role, name, query, expected):
    _needs(world, 2)
    login(client, world, role)
    url = reverse(name) + query
    few, _sql = queries(client, url)
    _needs(world, 40)  # 240 more needs: several pages of every list and inbox section
    cache.clear()
    many, sql = queries(client, url)
    assert few == many, "\n".join(sql)
    if expected is not None:
        # A ceiling, not an exact figure: the navbar (shared) may add a role check.
        assert many <= expected, "\n".join(sql)
    assert many <= 20
    # No unbounded COUNT of needs: every count of needs stops at the cap (a LIMIT inside),
    # except the queue's badges (one liaison's open needs) and the cached KPI tables.
    if name not in ("liaisons:need-kpis", "liaisons:need-queue"):
        for statement in sql:
            if "COUNT(" in statement and "liaisons_need" in statement:
                assert "LIMIT" in statement, statement


def test_deep_page_reads_the_same_as_page_one(client, world):
    _needs(world, 10)
    login(client, world, "staff")
    url = reverse("liaisons:need-list")
    first, _ = queries(client, url)
    deep, sql = queries(client, url + "?page=3")
    assert first == deep
    assert any("OFFSET 50" in statement for statement in sql)


def test_need_detail_with_a_long_timeline(client, world):
    """Need detail with 50 timeline rows: the same queries as with one (whatever panels other
    pages add to the detail page, none may query per row)."""
    need = make_need(
        enterprise=world.enterprise1, status=NeedStatus.IN_PROGRESS, liaison=world.liaison1
    )
    factories.NeedEventFactory(need=need, actor=world.users["L1"])
    url = reverse("liaisons:need-detail", args=[need.pk])
    counts = {}
    for role in ("staff", "L1", "S1"):
        counts[role] = queries(login(client, world, role), url)[0]
    for n in range(49):
        factories.NeedEventFactory(need=need, actor=world.users["L1" if n % 2 else "staff"])
    for role in ("staff", "L1", "S1"):
        assert queries(login(client, world, role), url)[0] == counts[role], role


def test_admin_need_changelist_does_not_count_the_table(client, world, monkeypatch):
    _needs(world, 2)
    admin = factories.UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    url = reverse("admin:liaisons_need_changelist")
    few, _ = queries(client, url)
    _needs(world, 20)
    many, sql = queries(client, url)
    assert few == many
    # A table the planner knows to be big: its estimate, and no COUNT of the needs at all.
    monkeypatch.setattr(paginators, "estimated_rows", lambda model, using="default": 3_000_000)
    count, sql = queries(client, url)
    # No COUNT, and on PostgreSQL no catalogue lookup either (stubbed here; SQLite has none).
    assert count == many - (2 if connection.vendor == "postgresql" else 1)
    assert not [s for s in sql if "COUNT(" in s and "liaisons_need" in s]
    html = client.get(url).content.decode()
    assert "3000000" in html or "3,000,000" in html
    # Filtered: a count that stops at the cap.
    count, sql = queries(client, url + "?status__exact=submitted")
    counts = [s for s in sql if "COUNT(" in s and "liaisons_need" in s]
    assert counts and all("LIMIT 10000" in s for s in counts)


def test_estimated_rows_reads_the_catalogue(world):
    Need.objects.all()  # the table exists
    value = paginators.estimated_rows(Need)
    if connection.vendor == "postgresql":
        assert value is None or value >= 0
    else:
        assert value is None


def test_notification_count_is_json_and_needs_a_login(client, world):
    url = reverse("notification-count")
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    for _ in range(2):
        Notification.objects.create(
            recipient=world.users["S1"], kind="test", title="需求已派单", url="/"
        )
    client.force_login(world.users["S1"])
    response = client.get(url)
    assert response.json() == {"unread": 2}
    assert "no-cache" in response["Cache-Control"]
    assert client.post(url).status_code == 405
