"""The demo command loads the seed article's world, once, and only where it is allowed to."""

import re
from collections import Counter
from datetime import datetime
from decimal import Decimal
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.models import Count, Q
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from alliance.core.models import Notification, User
from alliance.core.staff import is_park_staff
from alliance.core.workcalendar import is_workday
from alliance.demo import DEMO_PASSWORD, demo_credit_code, load_demo
from alliance.reports import figures as reports
from alliance.reports.models import WeeklyReport
from alliance.roles import alliance_profile
from chains.models import ChainIndicator, IndustryChain, PeriodKind
from enterprises.models import (
    ChainMembership,
    Enterprise,
    EnterpriseContact,
    PartyOrganization,
    SignedProject,
    SupplyLink,
)
from enterprises.validators import validate_credit_code
from events.models import Decision, Event, EventKind, EventSeries, EventStatus, Invitation, Rsvp
from events.services.series import series_generate_occurrences
from liaisons.models import (
    NEED_TRANSITIONS,
    ActionItem,
    ActionItemKind,
    ActionItemParticipant,
    ActionItemStatus,
    Department,
    DepartmentResource,
    EscalationLevel,
    Liaison,
    LiaisonAssignment,
    Need,
    NeedCategory,
    NeedEscalation,
    NeedEvent,
    NeedEventAction,
    NeedStatus,
    Satisfaction,
    TaskForceMembership,
)
from liaisons.needs.selectors import liaison_queue

SHANGHAI = ZoneInfo("Asia/Shanghai")
PROJECT_APPS = ("alliance", "chains", "enterprises", "liaisons", "events")
LOGINS = ("staff", "chief", "qianzhiyuan", "jianglihua", "depthead", "liaison", "secretary")
# sync_park_staff_group() re-adds the group's permissions with an insert that skips rows already
# there (INSERT OR IGNORE on SQLite, ON CONFLICT DO NOTHING on PostgreSQL): it changes nothing.
IDEMPOTENT_GROUP_SYNC = re.compile(
    r'^INSERT (OR IGNORE INTO "auth_group_permissions"|INTO "auth_group_permissions".*'
    r"ON CONFLICT DO NOTHING)",
    re.S,
)


def run_command(*args: str) -> tuple[str, str]:
    # English messages, so the assertions hold once the zh-hans catalog translates them.
    out, err = StringIO(), StringIO()
    with translation.override("en"):
        call_command("load_demo", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def debug(settings):
    settings.DEBUG = True


@pytest.fixture(scope="class")
def world(django_db_setup, django_db_blocker) -> str:
    """The demo loaded once for the read-only tests of a class, rolled back afterwards.

    Each test still runs in its own savepoint (the `django_db` mark), so a test that writes
    (a login, a second run) leaves the shared world as it found it.
    """
    with django_db_blocker.unblock(), override_settings(DEBUG=True), transaction.atomic():
        yield run_command()[0]
        transaction.set_rollback(True)


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models(include_auto_created=True)
    }


def printed_password(output: str, username: str) -> str:
    match = re.search(rf"^.*\s{re.escape(username)}\s+(\S+)\s+\S+$", output, re.MULTILINE)
    assert match, f"no login row for {username} in:\n{output}"
    return match.group(1)


# --- safety ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_refuses_without_debug_and_writes_nothing(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        run_command()
    assert not User.objects.exists()
    assert not Enterprise.objects.exists()


@pytest.mark.django_db
def test_force_loads_without_debug_and_warns(settings):
    settings.DEBUG = False
    out, err = run_command("--force")
    assert "--force" in err
    assert IndustryChain.objects.count() == 3
    assert printed_password(out, "staff") == DEMO_PASSWORD


@pytest.mark.django_db
def test_an_existing_login_keeps_its_password(debug):
    User.objects.create_user("staff", password="someone-elses-password-1")
    out, _err = run_command()
    staff = User.objects.get(username="staff")
    assert staff.check_password("someone-elses-password-1")
    assert DEMO_PASSWORD not in next(line for line in out.splitlines() if " staff " in line)


# --- runs on other days -------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_later_run_only_adds_the_meetings_that_came_into_view(debug):
    first = load_demo(now=datetime(2026, 11, 26, 22, 0, tzinfo=SHANGHAI))
    meetings = Event.objects.filter(series__isnull=False)
    assert [
        timezone.localtime(m.starts_at).date().isoformat() for m in meetings.order_by("starts_at")
    ] == [
        "2026-09-01",
        "2026-10-08",  # the first Tuesday, 6 October, is in the National Day holiday
        "2026-11-03",
        "2026-12-01",
        "2027-01-05",
    ]
    decisions = Decision.objects.count()
    later = load_demo(now=datetime(2026, 12, 28, 10, 0, tzinfo=SHANGHAI))
    assert set(later.created) == {
        str(Event._meta.verbose_name_plural),
        str(Invitation._meta.verbose_name_plural),
        str(WeeklyReport._meta.verbose_name_plural),  # the week that has ended since
    }
    assert later.created[str(Event._meta.verbose_name_plural)] == 1  # 2027-02-02
    assert [str(r.week_start) for r in WeeklyReport.objects.order_by("week_start")] == [
        "2026-11-16",
        "2026-12-21",
    ]
    assert Decision.objects.count() == decisions
    assert first.total_created > later.total_created


@pytest.mark.django_db
def test_the_october_joint_meeting_moves_off_national_day_and_the_generator_agrees(debug):
    now = datetime(2026, 9, 20, 10, 0, tzinfo=SHANGHAI)  # October's meeting still ahead
    load_demo(now=now)
    series = EventSeries.objects.get()
    assert series.skip_days_off
    october = series.occurrences.get(series_slot=datetime(2026, 10, 6, 14, 30, tzinfo=SHANGHAI))
    assert timezone.localtime(october.starts_at) == datetime(2026, 10, 8, 14, 30, tzinfo=SHANGHAI)
    assert october.day_off == "national_day"
    assert october.title == "2026年10月产业链党建联席会议"
    # The daily generator finds the demo's meetings by their slots: nothing twice.
    series.months_ahead = 1
    series.save()
    assert series_generate_occurrences(series=series, now=now) == []
    assert series.occurrences.filter(starts_at__date="2026-10-08").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 11, 30, 0, 5, tzinfo=SHANGHAI),  # Monday, just after midnight
        datetime(2026, 12, 5, 12, 0, tzinfo=SHANGHAI),  # Saturday
        datetime(2027, 3, 2, 14, 45, tzinfo=SHANGHAI),  # during a joint meeting
    ],
)
def test_loads_consistently_on_any_day(debug, now):
    load_demo(now=now)
    assert not Need.objects.filter(events__created_at__gt=now).exists()
    assert not Need.objects.filter(submitted_at__gt=now).exists()
    for event in Event.objects.filter(status=EventStatus.PLANNED):
        assert timezone.localtime(event.starts_at).weekday() < 5
    assert not Event.objects.filter(status=EventStatus.HELD, ends_at__gt=now).exists()


# --- the loaded world ---------------------------------------------------------------------------


@pytest.mark.django_db
class TestDemoWorld:
    def test_three_chains_with_alliances_and_chiefs(self, world):
        chains = {chain.code: chain for chain in IndustryChain.objects.select_related("chief")}
        assert set(chains) == {"nev", "robotics", "machinery"}
        assert chains["nev"].name == "新能源汽车"
        assert chains["nev"].alliance_name == "新能源汽车产业链党建联盟"
        assert chains["robotics"].name == "机器人"
        assert chains["machinery"].name == "工程机械"
        assert chains["machinery"].alliance_name == "工程机械产业链党建联盟"
        assert [c.code for c in IndustryChain.objects.all()] == ["nev", "robotics", "machinery"]
        for chain in chains.values():
            assert chain.alliance_founded_on.year == 2026
            assert chain.description
            assert chain.chief is not None
        assert chains["machinery"].chief.full_name == "施文杰"
        assert "经济发展局局长助理" in chains["machinery"].description

    def test_liugong_leads_machinery_with_hengli_and_jinchuang_as_local_suppliers(self, world):
        liugong = Enterprise.objects.get(name="柳工常州机械有限公司")
        leaders = ChainMembership.objects.filter(
            chain__code="machinery", role=ChainMembership.Role.LEADER
        )
        assert [m.enterprise for m in leaders] == [liugong]
        assert not liugong.is_listed
        assert "广西柳工机械股份有限公司" in liugong.parent_company
        assert "000528" in liugong.parent_company
        assert "滑移装载机" in liugong.main_products

        hengli = Enterprise.objects.get(name="江苏恒立液压股份有限公司")
        jinchuang = Enterprise.objects.get(name="今创集团股份有限公司")
        assert (hengli.is_listed, hengli.stock_code) == (True, "601100")
        assert (jinchuang.is_listed, jinchuang.stock_code) == (True, "603680")
        for product in ("高压油缸", "液压柱塞泵", "液压控制阀", "液压系统", "高精密液压铸件"):
            assert product in hengli.main_products

        links = SupplyLink.objects.filter(customer=liugong)
        assert links.filter(supplier=hengli, is_local=True).exists()
        assert links.filter(supplier=jinchuang, is_local=True).exists()
        assert links.filter(supplier=hengli, products__contains="工信部战略基础产品").exists()
        # Every supply link joins two member firms of the park.
        assert not SupplyLink.objects.filter(
            Q(supplier__memberships__isnull=True) | Q(customer__memberships__isnull=True)
        ).exists()

    def test_other_article_firms_lead_or_serve_their_chains(self, world):
        li = Enterprise.objects.get(name="理想汽车常州基地")
        assert li.memberships.get(chain__code="nev").role == ChainMembership.Role.LEADER
        jaka = Enterprise.objects.get(short_name="节卡机器人")
        assert jaka.memberships.get(chain__code="robotics").role == ChainMembership.Role.LEADER
        longcheng = Enterprise.objects.get(short_name="龙城精锻")
        assert {m.chain.code for m in longcheng.memberships.all()} == {"nev", "machinery"}

    def test_every_chain_has_at_least_eight_firms_and_some_firms_two_chains(self, world):
        sizes = dict(
            IndustryChain.objects.annotate(n=Count("memberships")).values_list("code", "n")
        )
        assert all(size >= 8 for size in sizes.values()), sizes
        cross_chain = Enterprise.objects.annotate(n=Count("memberships")).filter(n__gte=2)
        assert cross_chain.count() >= 2
        for firm in Enterprise.objects.all():
            assert firm.primary_chain_id in {m.chain_id for m in firm.memberships.all()}

    def test_credit_codes_are_valid_synthetic_wujin_codes(self, world):
        codes = list(Enterprise.objects.values_list("name", "credit_code"))
        assert len({code for _name, code in codes}) == len(codes)
        for name, code in codes:
            validate_credit_code(code)
            assert code.startswith("91320412")
            assert code == demo_credit_code(name)

    def test_party_organizations_carry_the_article_brands_and_methods(self, world):
        hengli = PartyOrganization.objects.get(enterprise__short_name="恒立液压")
        assert hengli.kind == PartyOrganization.Kind.COMMITTEE
        assert (hengli.brand, hengli.work_method) == ("先锋恒立", "三恒三立")
        assert "六项“党建+”工程" in hengli.notes

        liugong = PartyOrganization.objects.get(enterprise__name="柳工常州机械有限公司")
        assert liugong.kind == PartyOrganization.Kind.GENERAL_BRANCH
        assert liugong.deputy_secretary == "唐鹏莉"
        assert "14年党龄" in liugong.notes
        assert "党建带工建" in liugong.notes

        joint = PartyOrganization.objects.get(kind=PartyOrganization.Kind.JOINT_BRANCH)
        assert joint.enterprise is None

    def test_departments_liaisons_and_task_forces(self, world):
        names = set(Department.objects.values_list("name", flat=True))
        assert {"党群工作部", "科学技术局", "经济发展局", "税务局", "人力资源和社会保障局"} <= names
        assert Department.objects.get(name="人力资源和社会保障局").short_name == "人社局"
        assert Department.objects.get(name="党群工作部").head.full_name == "陈杰"

        song = Liaison.objects.get(user__full_name="宋飞洋")
        assert {"企业党建", "人才招引", "专精特新申报"} <= set(song.expertise_tags)
        assert song.is_active

        # 一链一专班: every chain has a task force with exactly one lead.
        leads = Counter(
            TaskForceMembership.objects.filter(is_lead=True).values_list("chain__code", flat=True)
        )
        assert leads == Counter({"nev": 1, "robotics": 1, "machinery": 1})

        # One active primary liaison for every above-scale firm.
        active = Q(liaison_assignments__until__isnull=True, liaison_assignments__is_primary=True)
        firms = Enterprise.objects.filter(is_above_scale=True).annotate(
            n=Count("liaison_assignments", filter=active)
        )
        assert firms.exists()
        assert {firm.name: firm.n for firm in firms if firm.n != 1} == {}
        assert LiaisonAssignment.objects.filter(until__isnull=False).exists()

    def test_nev_first_half_figures_and_signed_projects(self, world):
        nev = IndustryChain.objects.get(code="nev")
        h1 = ChainIndicator.objects.get(
            chain=nev, year=2026, period_kind=PeriodKind.HALF, period_index=1
        )
        assert h1.output_value == Decimal("464.10")
        assert h1.yoy_growth == Decimal("137.80")
        assert h1.new_projects == 14
        # The invented earlier periods agree with the article's growth rate, and with each other.
        for chain in IndustryChain.objects.all():
            figures = {
                (i.year, i.period_kind, i.period_index): i.output_value
                for i in chain.indicators.all()
            }
            h1_2026 = chain.indicators.get(year=2026, period_kind=PeriodKind.HALF, period_index=1)
            growth = (h1_2026.output_value / figures[2025, PeriodKind.HALF, 1] - 1) * 100
            assert abs(growth - h1_2026.yoy_growth) < Decimal("0.01"), chain.code
            assert figures[2025, PeriodKind.YEAR, 1] == (
                figures[2025, PeriodKind.HALF, 1] + figures[2025, PeriodKind.HALF, 2]
            )

        projects = SignedProject.objects.filter(
            chain=nev, signed_on__year=2026, signed_on__month__lte=6
        )
        assert projects.count() == 14
        buckets = Counter(project.size_bucket for project in projects)
        assert buckets == {
            SignedProject.SizeBucket.OVER_100: 1,
            SignedProject.SizeBucket.OVER_30: 1,
            SignedProject.SizeBucket.OVER_10: 4,
            SignedProject.SizeBucket.BELOW: 8,
        }

    def test_the_mid_august_salon(self, world):
        salon = Event.objects.get(title__contains="红链有约 服务赋能")
        assert salon.title.startswith("产业链党建座谈会暨")
        assert salon.kind == EventKind.SALON
        assert salon.status == EventStatus.HELD
        assert salon.venue == "党群服务中心"
        local_start = timezone.localtime(salon.starts_at)
        assert (local_start.year, local_start.month) == (2026, 8)
        assert 11 <= local_start.day <= 20
        assert salon.chains.count() == 3
        assert salon.minutes
        assert salon.decisions.filter(action_item__isnull=False).count() >= 2
        attended = salon.invitations.filter(checked_in_at__isnull=False)
        assert attended.exists()
        assert not attended.exclude(rsvp=Rsvp.ACCEPTED).exists()

    def test_monthly_joint_meetings_have_held_past_and_planned_future_occurrences(self, world):
        series = EventSeries.objects.get()
        assert series.rrule == "FREQ=MONTHLY;BYDAY=1TU"
        first = timezone.localtime(series.first_starts_at)
        assert (first.weekday(), first.hour, first.minute) == (1, 14, 30)
        now = timezone.now()
        held = series.occurrences.filter(status=EventStatus.HELD)
        planned = series.occurrences.filter(status=EventStatus.PLANNED)
        assert held.exists()
        assert not held.filter(Q(minutes="") | Q(ends_at__gt=now)).exists()
        assert planned.exists()
        assert not planned.filter(ends_at__lte=now).exists()
        for meeting in series.occurrences.all():
            # Each meeting's slot is a first Tuesday at 14:30; one on a holiday is held at the
            # same time on the next working day, and says why.
            slot = timezone.localtime(meeting.series_slot)
            assert (slot.weekday(), slot.day <= 7, slot.hour, slot.minute) == (1, True, 14, 30)
            local = timezone.localtime(meeting.starts_at)
            assert local.time() == slot.time()
            assert is_workday(local.date())
            assert (local.date() != slot.date()) == (meeting.day_off != "")
            assert meeting.invitations.exists()
        # Meetings ahead are always there, whatever the day the demo is loaded.
        upcoming = Event.objects.filter(starts_at__gt=now, status=EventStatus.PLANNED)
        assert upcoming.count() >= 2
        assert not Invitation.objects.filter(
            event__in=upcoming, checked_in_at__isnull=False
        ).exists()

    def test_the_timeline_lines_the_portal_writes_are_codes(self, world):
        # As the services write them: read in each reader's language, not stored in Chinese.
        dispatches = NeedEvent.objects.filter(action=NeedEventAction.DISPATCH)
        assert dispatches.exists()
        for event in dispatches:
            assert event.note == ""
            assert [line["code"] for line in event.data] == ["liaison"]
            assert event.data[0]["name"]
        ratings = NeedEvent.objects.filter(action=NeedEventAction.RATE).select_related("need")
        assert ratings.exists()
        for event in ratings:
            assert [line["code"] for line in event.data] == ["satisfaction"]

    def test_decisions_become_action_items(self, world):
        assert Decision.objects.filter(action_item__isnull=False).count() >= 4
        kinds = set(ActionItem.objects.values_list("kind", flat=True))
        assert {
            ActionItemKind.MATCHMAKING,
            ActionItemKind.JOINT_RD,
            ActionItemKind.AGREEMENT,
            ActionItemKind.SERVICE,
        } <= kinds
        for item in ActionItem.objects.all():
            assert item.owner is not None
            assert item.chains.exists()
            assert item.participants.exists()
            assert item.milestones.exists()
            if item.status != ActionItemStatus.PLANNED:
                assert item.progress_reports.exists()
            if item.status == ActionItemStatus.DONE:
                assert item.outcome
                assert not item.milestones.filter(done_at__isnull=True).exists()
        assert ActionItemParticipant.objects.filter(role=ActionItemParticipant.Role.LEAD).exists()
        hydraulics = ActionItem.objects.get(
            title__contains="协同技术攻关", chains__code="machinery"
        )
        assert set(hydraulics.enterprises.values_list("short_name", flat=True)) == {
            "柳工常州",
            "恒立液压",
        }
        assert ActionItem.objects.filter(origin_need__isnull=False).exists()

    def test_resources_include_the_policy_package_and_the_three_services(self, world):
        package = DepartmentResource.objects.filter(is_policy_package=True)
        assert {r.category for r in package} == {
            NeedCategory.FINANCING,
            NeedCategory.FUNDS,
            NeedCategory.TALENT,
        }
        assert all("利链惠链" in r.title for r in package)
        for title in ("智能车间诊断", "企业上云", "股改上市"):
            assert DepartmentResource.objects.get(title=title).department.name == "经济发展局"
        assert set(DepartmentResource.objects.values_list("category", flat=True)) <= set(
            NeedCategory.values
        )
        assert Department.objects.annotate(n=Count("resources")).filter(n=0).count() == 0

    def test_needs_cover_every_state_and_category_with_consistent_fields(self, world):
        needs = list(Need.objects.prefetch_related("events").order_by("number"))
        assert {need.status for need in needs} == set(NeedStatus.values)
        assert {need.category for need in needs} == set(NeedCategory.values)
        assert len({need.urgency for need in needs}) == 3
        now = timezone.now()
        for need in needs:
            assert re.fullmatch(r"XQ-2026-\d{5}", need.number)
            assert need.chain == need.enterprise.primary_chain
            assert need.submitted_by.enterprise_contacts.filter(enterprise=need.enterprise).exists()
            if need.status == NeedStatus.DRAFT:
                assert need.submitted_at is None
                assert not need.events.all()
                continue
            assert need.submitted_at is not None
            assert need.created_at <= need.submitted_at <= now
            if need.liaison_id:
                assert need.department == need.liaison.department
                assert need.dispatched_at and need.sign_due and need.resolve_due
            if need.status == NeedStatus.CLOSED:
                assert need.closed_at and need.satisfaction and need.resolution
                assert need.closed_at >= need.replied_at
            if need.status == NeedStatus.MERGED:
                assert need.merged_into.enterprise == need.enterprise
            if need.status in (NeedStatus.REPLIED, NeedStatus.CLOSED):
                assert need.replied_at and need.rating_due

            # The timeline: in time order, each move allowed from the state before it, ending in
            # the need's current state.
            events = list(need.events.all())
            assert events[0].action == NeedEventAction.SUBMIT
            assert [e.created_at for e in events] == sorted(e.created_at for e in events)
            assert events[-1].created_at <= now
            status = NeedStatus.DRAFT
            for event in events:
                if event.to_status:
                    assert event.from_status == status
                    assert event.to_status in NEED_TRANSITIONS[status]
                    status = event.to_status
            assert status == need.status, need.number

        unsatisfied = Need.objects.get(satisfaction=Satisfaction.UNSATISFIED)
        assert unsatisfied.status == NeedStatus.REOPENED
        assert unsatisfied.escalation_level >= 1
        assert Need.objects.filter(
            status=NeedStatus.WAITING_ENTERPRISE, paused_since__isnull=False
        ).exists()
        assert Need.objects.filter(status=NeedStatus.RETURN_PENDING, return_count=1).exists()
        assert Need.objects.filter(resources__isnull=False).exists()

    def test_one_login_per_role_authenticates_with_the_printed_password(self, world, client):
        for username in LOGINS:
            password = printed_password(world, username)
            assert password == DEMO_PASSWORD
            response = client.post(reverse("login"), {"username": username, "password": password})
            assert response.status_code == 302, username
            assert int(client.session["_auth_user_id"]) == User.objects.get(username=username).pk
            client.logout()
        # Nobody else in the demo world can sign in.
        others = User.objects.exclude(username__in=LOGINS)
        assert others.exists()
        assert not any(user.has_usable_password() for user in others)

    def test_each_login_holds_its_role(self, world):
        users = {u.username: u for u in User.objects.filter(username__in=LOGINS)}
        assert users["staff"].is_staff and is_park_staff(users["staff"])
        assert users["staff"].has_perm("enterprises.change_enterprise")
        assert [c.code for c in alliance_profile(users["chief"]).chaired_chains] == ["machinery"]
        # Every chain's chief is a login: each chain's dashboard can be tried.
        assert [c.code for c in alliance_profile(users["qianzhiyuan"]).chaired_chains] == ["nev"]
        assert [c.code for c in alliance_profile(users["jianglihua"]).chaired_chains] == [
            "robotics"
        ]
        assert set(IndustryChain.objects.values_list("chief__username", flat=True)) <= set(LOGINS)
        assert [d.name for d in alliance_profile(users["depthead"]).headed_departments] == [
            "科学技术局"
        ]
        liaison = alliance_profile(users["liaison"])
        assert liaison.liaison.user.full_name == "宋飞洋"
        assert {a.enterprise.short_name for a in liaison.assignments} >= {
            "理想汽车",
            "节卡机器人",
            "龙城精锻",
        }
        # The liaison login has work in their queue: an assigned firm's open need.
        queue = liaison_queue(liaison.liaison)
        assert queue.filter(enterprise__short_name="理想汽车").exists()
        secretary = alliance_profile(users["secretary"])
        assert [c.enterprise.name for c in secretary.contacts] == ["柳工常州机械有限公司"]
        assert users["secretary"].full_name == "唐鹏莉"
        for user in users.values():
            if user.username != "staff":
                assert not is_park_staff(user)
            validate_password(DEMO_PASSWORD, user)

    def test_escalations_in_the_timelines_reach_whom_they_were_addressed_to(self, world, client):
        """Each 黄灯/催办/督办 in a need's timeline is a claimed rung, so the department head (or
        chief) finds it on the supervision page."""
        events = NeedEvent.objects.filter(action=NeedEventAction.ESCALATE).select_related("need")
        assert events.exists()
        for event in events:
            rung = NeedEscalation.objects.get(need=event.need, created_at=event.created_at)
            assert (rung.chain_id, rung.department_id) == (
                event.need.chain_id,
                event.need.department_id,
            )
        rungs = NeedEscalation.objects.filter(level__gte=EscalationLevel.URGE).select_related(
            "need", "department__head", "chain__chief"
        )
        for rung in rungs:
            addressee = (
                rung.department.head if rung.level == EscalationLevel.URGE else rung.chain.chief
            )
            client.force_login(addressee)
            page = client.get(reverse("liaisons:need-supervision")).content.decode()
            assert rung.need.number in page
            client.logout()
        # The demo's department head and machinery chief each have one to see.
        addressed = {
            (rung.level, (rung.department.head if rung.level == 2 else rung.chain.chief).username)
            for rung in rungs
        }
        assert {(EscalationLevel.URGE, "depthead"), (EscalationLevel.SUPERVISE, "chief")} <= (
            addressed
        )

    def test_second_run_creates_and_changes_nothing(self, world):
        assert not re.search(r"\b0 rows created", world)
        before = row_counts()
        with CaptureQueriesContext(connection) as queries:
            again, _err = run_command()
        assert "0 rows created" in again
        assert row_counts() == before
        writes = [
            q["sql"]
            for q in queries
            if re.match(r"\s*(INSERT|UPDATE|DELETE)", q["sql"], re.I)
            and not IDEMPOTENT_GROUP_SYNC.search(q["sql"])
        ]
        assert writes == []
        assert printed_password(again, "liaison") == DEMO_PASSWORD

    def test_the_last_finished_week_has_its_weekly_report(self, world, client):
        week = reports.last_finished_week()
        report = WeeklyReport.objects.get()
        assert report.week_start == week
        assert report.generated_by is None  # made as the Monday schedule makes it
        assert report.data["week_start"] == week.isoformat()
        # The service told its readers, as it does every Monday.
        told = Notification.objects.filter(kind="weekly_report")
        assert told.filter(recipient__username="qianzhiyuan").exists()
        assert not told.filter(recipient__username="secretary").exists()
        client.force_login(User.objects.get(username="qianzhiyuan"))
        response = client.get(reverse("reports:weekly-detail", args=[week]))
        assert response.status_code == 200

    def test_every_loaded_row_passes_full_clean(self, world):
        checked = 0
        for model in apps.get_models():
            if model._meta.app_label not in PROJECT_APPS or model.__name__.startswith("Historical"):
                continue
            for instance in model._default_manager.all():
                instance.full_clean()
                checked += 1
        assert checked > 500


@pytest.mark.django_db
def test_a_need_submitted_after_the_demo_gets_a_fresh_number(debug):
    """The demo's needs carry numbers the counter never handed out; a real one must not clash."""
    from liaisons.models import Need, NeedCategory, Urgency
    from liaisons.needs.services import need_create

    run_command()
    contact = EnterpriseContact.objects.select_related("user", "enterprise").first()
    need = need_create(
        enterprise=contact.enterprise,
        actor=contact.user,
        category=NeedCategory.SITES,
        urgency=Urgency.RED,
        title="扩建厂房用地指标需求",
        description="二期项目需新增工业用地约20亩。",
        submit=True,
    )
    assert Need.objects.filter(number=need.number).count() == 1


# --- the README's loop with the printed logins --------------------------------------------------

README = Path(__file__).resolve().parents[2] / "README.md"
# A Tuesday morning in a normal working week: the loop's deadlines count from here.
LOOP_MOMENT = datetime(2026, 12, 8, 9, 30, tzinfo=SHANGHAI)


def readme_logins() -> dict[str, tuple[str, str]]:
    """The README's table of demo logins: username → (role, person as written)."""
    text = README.read_text(encoding="utf-8").split("### Demo logins", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| ([^|]+?) \| `([a-z]+)` \| ([^|]+?) \|$", text, flags=re.M)
    return {username: (role, person) for role, username, person in rows}


def signed_in(username: str, password: str) -> Client:
    # Through the login form, as a newcomer does (axes checks every attempt on the way).
    client = Client()
    client.cookies["django_language"] = "en"
    response = client.post(reverse("login"), {"username": username, "password": password})
    assert response.status_code == 302, f"{username} could not sign in"
    return client


def post_action(client: Client, need: Need, action: str, data: dict) -> None:
    response = client.post(reverse(f"liaisons:need-{action}", args=[need.pk]), data)
    assert response.status_code == 302, action
    page = client.get(response["Location"])
    problems = [str(m) for m in page.context["messages"] if m.level_tag == "error"]
    assert not problems, f"{action}: {problems}"


@pytest.mark.django_db
def test_the_readme_names_the_people_the_demo_loads(debug):
    run_command()
    logins = readme_logins()
    assert set(logins) == set(LOGINS)
    for username, (_role, person) in logins.items():
        assert person.split(",")[0] == User.objects.get(username=username).full_name, username
    # The secretary's firm and post, as the data has them (the article: 党总支副书记).
    role, person = logins["secretary"]
    contact = EnterpriseContact.objects.select_related("enterprise").get(user__username="secretary")
    assert contact.enterprise.short_name in role
    with translation.override("zh-hans"):
        assert str(contact.get_title_display()) in person


@pytest.mark.django_db
def test_the_need_loop_flows_with_the_printed_logins(debug):
    """submit → accept → dispatch → sign → reply → rate, each by the login the README names,
    through the pages and with the choices the pages pre-select."""
    with time_machine.travel(LOOP_MOMENT, tick=True):
        out, _err = run_command()
        password = {username: printed_password(out, username) for username in LOGINS}
        secretary = signed_in("secretary", password["secretary"])
        staff = signed_in("staff", password["staff"])
        liaison = signed_in("liaison", password["liaison"])

        response = secretary.post(
            reverse("liaisons:need-create"),
            {
                "category": NeedCategory.FINANCING,
                "urgency": "yellow",
                "title": "设备更新贷款贴息咨询",
                "description": "计划更新两条结构件焊接线，希望了解设备更新贷款贴息政策。",
                "contact_name": "",
                "contact_phone": "",
                "action": "submit",
            },
        )
        assert response.status_code == 302
        need = Need.objects.get(title="设备更新贷款贴息咨询")
        assert need.enterprise.name == "柳工常州机械有限公司"
        assert need.status == NeedStatus.SUBMITTED

        post_action(staff, need, "accept", {"category": need.category, "urgency": need.urgency})
        # The dispatch form suggests the firm's primary liaison: the `liaison` login.
        page = staff.get(reverse("liaisons:need-detail", args=[need.pk]))
        dispatch = next(
            form for spec, form in page.context["action_forms"] if spec.name == "dispatch"
        )
        suggested = Liaison.objects.get(pk=dispatch.fields["liaison"].initial)
        assert suggested.user.username == "liaison"
        post_action(staff, need, "dispatch", {"liaison": suggested.pk, "note": ""})

        queue = liaison.get(reverse("liaisons:need-queue")).content.decode()
        assert need.number in queue
        post_action(liaison, need, "sign", {})
        post_action(
            liaison, need, "reply", {"resolution": "已对接园区合作银行，贴息申报材料清单已发企业。"}
        )
        post_action(
            secretary, need, "rate", {"satisfaction": Satisfaction.SATISFIED, "comment": ""}
        )

    need.refresh_from_db()
    assert need.status == NeedStatus.CLOSED
    assert need.satisfaction == Satisfaction.SATISFIED
    assert [
        (event.action, event.actor.username)
        for event in need.events.select_related("actor").order_by("created_at", "pk")
    ] == [
        (NeedEventAction.SUBMIT, "secretary"),
        (NeedEventAction.ACCEPT, "staff"),
        (NeedEventAction.DISPATCH, "staff"),
        (NeedEventAction.SIGN, "liaison"),
        (NeedEventAction.REPLY, "liaison"),
        (NeedEventAction.RATE, "secretary"),
    ]


@pytest.mark.django_db
def test_a_database_loaded_before_the_liaisons_changed_gets_them_as_they_are(debug):
    """`make run` loads the demo into the database an earlier version filled, where 马骏 was
    柳工常州机械's primary liaison: loading again hands the firm to the `liaison` login."""
    run_command()
    firm = Enterprise.objects.get(name="柳工常州机械有限公司")
    LiaisonAssignment.objects.filter(enterprise=firm, liaison__user__username="liaison").delete()
    LiaisonAssignment.objects.filter(enterprise=firm, liaison__user__username="majun").update(
        is_primary=True
    )
    run_command()
    active = LiaisonAssignment.objects.filter(enterprise=firm, until__isnull=True)
    assert dict(active.values_list("liaison__user__username", "is_primary")) == {
        "liaison": True,
        "majun": False,
    }
