"""The department resources pages: the role × URL × method matrix, search
on two-character Chinese words, the forms with wrong, missing, oversized, hostile and out-of-scope
input, the panel on a need's page, query budgets that do not grow with rows, and the .xlsx
export compared with the filtered list."""

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
from liaisons.models import DepartmentResource, NeedCategory, NeedEvent, NeedStatus
from liaisons.resources import urls as urls_resources
from tests import factories
from tests.liaisons.conftest import make_need

pytestmark = pytest.mark.django_db

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'

# --- The matrix ----------------------------------------------------------------------------------
#
# Targets (all on side 1 of the world in tests/liaisons/conftest.py):
#   R1  a current resource of department 1 (H1 is its head; L1 works there)
#   N1  a need of E1 in progress with liaison L1 (department 1, chain 1); R2 is linked to it
# 200 page · 302 done (or refused with a message) and back · 404 out of scope / not this role's
# page · 405 wrong method. Anonymous visitors are sent to sign in. H2's create POST names
# department 1, which is not theirs: the form refuses it (200, nothing saved).

ROLES = ("anon", "outsider", "S1", "S2", "L1", "L2", "C1", "C2", "H1", "H2", "staff")

TABLE = """
url name           target  method  anon outsider S1  S2  L1  L2  C1  C2  H1  H2  staff
resource-list      -       GET     302  200      200 200 200 200 200 200 200 200 200
resource-list      -       POST    302  405      405 405 405 405 405 405 405 405 405
resource-export    -       GET     302  200      200 200 200 200 200 200 200 200 200
resource-export    -       POST    302  405      405 405 405 405 405 405 405 405 405
resource-create    -       GET     302  404      404 404 404 404 404 404 200 200 200
resource-create    -       POST    302  404      404 404 404 404 404 404 302 200 302
resource-detail    R1      GET     302  200      200 200 200 200 200 200 200 200 200
resource-detail    R1      POST    302  405      405 405 405 405 405 405 405 405 405
resource-edit      R1      GET     302  404      404 404 404 404 404 404 200 404 200
resource-edit      R1      POST    302  404      404 404 404 404 404 404 302 404 302
resource-retire    R1      POST    302  404      404 404 404 404 404 404 302 404 302
resource-retire    R1      GET     302  405      405 405 405 405 405 405 405 405 405
resource-delete    R1      POST    302  404      404 404 404 404 404 404 302 404 302
resource-delete    R1      GET     302  405      405 405 405 405 405 405 405 405 405
need-link          N1      POST    302  404      404 404 302 404 404 404 404 404 302
need-link          N1      GET     302  405      405 405 405 405 405 405 405 405 405
need-unlink        N1      POST    302  404      404 404 302 404 404 404 404 404 302
need-unlink        N1      GET     302  405      405 405 405 405 405 405 405 405 405
"""


def cases():
    result = []
    for line in TABLE.strip().splitlines()[1:]:
        name, target, method, *codes = line.split()
        assert len(codes) == len(ROLES), name
        for role, code in zip(ROLES, codes, strict=True):
            result.append((name, target, method, role, int(code)))
    return result


def resource_payload(department, **overrides) -> dict:
    data = {
        "department": department.pk,
        "title": "科技贷",
        "category": NeedCategory.FINANCING,
        "is_policy_package": "",
        "tags": "科技贷、贴息",
        "description": "科技型中小企业信用贷款。",
        "how_to_apply": "向红链专员提交融资需求。",
        "contact": "杨帆 13900001111",
        "valid_from": "",
        "valid_until": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def targets(world):
    r1 = factories.DepartmentResourceFactory(
        department=world.department1, title="科技贷款贴息", category=NeedCategory.FINANCING
    )
    r2 = factories.DepartmentResourceFactory(
        department=world.department1, title="融资担保", category=NeedCategory.FINANCING
    )
    n1 = make_need(
        enterprise=world.enterprise1, status=NeedStatus.IN_PROGRESS, liaison=world.liaison1
    )
    n1.resources.add(r2)
    return {"R1": r1, "R2": r2, "N1": n1}


def snapshot() -> dict:
    return {
        "resources": list(DepartmentResource.objects.order_by("pk").values()),
        "history": DepartmentResource.history.count(),
        "links": list(
            DepartmentResource.needs.through.objects.order_by("pk").values_list(
                "need_id", "departmentresource_id"
            )
        ),
        "events": NeedEvent.objects.count(),
        "notifications": Notification.objects.count(),
    }


def _url(name, target, targets):
    if target == "-":
        return reverse(f"resources:{name}")
    if name.startswith("need-"):
        return reverse(f"resources:{name}", kwargs={"need_pk": targets[target].pk})
    return reverse(f"resources:{name}", args=[targets[target].pk])


def _payload(name, targets, world):
    if name in ("resource-create", "resource-edit"):
        return resource_payload(world.department1, title="新的资源")
    if name == "need-link":
        return {"resource": targets["R1"].pk}
    if name == "need-unlink":
        return {"resource": targets["R2"].pk}
    return {}


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
    if method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, _payload(name, targets, world))
    assert response.status_code == expected, f"{role} {method} {url}"
    if role == "anon":
        assert response["Location"].startswith("/accounts/login/?next=")
    if method == "POST" and (expected != 302 or role == "anon"):
        assert snapshot() == before, f"{role} {method} {url} changed the database"
    if method == "POST" and expected == 302 and role != "anon":
        assert snapshot() != before, f"{role} {method} {url} did nothing"


def test_every_resources_url_is_in_the_matrix():
    names = {p.name for p in urls_resources.urlpatterns if isinstance(p, URLPattern)}
    assert names == {line.split()[0] for line in TABLE.strip().splitlines()[1:]}


MUTATING = sorted({(n, t) for n, t, m, _r, _c in cases() if m == "POST" and n != "resource-list"})
MUTATING = [(n, t) for n, t in MUTATING if n not in ("resource-detail", "resource-export")]


@pytest.mark.parametrize(("name", "target"), MUTATING, ids=[f"{n}-{t}" for n, t in MUTATING])
def test_csrf_token_is_required(world, targets, name, target):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["staff"])
    before = snapshot()
    response = client.post(_url(name, target, targets), _payload(name, targets, world))
    assert response.status_code == 403
    assert snapshot() == before


def test_navbar_and_department_head_home_link_to_the_list(client, world):
    client.force_login(world.users["H1"])
    body = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("resources:resource-list")}"' in body
    assert "部门资源" in body
    assert f"?department={world.department1.pk}&amp;validity=all" in body


def test_head_of_another_department_gets_404_on_edit_and_sees_no_buttons(client, world, targets):
    client.force_login(world.users["H2"])
    page = client.get(reverse("resources:resource-detail", args=[targets["R1"].pk]))
    assert page.status_code == 200
    assert b'id="resource-manage"' not in page.content
    client.force_login(world.users["H1"])
    page = client.get(reverse("resources:resource-detail", args=[targets["R1"].pk]))
    assert b'id="resource-manage"' in page.content


# --- Search and filters ---------------------------------------------------------------------------


@pytest.fixture
def catalogue(world):
    today = timezone.localdate()
    make = factories.DepartmentResourceFactory
    return {
        "loan": make(
            department=world.department2,
            title="利链惠链政策包·金融支持",
            category=NeedCategory.FINANCING,
            description="科技贷、人才贷、供应链融资和贷款贴息。",
            is_policy_package=True,
            tags="利链惠链、科技贷",
        ),
        "land": make(
            department=world.department2,
            title="工业标准厂房租赁",
            category=NeedCategory.SITES,
            description="为链上企业提供标准厂房和工业用地指标。",
        ),
        "permit": make(
            department=world.department1,
            title="项目审批帮办代办",
            category=NeedCategory.PERMITS,
            how_to_apply="融资租赁项目也可帮办。",
        ),
        "old": make(
            department=world.department1,
            title="过期的融资政策",
            category=NeedCategory.FINANCING,
            valid_until=today - timedelta(days=1),
        ),
        "future": make(
            department=world.department1,
            title="明年的人才政策",
            category=NeedCategory.TALENT,
            valid_from=today + timedelta(days=30),
        ),
    }


def listed(client, **params) -> list[str]:
    response = client.get(reverse("resources:resource-list"), params)
    assert response.status_code == 200
    return [r.title for r in response.context["page"].object_list]


def test_two_character_chinese_words_are_found(client, world, catalogue):
    """融资 is in a description and in how-to-apply; 用地 in a description (and the category
    场地用地): substring search, on PostgreSQL (trigram index or not) and SQLite alike."""
    client.force_login(world.users["S1"])
    assert sorted(listed(client, q="融资")) == sorted(
        ["利链惠链政策包·金融支持", "项目审批帮办代办"]
    )
    assert listed(client, q="用地") == ["工业标准厂房租赁"]
    # Ordered by department, category, title.
    assert listed(client, q="融资", validity="all") == [
        "过期的融资政策",
        "项目审批帮办代办",
        "利链惠链政策包·金融支持",
    ]
    # Every word must match; the department's name is searched too.
    assert listed(client, q="融资 经济发展局") == ["利链惠链政策包·金融支持"]
    assert listed(client, q="ABB机器人") == []


def test_filters(client, world, catalogue):
    client.force_login(world.users["outsider"])
    assert listed(client, category=NeedCategory.SITES) == ["工业标准厂房租赁"]
    assert listed(client, department=world.department1.pk) == ["项目审批帮办代办"]
    assert listed(client, policy="on") == ["利链惠链政策包·金融支持"]
    assert len(listed(client)) == 3  # currently valid by default
    assert len(listed(client, validity="all")) == 5


def test_expired_are_marked_not_hidden_when_the_filter_is_off(client, world, catalogue):
    client.force_login(world.users["S1"])
    response = client.get(reverse("resources:resource-list"), {"validity": "all"})
    body = response.content.decode()
    assert 'data-validity="expired"' in body
    assert 'data-validity="upcoming"' in body
    assert "已过期" in body and "未生效" in body
    detail = client.get(reverse("resources:resource-detail", args=[catalogue["old"].pk]))
    assert b'id="resource-expired"' in detail.content


def test_bad_filter_values_are_ignored_not_a_500(client, world, catalogue):
    client.force_login(world.users["S1"])
    response = client.get(
        reverse("resources:resource-list"),
        {"category": "bogus", "department": "abc", "validity": "x", "page": "999", "q": "x" * 500},
    )
    assert response.status_code == 200
    assert response.context["filters"].errors


def test_search_text_is_escaped(client, world, catalogue):
    client.force_login(world.users["S1"])
    response = client.get(reverse("resources:resource-list"), {"q": XSS[:90]})
    assert b"<script>alert" not in response.content
    assert b"&lt;script&gt;" in response.content


# --- Forms ----------------------------------------------------------------------------------------


def test_create_and_edit(client, world):
    client.force_login(world.users["H1"])
    response = client.post(
        reverse("resources:resource-create"),
        resource_payload(world.department1, valid_from="2026-01-01", valid_until="2026-12-31"),
    )
    created = DepartmentResource.objects.get(title="科技贷")
    assert response["Location"] == reverse("resources:resource-detail", args=[created.pk])
    assert created.department == world.department1
    response = client.post(
        reverse("resources:resource-edit", args=[created.pk]),
        resource_payload(world.department1, title="科技贷（升级）", is_policy_package="on"),
    )
    assert response.status_code == 302
    created.refresh_from_db()
    assert (created.title, created.is_policy_package) == ("科技贷（升级）", True)
    assert created.history.count() == 2


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "长" * 201}, "title"),
        ({"category": "bogus"}, "category"),
        ({"category": ""}, "category"),
        ({"valid_from": "2026-06-01", "valid_until": "2026-05-31"}, "valid_until"),
        ({"valid_from": "not a date"}, "valid_from"),
        ({"description": "字" * 5001}, "description"),
        ({"tags": "标" * 201}, "tags"),
        ({"contact": "联" * 101}, "contact"),
    ],
)
def test_wrong_missing_and_oversized_input(client, world, overrides, field):
    client.force_login(world.users["H1"])
    before = snapshot()
    response = client.post(
        reverse("resources:resource-create"), resource_payload(world.department1, **overrides)
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert snapshot() == before


def test_duplicate_title_in_a_department(client, world):
    factories.DepartmentResourceFactory(department=world.department1, title="科技贷")
    client.force_login(world.users["H1"])
    response = client.post(
        reverse("resources:resource-create"), resource_payload(world.department1)
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert DepartmentResource.objects.filter(title="科技贷").count() == 1


def test_out_of_scope_department_is_refused(client, world, targets):
    client.force_login(world.users["H1"])
    before = snapshot()
    response = client.post(
        reverse("resources:resource-create"), resource_payload(world.department2)
    )
    assert response.status_code == 200
    assert "department" in response.context["form"].errors
    # Moving one's own resource into another department: refused by the form too.
    response = client.post(
        reverse("resources:resource-edit", args=[targets["R1"].pk]),
        resource_payload(world.department2, title="科技贷款贴息"),
    )
    assert response.status_code == 200
    assert "department" in response.context["form"].errors
    # Extra fields are ignored.
    response = client.post(
        reverse("resources:resource-edit", args=[targets["R1"].pk]),
        {**resource_payload(world.department1, title="科技贷款贴息"), "created_at": "2000-01-01"},
    )
    assert snapshot()["resources"][0]["created_at"] == before["resources"][0]["created_at"]


def test_hostile_input_stays_escaped(client, world, targets):
    client.force_login(world.users["H1"])
    client.post(
        reverse("resources:resource-create"),
        resource_payload(
            world.department1, title=XSS, description=XSS, how_to_apply=XSS, contact=XSS[:100]
        ),
    )
    created = DepartmentResource.objects.get(title=XSS)
    need = targets["N1"]
    need.resources.add(created)
    for url in (
        reverse("resources:resource-list"),
        reverse("resources:resource-detail", args=[created.pk]),
        reverse("resources:resource-edit", args=[created.pk]),
        reverse("liaisons:need-detail", args=[need.pk]),
    ):
        body = client.get(url).content
        assert b"<script>alert" not in body, url
        assert b"<img src=x" not in body, url
    client.force_login(world.users["S1"])
    body = client.get(reverse("liaisons:need-detail", args=[need.pk])).content
    assert b"&lt;script&gt;" in body and b"<script>alert" not in body


def test_retire_and_delete_through_the_pages(client, world, targets):
    client.force_login(world.users["H1"])
    response = client.post(reverse("resources:resource-retire", args=[targets["R1"].pk]))
    assert response.status_code == 302
    targets["R1"].refresh_from_db()
    assert targets["R1"].valid_until == timezone.localdate() - timedelta(days=1)
    # R2 is linked to N1: deleting is refused with a message; R1 is not: it goes.
    response = client.post(
        reverse("resources:resource-delete", args=[targets["R2"].pk]), follow=True
    )
    assert "请改为停用" in response.content.decode()
    assert DepartmentResource.objects.filter(pk=targets["R2"].pk).exists()
    response = client.post(reverse("resources:resource-delete", args=[targets["R1"].pk]))
    assert response["Location"] == reverse("resources:resource-list")
    assert not DepartmentResource.objects.filter(pk=targets["R1"].pk).exists()


def test_detail_shows_only_the_needs_the_reader_may_see(client, world, targets):
    other = make_need(
        enterprise=world.enterprise2, status=NeedStatus.IN_PROGRESS, liaison=world.liaison2
    )
    other.resources.add(targets["R2"])
    url = reverse("resources:resource-detail", args=[targets["R2"].pk])
    expectations = {
        "S1": {targets["N1"].pk},
        "S2": {other.pk},
        "L1": {targets["N1"].pk},
        "outsider": set(),
        "staff": {targets["N1"].pk, other.pk},
    }
    for role, expected in expectations.items():
        client.force_login(world.users[role])
        shown = {need.pk for need in client.get(url).context["linked_needs"]}
        assert shown == expected, role


# --- The panel on a need's page -------------------------------------------------------------------


def test_panel_for_the_liaison_staff_and_firm(client, world, targets):
    need = targets["N1"]
    url = reverse("liaisons:need-detail", args=[need.pk])
    for role in ("L1", "staff"):
        client.force_login(world.users[role])
        response = client.get(url)
        panel = response.context["resources_panel"]
        assert [r.pk for r in panel["linked"]] == [targets["R2"].pk]
        assert targets["R1"].pk in [s.resource.pk for s in panel["suggestions"]]
        assert b'id="need-suggested-resources"' in response.content
    for role in ("S1", "H1", "C1"):
        client.force_login(world.users[role])
        response = client.get(url)
        assert response.context["resources_panel"]["suggestions"] == []
        assert b'id="need-linked-resources"' in response.content
        assert "融资担保" in response.content.decode()
        assert b'id="need-suggested-resources"' not in response.content
        assert reverse("resources:need-unlink", kwargs={"need_pk": need.pk}).encode() not in (
            response.content
        )


def test_link_from_the_page_shows_on_the_firms_timeline(client, world, targets):
    need = targets["N1"]
    client.force_login(world.users["L1"])
    response = client.post(
        reverse("resources:need-link", kwargs={"need_pk": need.pk}),
        {"resource": targets["R1"].pk},
        follow=True,
    )
    assert response.redirect_chain[-1][0].endswith(f"/needs/{need.pk}/#need-resources")
    assert "企业可以看到" in response.content.decode()
    client.force_login(world.users["S1"])
    body = client.get(reverse("liaisons:need-detail", args=[need.pk])).content.decode()
    assert "已关联资源" in body and "“科技贷款贴息”（科学技术局）" in body


def test_refused_link_is_a_message_not_a_500(client, world, targets):
    closed = make_need(
        enterprise=world.enterprise1, status=NeedStatus.CLOSED, liaison=world.liaison1
    )
    client.force_login(world.users["staff"])
    response = client.post(
        reverse("resources:need-link", kwargs={"need_pk": closed.pk}),
        {"resource": targets["R1"].pk},
        follow=True,
    )
    assert response.status_code == 200
    assert "不能关联或取消关联资源" in response.content.decode()
    for bad in ("", "abc", "999999"):
        response = client.post(
            reverse("resources:need-link", kwargs={"need_pk": targets["N1"].pk}), {"resource": bad}
        )
        assert response.status_code == 404
    assert not closed.resources.exists()


# --- Query budgets --------------------------------------------------------------------------------


def _count_queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(queries)


def test_list_queries_do_not_grow_with_rows(client, world):
    client.force_login(world.users["H1"])
    url = reverse("resources:resource-list")
    factories.DepartmentResourceFactory.create_batch(2, department=world.department1)
    small = _count_queries(client, url)
    factories.DepartmentResourceFactory.create_batch(28, department=world.department2)
    large = _count_queries(client, url)
    assert small == large
    # session, user, staff group, managed departments, count, page, department choices
    assert large <= 8


def test_search_queries_do_not_grow_with_rows(client, world):
    client.force_login(world.users["S1"])
    url = reverse("resources:resource-list")
    params = {"q": "贷款 科学技术局", "category": NeedCategory.FINANCING, "policy": "on"}
    factories.DepartmentResourceFactory.create_batch(
        2, department=world.department1, description="贷款", is_policy_package=True
    )
    small = _count_queries(client, url, params)
    factories.DepartmentResourceFactory.create_batch(
        28, department=world.department1, description="贷款", is_policy_package=True
    )
    assert _count_queries(client, url, params) == small


def test_pages_keep_the_filters(client, world):
    factories.DepartmentResourceFactory.create_batch(
        25, department=world.department1, description="贷款贴息"
    )
    client.force_login(world.users["S1"])
    response = client.get(reverse("resources:resource-list"), {"q": "贴息"})
    assert len(response.context["page"].object_list) == 20
    assert 'href="?q=%E8%B4%B4%E6%81%AF&amp;page=2"' in response.content.decode()
    second = client.get(reverse("resources:resource-list"), {"q": "贴息", "page": 2})
    assert len(second.context["page"].object_list) == 5


def test_need_page_queries_do_not_grow_with_resources(client, world, targets):
    client.force_login(world.users["L1"])
    url = reverse("liaisons:need-detail", args=[targets["N1"].pk])
    small = _count_queries(client, url)
    for n in range(30):
        resource = factories.DepartmentResourceFactory(
            department=world.department1, category=NeedCategory.FINANCING
        )
        if n % 3 == 0:
            targets["N1"].resources.add(resource)
    assert _count_queries(client, url) == small


def test_detail_queries_do_not_grow_with_linked_needs(client, world, targets):
    client.force_login(world.users["staff"])
    url = reverse("resources:resource-detail", args=[targets["R2"].pk])
    small = _count_queries(client, url)
    for _n in range(10):
        make_need(
            enterprise=world.enterprise2, status=NeedStatus.IN_PROGRESS, liaison=world.liaison2
        ).resources.add(targets["R2"])
    assert _count_queries(client, url) == small


# --- Export ---------------------------------------------------------------------------------------


def test_export_equals_the_filtered_list(client, world, catalogue):
    client.force_login(world.users["S2"])
    for params in ({"q": "融资", "validity": "all"}, {}, {"category": NeedCategory.SITES}):
        titles = listed(client, **params)
        response = client.get(reverse("resources:resource-export"), params)
        assert response.status_code == 200
        assert response["Content-Type"].startswith(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        assert response.streaming
        workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
        rows = list(workbook.active.iter_rows(values_only=True))
        assert rows[0][:3] == ("部门", "标题", "类别")
        assert [row[1] for row in rows[1:]] == titles, params
    response = client.get(reverse("resources:resource-export"), {"validity": "all"})
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = {row[1]: row for row in workbook.active.iter_rows(min_row=2, values_only=True)}
    loan = rows["利链惠链政策包·金融支持"]
    assert loan[0] == "经济发展局"
    assert loan[2] == "融资"
    assert loan[3] == "是"
    assert rows["过期的融资政策"][6] == "已过期"
    assert rows["明年的人才政策"][6] == "未生效"
    assert rows["明年的人才政策"][4].date() == catalogue["future"].valid_from  # a typed date
    assert "attachment" in response["Content-Disposition"]


def test_export_defuses_formulas(client, world):
    factories.DepartmentResourceFactory(
        department=world.department1, title='=HYPERLINK("http://evil")', category="other"
    )
    client.force_login(world.users["S1"])
    response = client.get(reverse("resources:resource-export"))
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    cell = workbook.active.cell(row=2, column=2)
    assert cell.data_type == "s"
    assert cell.value.startswith("'=")


def test_export_queries_do_not_grow_with_rows(client, world):
    client.force_login(world.users["S1"])
    url = reverse("resources:resource-export")
    factories.DepartmentResourceFactory.create_batch(2, department=world.department1)
    small = _count_queries(client, url)
    factories.DepartmentResourceFactory.create_batch(40, department=world.department2)
    assert _count_queries(client, url) == small
