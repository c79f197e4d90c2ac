"""Pagination that holds at province scale (liaisons.paging), the queue ordered and
counted in SQL, the KPI page, and hostile page parameters (never a 500)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from liaisons import paging
from liaisons.models import EscalationLevel, Need, NeedEscalation, NeedStatus
from liaisons.needs.clock import amber_horizon, mark_deadlines, queue_summary, with_running_due
from liaisons.needs.rows import need_rows
from liaisons.needs.views import pages
from liaisons.paging import (
    KeysetSection,
    decode_cursor,
    encode_cursor,
    keyset_page,
    keyset_sections,
    numbered_page,
)
from tests.conftest import MOMENTS
from tests.liaisons.conftest import as_user, make_need

HOSTILE_CURSORS = [
    "",
    "abc",
    "1.2.3",
    ".5",
    "n.",
    "1e5.3",
    "１２.3",  # full-width digits
    "9" * 30 + ".1",
    "99999999999999999999.1",  # beyond datetime's range
    "-99999999999999999999.1",
    "1." + "9" * 40,
    '"><script>alert(1)</script>',
    "' OR 1=1 --",
    "n.1; DROP TABLE liaisons_need",
]


@pytest.fixture(autouse=True)
def _empty_cache():
    """The KPI tables are cached per scope (LocMem in tests): each test starts without them."""
    cache.clear()
    yield
    cache.clear()


# --- Cursors ------------------------------------------------------------------------------------


def test_cursor_round_trip():
    moment = datetime(2026, 11, 20, 9, 30, 15, 123456, tzinfo=UTC)
    assert decode_cursor(encode_cursor(moment, 42)) == (moment, 42)
    assert decode_cursor(encode_cursor(None, 7)) == (None, 7)
    early = datetime(1960, 1, 1, tzinfo=UTC)
    assert decode_cursor(encode_cursor(early, 1)) == (early, 1)


@pytest.mark.parametrize("raw", HOSTILE_CURSORS)
def test_anything_but_a_cursor_is_ignored(raw):
    assert decode_cursor(raw) is None


# --- Keyset pages -------------------------------------------------------------------------------


def _walk(queryset, *, key, nullable=False, descending=False, per_page=4):
    """Every page forwards, then back again from the last one: the ids seen, page by page."""
    forward, query = [], QueryDict()
    while True:
        page = keyset_page(
            queryset, query, key=key, nullable=nullable, descending=descending, per_page=per_page
        )
        forward.append([need.pk for need in page])
        if not page.has_next:
            break
        query = QueryDict(page.next_query)
    backward = [forward[-1]]
    while page.has_previous:
        page = keyset_page(
            queryset,
            QueryDict(page.previous_query),
            key=key,
            nullable=nullable,
            descending=descending,
            per_page=per_page,
        )
        backward.append([need.pk for need in page])
    return forward, backward[::-1]


def test_keyset_pages_cover_every_row_once_with_ties_and_nulls(world):
    now = timezone.now()
    dues = [now + timedelta(hours=h % 4) for h in range(9)] + [None, None, None]
    for due in dues:
        make_need(enterprise=world.enterprise1, status=NeedStatus.SUBMITTED, accept_due=due)
    submitted = Need.objects.filter(status=NeedStatus.SUBMITTED)
    far = now + timedelta(days=3650)
    expected = [
        n.pk
        for n in sorted(submitted, key=lambda n: (n.accept_due is None, n.accept_due or far, n.pk))
    ]
    forward, backward = _walk(submitted, key="accept_due", nullable=True)
    assert [pk for page in forward for pk in page] == expected
    assert [len(page) for page in forward] == [4, 4, 4]
    assert backward == forward

    # Newest first (the escalations' order) is the same walk reversed.
    forward, backward = _walk(submitted, key="created_at", descending=True, per_page=5)
    newest = [n.pk for n in submitted.order_by("-created_at", "-pk")]
    assert [pk for page in forward for pk in page] == newest
    assert backward == forward


@pytest.mark.parametrize("raw", HOSTILE_CURSORS)
def test_a_bad_cursor_shows_the_first_page(world, raw):
    for _ in range(3):
        make_need(enterprise=world.enterprise1, status=NeedStatus.SUBMITTED)
    needs = Need.objects.all()
    first = keyset_page(needs, QueryDict(), key="created_at", per_page=2)
    for param in ("after", "before"):
        query = QueryDict(mutable=True)
        query[param] = raw
        page = keyset_page(needs, query, key="created_at", per_page=2)
        assert [n.pk for n in page] == [n.pk for n in first]


def test_a_cursor_past_the_end_falls_back_to_the_first_page(world):
    need = make_need(enterprise=world.enterprise1, status=NeedStatus.SUBMITTED)
    beyond = encode_cursor(need.created_at + timedelta(days=1), need.pk)
    page = keyset_page(
        Need.objects.all(), QueryDict(f"after={beyond}"), key="created_at", per_page=2
    )
    assert [n.pk for n in page] == [need.pk] and not page.has_other_pages


def _same_page(one, other) -> None:
    assert [row.pk for row in one] == [row.pk for row in other]
    assert (one.has_next, one.has_previous) == (other.has_next, other.has_previous)
    assert (one.next_query, one.previous_query, one.first_query) == (
        other.next_query,
        other.previous_query,
        other.first_query,
    )


def _sections_world(world):
    """Submitted needs with ties and NULL deadlines, accepted ones, and one need in two lists."""
    now = timezone.now()
    for h in range(9):
        make_need(
            enterprise=world.enterprise1,
            status=NeedStatus.SUBMITTED,
            accept_due=None if h in (2, 7) else now + timedelta(hours=h % 3),
        )
    for _ in range(3):
        make_need(enterprise=world.enterprise1, status=NeedStatus.ACCEPTED)
    return {
        "due": KeysetSection(
            Need.objects.filter(status=NeedStatus.SUBMITTED),
            "accept_due",
            nullable=True,
            prefix="due-",
        ),
        "newest": KeysetSection(
            Need.objects.all(), "created_at", descending=True, prefix="newest-"
        ),
        "accepted": KeysetSection(
            Need.objects.filter(status=NeedStatus.ACCEPTED), "updated_at", prefix="accepted-"
        ),
        "nothing": KeysetSection(Need.objects.none(), "created_at", prefix="nothing-"),
        "empty": KeysetSection(
            Need.objects.filter(status=NeedStatus.CLOSED), "created_at", prefix="empty-"
        ),
    }


def _alone(section: KeysetSection, query, rows):
    return keyset_page(
        section.queryset,
        query,
        key=section.key,
        nullable=section.nullable,
        descending=section.descending,
        per_page=4,
        prefix=section.prefix,
        rows=rows,
    )


@pytest.mark.parametrize("rows", [list, need_rows], ids=["models", "rows"])
def test_keyset_sections_give_each_sections_keyset_page_and_count(world, rows):
    """Walking each section to its end and back with `keyset_sections` shows what `keyset_page`
    shows, page for page, in that section and in all the others."""
    sections = _sections_world(world)
    for name in ("due", "newest", "accepted"):
        query, walked = QueryDict(), []
        for direction in ("next", "previous"):
            while True:
                pages = keyset_sections(sections, query, per_page=4, rows=rows)
                for other, page in pages.items():
                    _same_page(page, _alone(sections[other], query, rows))
                    expected = sections[other].queryset.count()
                    assert page.extra["count"] == paging.BoundedCount(expected, False)
                walked.append((direction, [row.pk for row in pages[name]]))
                page = pages[name]
                if not (page.has_next if direction == "next" else page.has_previous):
                    break
                query = QueryDict(getattr(page, f"{direction}_query"))
        forward = [pks for direction, pks in walked if direction == "next"]
        backward = [pks for direction, pks in walked if direction == "previous"]
        assert backward[::-1] == forward
        assert sorted(pk for pks in forward for pk in pks) == sorted(
            sections[name].queryset.values_list("pk", flat=True)
        )
        if name in ("due", "newest"):
            assert len(forward) > 1  # several pages were walked


def test_keyset_sections_read_in_two_queries(world, django_assert_num_queries):
    sections = _sections_world(world)
    with django_assert_num_queries(2):  # ids and counts, then the rows
        pages = keyset_sections(sections, QueryDict(), per_page=4, rows=need_rows)
    assert [len(page) for page in pages.values()] == [4, 4, 3, 0, 0]
    # The need both lists show is one row object, read once.
    newest_first = pages["newest"].object_list[0]
    assert newest_first.pk in [row.pk for row in pages["accepted"]]
    with django_assert_num_queries(0):
        assert keyset_sections({}, QueryDict()) == {}


def test_keyset_sections_cap_the_counts(world):
    sections = _sections_world(world)
    pages = keyset_sections(sections, QueryDict(), per_page=4, cap=5)
    assert pages["due"].extra["count"] == paging.BoundedCount(5, True)
    assert pages["accepted"].extra["count"] == paging.BoundedCount(3, False)


@pytest.mark.parametrize("raw", [*HOSTILE_CURSORS, "past-the-end"])
def test_keyset_sections_show_the_first_page_for_a_bad_cursor(world, raw):
    sections = _sections_world(world)
    first = keyset_sections(sections, QueryDict(), per_page=4)
    past_the_end = raw == "past-the-end"
    if past_the_end:
        last = Need.objects.order_by("-created_at", "-pk").first()
        raw = encode_cursor(last.created_at + timedelta(days=1), last.pk)
    # (Before a cursor past the end is the list's last page, as with `keyset_page`.)
    params = ("accepted-after",) if past_the_end else ()
    for param in params or ("due-after", "due-before", "accepted-after"):
        query = QueryDict(mutable=True)
        query[param] = raw
        pages = keyset_sections(sections, query, per_page=4)
        for name, page in pages.items():
            assert [row.pk for row in page] == [row.pk for row in first[name]], (name, param)
            assert page.extra["count"] == first[name].extra["count"]


# --- Numbered pages with a bounded count --------------------------------------------------------


def test_numbered_pages_with_a_capped_count(world, django_assert_num_queries):
    for _ in range(7):
        make_need(enterprise=world.enterprise1, status=NeedStatus.SUBMITTED)
    needs = Need.objects.order_by("-created_at", "-pk")
    ids = list(needs.values_list("pk", flat=True))
    with django_assert_num_queries(2):  # the capped count, the page (+1 row)
        page = numbered_page(needs, QueryDict("page=2&status=x"), per_page=3, cap=5)
    assert [n.pk for n in page] == ids[3:6]
    assert (page.count.value, page.count.capped, page.num_pages) == (5, True, None)
    assert page.has_next and page.has_previous and page.query == "status=x"
    assert page.query_items == [("status", "x")]
    # Beyond the end of a capped list: the first page.
    assert numbered_page(needs, QueryDict("page=40"), per_page=3, cap=5).number == 1
    # An exact count: the last page, like Django's get_page.
    exact = numbered_page(needs, QueryDict("page=40"), per_page=3)
    assert (exact.number, exact.num_pages, exact.has_next) == (3, 3, False)
    assert [n.pk for n in exact] == ids[6:]


def test_bounded_counts_answer_every_section_in_one_query(world, django_assert_num_queries):
    for status, n in ((NeedStatus.SUBMITTED, 4), (NeedStatus.ACCEPTED, 2)):
        for _ in range(n):
            make_need(enterprise=world.enterprise1, status=status)
    submitted = Need.objects.filter(status=NeedStatus.SUBMITTED).select_related("enterprise")
    accepted = Need.objects.filter(status=NeedStatus.ACCEPTED)
    union = accepted.order_by().values("pk").union(submitted.order_by().values("pk"))
    with django_assert_num_queries(1):
        counts = paging.bounded_counts(
            {
                "submitted": submitted,
                "accepted": accepted,
                "both": union,
                "none": Need.objects.none(),
            },
            cap=3,
        )
    assert counts["submitted"] == paging.BoundedCount(3, True)  # 4 rows, capped at 3
    assert counts["accepted"] == paging.BoundedCount(2, False)
    assert counts["both"] == paging.BoundedCount(3, True)
    assert counts["none"] == paging.BoundedCount(0, False)
    assert paging.bounded_counts({}) == {}


@pytest.mark.parametrize(
    "raw", ["", "abc", "0", "-3", "1.5", "٣", "9" * 30, "<script>", "2%00", " 2"]
)
def test_junk_page_numbers_are_page_one(raw):
    assert paging.page_number(raw) == 1


# --- Pages --------------------------------------------------------------------------------------


def test_staffs_unfiltered_list_skips_the_count_when_the_table_is_certainly_larger(
    client, world, monkeypatch
):
    """Park staff's unfiltered list is the whole table: with an estimate of twice the cap there
    is nothing to count. Filters, other roles and an unknown estimate count as before."""
    for _ in range(3):
        make_need(enterprise=world.enterprise1, status=NeedStatus.SUBMITTED)
    url = reverse("liaisons:need-list")
    estimates = []
    monkeypatch.setattr(pages, "estimated_rows", lambda model: estimates[-1])
    as_user(client, world, "staff")
    estimates.append(2 * paging.COUNT_CAP)
    count = client.get(url).context["page"].count
    assert (count.value, count.capped) == (paging.COUNT_CAP, True)
    assert len(client.get(url).context["page"].object_list) == 3  # the rows are real
    filtered = client.get(url, {"status": "submitted"}).context["page"].count
    assert (filtered.value, filtered.capped) == (3, False)
    for estimate in (2 * paging.COUNT_CAP - 1, None):
        estimates.append(estimate)
        assert client.get(url).context["page"].count.value == 3
    estimates.append(10 * paging.COUNT_CAP)
    as_user(client, world, "S1")
    assert client.get(url).context["page"].count.value == 3


def test_need_list_pages_numbers_and_survives_hostile_input(client, world):
    for _ in range(30):
        make_need(enterprise=world.enterprise1, status=NeedStatus.SUBMITTED)
    as_user(client, world, "staff")
    url = reverse("liaisons:need-list")
    response = client.get(url, {"page": "2", "status": "submitted"})
    page = response.context["page"]
    assert (page.number, len(page.object_list), page.count.value, page.num_pages) == (2, 5, 30, 2)
    html = response.content.decode()
    assert "Page 2 of 2" in html and "status=submitted&amp;page=1" in html
    # The page form keeps the filters as hidden fields.
    assert '<input type="hidden" name="status" value="submitted">' in html
    for raw in ["x", "-1", "0", "99999999999", "<script>alert(1)</script>", "2' OR 1=1"]:
        response = client.get(url, {"page": raw})
        assert response.status_code == 200
        assert "<script>alert(1)</script>" not in response.content.decode()
    assert client.get(url, {"page": "999"}).context["page"].number == 2


def test_need_list_says_more_than_the_cap(client, world, monkeypatch):
    monkeypatch.setattr(paging, "COUNT_CAP", 4)
    monkeypatch.setattr(pages, "NEEDS_PER_PAGE", 2)
    for _ in range(6):
        make_need(enterprise=world.enterprise1, status=NeedStatus.SUBMITTED)
    client.force_login(world.users["staff"])  # the default language: Chinese
    html = client.get(reverse("liaisons:need-list")).content.decode()
    assert "需求超过4件" in html
    html = client.get(reverse("liaisons:need-list"), {"page": "2"}).content.decode()
    assert "第2页" in html  # no "of N": the number of pages is not known


def _queue_world(world):
    now = timezone.now()
    liaison = world.liaison1
    cases = [
        dict(status=NeedStatus.DISPATCHED, signed_at=None, sign_due=now + timedelta(minutes=30)),
        dict(status=NeedStatus.DISPATCHED, signed_at=None, sign_due=None),
        dict(status=NeedStatus.REOPENED, signed_at=None, sign_due=now - timedelta(minutes=5)),
        dict(status=NeedStatus.REOPENED, first_contact_at=now),
        dict(status=NeedStatus.IN_PROGRESS, first_contact_at=None),
        dict(
            status=NeedStatus.IN_PROGRESS,
            first_contact_at=None,
            first_contact_due=now + timedelta(days=30),
        ),
        dict(status=NeedStatus.IN_PROGRESS, first_contact_at=now, resolve_due=now - timedelta(1)),
        dict(
            status=NeedStatus.IN_PROGRESS,
            first_contact_at=now,
            resolve_due=now + timedelta(days=20),
            escalation_level=EscalationLevel.AMBER,
        ),
        dict(status=NeedStatus.IN_PROGRESS, first_contact_at=now, resolve_due=None),
        dict(status=NeedStatus.WAITING_ENTERPRISE, resolve_due=now - timedelta(days=1)),
        dict(status=NeedStatus.LONG_TERM),
        dict(status=NeedStatus.LONG_TERM, milestone_due=None, resolve_due=now + timedelta(1)),
        dict(status=NeedStatus.RETURN_PENDING, first_contact_at=now),
        dict(status=NeedStatus.SUBMITTED, accept_due=now + timedelta(hours=1)),
        dict(status=NeedStatus.ACCEPTED),
    ]
    for fields in cases:
        make_need(enterprise=world.enterprise1, liaison=liaison, **fields)
    make_need(enterprise=world.enterprise1, status=NeedStatus.CLOSED, liaison=liaison)
    make_need(enterprise=world.enterprise2, status=NeedStatus.IN_PROGRESS, liaison=world.liaison2)
    return len(cases)


def test_queue_order_and_badges_in_sql_match_the_deadline_marks(client, world, monkeypatch, moment):
    """The SQL running deadline (clock.with_running_due) agrees with running_clock."""
    count = _queue_world(world)
    now = timezone.now()
    horizon = amber_horizon(now)
    queue = Need.objects.filter(liaison=world.liaison1, status__in=pages.NEED_OPEN_STATUSES)
    marked = mark_deadlines(queue, now=now, horizon=horizon)
    far = now.replace(year=9999)
    expected = sorted(marked, key=lambda n: (n.deadline.due if n.deadline else far, n.pk))
    annotated = with_running_due(queue, kind=True)
    for need in annotated:
        twin = next(n for n in marked if n.pk == need.pk)
        assert need.running_due == (twin.deadline.due if twin.deadline else None), twin.status
        if twin.deadline:  # (without a due time the kind is never read: no badge counts it)
            assert need.running_kind == twin.deadline.kind, twin.status
    summary = queue_summary(queue, now=now, horizon=horizon)
    assert summary == {
        "total": count,
        "overdue": sum(1 for n in marked if n.deadline and n.deadline.overdue),
        "soon": sum(1 for n in marked if n.deadline and n.deadline.soon),
        "to_sign": sum(
            1
            for n in marked
            if n.status in (NeedStatus.DISPATCHED, NeedStatus.REOPENED) and n.signed_at is None
        ),
    }
    assert summary["overdue"] and summary["soon"] and summary["to_sign"]

    monkeypatch.setattr(pages, "NEEDS_PER_PAGE", 4)
    as_user(client, world, "L1")
    seen, query = [], {}
    while True:
        response = client.get(reverse("liaisons:need-queue"), query)
        page = response.context["page"]
        seen += [n.pk for n in page]
        assert response.context["total"] == count
        if not page.has_next:
            break
        query = QueryDict(page.next_query)
    assert seen == [n.pk for n in expected]


def test_inbox_sections_page_on_their_own_cursor(client, world, monkeypatch):
    monkeypatch.setattr(pages, "INBOX_SECTION_ROWS", 2)
    now = timezone.now()
    submitted = [
        make_need(
            enterprise=world.enterprise1,
            status=NeedStatus.SUBMITTED,
            accept_due=now + timedelta(hours=n),
        )
        for n in range(5)
    ]
    accepted = [make_need(enterprise=world.enterprise1, status=NeedStatus.ACCEPTED)]
    as_user(client, world, "staff")
    response = client.get(reverse("liaisons:need-inbox"))
    section = response.context["sections"]["submitted"]
    assert [n.pk for n in section] == [n.pk for n in submitted[:2]]
    assert section.extra["count"].value == 5 and section.has_next
    html = response.content.decode()
    assert "submitted-after=" in html and "#inbox-submitted" in html
    response = client.get(reverse("liaisons:need-inbox") + "?" + section.next_query)
    sections = response.context["sections"]
    assert [n.pk for n in sections["submitted"]] == [n.pk for n in submitted[2:4]]
    assert [n.pk for n in sections["accepted"]] == [n.pk for n in accepted]
    for raw in HOSTILE_CURSORS:
        response = client.get(reverse("liaisons:need-inbox"), {"submitted-after": raw})
        assert response.status_code == 200
        assert [n.pk for n in response.context["sections"]["submitted"]] == [
            n.pk for n in submitted[:2]
        ]


def test_supervision_pages_escalations_newest_first(client, world, monkeypatch):
    monkeypatch.setattr(pages, "ESCALATIONS_PER_PAGE", 2)
    escalations = []
    for _ in range(3):
        need = make_need(
            enterprise=world.enterprise1, status=NeedStatus.IN_PROGRESS, liaison=world.liaison1
        )
        escalations.append(
            NeedEscalation.objects.create(
                need=need, level=EscalationLevel.SUPERVISE, due_at=need.resolve_due
            )
        )
    as_user(client, world, "C1")
    page = client.get(reverse("liaisons:need-supervision")).context["page"]
    assert [e.pk for e in page] == [escalations[2].pk, escalations[1].pk]
    response = client.get(reverse("liaisons:need-supervision") + "?" + page.next_query)
    assert [e.pk for e in response.context["page"]] == [escalations[0].pk]
    assert response.context["counts"]["open"].value == 3
    for raw in HOSTILE_CURSORS:
        assert client.get(reverse("liaisons:need-supervision"), {"before": raw}).status_code == 200


# --- The KPI page -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [("staff", 200), ("H1", 200), ("C1", 200), ("S1", 404), ("L1", 404), ("outsider", 404)],
)
def test_kpi_page_permissions(client, world, role, status):
    make_need(enterprise=world.enterprise1, status=NeedStatus.IN_PROGRESS, liaison=world.liaison1)
    assert as_user(client, world, role).get(reverse("liaisons:need-kpis")).status_code == status


def test_kpi_page_needs_a_login(client, world):
    response = client.get(reverse("liaisons:need-kpis"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# The cache windows are aligned on the clock: the test starts at a window's first second, so
# its requests never straddle two windows, whatever the hour it runs.
@time_machine.travel(MOMENTS["working-hours"], tick=True)
def test_kpi_page_is_scoped_and_cached_per_scope(client, world, django_assert_num_queries):
    make_need(enterprise=world.enterprise1, status=NeedStatus.IN_PROGRESS, liaison=world.liaison1)
    as_user(client, world, "H1")
    html = client.get(reverse("liaisons:need-kpis")).content.decode()
    assert "专员1号" in html and "专员2号" not in html  # the head's department only
    as_user(client, world, "staff")
    assert "专员2号" not in client.get(reverse("liaisons:need-kpis")).content.decode()
    make_need(enterprise=world.enterprise2, status=NeedStatus.IN_PROGRESS, liaison=world.liaison2)
    # Within the five-minute window the cached tables are served: session, user, the roles
    # (scope) with the bell count, and no KPI query.
    with django_assert_num_queries(3):
        html = client.get(reverse("liaisons:need-kpis")).content.decode()
    assert "专员2号" not in html
    cache.clear()  # the next window
    assert "专员2号" in client.get(reverse("liaisons:need-kpis")).content.decode()


def test_list_labels_are_the_translated_choice_labels(world):
    from django.utils import translation

    from liaisons.labels import choice_labels
    from liaisons.models import Need
    from tests.liaisons.test_need_rows import render_rows, row_of

    need = make_need(enterprise=world.enterprise1, status=NeedStatus.SUBMITTED)
    with translation.override("zh-hans"):
        labels = choice_labels(Need, "status", translation.get_language())
        assert labels[need.status] == need.get_status_display()
        categories = choice_labels(Need, "category", translation.get_language())
        assert categories[need.category] == need.get_category_display()
    with translation.override("en"):
        labels = choice_labels(Need, "status", translation.get_language())
        assert labels[need.status] == need.get_status_display() == "Awaiting acceptance"
    row = row_of(need)
    row.status = "<b>unknown</b>"  # not a choice: the value itself, escaped
    assert "&lt;b&gt;unknown&lt;/b&gt;" in render_rows([row])
