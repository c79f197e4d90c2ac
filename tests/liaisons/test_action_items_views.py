"""The /action-items/ pages: role × URL × method matrix, CSRF, forms with bad and hostile input, the
trace between needs, resources, meetings and items, the export and the query budgets.

The world is tests/liaisons/conftest.py's. Targets (side 1): P1 an item owned by L1 in chain 1
with E1 leading, made from N1 (E1's need, dispatched to L1); M1 a milestone of P1. Visible to:
S1 (E1 takes part), L1 (owner, and E1's liaison), C1 (chain 1), H1 (L1's department), staff.
Managed by L1 and staff. "2" roles and the outsider see nothing of it.
"""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, reverse
from django.utils import timezone
from openpyxl import load_workbook

from alliance.core.models import Notification
from events.models import EventStatus
from liaisons.action_items import urls as action_item_urls
from liaisons.models import (
    ActionItem,
    ActionItemKind,
    ActionItemMilestone,
    ActionItemParticipant,
    ActionItemProgress,
    ActionItemStatus,
    NeedCategory,
    NeedEvent,
    NeedEventAction,
    NeedStatus,
)
from tests import factories
from tests.liaisons.conftest import english, make_need

pytestmark = pytest.mark.django_db

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
XSS_ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"
# The list page: 1. session, 2. user, 3. staff check, 4. page count, 5. the items with owner,
# origin need and meeting decision, 6. their chains, 7. their firms, 8.–9. the chain filter's
# options (count and rows), 10. the navbar bell's unread count.
PROJECT_LIST_QUERIES = 10

ROLES = ("anon", "outsider", "S1", "S2", "L1", "L2", "C1", "C2", "H1", "H2", "staff")
TABLE = """
url name                  target  method  anon outsider S1  S2  L1  L2  C1  C2  H1  H2  staff
action-item-list              -       GET     302  200      200 200 200 200 200 200 200 200 200
action-item-list              -       POST    302  405      405 405 405 405 405 405 405 405 405
action-item-export            -       GET     302  200      200 200 200 200 200 200 200 200 200
action-item-create            -       GET     302  404      404 404 404 404 404 404 404 404 200
action-item-create            -       POST    302  404      404 404 404 404 404 404 404 404 302
action-item-from-need         N1      GET     302  404      404 404 200 404 404 404 404 404 200
action-item-from-need         N1      POST    302  404      404 404 302 404 404 404 404 404 302
action-item-detail            P1      GET     302  404      200 404 200 404 200 404 200 404 200
action-item-detail            P1      POST    302  405      405 405 405 405 405 405 405 405 405
action-item-edit              P1      GET     302  404      404 404 200 404 404 404 404 404 200
action-item-edit              P1      POST    302  404      404 404 302 404 404 404 404 404 302
action-item-status            P1      POST    302  404      404 404 302 404 404 404 404 404 302
action-item-status            P1      GET     302  405      405 405 405 405 405 405 405 405 405
action-item-milestone-add     P1      POST    302  404      404 404 302 404 404 404 404 404 302
action-item-milestone-done    M1      POST    302  404      404 404 302 404 404 404 404 404 302
action-item-progress          P1      POST    302  404      404 404 302 404 404 404 404 404 302
action-item-progress          P1      GET     302  405      405 405 405 405 405 405 405 405 405
"""


def cases():
    result = []
    for line in TABLE.strip().splitlines()[1:]:
        name, target, method, *codes = line.split()
        assert len(codes) == len(ROLES)
        result.extend(
            (name, target, method, role, int(code)) for role, code in zip(ROLES, codes, strict=True)
        )
    return result


@pytest.fixture
def targets(world):
    n1 = make_need(
        enterprise=world.enterprise1,
        status=NeedStatus.IN_PROGRESS,
        liaison=world.liaison1,
        category=NeedCategory.MATCHMAKING,
        title="寻求高压油缸本地配套",
    )
    p1 = factories.ActionItemFactory(
        title="恒立液压本地配套对接", owner=world.users["L1"], origin_need=n1
    )
    p1.chains.add(world.chain1)
    ActionItemParticipant.objects.create(
        action_item=p1, enterprise=world.enterprise1, role=ActionItemParticipant.Role.LEAD
    )
    m1 = ActionItemMilestone.objects.create(
        action_item=p1, due_on=timezone.localdate(), text="召开对接会"
    )
    # Side 2 has an item of its own, out of side 1's reach.
    p2 = factories.ActionItemFactory(title="今创集团配套项目", owner=world.users["L2"])
    p2.chains.add(world.chain2)
    return {"N1": n1.pk, "P1": p1.pk, "M1": m1.pk, "P2": p2.pk}


def snapshot() -> dict:
    return {
        "items": list(ActionItem.objects.order_by("pk").values()),
        "participants": list(ActionItemParticipant.objects.order_by("pk").values()),
        "milestones": list(ActionItemMilestone.objects.order_by("pk").values()),
        "progress": ActionItemProgress.objects.count(),
        "need_events": NeedEvent.objects.count(),
        "notifications": Notification.objects.count(),
    }


def payload(name: str, world) -> dict:
    due = (timezone.localdate() + timedelta(days=30)).isoformat()
    return {
        "action-item-create": {
            "kind": ActionItemKind.SERVICE,
            "title": "惠企服务包",
            "owner": world.users["L1"].pk,
            "due_date": due,
        },
        "action-item-edit": {
            "kind": ActionItemKind.MATCHMAKING,
            "title": "恒立液压本地配套对接（修改）",
            "owner": world.users["L1"].pk,
            "due_date": due,
        },
        "action-item-from-need": {
            "title": "对接项目",
            "owner": world.users["L1"].pk,
            "due_date": due,
        },
        "action-item-status": {"status": "in_progress", "expected": "planned"},
        "action-item-milestone-add": {"due_on": due, "text": "签订合同"},
        "action-item-progress": {"note": "已组织对接。", "percent": "30"},
    }.get(name, {})


def _url(name: str, target: str, targets: dict) -> str:
    if target == "-":
        return reverse(f"action_items:{name}")
    if name == "action-item-from-need":
        return reverse(f"action_items:{name}", kwargs={"need_pk": targets[target]})
    return reverse(f"action_items:{name}", args=[targets[target]])


@pytest.mark.parametrize(
    ("name", "target", "method", "role", "expected"),
    cases(),
    ids=[f"{n}-{t}-{m}-{r}" for n, t, m, r, _ in cases()],
)
def test_matrix(client, world, targets, name, target, method, role, expected):
    if role != "anon":
        client.force_login(world.users[role])
    url = _url(name, target, targets)
    before = snapshot()
    response = client.get(url) if method == "GET" else client.post(url, payload(name, world))
    assert response.status_code == expected, f"{role} {method} {url}"
    if role == "anon":
        assert response["Location"].startswith("/accounts/login/?next=")
    if method == "POST" and (expected in (404, 405) or role == "anon"):
        assert snapshot() == before, f"{role} {method} {url} changed the database"
    if expected == 302 and role != "anon":
        assert response["Location"].startswith("/action-items/")


def test_every_action_item_url_is_in_the_matrix():
    names = {p.name for p in action_item_urls.urlpatterns if isinstance(p, URLPattern)}
    assert names - {line.split()[0] for line in TABLE.strip().splitlines()[1:]} == set()


def test_listed_items_all_open(client, world, targets):
    """A list never shows an item its reader cannot open (django-helpdesk #1413, #1423)."""
    for role in ROLES[1:]:
        client.force_login(world.users[role])
        listed = client.get(reverse("action_items:action-item-list")).context["page"].object_list
        for item in listed:
            detail = client.get(reverse("action_items:action-item-detail", args=[item.pk]))
            assert detail.status_code == 200, (role, item.title)
        expected = {"S1", "L1", "C1", "H1", "staff"}
        assert (targets["P1"] in {i.pk for i in listed}) == (role in expected), role


MUTATING = sorted(
    {(n, t) for n, t, m, _r, _c in cases() if m == "POST" and n != "action-item-list"}
)
MUTATING = [(n, t) for n, t in MUTATING if n != "action-item-detail"]


@pytest.mark.parametrize(("name", "target"), MUTATING, ids=[f"{n}-{t}" for n, t in MUTATING])
def test_csrf_token_is_required(world, targets, name, target):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["staff"])
    before = snapshot()
    response = client.post(_url(name, target, targets), payload(name, world))
    assert response.status_code == 403
    assert snapshot() == before


def test_old_action_items_url_redirects(client, world):
    client.force_login(world.users["staff"])
    response = client.get("/events/action-items/")
    assert response.status_code == 301
    assert response["Location"] == "/action-items/"


# --- Forms: wrong, missing, oversized, hostile --------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "长" * 201}, "title"),
        ({"description": "长" * 5001}, "description"),
        ({"kind": "hack"}, "kind"),
        ({"owner": "999999"}, "owner"),
        ({"due_date": "明天"}, "due_date"),
        ({"lead": "999999"}, "lead"),
    ],
)
def test_create_form_refuses_bad_input(client, world, changes, field):
    client.force_login(world.users["staff"])
    data = {**payload("action-item-create", world), **changes}
    response = client.post(reverse("action_items:action-item-create"), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not ActionItem.objects.exists()


def test_create_form_refuses_a_secretary_as_owner_and_a_past_due_date(client, world):
    client.force_login(world.users["staff"])
    data = {**payload("action-item-create", world), "owner": world.users["S1"].pk}
    response = client.post(reverse("action_items:action-item-create"), data)
    assert "owner" in response.context["form"].errors
    data = {**payload("action-item-create", world), "due_date": "2020-01-01"}
    response = client.post(reverse("action_items:action-item-create"), data)
    assert response.status_code == 200
    assert "截止日期不能早于今天。" in response.content.decode()
    assert not ActionItem.objects.exists()


def test_create_ignores_status_outcome_and_origin_fields(client, world, targets):
    client.force_login(world.users["staff"])
    data = {
        **payload("action-item-create", world),
        "status": "done",
        "outcome": "伪造成果",
        "outcome_amount": "99",
        "origin_need": targets["N1"],
        "overdue_warned_for": "2026-01-01",
    }
    response = client.post(reverse("action_items:action-item-create"), data)
    assert response.status_code == 302
    item = ActionItem.objects.get(title="惠企服务包")
    assert (item.status, item.outcome, item.outcome_amount, item.origin_need) == (
        ActionItemStatus.PLANNED,
        "",
        None,
        None,
    )
    assert item.overdue_warned_for is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"status": "done", "expected": "planned"}, "须先启动"),
        ({"status": "cancelled", "expected": "planned"}, "请填写取消原因"),
        ({"status": "closed", "expected": "planned"}, "请更正填写内容"),
        ({"status": "in_progress", "expected": "done"}, "已有变动"),
        ({"status": "in_progress"}, "请更正填写内容"),
    ],
)
def test_illegal_moves_are_explained_not_500(client, world, targets, data, message):
    client.force_login(world.users["L1"])
    before = snapshot()
    url = reverse("action_items:action-item-status", args=[targets["P1"]])
    response = client.post(url, data, follow=True)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert snapshot() == before


def test_done_with_outcome_and_bad_amounts(client, world, targets):
    ActionItem.objects.filter(pk=targets["P1"]).update(status=ActionItemStatus.IN_PROGRESS)
    client.force_login(world.users["L1"])
    url = reverse("action_items:action-item-status", args=[targets["P1"]])
    base = {"status": "done", "expected": "in_progress", "outcome": "签订配套合同。"}
    for amount in ("-1", "1.234", "abc", "1e9", "100000000"):
        before = snapshot()
        page = client.post(url, {**base, "outcome_amount": amount}, follow=True)
        assert "请更正填写内容" in page.content.decode(), amount
        assert snapshot() == before
    page = client.post(url, {**base, "outcome": ""}, follow=True).content.decode()
    assert "标记完成前请填写项目成果。" in page
    client.post(url, {**base, "outcome_amount": "1.2", "close_milestones": "on"})  # M1 is open
    item = ActionItem.objects.get(pk=targets["P1"])
    assert item.status == ActionItemStatus.DONE
    assert str(item.outcome_amount) == "1.20"
    page = client.get(reverse("action_items:action-item-detail", args=[item.pk])).content.decode()
    assert "签订配套合同。" in page
    assert "标记完成" not in page  # a done item offers no more moves


def test_done_with_an_open_milestone_asks_to_close_it(client, world, targets):
    """M1 of P1 is open: the move is refused with the way out, then made with the box ticked."""
    ActionItem.objects.filter(pk=targets["P1"]).update(status=ActionItemStatus.IN_PROGRESS)
    client.force_login(world.users["L1"])
    detail = reverse("action_items:action-item-detail", args=[targets["P1"]])
    page = client.get(detail).content.decode()
    assert 'id="done-open-milestones"' in page
    assert "同时将未完成的节点标记为完成" in page
    url = reverse("action_items:action-item-status", args=[targets["P1"]])
    data = {"status": "done", "expected": "in_progress", "outcome": "签订配套合同。"}
    before = snapshot()
    response = client.post(url, data, follow=True)
    assert response.status_code == 200
    milestone = ActionItemMilestone.objects.get(pk=targets["M1"])
    assert f"还有 1 个节点未完成（“{milestone.text}”）" in response.content.decode()
    assert snapshot() == before
    client.post(url, {**data, "close_milestones": "on"})
    assert ActionItem.objects.get(pk=targets["P1"]).status == ActionItemStatus.DONE
    milestone.refresh_from_db()
    assert milestone.done_at is not None


def test_a_done_item_reads_100_percent_whatever_its_last_report_said(client, world, targets):
    ActionItemProgress.objects.create(
        action_item_id=targets["P1"], author=world.users["L1"], note="样件送检。", percent=40
    )
    client.force_login(world.users["staff"])
    page = client.get(reverse("action_items:action-item-list")).content.decode()
    assert "已完成 40%" in page  # under way: the last report's figure
    ActionItem.objects.filter(pk=targets["P1"]).update(status=ActionItemStatus.DONE)
    page = client.get(reverse("action_items:action-item-list")).content.decode()
    assert "已完成 100%" in page
    assert "已完成 40%" not in page
    book = load_workbook(
        io.BytesIO(
            b"".join(client.get(reverse("action_items:action-item-export")).streaming_content)
        )
    )
    sheet = book.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    column = headers.index("进度（%）")
    rows = {row[0]: row[column] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows[targets["P1"]] == 100


def test_progress_and_milestone_forms(client, world, targets):
    client.force_login(world.users["L1"])
    url = reverse("action_items:action-item-progress", args=[targets["P1"]])
    for data in ({"note": ""}, {"note": "x", "percent": "101"}, {"note": "长" * 5001}):
        before = snapshot()
        assert "请更正填写内容" in client.post(url, data, follow=True).content.decode()
        assert snapshot() == before
    client.post(url, {"note": XSS, "percent": "40"})
    assert ActionItemProgress.objects.get().percent == 40
    add = reverse("action_items:action-item-milestone-add", args=[targets["P1"]])
    before = snapshot()
    client.post(add, {"due_on": "", "text": "x"})
    client.post(add, {"due_on": "2026-07-01", "text": "长" * 201})
    assert snapshot() == before
    done = reverse("action_items:action-item-milestone-done", args=[targets["M1"]])
    client.post(done)
    page = client.post(done, follow=True).content.decode()
    assert "该节点已完成。" in page


def test_a_milestone_of_another_item_is_not_found(client, world, targets):
    other = ActionItemMilestone.objects.create(
        action_item_id=targets["P2"], due_on=timezone.localdate(), text="x"
    )
    client.force_login(world.users["L1"])
    response = client.post(reverse("action_items:action-item-milestone-done", args=[other.pk]))
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.done_at is None


def test_hostile_text_is_escaped_everywhere(client, world, targets):
    item = ActionItem.objects.get(pk=targets["P1"])
    ActionItem.objects.filter(pk=item.pk).update(title=XSS, description=XSS)
    ActionItemProgress.objects.create(action_item=item, author=world.users["L1"], note=XSS)
    client.force_login(world.users["staff"])
    for url in (
        reverse("action_items:action-item-list"),
        reverse("action_items:action-item-detail", args=[item.pk]),
        reverse("liaisons:need-detail", args=[targets["N1"]]),
        reverse("action_items:action-item-edit", args=[item.pk]),
    ):
        content = client.get(url).content.decode()
        assert "<script>alert" not in content, url
        assert XSS_ESCAPED in content, url
    assert "Content-Security-Policy" in client.get(reverse("action_items:action-item-list"))


# --- The trace: need ↔ item ↔ resource, meeting → item ------------------------------------------


def test_a_need_linked_to_a_resource_and_turned_into_an_action_item_shows_the_trace(
    client, world, targets
):
    need = make_need(
        enterprise=world.enterprise1,
        status=NeedStatus.IN_PROGRESS,
        liaison=world.liaison1,
        category=NeedCategory.TECHNOLOGY,
        title="高端液压密封材料国产化联合攻关",
    )
    resource = factories.DepartmentResourceFactory(
        department=world.department1, title="产学研合作对接"
    )
    need.resources.add(resource)
    staff = world.users["staff"]
    client.force_login(staff)
    page = client.get(reverse("action_items:action-item-from-need", args=[need.pk]))
    assert page.context["form"].initial["title"] == need.title
    response = client.post(
        reverse("action_items:action-item-from-need", args=[need.pk]),
        {
            "title": need.title,
            "owner": world.users["L1"].pk,
            "due_date": (timezone.localdate() + timedelta(days=90)).isoformat(),
            "partners": [world.enterprise2.pk],
        },
    )
    item = ActionItem.objects.get(origin_need=need)
    assert response["Location"] == f"/action-items/{item.pk}/"
    assert item.kind == ActionItemKind.JOINT_RD
    # Item → need → resource.
    detail = client.get(response["Location"]).content.decode()
    assert f'href="/needs/{need.pk}/"' in detail
    assert "产学研合作对接" in detail
    # Need → item, and its timeline says so.
    need_page = client.get(reverse("liaisons:need-detail", args=[need.pk])).content.decode()
    assert f'href="/action-items/{item.pk}/"' in need_page
    assert "转为行动项目" in need_page
    assert NeedEvent.objects.filter(need=need, action=NeedEventAction.ACTION_ITEM).exists()
    # The firm's secretary sees the item on the need page too; not the other side's.
    client.force_login(world.users["S1"])
    assert f"/action-items/{item.pk}/" in client.get(f"/needs/{need.pk}/").content.decode()


def test_an_item_from_a_meeting_shows_the_meeting(client, world):
    event = factories.EventFactory(
        title="工程机械产业链联席会议",
        starts_at=timezone.now() - timedelta(days=2),
        ends_at=timezone.now() - timedelta(days=2) + timedelta(hours=2),
        status=EventStatus.HELD,
    )
    item = factories.ActionItemFactory(title="会议决定的项目", owner=world.users["staff"])
    factories.DecisionFactory(event=event, text="推动就近配套。", action_item=item)
    client.force_login(world.users["staff"])
    detail = client.get(reverse("action_items:action-item-detail", args=[item.pk])).content.decode()
    assert "工程机械产业链联席会议" in detail
    assert f'href="/events/{event.pk}/"' in detail
    listed = client.get(reverse("action_items:action-item-list")).content.decode()
    assert "来自会议“工程机械产业链联席会议”决议" in listed
    event_page = client.get(f"/events/{event.pk}/").content.decode()
    assert f'href="/action-items/{item.pk}/"' in event_page


def test_matchmaking_panel_for_staff_only(client, world, targets):
    supplier = factories.EnterpriseFactory(
        name="常州液压油缸有限公司", main_products="高压油缸", primary_chain=world.chain1
    )
    factories.ChainMembershipFactory(chain=world.chain1, enterprise=supplier)
    url = reverse("liaisons:need-detail", args=[targets["N1"]])
    client.force_login(world.users["staff"])
    page = client.get(url).content.decode()
    assert "常州液压油缸有限公司" in page
    assert "主营产品含「高压油缸」" in page
    assert f"/action-items/from-need/{targets['N1']}/?partner={supplier.pk}" in page
    # The chosen suggestion arrives as the partner of the new item.
    form = client.get(f"/action-items/from-need/{targets['N1']}/?partner={supplier.pk}")
    assert form.context["form"].initial["partners"] == [supplier.pk]
    for role in ("S1", "L1", "C1"):
        client.force_login(world.users[role])
        assert "常州液压油缸有限公司" not in client.get(url).content.decode(), role


# --- Filters, export, query budgets --------------------------------------------------------------


def test_filters(client, world, targets):
    today = timezone.localdate()
    late = factories.ActionItemFactory(
        title="逾期的攻关项目",
        kind=ActionItemKind.JOINT_RD,
        owner=world.users["staff"],
        due_date=today - timedelta(days=1),
    )
    late.chains.add(world.chain2)
    done = factories.ActionItemFactory(
        title="已完成的协议", status=ActionItemStatus.DONE, due_date=today - timedelta(days=5)
    )
    client.force_login(world.users["staff"])

    def titles(**query):
        page = client.get(reverse("action_items:action-item-list"), query).context["page"]
        return {item.title for item in page.object_list}

    assert titles(overdue="on") == {"逾期的攻关项目"}
    assert titles(status="done") == {done.title}
    assert "已完成的协议" not in titles(status="open")
    assert titles(kind="joint_rd") == {"逾期的攻关项目"}
    assert titles(chain=world.chain1.pk) == {"恒立液压本地配套对接"}
    assert titles(q="恒立液压股份") == {"恒立液压本地配套对接"}  # by firm name
    assert titles(q="攻关") == {"逾期的攻关项目"}
    assert titles(mine="on") == {"逾期的攻关项目"}
    # Junk filters are ignored, never a 500.
    response = client.get(reverse("action_items:action-item-list"), {"chain": "x", "q": "长" * 500})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 4


def test_export_with_the_filters_applied(client, world, targets):
    factories.ActionItemFactory(title='=HYPERLINK("http://evil")', owner=world.users["staff"])
    client.force_login(world.users["staff"])
    response = client.get(reverse("action_items:action-item-export"), {"chain": world.chain1.pk})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("序号", "标题", "类型", "状态")
    assert [row[1] for row in rows[1:]] == ["恒立液压本地配套对接"]
    assert rows[1][8] == "江苏恒立液压股份有限公司"
    assert rows[1][10] == ActionItem.objects.get(pk=targets["P1"]).origin_need.number
    # Unfiltered: the formula is text, not a formula.
    response = client.get(reverse("action_items:action-item-export"))
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    titles = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert '\'=HYPERLINK("http://evil")' in titles
    # Scoped like the list: the outsider's file has the headers only.
    client.force_login(world.users["outsider"])
    response = client.get(reverse("action_items:action-item-export"))
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet.max_row == 1


def _add_items(world, n: int) -> None:
    for index in range(n):
        need = make_need(enterprise=world.enterprise1, status=NeedStatus.SUBMITTED)
        item = factories.ActionItemFactory(
            title=f"项目{index}", owner=world.users["L1"], origin_need=need
        )
        item.chains.add(world.chain1, world.chain2)
        ActionItemParticipant.objects.create(action_item=item, enterprise=world.enterprise1)
        ActionItemParticipant.objects.create(action_item=item, enterprise=world.enterprise2)
        ActionItemProgress.objects.create(
            action_item=item, author=world.users["L1"], note="x", percent=10
        )
        factories.DecisionFactory(action_item=item)


@pytest.mark.parametrize("role", ["staff", "L1"])
def test_list_queries_do_not_grow(client, world, role, django_assert_num_queries):
    client.force_login(world.users[role])
    _add_items(world, 2)
    with CaptureQueriesContext(connection) as two:
        client.get(reverse("action_items:action-item-list"))
    assert len(two) <= PROJECT_LIST_QUERIES
    _add_items(world, 28)
    with django_assert_num_queries(len(two)):
        response = client.get(reverse("action_items:action-item-list"))
    assert len(response.context["page"].object_list) == 25


def test_detail_queries_do_not_grow(client, world, targets, django_assert_max_num_queries):
    client.force_login(world.users["staff"])
    url = reverse("action_items:action-item-detail", args=[targets["P1"]])
    client.get(url)
    item = ActionItem.objects.get(pk=targets["P1"])
    for index in range(20):
        ActionItemProgress.objects.create(
            action_item=item, author=world.users["L1"], note=f"进展{index}", percent=index
        )
        ActionItemMilestone.objects.create(
            action_item=item, due_on=timezone.localdate(), text=f"节点{index}"
        )
    # 1. session, 2. user, 3. staff check, 4. the item with owner, need and decision,
    # 5. the need's resources (staff see the need without asking), 6. firms, 7. chains,
    # 8. milestones, 9. progress with authors, 10. history with users, 11. the bell.
    with django_assert_max_num_queries(11):
        assert client.get(url).status_code == 200


def test_pages_in_english_too(client, world, targets):
    english(client).force_login(world.users["staff"])
    page = client.get(
        reverse("action_items:action-item-detail", args=[targets["P1"]])
    ).content.decode()
    assert "Where it comes from" in page
