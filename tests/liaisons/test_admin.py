import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chains.models import IndustryChain
from liaisons.models import (
    ActionItem,
    ActionItemMilestone,
    ActionItemParticipant,
    ActionItemProgress,
    Department,
    DepartmentResource,
    Liaison,
    LiaisonAssignment,
    Need,
    NeedAttachment,
    NeedEscalation,
    NeedEvent,
    NeedEventAction,
    NeedStatus,
    NeedTimeLimit,
    TaskForceMembership,
    Urgency,
)
from tests import factories
from tests.admin_helpers import (
    BASE_QUERIES,
    ESTIMATED_COUNT,
    AdminCase,
    admin_matrix,
    admin_url,
    page_queries,
)


def _departments(n: int) -> list[Department]:
    return [factories.DepartmentFactory(head=factories.UserFactory()) for _ in range(n)]


def _liaisons(n: int) -> list[Liaison]:
    liaisons = factories.LiaisonFactory.create_batch(n)
    for liaison in liaisons:
        factories.LiaisonAssignmentFactory(liaison=liaison)
    return liaisons


def _needs(n: int) -> list[Need]:
    needs = []
    for _ in range(n):
        liaison = factories.LiaisonFactory()
        need = factories.NeedFactory(
            liaison=liaison, department=liaison.department, status=NeedStatus.DISPATCHED
        )
        factories.NeedEventFactory(need=need)
        needs.append(need)
    return needs


def _action_items(n: int) -> list[ActionItem]:
    items = []
    for _ in range(n):
        item = factories.ActionItemFactory(
            owner=factories.UserFactory(), origin_need=factories.NeedFactory()
        )
        item.chains.add(factories.IndustryChainFactory())
        ActionItemParticipant.objects.create(
            action_item=item, enterprise=factories.EnterpriseFactory()
        )
        items.append(item)
    return items


def _escalations(n: int) -> list[NeedEscalation]:
    return [
        NeedEscalation.objects.create(need=need, level=1, due_at=timezone.now())
        for need in factories.NeedFactory.create_batch(n)
    ]


ADMIN_CASES = {
    # + the rows with their head joined in and their liaisons counted
    Department: AdminCase(build=_departments, changelist_queries=BASE_QUERIES),
    # + the rows with user and department; the department filter's choices
    Liaison: AdminCase(build=_liaisons, changelist_queries=BASE_QUERIES + 1),
    # + the rows with enterprise and liaison's user; the department filter; the hierarchy's years
    LiaisonAssignment: AdminCase(
        build=lambda n: factories.LiaisonAssignmentFactory.create_batch(n),
        changelist_queries=BASE_QUERIES + 3,
    ),
    # + the rows with liaison's user and chain; the chain filter's choices
    TaskForceMembership: AdminCase(
        build=lambda n: factories.TaskForceMembershipFactory.create_batch(n),
        changelist_queries=BASE_QUERIES + 1,
    ),
    # + the rows with department; the department filter's choices
    DepartmentResource: AdminCase(
        build=lambda n: factories.DepartmentResourceFactory.create_batch(n),
        changelist_queries=BASE_QUERIES + 1,
    ),
    # + the rows with enterprise and liaison's user (no full count); the chain and department
    # filters' choices (no date hierarchy: a date filter; alliance.core.paginators)
    Need: AdminCase(build=_needs, changelist_queries=ESTIMATED_COUNT + 3, add=False),
    # + the rows with owner and origin need; their chains (one prefetch); the chain filter;
    # the date hierarchy's years
    ActionItem: AdminCase(build=_action_items, changelist_queries=BASE_QUERIES + 4),
    # The 45 rows exist from the migration; the list is editable in place (no per-row query).
    NeedTimeLimit: AdminCase(
        build=lambda n: list(NeedTimeLimit.objects.all()[:n]),
        changelist_queries=BASE_QUERIES,
        add=False,
    ),
    # + the rows with their need (no full count, no date hierarchy: alliance.core.paginators)
    NeedEscalation: AdminCase(
        build=_escalations, changelist_queries=ESTIMATED_COUNT + 1, add=False
    ),
}


(
    test_staff_open_changelist_add_and_change,
    test_plain_user_and_anonymous_are_sent_to_admin_login,
    test_changelist_queries_do_not_grow_with_rows,
) = admin_matrix(ADMIN_CASES)


# --- Needs: the workflow owns them --------------------------------------------------------


def _need_form(need: Need, **changes) -> dict:
    data = {
        "category": need.category,
        "urgency": need.urgency,
        "title": need.title,
        "description": need.description,
        "contact_name": need.contact_name,
        "contact_phone": need.contact_phone,
    }
    for prefix in ("events", "attachments"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    data.update(changes)
    return data


def test_staff_correct_what_the_enterprise_wrote_but_not_the_workflow(staff_client):
    need = _needs(1)[0]
    other = factories.LiaisonFactory()
    response = staff_client.post(
        admin_url(Need, "change", need.pk),
        _need_form(
            need,
            title="更正后的标题",
            urgency=Urgency.RED,
            contact_phone="13900001111",
            status=NeedStatus.CLOSED,
            liaison=str(other.pk),
            escalation_level="3",
            return_count="2",
            satisfaction="satisfied",
        ),
    )
    assert response.status_code == 302
    need.refresh_from_db()
    assert (need.title, need.urgency, need.contact_phone) == (
        "更正后的标题",
        Urgency.RED,
        "13900001111",
    )
    assert need.status == NeedStatus.DISPATCHED
    assert need.liaison != other
    assert (need.escalation_level, need.return_count, need.satisfaction) == (0, 0, "")


def test_change_page_offers_only_the_correctable_fields(staff_client):
    need = _needs(1)[0]
    content = staff_client.get(admin_url(Need, "change", need.pk)).content.decode()
    for editable in (
        "title",
        "description",
        "category",
        "urgency",
        "contact_name",
        "contact_phone",
    ):
        assert f'name="{editable}"' in content
    for owned in (
        "status",
        "liaison",
        "resolve_due",
        "escalation_level",
        "return_count",
        "satisfaction",
    ):
        assert f'name="{owned}"' not in content


def test_needs_cannot_be_added_or_deleted_in_the_admin(staff_client):
    need = _needs(1)[0]
    assert staff_client.get(admin_url(Need, "add")).status_code == 403
    assert staff_client.post(admin_url(Need, "delete", need.pk), {"post": "yes"}).status_code == 403
    bulk = staff_client.post(
        admin_url(Need, "changelist"),
        {"action": "delete_selected", "_selected_action": [str(need.pk)], "post": "yes"},
    )
    assert bulk.status_code == 200  # not an offered action: the list is shown again
    changelist = staff_client.get(admin_url(Need, "changelist")).content.decode()
    assert 'value="delete_selected"' not in changelist
    assert Need.objects.filter(pk=need.pk).exists()
    assert NeedEvent.objects.filter(need=need).exists()


def test_need_history_is_shown_but_cannot_be_reverted(staff_client):
    need = _needs(1)[0]
    version = need.history.get()
    need.status = NeedStatus.IN_PROGRESS
    need.save()
    assert staff_client.get(admin_url(Need, "history", need.pk)).status_code == 200
    revert_url = admin_url(Need, "simple_history", need.pk, version.history_id)
    page = staff_client.get(revert_url)
    assert page.status_code == 200
    assert staff_client.post(revert_url, _need_form(need)).status_code == 403
    need.refresh_from_db()
    assert need.status == NeedStatus.IN_PROGRESS


def test_timeline_and_attachments_are_read_only_on_the_need(staff_client):
    need = _needs(1)[0]
    factories.NeedEventFactory(need=need, action=NeedEventAction.CONTACT, note="<b>电话联系</b>")
    NeedAttachment.objects.create(
        need=need,
        file="needs/x.pdf",
        original_name="营业执照.pdf",
        size=2048,
        uploaded_by=need.submitted_by,
    )
    _count, content = page_queries(staff_client, admin_url(Need, "change", need.pk))
    assert "&lt;b&gt;电话联系&lt;/b&gt;" in content
    assert "营业执照.pdf" in content
    assert "needs/x.pdf" not in content  # files are served only by the permission-checked view
    assert 'name="events-0-note"' not in content
    assert 'name="events-0-DELETE"' not in content
    assert 'name="attachments-0-DELETE"' not in content
    assert 'id="events-empty"' not in content  # no "add another" row


def test_need_page_queries_do_not_grow_with_the_timeline(staff_client):
    need = _needs(1)[0]
    url = admin_url(Need, "change", need.pk)
    with_one, _content = page_queries(staff_client, url)
    for _ in range(15):
        factories.NeedEventFactory(need=need, actor=factories.UserFactory())
        NeedAttachment.objects.create(
            need=need,
            file="needs/y.pdf",
            original_name="y.pdf",
            uploaded_by=factories.UserFactory(),
        )
    assert page_queries(staff_client, url)[0] == with_one


def test_need_list_skips_the_full_count(staff_client):
    _needs(3)
    response = staff_client.get(admin_url(Need, "changelist"), {"status": NeedStatus.DISPATCHED})
    assert response.context["cl"].show_full_result_count is False


def test_need_list_shows_25_rows_a_page(staff_client):
    for _ in range(27):
        factories.NeedFactory(status=NeedStatus.SUBMITTED)
    response = staff_client.get(admin_url(Need, "changelist"))
    assert len(response.context["cl"].result_list) == 25
    second = staff_client.get(admin_url(Need, "changelist"), {"p": 2})
    assert len(second.context["cl"].result_list) == 2


def test_need_list_sorts_only_where_an_index_gives_the_order(staff_client):
    """Newest first by default, or by number; a title, firm or status header is no link, and a
    `?o=` for it (a stale or crafted link) leaves the default order: sorting 3 million rows by
    title took 8 s at province scale."""
    for title in ("乙", "甲", "丙"):
        factories.NeedFactory(status=NeedStatus.SUBMITTED, title=title)
    url = admin_url(Need, "changelist")
    newest = list(Need.objects.order_by("-created_at", "-pk").values_list("pk", flat=True))
    by_number = list(Need.objects.order_by("number").values_list("pk", flat=True))

    def order(query):
        response = staff_client.get(url, query)
        assert response.status_code == 200
        return [need.pk for need in response.context["cl"].result_list], response

    shown, response = order({})
    assert shown == newest
    html = response.content.decode()
    assert 'href="?o=0"' in html  # the number's header sorts (no action column: from 0)
    assert 'href="?o=1"' not in html  # the title's does not
    for column in ("1", "-1", "2", "5", "1.2", "99", "x"):
        assert order({"o": column})[0] == newest, column
    assert order({"o": "0"})[0] == by_number
    assert order({"o": "-0"})[0] == by_number[::-1]


def test_need_list_filters_by_chain_and_department_names(staff_client):
    first = factories.IndustryChainFactory(code="nev", name="<b>新能源</b>", order=2)
    second = factories.IndustryChainFactory(code="robotics", name="机器人", order=1)
    need = factories.NeedFactory(status=NeedStatus.SUBMITTED, chain=first)
    factories.NeedFactory(status=NeedStatus.SUBMITTED, chain=second)
    url = admin_url(Need, "changelist")
    html = staff_client.get(url).content.decode()
    # In the chains' order, names escaped, each a link filtering by the chain's id.
    assert html.index("机器人") < html.index("&lt;b&gt;新能源&lt;/b&gt;")
    assert f"?chain__id__exact={first.pk}" in html and "<b>新能源" not in html
    response = staff_client.get(url, {"chain__id__exact": first.pk})
    assert [n.pk for n in response.context["cl"].result_list] == [need.pk]


def test_need_list_reads_only_the_columns_it_shows(staff_client):
    liaison = factories.LiaisonFactory(user=factories.UserFactory(full_name="宋飞洋"))
    for _ in range(3):
        factories.NeedFactory(status=NeedStatus.IN_PROGRESS, liaison=liaison)
    with CaptureQueriesContext(connection) as queries:
        html = staff_client.get(admin_url(Need, "changelist")).content.decode()
    (page,) = [q["sql"] for q in queries.captured_queries if '"liaisons_need"."title"' in q["sql"]]
    assert '"liaisons_need"."description"' not in page
    assert '"alliance_user"."password"' not in page
    assert html.count("宋飞洋") == 3  # the liaison's name, read with the page


def test_need_search_by_number_reads_the_number_index(staff_client):
    """A number or its start (any case) is looked up by prefix on the number alone; other text
    is Django's search over number, title, firm and contact."""
    needs = {
        number: factories.NeedFactory(status=NeedStatus.SUBMITTED, number=number, title=title)
        for number, title in (
            ("XQ-2026-00011", "流动资金贷款"),
            ("XQ-2026-00012", "XQ-2026-00011 的补充"),  # a title mentioning another number
            ("XQ-2025-00011", "人才招引"),
        )
    }
    url = admin_url(Need, "changelist")

    def found(term):
        with CaptureQueriesContext(connection) as queries:
            response = staff_client.get(url, {"q": term})
        assert response.status_code == 200
        numbers = sorted(need.number for need in response.context["cl"].result_list)
        return numbers, " ".join(q["sql"] for q in queries.captured_queries)

    numbers, sql = found("xq-2026-0001")
    assert numbers == ["XQ-2026-00011", "XQ-2026-00012"]
    title_like = re.compile(r'"liaisons_need"\."title"(::text\))? LIKE')
    assert not title_like.search(sql)  # the title is not read
    assert found(" XQ-2026-00011 ")[0] == ["XQ-2026-00011"]  # not the title's mention
    assert found("XQ-2026")[0] == ["XQ-2026-00011", "XQ-2026-00012"]
    # Anything else: Django's contains-search, the title included.
    numbers, sql = found("2026-00011")
    assert numbers == ["XQ-2026-00011", "XQ-2026-00012"]
    assert title_like.search(sql)
    assert found("人才")[0] == ["XQ-2025-00011"]
    for hostile in ("XQ-2026-%", "XQ-2026-_", "<script>", "' OR 1=1 --", "XQ-" + "9" * 300):
        assert found(hostile)[0] == [], hostile
    assert set(needs) >= set(found("XQ")[0])


def test_other_big_tables_keep_their_indexed_order(staff_client, staff_user):
    from alliance.core.models import Notification

    for title in ("b", "a", "c"):
        Notification.objects.create(recipient=staff_user, kind="test", title=title, body="x")
    url = admin_url(Notification, "changelist")
    newest = list(Notification.objects.order_by("-pk").values_list("pk", flat=True))
    for column in ("", "0", "-0", "3"):
        response = staff_client.get(url, {"o": column} if column else {})
        assert [n.pk for n in response.context["cl"].result_list] == newest, column


# --- The chain page, extended here with its members and task force -------------------------


def test_chain_page_shows_members_and_task_force(staff_client):
    chain = factories.IndustryChainFactory(name="工程机械")
    factories.ChainMembershipFactory(chain=chain, enterprise__name="柳工常州机械有限公司")
    factories.TaskForceMembershipFactory(
        chain=chain, liaison__user__full_name="宋飞洋", is_lead=True
    )
    content = staff_client.get(admin_url(IndustryChain, "change", chain.pk)).content.decode()
    assert "柳工常州机械有限公司" in content
    assert "宋飞洋" in content
    listing = staff_client.get(admin_url(IndustryChain, "changelist"))
    row = next(obj for obj in listing.context["cl"].result_list if obj.pk == chain.pk)
    assert (row.member_count, row.task_force_count) == (1, 1)


def test_chain_page_queries_do_not_grow_with_members(staff_client):
    chain = factories.IndustryChainFactory()
    url = admin_url(IndustryChain, "change", chain.pk)
    factories.ChainMembershipFactory.create_batch(2, chain=chain)
    factories.TaskForceMembershipFactory(chain=chain)
    with_two, _content = page_queries(staff_client, url)
    factories.ChainMembershipFactory.create_batch(20, chain=chain)
    factories.TaskForceMembershipFactory.create_batch(5, chain=chain)
    assert page_queries(staff_client, url)[0] == with_two


# --- Action items ----------------------------------------------------------------------------


def test_action_item_page_shows_participants_milestones_and_read_only_progress(staff_client):
    item = _action_items(1)[0]
    ActionItemMilestone.objects.create(action_item=item, due_on="2026-09-01", text="签订合作协议")
    ActionItemProgress.objects.create(
        action_item=item, author=factories.UserFactory(), note="完成样件试制", percent=40
    )
    content = staff_client.get(admin_url(ActionItem, "change", item.pk)).content.decode()
    assert "签订合作协议" in content
    assert "完成样件试制" in content
    assert 'name="participants-0-enterprise"' in content
    assert 'name="milestones-0-text"' in content
    assert 'name="progress_reports-0-note"' not in content
    assert 'id="progress_reports-empty"' not in content


def test_action_item_page_queries_do_not_grow_with_inline_rows(staff_client):
    item = _action_items(1)[0]
    url = admin_url(ActionItem, "change", item.pk)

    def add_rows(n: int) -> None:
        for _ in range(n):
            ActionItemParticipant.objects.create(
                action_item=item, enterprise=factories.EnterpriseFactory()
            )
            ActionItemMilestone.objects.create(action_item=item, due_on="2026-10-01", text="里程碑")
            ActionItemProgress.objects.create(
                action_item=item, author=factories.UserFactory(), note="进展"
            )

    add_rows(1)
    with_two, _content = page_queries(staff_client, url)
    add_rows(10)
    assert page_queries(staff_client, url)[0] == with_two


def test_liaison_list_counts_current_assignments(staff_client):
    liaison = _liaisons(1)[0]
    factories.LiaisonAssignmentFactory(liaison=liaison, until="2026-06-30", is_primary=False)
    response = staff_client.get(admin_url(Liaison, "changelist"))
    row = next(obj for obj in response.context["cl"].result_list if obj.pk == liaison.pk)
    assert row.active_assignment_count == 1
    current = staff_client.get(admin_url(LiaisonAssignment, "changelist"), {"current": "no"})
    assert [a.until.isoformat() for a in current.context["cl"].result_list] == ["2026-06-30"]


def test_task_force_and_resources_pages_render_their_rows(staff_client):
    member = factories.TaskForceMembershipFactory(liaison__user__full_name="宋飞洋")
    resource = factories.DepartmentResourceFactory(title="利链惠链政策包", is_policy_package=True)
    assert (
        "宋飞洋" in staff_client.get(admin_url(TaskForceMembership, "changelist")).content.decode()
    )
    assert (
        member.chain.name
        in staff_client.get(admin_url(TaskForceMembership, "changelist")).content.decode()
    )
    content = staff_client.get(
        admin_url(DepartmentResource, "changelist"), {"is_policy_package__exact": "1"}
    )
    assert list(content.context["cl"].result_list) == [resource]
