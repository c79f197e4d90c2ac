"""Helpers every app's admin test uses (tests/<app>/test_admin.py).

Each app declares ADMIN_CASES (model → how to build rows, whether "add" is offered, the
changelist's pinned query count) and walks the same matrix with these helpers: staff open
changelist/add/change, a plain signed-in user and an anonymous visitor are sent to the admin
login, and the changelist's query count does not grow with rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import connection
from django.db.models import Model
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

# Every staff changelist runs these before anything model-specific:
#   1. the session, 2. the signed-in user, 3.–4. the user's own and group permissions,
#   5. COUNT(*) of the filtered rows, 6. COUNT(*) of all rows (skipped where the admin sets
#   show_full_result_count = False), 7. the page of rows, list_select_related joined in and
#   counts annotated as subqueries.
# Each case adds what its list shows on top: one query per related-field filter (its choices),
# one per "all values" filter, two for a date hierarchy (min/max, then the dates), one per
# prefetch. None of them depends on the number of rows.
BASE_QUERIES = 7
NO_FULL_COUNT = BASE_QUERIES - 1
# Admins of big tables (alliance.core.paginators) also skip the full count; on PostgreSQL their
# paginator reads the planner's row estimate from the catalogue, which SQLite does not have.
ESTIMATED_COUNT = NO_FULL_COUNT if connection.vendor == "postgresql" else NO_FULL_COUNT - 1


@dataclass(frozen=True)
class AdminCase:
    build: Callable[[int], list[Model]]  # creates n rows, each with its own related rows
    changelist_queries: int
    add: bool = True


def admin_url(model: type[Model], view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def admin_pages(model: type[Model], obj: Model, *, add: bool) -> list[str]:
    pages = [admin_url(model, "changelist"), admin_url(model, "change", obj.pk)]
    if add:
        pages.append(admin_url(model, "add"))
    return pages


def assert_staff_opens_pages(client, model: type[Model], case: AdminCase) -> None:
    obj = case.build(1)[0]
    for url in admin_pages(model, obj, add=case.add):
        response = client.get(url)
        assert response.status_code == 200, url
    if not case.add:
        assert client.get(admin_url(model, "add")).status_code == 403


def assert_sent_to_admin_login(client, model: type[Model], case: AdminCase, user=None) -> None:
    obj = case.build(1)[0]
    if user is not None:
        client.force_login(user)
    for url in admin_pages(model, obj, add=True):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == f"{reverse('admin:login')}?next={url}"


def page_queries(client, url: str) -> tuple[int, str]:
    """Queries of one GET of an admin page, and the page.

    The page is fetched once before counting: the first request of a test process fills
    process-wide caches (content types), which would otherwise depend on the test order.
    """
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def assert_changelist_queries_do_not_grow(client, model: type[Model], case: AdminCase) -> None:
    url = admin_url(model, "changelist")
    case.build(2)
    with_two, _page = page_queries(client, url)
    case.build(23)
    with_twenty_five, _page = page_queries(client, url)
    assert model._default_manager.count() >= 25
    assert with_two == with_twenty_five == case.changelist_queries, (with_two, with_twenty_five)


def admin_matrix(cases: dict[type[Model], AdminCase]):
    """The three matrix tests for an app's ADMIN_CASES, to be bound to module-level names."""
    parametrize = pytest.mark.parametrize("model", list(cases), ids=lambda m: m.__name__)

    @parametrize
    def test_staff_open_changelist_add_and_change(staff_client, model):
        assert_staff_opens_pages(staff_client, model, cases[model])

    @parametrize
    def test_plain_user_and_anonymous_are_sent_to_admin_login(client, plain_user, model):
        assert_sent_to_admin_login(client, model, cases[model])
        assert_sent_to_admin_login(client, model, cases[model], user=plain_user)

    @parametrize
    def test_changelist_queries_do_not_grow_with_rows(staff_client, model):
        assert_changelist_queries_do_not_grow(staff_client, model, cases[model])

    return (
        test_staff_open_changelist_add_and_change,
        test_plain_user_and_anonymous_are_sent_to_admin_login,
        test_changelist_queries_do_not_grow_with_rows,
    )
