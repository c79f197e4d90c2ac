"""The department resources services: suggestions ranked on crafted data,
link/unlink with their timeline entries, refused moves, and maintenance with its history."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.utils import timezone, translation

from alliance.core.models import Notification
from liaisons.exceptions import NeedActionError, NeedPermissionError, NeedTransitionError
from liaisons.models import DepartmentResource, NeedCategory, NeedEvent, NeedEventAction, NeedStatus
from liaisons.needs.timeline import render_note
from liaisons.resources import services
from liaisons.vocabulary import LEXICON
from tests import factories
from tests.liaisons.conftest import make_need

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 15)


def resource(department, title, category=NeedCategory.OTHER, **fields):
    return factories.DepartmentResourceFactory(
        department=department, title=title, category=category, **fields
    )


@pytest.fixture
def need(world):
    return make_need(
        enterprise=world.enterprise1,
        status=NeedStatus.IN_PROGRESS,
        liaison=world.liaison1,
        category=NeedCategory.FINANCING,
        title="设备更新贷款担保",
        description="企业计划更新数控设备，需要银行贷款和融资担保，希望申请贴息。",
    )


# --- Text similarity -----------------------------------------------------------------------------


def test_text_terms_are_bigrams_without_punctuation_or_stop_words():
    assert services.text_terms("贷款担保，融资！") == {"贷款", "款担", "担保", "融资"}
    # A lone character is too weak; Latin words count whole and lower-cased; 企业 is a stop word.
    assert services.text_terms("企业 云 ABB 机器人") == {"abb", "机器", "器人"}
    assert services.text_terms("") == set()


def test_dice():
    assert services.dice({"贷款", "担保"}, {"贷款", "担保"}) == 1.0
    assert services.dice({"贷款", "担保"}, {"贷款", "融资"}) == 0.5
    assert services.dice(set(), {"贷款"}) == 0.0


def test_shared_words_join_consecutive_words_back_into_longer_ones():
    other = "提供贷款担保和融资服务"
    words = services.shared_words("需要贷款担保，也要融资", other, LEXICON)
    assert words == ["贷款担保", "融资"]


def test_shared_words_do_not_invent_a_word_the_other_text_lacks():
    # 贷款 and 担保 are each in the other text, but not "贷款担保" as one word; 款担 is no word.
    other = "贷款、款担、担保"
    assert services.shared_words("贷款担保", other, LEXICON) == ["贷款", "担保"]


def test_shared_words_are_whole_words_never_bigrams_across_words():
    """配套企业提供 holds the bigrams 套企 and 业提, which the policy package's text holds too
    (配套企业, 企业提供): the reason names the words, not the fragments 配套企 and 业提."""
    other = (
        "联合合作银行为链上企业提供“科技贷”“人才贷”、供应链金融和贷款贴息，"
        "链主企业推荐的配套企业优先授信。"
    )
    words = services.shared_words("希望为配套企业提供贷款担保", other, LEXICON)
    assert words == ["配套企业", "贷款"]
    # A word the other text lacks may hold one it has: 数字化改造 and 智能化改造 share 改造.
    assert services.shared_words("数字化改造", "智能化改造奖补", LEXICON) == ["改造"]


def test_a_resource_of_another_category_sharing_only_fragments_is_not_suggested(world, need):
    """工业用地 and 企业用工 share the bigram 业用 and nothing a person would call a word."""
    need.category = NeedCategory.SITES
    need.title, need.description = "扩产新增工业用地约20亩", "现有厂房不足。"
    need.save()
    resource(world.department2, "企业用工专场招聘", NeedCategory.HIRING, tags="招聘、用工")
    sites = resource(world.department2, "工业用地“标准地”供应", NeedCategory.SITES)
    assert [s.resource for s in services.suggest_resources(need, today=TODAY)] == [sites]


# --- Ranking on crafted data ----------------------------------------------------------------------


def test_same_category_beats_a_better_text_match(world, need):
    # Text-only: a different category but many shared words.
    text_only = resource(
        world.department2,
        "设备更新贷款担保贴息",
        NeedCategory.FUNDS,
        description="银行贷款、融资担保和贴息。",
    )
    # Same category, weak text match.
    same = resource(world.department1, "上市辅导", NeedCategory.FINANCING, description="股改。")
    ranked = services.suggest_resources(need, today=TODAY)
    assert [s.resource for s in ranked] == [same, text_only]
    assert ranked[0].same_category and not ranked[1].same_category
    assert ranked[1].similarity > ranked[0].similarity


def test_ties_in_category_are_broken_by_similarity(world, need):
    weak = resource(world.department1, "科技贷", NeedCategory.FINANCING, description="科技型贷款。")
    strong = resource(
        world.department1,
        "贷款担保",
        NeedCategory.FINANCING,
        description="为设备更新提供贷款担保和融资贴息。",
    )
    none = resource(world.department1, "应收账款质押", NeedCategory.FINANCING)
    ranked = services.suggest_resources(need, today=TODAY)
    assert [s.resource for s in ranked] == [strong, weak, none]
    assert ranked[0].similarity > ranked[1].similarity > ranked[2].similarity == 0.0


def test_policy_package_is_a_small_boost_only(world, need):
    plain = resource(
        world.department1, "贷款担保服务", NeedCategory.FINANCING, description="融资担保、贴息"
    )
    package = resource(
        world.department1,
        "利链惠链政策包·金融",
        NeedCategory.FINANCING,
        description="融资担保、贴息",
        is_policy_package=True,
    )
    weak_package = resource(
        world.department1, "政策包·其他", NeedCategory.FINANCING, is_policy_package=True
    )
    ranked = services.suggest_resources(need, today=TODAY)
    scores = {s.resource: s for s in ranked}
    assert scores[package].score == pytest.approx(
        scores[package].similarity + services.POLICY_PACKAGE_BOOST
    )
    # The boost does not lift a package with no text in common over a real match.
    assert [s.resource for s in ranked].index(weak_package) == 2
    assert plain in scores


def test_unrelated_resources_of_other_categories_are_not_suggested(world, need):
    resource(world.department2, "人才公寓", NeedCategory.TALENT, description="高层次人才住房。")
    assert services.suggest_resources(need, today=TODAY) == []


def test_only_currently_valid_and_not_yet_linked_resources(world, need):
    linked = resource(world.department1, "已关联贷款", NeedCategory.FINANCING)
    need.resources.add(linked)
    resource(
        world.department1,
        "过期贷款",
        NeedCategory.FINANCING,
        valid_until=TODAY - timedelta(days=1),
    )
    resource(
        world.department1,
        "未生效贷款",
        NeedCategory.FINANCING,
        valid_from=TODAY + timedelta(days=1),
    )
    today_only = resource(
        world.department1,
        "今日有效贷款",
        NeedCategory.FINANCING,
        valid_from=TODAY,
        valid_until=TODAY,
    )
    assert [s.resource for s in services.suggest_resources(need, today=TODAY)] == [today_only]


def test_limit(world, need):
    for n in range(8):
        resource(world.department1, f"贷款产品{n}", NeedCategory.FINANCING)
    assert len(services.suggest_resources(need, limit=3, today=TODAY)) == 3
    assert len(services.suggest_resources(need, today=TODAY)) == services.SUGGESTION_LIMIT


def test_reason_in_chinese(world, need):
    package = resource(
        world.department1,
        "利链惠链政策包·金融支持",
        NeedCategory.FINANCING,
        description="提供贷款担保与贴息。",
        is_policy_package=True,
    )
    other = resource(
        world.department2, "贷款担保补贴", NeedCategory.FUNDS, description="担保费补贴。"
    )
    with translation.override("zh-hans"):
        reasons = {s.resource: s.reason for s in services.suggest_resources(need, today=TODAY)}
    assert reasons[package] == "同属「融资」类；共同词：贷款担保、贴息；属利链惠链政策包"
    assert reasons[other] == "共同词：贷款担保"


def test_suggestions_take_one_query_whatever_the_number_of_resources(
    world, need, django_assert_num_queries
):
    for n in range(40):
        resource(world.department1, f"贷款产品{n}", NeedCategory.FINANCING, tags="贴息、担保")
    with django_assert_num_queries(1):
        services.suggest_resources(need, today=TODAY)


# --- Linking ----------------------------------------------------------------------------------


def test_liaison_links_a_resource_public_timeline_and_firm_told(world, need):
    offered = resource(world.department1, "科技贷", NeedCategory.FINANCING, contact="杨帆")
    services.link_resource(need=need, resource=offered, actor=world.users["L1"])
    assert list(need.resources.all()) == [offered]
    event = NeedEvent.objects.get(need=need)
    assert event.action == NeedEventAction.LINK_RESOURCE
    assert event.is_public
    assert event.actor == world.users["L1"]
    assert (event.note, event.data) == (
        "",
        [{"code": "resource", "title": "科技贷", "department": "科学技术局"}],
    )
    with translation.override("zh-hans"):
        assert render_note(event.data) == "“科技贷”（科学技术局）"
    with translation.override("en"):
        assert render_note(event.data) == "“科技贷” (科学技术局)"
    told = Notification.objects.get(kind="need_resource_linked")
    assert told.recipient == world.users["S1"]
    assert "科技贷" in told.body


def test_staff_unlinks_and_the_timeline_keeps_both(world, need):
    offered = resource(world.department1, "科技贷", NeedCategory.FINANCING)
    services.link_resource(need=need, resource=offered, actor=world.users["staff"])
    services.unlink_resource(need=need, resource=offered, actor=world.users["staff"])
    assert not need.resources.exists()
    assert list(NeedEvent.objects.filter(need=need).values_list("action", "is_public")) == [
        (NeedEventAction.LINK_RESOURCE, True),
        (NeedEventAction.UNLINK_RESOURCE, True),
    ]


@pytest.mark.parametrize("role", ["S1", "H1", "C1", "L2", "outsider"])
def test_others_may_not_link(world, need, role):
    offered = resource(world.department1, "科技贷", NeedCategory.FINANCING)
    with pytest.raises(NeedPermissionError):
        services.link_resource(need=need, resource=offered, actor=world.users[role])
    assert not need.resources.exists()
    assert not NeedEvent.objects.exists()


@pytest.mark.parametrize(
    "status", [NeedStatus.CLOSED, NeedStatus.REJECTED, NeedStatus.MERGED, NeedStatus.DRAFT]
)
def test_no_linking_on_a_finished_need(world, status):
    finished = make_need(
        enterprise=world.enterprise1,
        status=status,
        liaison=None if status in (NeedStatus.DRAFT, NeedStatus.REJECTED) else world.liaison1,
    )
    offered = resource(world.department1, "科技贷", NeedCategory.FINANCING)
    with translation.override("zh-hans"), pytest.raises(NeedTransitionError) as refused:
        services.link_resource(need=finished, resource=offered, actor=world.users["staff"])
    assert "不能关联或取消关联资源" in refused.value.message
    assert not finished.resources.exists()


def test_closed_need_keeps_its_resources(world):
    closed = make_need(
        enterprise=world.enterprise1, status=NeedStatus.CLOSED, liaison=world.liaison1
    )
    offered = resource(world.department1, "科技贷", NeedCategory.FINANCING)
    closed.resources.add(offered)
    with pytest.raises(NeedTransitionError):
        services.unlink_resource(need=closed, resource=offered, actor=world.users["staff"])
    assert list(closed.resources.all()) == [offered]


def test_refused_links(world, need):
    expired = resource(
        world.department1,
        "过期贷款",
        NeedCategory.FINANCING,
        valid_until=timezone.localdate() - timedelta(days=1),
    )
    with translation.override("zh-hans"), pytest.raises(NeedActionError) as refused:
        services.link_resource(need=need, resource=expired, actor=world.users["L1"])
    assert "今天不在有效期内" in refused.value.message
    offered = resource(world.department1, "科技贷", NeedCategory.FINANCING)
    services.link_resource(need=need, resource=offered, actor=world.users["L1"])
    with pytest.raises(NeedActionError, match="已关联到需求"):
        services.link_resource(need=need, resource=offered, actor=world.users["L1"])
    other = resource(world.department1, "人才贷", NeedCategory.FINANCING)
    with pytest.raises(NeedActionError, match="未关联到需求"):
        services.unlink_resource(need=need, resource=other, actor=world.users["L1"])
    assert NeedEvent.objects.filter(need=need).count() == 1


def test_a_deleted_resource_cannot_be_linked(world, need):
    offered = resource(world.department1, "科技贷", NeedCategory.FINANCING)
    DepartmentResource.objects.filter(pk=offered.pk).delete()
    with pytest.raises(NeedActionError, match="该资源已不存在"):
        services.link_resource(need=need, resource=offered, actor=world.users["L1"])


# --- Maintenance --------------------------------------------------------------------------------


def fields(department, **overrides):
    values = {
        "department": department,
        "title": "科技贷",
        "category": NeedCategory.FINANCING,
        "description": "科技型中小企业信用贷款。",
        "how_to_apply": "向红链专员提交。",
        "contact": "杨帆 13900001111",
        "valid_from": None,
        "valid_until": None,
        "is_policy_package": False,
        "tags": "科技贷",
    }
    values.update(overrides)
    return values


def test_head_creates_and_edits_with_history(world):
    head = world.users["H1"]
    created = services.resource_create(actor=head, **fields(world.department1))
    services.resource_update(resource=created, actor=head, title="科技贷（升级版）")
    history = list(created.history.order_by("history_date", "history_id"))
    assert [h.history_type for h in history] == ["+", "~"]
    assert {h.history_user for h in history} == {head}
    assert history[-1].title == "科技贷（升级版）"


def test_head_of_another_department_is_refused(world):
    with pytest.raises(services.ResourcePermissionError):
        services.resource_create(actor=world.users["H2"], **fields(world.department1))
    created = services.resource_create(actor=world.users["H1"], **fields(world.department1))
    with pytest.raises(services.ResourcePermissionError):
        services.resource_update(resource=created, actor=world.users["H2"], title="x")
    # Moving a resource to a department one does not head is refused too.
    with pytest.raises(services.ResourcePermissionError):
        services.resource_update(
            resource=created, actor=world.users["H1"], department=world.department2
        )
    for role in ("L1", "S1", "C1", "outsider"):
        with pytest.raises(services.ResourcePermissionError):
            services.resource_retire(resource=created, actor=world.users[role])
    created.refresh_from_db()
    assert (created.title, created.department, created.valid_until) == (
        "科技贷",
        world.department1,
        None,
    )


def test_service_validates_what_a_form_would(world):
    with pytest.raises(services.ResourceError):
        services.resource_create(
            actor=world.users["staff"],
            **fields(world.department1, valid_from=TODAY, valid_until=TODAY - timedelta(days=1)),
        )
    with pytest.raises(services.ResourceError):
        services.resource_create(actor=world.users["staff"], **fields(world.department1, title=""))
    with pytest.raises(services.ResourceError):
        services.resource_create(
            actor=world.users["staff"], **fields(world.department1, category="bogus")
        )
    assert not DepartmentResource.objects.exists()


def test_retire_ends_validity_yesterday(world):
    staff = world.users["staff"]
    running = resource(world.department1, "科技贷", valid_from=TODAY - timedelta(days=30))
    services.resource_retire(resource=running, actor=staff, today=TODAY)
    running.refresh_from_db()
    assert running.valid_until == TODAY - timedelta(days=1)
    assert running.is_expired(TODAY)
    assert running.history.first().history_change_reason == "retired"
    # Retiring twice is a clear refusal.
    with pytest.raises(services.ResourceError, match="已于"):
        services.resource_retire(resource=running, actor=staff, today=TODAY)
    # A resource that has not started yet collapses to one past day.
    future = resource(world.department1, "明年的政策", valid_from=TODAY + timedelta(days=10))
    services.resource_retire(resource=future, actor=staff, today=TODAY)
    future.refresh_from_db()
    assert future.valid_from == future.valid_until == TODAY - timedelta(days=1)


def test_delete_only_when_no_need_links_it(world, need):
    staff = world.users["staff"]
    linked = resource(world.department1, "科技贷", NeedCategory.FINANCING)
    need.resources.add(linked)
    with pytest.raises(services.ResourceError, match="请改为停用"):
        services.resource_delete(resource=linked, actor=staff)
    assert DepartmentResource.objects.filter(pk=linked.pk).exists()
    loose = resource(world.department1, "人才贷", NeedCategory.FINANCING)
    services.resource_delete(resource=loose, actor=world.users["H1"])
    assert not DepartmentResource.objects.filter(pk=loose.pk).exists()
    assert loose.history.filter(history_type="-").get().history_user == world.users["H1"]


# --- PostgreSQL search index ------------------------------------------------------------------


def test_trigram_indexes_on_postgresql_only():
    """PostgreSQL: pg_trgm sees Chinese (a C-ctype database would give no trigrams at all) and
    the four search columns are indexed. SQLite: the migration creates nothing."""
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute("SELECT name FROM sqlite_master WHERE name LIKE 'resource_%_trgm'")
            assert cursor.fetchall() == []
            return
        cursor.execute("SELECT show_trgm('党建') <> '{}'")
        assert cursor.fetchone()[0] is True
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'liaisons_departmentresource' "
            "AND indexname LIKE 'resource_%_trgm' ORDER BY indexname"
        )
        assert [row[0] for row in cursor.fetchall()] == [
            "resource_description_trgm",
            "resource_how_to_apply_trgm",
            "resource_tags_trgm",
            "resource_title_trgm",
        ]


@pytest.mark.django_db(transaction=True)
def test_two_people_linking_at_once_link_once():
    """The need's row lock serialises the two: one links, the other is told it is linked."""
    from concurrent.futures import ThreadPoolExecutor

    from tests.liaisons.conftest import build_world

    world = build_world()
    need = make_need(
        enterprise=world.enterprise1, status=NeedStatus.IN_PROGRESS, liaison=world.liaison1
    )
    offered = resource(world.department1, "科技贷", NeedCategory.FINANCING)

    def link(role: str) -> str:
        try:
            services.link_resource(need=need, resource=offered, actor=world.users[role])
            return "linked"
        except NeedActionError:
            return "refused"
        finally:
            if connection.vendor == "postgresql":
                connection.close()  # this thread's own connection

    if connection.vendor == "postgresql":
        with ThreadPoolExecutor(max_workers=2) as pool:
            outcomes = sorted(pool.map(link, ["L1", "staff"]))
    else:  # SQLite locks the whole file: the same two calls, one after the other
        outcomes = sorted(link(role) for role in ["L1", "staff"])
    assert outcomes == ["linked", "refused"]
    assert need.resources.count() == 1
    assert NeedEvent.objects.filter(need=need, action=NeedEventAction.LINK_RESOURCE).count() == 1
