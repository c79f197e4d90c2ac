"""The need timeline's own lines ("红链专员：宋飞洋", "基本满意") are stored as codes and read in
the reader's language; what people typed is shown as typed."""

import importlib
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from liaisons.action_items import services as action_items
from liaisons.models import NeedEvent, NeedEventAction, NeedStatus, Satisfaction
from liaisons.needs import services as needs
from liaisons.needs.timeline import line, render_note
from tests import factories
from tests.liaisons.conftest import make_need

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI)
migration = importlib.import_module("liaisons.migrations.0011_needevent_notes_as_codes")


def timeline(client, need, language: str) -> str:
    client.cookies["django_language"] = language
    response = client.get(reverse("liaisons:need-detail", args=[need.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_dispatch_and_rating_lines_follow_the_reader_s_language(client, world):
    need = make_need(enterprise=world.enterprise1, status=NeedStatus.ACCEPTED)
    needs.need_dispatch(need=need, actor=world.users["staff"], liaison=world.liaison1, now=NOW)
    name = world.liaison1.user.get_full_name()
    NeedEvent.objects.create(
        need=need,
        actor=world.users["S1"],
        action=NeedEventAction.RATE,
        note="办理及时，感谢！",
        data=[line("satisfaction", value=Satisfaction.BASICALLY)],
    )
    client.force_login(world.users["staff"])
    chinese = timeline(client, need, "zh-hans")
    assert f"红链专员：{name}" in chinese
    assert "基本满意<br>办理及时，感谢！" in chinese
    english = timeline(client, need, "en")
    assert f"Liaison: {name}" in english
    assert "红链专员" not in english
    assert "Basically satisfied<br>办理及时，感谢！" in english  # typed text stays as typed


def test_unknown_codes_and_retired_values_do_not_break_the_page():
    with translation.override("en"):
        assert render_note([{"code": "gone"}, "junk"], "typed") == "typed"
        assert render_note([{"code": "satisfaction", "value": "retired"}]) == "retired"
        # Values missing: the message without them rather than an error.
        assert render_note([{"code": "liaison"}]) == "Liaison: %(name)s"


def test_the_timeline_renders_without_a_query_per_row(client, world):
    need = make_need(
        enterprise=world.enterprise1, status=NeedStatus.IN_PROGRESS, liaison=world.liaison1
    )
    data = [
        line("liaison", name="宋飞洋"),
        line("extension_granted", days=3, due=NOW),
        line("satisfaction", value=Satisfaction.SATISFIED),
    ]
    factories.NeedEventFactory(need=need, data=data)
    client.force_login(world.users["staff"])
    client.cookies["django_language"] = "en"
    url = reverse("liaisons:need-detail", args=[need.pk])
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _ in range(30):
        factories.NeedEventFactory(need=need, actor=world.users["staff"], data=data)
    with CaptureQueriesContext(connection) as many:
        page = client.get(url).content.decode()
    assert len(many) == len(one)
    assert page.count("Extended by 3 working days, new deadline 2026-12-01 10:00") == 31


@pytest.mark.parametrize(
    ("action", "note", "data", "rest"),
    [
        (
            "dispatch",
            "红链专员：宋飞洋",
            [{"code": "liaison", "name": "宋飞洋"}],
            "",
        ),
        (
            "rate",
            "基本满意\n办理及时，感谢！",
            [{"code": "satisfaction", "value": "basically"}],
            "办理及时，感谢！",
        ),
        (
            "accept",
            "按办证审批处理\n类别更正：融资 → 办证审批\n紧急程度更正：黄色 · 重要 → 红色 · 紧急",
            [
                {"code": "category_corrected", "old": "financing", "new": "permits"},
                {"code": "urgency_corrected", "old": "yellow", "new": "red"},
            ],
            "按办证审批处理",
        ),
        (
            "merge",
            "与XQ-2026-00001重复\n已合并至XQ-2026-00001",
            [{"code": "merged_into", "number": "XQ-2026-00001"}],
            "与XQ-2026-00001重复",
        ),
        (
            "merge",
            "重复需求XQ-2026-00002已合并至本需求",
            [{"code": "duplicate_merged", "number": "XQ-2026-00002"}],
            "",
        ),
        (
            "request_extension",
            "申请延期5个工作日\n企业材料未齐\n需等待审批",
            [{"code": "extension_requested", "days": 5}],
            "企业材料未齐\n需等待审批",
        ),
        (
            "approve_extension",
            "已延期3个工作日，新的办理期限为2027-01-08 17:30\n同意",
            [{"code": "extension_granted", "days": 3, "due": "2027-01-08T17:30:00+08:00"}],
            "同意",
        ),
        (
            "escalate",
            "催办——办结截止时间：2026-11-30 09:00",
            [{"code": "escalation", "level": 2, "due": "2026-11-30T09:00:00+08:00"}],
            "",
        ),
        (
            "link_resource",
            "“科技贷”（科学技术局）",
            [{"code": "resource", "title": "科技贷", "department": "科学技术局"}],
            "",
        ),
        (
            "project",
            "已转为行动项目“恒立液压配套对接”。",
            [{"code": "action_item", "title": "恒立液压配套对接"}],
            "",
        ),
        # Typed by people, or not in the services' words: left as text.
        ("comment", "红链专员：宋飞洋", [], "红链专员：宋飞洋"),
        ("rate", "不满意：问题尚未解决。", [], "不满意：问题尚未解决。"),
        ("return_visit", "回访企业\n满意", [], "回访企业\n满意"),
        ("accept", "类别更正：未知 → 办证审批", [], "类别更正：未知 → 办证审批"),
        ("dispatch", "派单至科学技术局红链专员宋飞洋。", [], "派单至科学技术局红链专员宋飞洋。"),
    ],
)
def test_the_migration_turns_the_portal_s_own_lines_into_codes(action, note, data, rest):
    assert migration.split_note(action, note) == (data, rest)


def test_the_migration_converts_stored_rows_and_going_back_restores_them(world):
    need = make_need(
        enterprise=world.enterprise1, status=NeedStatus.IN_PROGRESS, liaison=world.liaison1
    )
    texts = {
        NeedEventAction.DISPATCH: "红链专员：宋飞洋",
        NeedEventAction.RATE: "基本满意\n办理及时",
        NeedEventAction.COMMENT: "电话联系企业。",
    }
    NeedEvent.objects.bulk_create(
        NeedEvent(need=need, action=action, note=text) for action, text in texts.items()
    )
    # A recount's lines were never text: the migration leaves them as they are, both ways.
    recounted = [line("deadlines_recounted")]
    NeedEvent.objects.create(need=need, action=NeedEventAction.RECOUNT, data=recounted)
    migration.forwards(apps, None)
    rows = {e.action: (e.note, e.data) for e in NeedEvent.objects.filter(need=need)}
    assert rows == {
        NeedEventAction.DISPATCH: ("", [{"code": "liaison", "name": "宋飞洋"}]),
        NeedEventAction.RATE: ("办理及时", [{"code": "satisfaction", "value": "basically"}]),
        NeedEventAction.COMMENT: ("电话联系企业。", []),
        NeedEventAction.RECOUNT: ("", recounted),
    }
    migration.forwards(apps, None)  # twice: nothing moves again
    assert {e.action: (e.note, e.data) for e in NeedEvent.objects.filter(need=need)} == rows
    migration.backwards(apps, None)
    assert {e.action: (e.note, e.data) for e in NeedEvent.objects.filter(need=need)} == {
        **{action: (text, []) for action, text in texts.items()},
        NeedEventAction.RECOUNT: ("", recounted),
    }


def test_an_action_item_edit_reads_edited_in_english(client, world):
    item = factories.ActionItemFactory(owner=world.users["staff"])
    action_items.action_item_update(
        item=item,
        actor=world.users["staff"],
        kind=item.kind,
        title="改名后的项目",
        description="",
        chains=[],
        owner=world.users["staff"],
        due_date=item.due_date,
        lead=None,
        partners=[],
    )
    assert item.history.latest().history_change_reason in ("", None)
    client.force_login(world.users["staff"])
    client.cookies["django_language"] = "en"
    page = client.get(reverse("action_items:action-item-detail", args=[item.pk])).content.decode()
    assert "已修改" not in page


def test_moments_are_stored_in_one_form_and_shown_in_the_readers_zone():
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    from liaisons.needs.timeline import line, render_note

    beijing = datetime(2027, 1, 11, 17, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    utc = beijing.astimezone(ZoneInfo("UTC"))
    from_beijing = line("extension_granted", days=5, due=beijing)
    assert from_beijing == line("extension_granted", days=5, due=utc)
    assert from_beijing["due"] == "2027-01-11T09:30:00+00:00"
    with timezone.override("Asia/Shanghai"):
        assert "2027-01-11 17:30" in render_note([from_beijing])
