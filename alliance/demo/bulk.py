"""A deterministic bulk-data generator for load tests: park ×1, province ×100.

Everything comes from one `random.Random(seed)` and a fixed base moment (`BASE_MOMENT`, or the one
passed in), never from `now()` or global random state, so the same seed, scale and starting
database give the same rows. Rows are written with `bulk_create` in batches; nothing calls
`save()` per row, so no signals fire and django-simple-history writes no historical rows for the
generated enterprises, needs, action items and events (their history starts with the first real
edit). `auto_now` / `auto_now_add` are switched off while the rows are written, so timestamps are
the generated ones (consistent with each need's timeline), not the time of the run.

Times are drawn on a working-minute axis built once from `alliance.core.workcalendar` (one query for
the whole span): every action happens in working hours, and deadlines are the start plus the
category × urgency limits of `NeedTimeLimit`, which gives exactly what
`workcalendar.add_working_hours` would (the tests check it). The escalation ladder is climbed
as the five-minute sweep would have climbed it (`liaisons.needs.escalations`): each resolve
clock's amber, 催办 and 督办 rungs reached before the clock stopped or the base moment, with their
timeline entries, and the need's level from its last clock (the tests run the sweep at the base
moment and it finds nothing left to claim).
"""

from __future__ import annotations

import json
import random
import time
import uuid
from bisect import bisect_right
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX, make_password
from django.contrib.auth.models import Group
from django.db import connection, models, transaction

from alliance.core import workcalendar
from alliance.core.staff import PARK_STAFF_GROUP
from chains.models import IndustryChain
from enterprises.models import ChainMembership, Enterprise, EnterpriseContact, PartyOrganization
from events.models import Event, EventKind, EventStatus, Invitation, Rsvp
from liaisons.models import (
    LADDER_STATUSES,
    ActionItem,
    ActionItemKind,
    ActionItemMilestone,
    ActionItemParticipant,
    ActionItemProgress,
    ActionItemStatus,
    Department,
    DepartmentResource,
    EscalationLevel,
    Liaison,
    LiaisonAssignment,
    Need,
    NeedCategory,
    NeedCounter,
    NeedEscalation,
    NeedEvent,
    NeedEventAction,
    NeedStatus,
    NeedTimeLimit,
    Satisfaction,
    TaskForceMembership,
    Urgency,
)
from liaisons.needs import deadlines
from liaisons.needs.deadlines import SUPERVISE_AFTER_WORKDAYS, amber_hours_left
from liaisons.needs.escalations import escalation_note
from liaisons.needs.numbering import format_need_number
from liaisons.needs.timelimits import default_limits
from liaisons.needs.timeline import line

User = get_user_model()

# The default base moment: generated data describes the park as it stood then. Pass another one
# (e.g. today truncated to the hour) to make "open" and "overdue" relative to a later day.
BASE_MOMENT = datetime(2026, 11, 20, 17, 30, tzinfo=workcalendar.TIMEZONE)
USERNAME_PREFIX = "bulk-"
BATCH_SIZE = 2000
# An unusable password shared by every generated user: no hashing per user, same bytes each run.
UNUSABLE_PASSWORD = UNUSABLE_PASSWORD_PREFIX + "bulk-generated"

# Volumes at scale 1 (one park), as listed in docs/benchmarks.md §1.
PARK = {
    "chains": 20,
    "departments": 10,
    "enterprises": 2000,
    "liaisons": 100,
    "staff": 10,
    "needs": 30000,
    "events": 1500,
    "invitations_per_event": 20,
    "action_items": 300,
    "resources_per_department": 5,
}
YEARS_OF_HISTORY = 3
MINUTES_PER_DAY = workcalendar.HOURS_PER_DAY * 60
MORNING_MINUTES = 210  # 08:30–12:00

# Status mix (percent). Open needs are recent, finished ones spread over the years.
STATUS_WEIGHTS = {
    NeedStatus.CLOSED: 55,
    NeedStatus.REJECTED: 4,
    NeedStatus.MERGED: 2,
    NeedStatus.DRAFT: 2,
    NeedStatus.SUBMITTED: 3,
    NeedStatus.ACCEPTED: 2,
    NeedStatus.DISPATCHED: 3,
    NeedStatus.IN_PROGRESS: 12,
    NeedStatus.WAITING_ENTERPRISE: 3,
    NeedStatus.LONG_TERM: 3,
    NeedStatus.RETURN_PENDING: 1,
    NeedStatus.REPLIED: 7,
    NeedStatus.REOPENED: 3,
}
# Statuses whose resolve clock runs; 5 % of all needs are among them and past `resolve_due`.
OVERDUE_CANDIDATES = (
    NeedStatus.DISPATCHED,
    NeedStatus.IN_PROGRESS,
    NeedStatus.RETURN_PENDING,
    NeedStatus.REOPENED,
)
OVERDUE_SHARE = 0.05
HOT_FIRM_SHARE = 0.05
HOT_NEED_SHARE = 0.20

CHAIN_NAMES = [
    "新能源汽车",
    "工程机械",
    "智能装备",
    "新材料",
    "生物医药",
    "集成电路",
    "光伏",
    "新型储能",
    "轨道交通",
    "航空航天",
    "医疗器械",
    "机器人",
    "新一代信息技术",
    "节能环保",
    "高端纺织",
    "精细化工",
    "绿色建材",
    "农机装备",
    "数字经济",
    "智能电网",
]
DEPARTMENT_NAMES = [
    "党群工作部",
    "科学技术局",
    "经济发展局",
    "税务局",
    "人社局",
    "自然资源和规划局",
    "生态环境局",
    "市场监督管理局",
    "商务局",
    "财政局",
]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余"
    "杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛阎段雷侯龙"
    "史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂华飞斌波宁琳欣文建国志海峰雪梅晨浩"
    "宇鑫俊辉婷颖凯丹玉兰红"
)
FIRM_WORDS = "恒瑞华宏泰德盛通达远航新源精科创博联信安智云汇金鼎晟嘉益荣丰龙腾天合利兴隆正弘卓越"
FIRM_TRADES = [
    "精密机械",
    "液压科技",
    "汽车零部件",
    "智能装备",
    "新材料",
    "电子科技",
    "生物科技",
    "光电",
    "储能技术",
    "自动化",
    "环保科技",
    "纺织",
    "化工",
    "医疗器械",
    "软件",
    "轨道装备",
]
ROADS = "长江黄河泰山华山通江龙锦"
CITIES = ["常州", "武进", "江苏", "金坛", "溧阳", "新北"]
VENUES = ["园区党群服务中心一楼会议室", "红链驿站", "企业服务中心报告厅", "链主企业党建活动室"]
NEED_TITLES = {
    NeedCategory.FINANCING: ["流动资金贷款需求", "设备更新贴息贷款咨询", "知识产权质押融资"],
    NeedCategory.HIRING: ["一线操作工招聘", "季节性用工缺口", "技术工人批量招聘"],
    NeedCategory.TALENT: ["高层次人才申报", "工程师职称评审咨询", "产业工人技能培训"],
    NeedCategory.PERMITS: ["扩建项目环评审批", "施工许可加快办理", "消防验收协调"],
    NeedCategory.SITES: ["新增厂房用地", "标准厂房租赁", "仓储场地需求"],
    NeedCategory.FUNDS: ["技改补贴申报", "首台套奖励申请", "稳岗返还咨询"],
    NeedCategory.BUSINESS_ENV: ["厂区周边道路改造", "通勤公交线路优化", "用电增容协调"],
    NeedCategory.TECHNOLOGY: ["关键零部件攻关", "联合高校研发", "检测平台共享"],
    NeedCategory.MATCHMAKING: ["寻找本地配套供应商", "链主企业对接", "产品进入整车配套"],
    NeedCategory.SRDI: ["专精特新申报辅导", "小巨人材料准备", "省级专精特新复核"],
    NeedCategory.SMART_WORKSHOP: ["智能车间诊断", "数字化改造评估", "MES系统选型"],
    NeedCategory.CLOUD: ["企业上云补贴", "工业互联网平台接入", "数据安全评估"],
    NeedCategory.IPO: ["股改上市辅导", "上市后备企业培育", "券商对接"],
    NeedCategory.PARTY_BUILDING: ["党组织组建指导", "党建品牌创建", "主题党日活动协助"],
    NeedCategory.OTHER: ["政策咨询", "员工子女入学咨询", "其他综合协调事项"],
}
CATEGORY_DEPARTMENT = {
    NeedCategory.FINANCING: "财政局",
    NeedCategory.HIRING: "人社局",
    NeedCategory.TALENT: "人社局",
    NeedCategory.PERMITS: "生态环境局",
    NeedCategory.SITES: "自然资源和规划局",
    NeedCategory.FUNDS: "经济发展局",
    NeedCategory.BUSINESS_ENV: "经济发展局",
    NeedCategory.TECHNOLOGY: "科学技术局",
    NeedCategory.MATCHMAKING: "商务局",
    NeedCategory.SRDI: "科学技术局",
    NeedCategory.SMART_WORKSHOP: "科学技术局",
    NeedCategory.CLOUD: "科学技术局",
    NeedCategory.IPO: "市场监督管理局",
    NeedCategory.PARTY_BUILDING: "党群工作部",
    NeedCategory.OTHER: "党群工作部",
}
EVENT_TITLES = {
    EventKind.JOINT_MEETING: "联席会议",
    EventKind.SALON: "红链有约沙龙",
    EventKind.SYMPOSIUM: "座谈会",
    EventKind.PARTY_DAY: "主题党日",
    EventKind.MATCHMAKING: "供需对接会",
    EventKind.TRAINING: "专题培训",
    EventKind.VISIT: "走访",
}
URGENCY_WEIGHTS = {Urgency.RED: 10, Urgency.YELLOW: 30, Urgency.GREEN: 60}


def story_random(seed: int) -> random.Random:
    """Reproducible test data, not secrets."""
    return random.Random(seed)  # noqa: S311


def scaled(base: int, scale: float, minimum: int = 1) -> int:
    return max(minimum, round(base * scale))


class Timeline:
    """Working minutes ↔ Beijing datetimes over the generated span (one calendar query)."""

    def __init__(self, first: date, last: date) -> None:
        days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        spans = [
            (
                datetime.combine(day, datetime.min.time(), tzinfo=workcalendar.TIMEZONE),
                datetime.combine(
                    day + timedelta(days=1), datetime.min.time(), tzinfo=workcalendar.TIMEZONE
                ),
            )
            for day in days
        ]
        hours = workcalendar.working_hours_between_many(spans)
        self.workdays = [day for day, h in zip(days, hours, strict=True) if h > 0]
        self._index = {day: i for i, day in enumerate(self.workdays)}
        self.known_years = {
            year
            for year in {day.year for day in days}
            if workcalendar.year_is_known(year)  # one query per year outside the package
        }

    def at(self, minute: int) -> datetime:
        """The moment `minute` working minutes after the first working day's 08:30.

        A whole number of days lands on the day's 17:30, not the next day's 08:30, as
        `workcalendar.add_working_hours` returns it."""
        day, offset = divmod(minute, MINUTES_PER_DAY)
        if offset == 0 and day > 0:
            day, offset = day - 1, MINUTES_PER_DAY
        clock = 8 * 60 + 30 + offset if offset <= MORNING_MINUTES else 13 * 60 + offset - 210
        hour, minute_of_hour = divmod(clock, 60)
        moment = datetime.combine(
            self.workdays[day], datetime.min.time(), tzinfo=workcalendar.TIMEZONE
        )
        return moment + timedelta(hours=hour, minutes=minute_of_hour)

    def minute_of(self, moment: datetime) -> int:
        """The working minute of `moment`; a moment outside working time snaps to the next start."""
        local = moment.astimezone(workcalendar.TIMEZONE)
        index = bisect_right(self.workdays, local.date()) - 1
        if index < 0:
            return 0
        if self.workdays[index] != local.date():
            return (index + 1) * MINUTES_PER_DAY
        clock = local.hour * 60 + local.minute - (8 * 60 + 30)
        if clock <= 0:
            offset = 0
        elif clock <= MORNING_MINUTES:
            offset = clock
        elif clock < 270:  # lunch 12:00–13:00
            offset = MORNING_MINUTES
        else:
            offset = min(MINUTES_PER_DAY, clock - 60)
        return index * MINUTES_PER_DAY + offset

    def is_estimated(self, minute: int) -> bool:
        return self.at(minute).year not in self.known_years


def _of_needs(plans: list[dict], key: str) -> list:
    """The rows under `key` of every plan (timeline entries, escalations), each pointed at its
    plan's need, which now has its id."""
    rows = []
    for plan in plans:
        for row in plan[key]:
            row.need_id = plan["need"].pk
            rows.append(row)
    return rows


@dataclass
class BulkResult:
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    total_seconds: float = 0.0


class BulkDataExists(Exception):
    """The database already holds generated data (users named `bulk-…`)."""


def bulk_data_present() -> bool:
    return User.objects.filter(username__startswith=USERNAME_PREFIX).exists()


@contextmanager
def explicit_timestamps(*model_classes: type[models.Model]):
    """Let bulk_create keep the generated values of auto_now / auto_now_add fields."""
    saved = []
    for model in model_classes:
        for f in model._meta.concrete_fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                saved.append((f, f.auto_now, f.auto_now_add))
                f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


class Generator:
    def __init__(
        self,
        *,
        seed: int,
        scale: float,
        base: datetime,
        password: str | None,
        progress: Callable[[str, int, float], None] | None,
        batch_size: int,
        chunk_size: int = 20000,
    ) -> None:
        self.chunk_size = chunk_size
        self.rng = story_random(seed)
        self.scale = scale
        self.base = base
        self.batch_size = batch_size
        self.progress = progress or (lambda table, count, seconds: None)
        # One hash for everybody when a usable password is wanted (benchmarks log in).
        self.password = make_password(password) if password else UNUSABLE_PASSWORD
        self.result = BulkResult()
        first = date(base.year - YEARS_OF_HISTORY, 1, 1)
        self.timeline = Timeline(first, (base + timedelta(days=400)).date())
        self.base_minute = self.timeline.minute_of(base)
        self.span_minutes = self.base_minute - MINUTES_PER_DAY  # leave a day at the start
        self.limits = {
            (limit.category, limit.urgency): limit for limit in NeedTimeLimit.objects.all()
        }
        # Each running need's next rung, as the workflow's services store it.
        self.ladder_calendar = workcalendar.Calendar(first.year - 1)

    # --- helpers ----------------------------------------------------------------------------

    def _insert(self, table: str, model, rows: list, *, report: bool = True) -> list:
        started = time.monotonic()
        created = []
        for i in range(0, len(rows), self.batch_size):
            created += model.objects.bulk_create(rows[i : i + self.batch_size])
        elapsed = time.monotonic() - started
        self.result.counts[table] = self.result.counts.get(table, 0) + len(rows)
        self.result.seconds[table] = self.result.seconds.get(table, 0.0) + elapsed
        if report:
            self.progress(table, len(rows), elapsed)
        return created

    def _copy(
        self, table: str, model, rows: list, *, report: bool = True, with_ids: bool = False
    ) -> None:
        """COPY … FROM STDIN on PostgreSQL, bulk_create elsewhere. `with_ids` first takes the
        primary keys from the table's sequence (one query) so the rows can be referred to."""
        if connection.vendor != "postgresql":
            self._insert(table, model, rows, report=report)
            return
        started = time.monotonic()
        pk = model._meta.pk
        fields = [f for f in model._meta.concrete_fields if with_ids or not f.primary_key]
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in fields)
        sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
        with connection.cursor() as cursor:
            if with_ids and rows:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) "
                    "FROM generate_series(1, %s) ORDER BY 1",
                    [model._meta.db_table, pk.column, len(rows)],
                )
                for row, (value,) in zip(rows, cursor.fetchall(), strict=True):
                    row.pk = value
                    row._state.adding = False
            # JSON goes in as its text: COPY has no adapter for a dict and would send a Python
            # list as a PostgreSQL array.
            as_json = [isinstance(f, models.JSONField) for f in fields]
            with cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(
                        [
                            json.dumps(value, ensure_ascii=False) if is_json else value
                            for value, is_json in zip(
                                (getattr(row, f.attname) for f in fields), as_json, strict=True
                            )
                        ]
                    )
        elapsed = time.monotonic() - started
        self.result.counts[table] = self.result.counts.get(table, 0) + len(rows)
        self.result.seconds[table] = self.result.seconds.get(table, 0.0) + elapsed
        if report:
            self.progress(table, len(rows), elapsed)

    def _name(self) -> str:
        return self.rng.choice(SURNAMES) + "".join(
            self.rng.choice(GIVEN) for _ in range(self.rng.choice((1, 2, 2)))
        )

    def _phone(self) -> str:
        return f"1{self.rng.choice('3589')}{self.rng.randrange(10**9):09d}"

    def _users(self, role: str, count: int, *, is_staff: bool = False) -> list:
        rows = [
            User(
                username=f"{USERNAME_PREFIX}{role}-{i:06d}",
                full_name=self._name(),
                phone=self._phone(),
                password=self.password,
                is_staff=is_staff,
                date_joined=self.timeline.at(0),
            )
            for i in range(1, count + 1)
        ]
        return self._insert(f"users ({role})", User, rows)

    def _limit(self, category: str, urgency: str) -> dict[str, int]:
        limit = self.limits.get((category, urgency))
        if limit is None:
            return default_limits(category, urgency)
        return {
            "accept_hours": limit.accept_hours,
            "sign_hours": limit.sign_hours,
            "first_contact_hours": limit.first_contact_hours,
            "resolve_hours": limit.resolve_hours,
            "rating_hours": limit.rating_hours,
        }

    # --- the world ----------------------------------------------------------------------------

    def run(self) -> BulkResult:
        started = time.monotonic()
        with (
            explicit_timestamps(
                Enterprise, Need, NeedEvent, NeedEscalation, Event, Invitation, ActionItem
            ),
            explicit_timestamps(ActionItemProgress),
            explicit_timestamps(DepartmentResource),
        ):
            self._people_and_firms()
            self._needs()
            self._events()
            self._action_items()
        self.result.total_seconds = time.monotonic() - started
        return self.result

    def _people_and_firms(self) -> None:
        rng, scale = self.rng, self.scale
        # Staff, with the park_staff group.
        self.staff = self._users("staff", scaled(PARK["staff"], scale, 2), is_staff=True)
        group, _created = Group.objects.get_or_create(name=PARK_STAFF_GROUP)
        self._insert(
            "user groups",
            User.groups.through,
            [User.groups.through(user_id=u.pk, group_id=group.pk) for u in self.staff],
        )

        # Chains: the existing ones first, then new ones up to the target, one chief each.
        chains = list(IndustryChain.objects.order_by("order", "code"))
        # Chains grow with the square root: 20 in a park, 200 in a province.
        target = scaled(PARK["chains"], scale**0.5, 3)
        existing_names = {c.name for c in chains}
        new_chains = []
        i = 0
        while len(chains) + len(new_chains) < target:
            base_name = CHAIN_NAMES[i % len(CHAIN_NAMES)]
            name = base_name if i < len(CHAIN_NAMES) else f"{base_name}·{i // len(CHAIN_NAMES)}区"
            i += 1
            if name in existing_names:
                continue
            new_chains.append(
                IndustryChain(
                    code=f"bulk-{i:04d}",
                    name=name,
                    alliance_name=f"{name}产业链党建联盟",
                    order=100 + i,
                )
            )
        self._insert("chains", IndustryChain, new_chains)
        self.chains = chains + new_chains
        chiefs = self._users("chief", sum(1 for c in self.chains if c.chief_id is None))
        unchaired = [c for c in self.chains if c.chief_id is None]
        for chain, chief in zip(unchaired, chiefs, strict=True):
            chain.chief = chief
        IndustryChain.objects.bulk_update(unchaired, ["chief"], batch_size=self.batch_size)

        # Departments, heads and liaisons.
        departments = list(Department.objects.order_by("order", "name"))
        existing = {d.name for d in departments}
        target = scaled(PARK["departments"], scale**0.5, 3)
        new_departments = []
        i = 0
        while len(departments) + len(new_departments) < target:
            base_name = DEPARTMENT_NAMES[i % len(DEPARTMENT_NAMES)]
            suffix = "" if i < len(DEPARTMENT_NAMES) else f"（{i // len(DEPARTMENT_NAMES)}区）"
            i += 1
            if base_name + suffix in existing:
                continue
            new_departments.append(
                Department(name=base_name + suffix, short_name=base_name[:4], order=100 + i)
            )
        self._insert("departments", Department, new_departments)
        self.departments = departments + new_departments
        heads = self._users("head", len(new_departments))
        for department, head in zip(new_departments, heads, strict=True):
            department.head = head
        Department.objects.bulk_update(new_departments, ["head"], batch_size=self.batch_size)
        self.department_by_name: dict[str, list[Department]] = {}
        for d in self.departments:
            self.department_by_name.setdefault(d.name.split("（")[0], []).append(d)

        liaison_users = self._users("liaison", scaled(PARK["liaisons"], scale, 2))
        self.liaisons = self._insert(
            "liaisons",
            Liaison,
            [
                Liaison(
                    user=user,
                    department=self.departments[i % len(self.departments)],
                    phone=user.phone,
                    expertise="、".join(rng.sample(list(CATEGORY_DEPARTMENT), 2)),
                )
                for i, user in enumerate(liaison_users)
            ],
        )
        self.liaison_by_department: dict[int, list[Liaison]] = {}
        for liaison in self.liaisons:
            self.liaison_by_department.setdefault(liaison.department_id, []).append(liaison)
        self._insert(
            "task force members",
            TaskForceMembership,
            [
                TaskForceMembership(
                    liaison=self.liaisons[(c * 3 + k) % len(self.liaisons)],
                    chain=chain,
                    is_lead=k == 0,
                )
                for c, chain in enumerate(self.chains)
                for k in range(min(3, len(self.liaisons)))
            ],
        )

        # Enterprises: unique names, one primary chain, memberships, a party organization.
        count = scaled(PARK["enterprises"], scale, 10)
        taken = set(Enterprise.objects.values_list("name", flat=True))
        firms = []
        for i in range(count):
            city = rng.choice(CITIES)
            core = "".join(rng.sample(FIRM_WORDS, 2))
            trade = rng.choice(FIRM_TRADES)
            name = f"{city}{core}{trade}有限公司"
            if name in taken:
                name = f"{city}{core}{trade}（{i}）有限公司"
            taken.add(name)
            chain = self.chains[i % len(self.chains)]
            firms.append(
                Enterprise(
                    name=name,
                    short_name=f"{core}{trade[:2]}",
                    address=f"{city}新北区{rng.choice(ROADS)}路{rng.randrange(1, 999)}号",
                    is_above_scale=rng.random() < 0.4,
                    is_high_tech=rng.random() < 0.3,
                    employees=rng.randrange(20, 3000),
                    main_products=trade,
                    primary_chain=chain,
                    created_at=self.timeline.at(0),
                    updated_at=self.timeline.at(0),
                )
            )
        self.firms = self._insert("enterprises", Enterprise, firms)
        memberships = []
        for i, firm in enumerate(self.firms):
            role = ChainMembership.Role.MEMBER
            if i < len(self.chains):
                role = ChainMembership.Role.LEADER
            elif rng.random() < 0.05:
                role = ChainMembership.Role.CORE_SUPPLIER
            memberships.append(
                ChainMembership(chain_id=firm.primary_chain_id, enterprise=firm, role=role)
            )
            if rng.random() < 0.1:
                other = rng.choice(self.chains)
                if other.pk != firm.primary_chain_id:
                    memberships.append(ChainMembership(chain=other, enterprise=firm))
        self._insert("chain memberships", ChainMembership, memberships)

        secretaries = self._users("secretary", len(self.firms))
        self.secretary_of = {
            firm.pk: user for firm, user in zip(self.firms, secretaries, strict=True)
        }
        self._insert(
            "enterprise contacts",
            EnterpriseContact,
            [
                EnterpriseContact(user=user, enterprise=firm)
                for firm, user in zip(self.firms, secretaries, strict=True)
            ],
        )
        self._insert(
            "party organizations",
            PartyOrganization,
            [
                PartyOrganization(
                    enterprise=firm,
                    kind=PartyOrganization.Kind.BRANCH,
                    name=f"{firm.name}党支部",
                    secretary_name=user.full_name,
                    member_count=rng.randrange(3, 80),
                )
                for firm, user in zip(self.firms, secretaries, strict=True)
            ],
        )
        # One active primary liaison per firm; every tenth firm had another one before.
        assignments = []
        start = self.timeline.at(0).date()
        for i, firm in enumerate(self.firms):
            liaison = self.liaisons[i % len(self.liaisons)]
            since = start
            if i % 10 == 0 and len(self.liaisons) > 1:
                earlier = self.liaisons[(i + 1) % len(self.liaisons)]
                since = start + timedelta(days=365)
                assignments.append(
                    LiaisonAssignment(
                        liaison=earlier,
                        enterprise=firm,
                        since=start,
                        until=since - timedelta(days=1),
                    )
                )
            assignments.append(LiaisonAssignment(liaison=liaison, enterprise=firm, since=since))
        self._insert("liaison assignments", LiaisonAssignment, assignments)
        self.liaison_of_firm = {
            firm.pk: self.liaisons[i % len(self.liaisons)] for i, firm in enumerate(self.firms)
        }

        resources = []
        for d in self.departments:
            for k in range(PARK["resources_per_department"]):
                category = rng.choice(list(CATEGORY_DEPARTMENT))
                resources.append(
                    DepartmentResource(
                        department=d,
                        title=f"{d.name}{NeedCategory(category).label}服务包{k + 1}号",
                        category=category,
                        description=f"{d.name}面向链上企业提供的{rng.choice(NEED_TITLES[category])}服务。",
                        contact=self._name(),
                        is_policy_package=rng.random() < 0.3,
                        valid_from=start,
                        valid_until=start + timedelta(days=365 * 4),
                        created_at=self.timeline.at(0),
                        updated_at=self.timeline.at(0),
                    )
                )
        self._insert("department resources", DepartmentResource, resources)

    # --- needs ----------------------------------------------------------------------------------

    def _needs(self) -> None:
        rng = self.rng
        count = scaled(PARK["needs"], self.scale, 50)
        firms = list(self.firms)
        rng.shuffle(firms)
        hot_count = max(1, round(len(firms) * HOT_FIRM_SHARE))
        hot, cold = firms[:hot_count], firms[hot_count:] or firms[:hot_count]
        statuses = list(STATUS_WEIGHTS)
        weights = list(STATUS_WEIGHTS.values())
        urgencies = list(URGENCY_WEIGHTS)
        urgency_weights = list(URGENCY_WEIGHTS.values())
        categories = list(NEED_TITLES)
        overdue_chance = OVERDUE_SHARE * 100 / sum(STATUS_WEIGHTS[s] for s in OVERDUE_CANDIDATES)

        # Pass 1: what each need is and where its story starts. A dry run with the need's own
        # seeded Random measures the story; pass 2 tells the same story from its start.
        outline = []
        for index in range(count):
            firm = rng.choice(hot) if rng.random() < HOT_NEED_SHARE else rng.choice(cold)
            status = rng.choices(statuses, weights)[0]
            category = rng.choice(categories)
            urgency = rng.choices(urgencies, urgency_weights)[0]
            overdue = status in OVERDUE_CANDIDATES and rng.random() < overdue_chance
            story = rng.getrandbits(64)
            dry = self._plan_need(
                story_random(story),
                firm,
                status,
                category,
                urgency,
                overdue,
                submit=0,
                dry=True,
            )
            submit = self._place(status, overdue, dry, self._limit(category, urgency))
            outline.append((submit, index, firm, status, category, urgency, overdue, story))
        # Numbers follow the order of submission within each year.
        outline.sort(key=lambda row: (row[0], row[1]))

        # Pass 2, chunk by chunk, so memory does not grow with the scale.
        counters = dict(NeedCounter.objects.values_list("year", "last"))
        last_of_firm: dict[int, int] = {}
        last_any: int | None = None
        self.need_ids: list[int] = []
        done, started = 0, time.monotonic()
        for offset in range(0, len(outline), self.chunk_size):
            plans = []
            for submit, _index, firm, status, category, urgency, overdue, story in outline[
                offset : offset + self.chunk_size
            ]:
                plan = self._plan_need(
                    story_random(story),
                    firm,
                    status,
                    category,
                    urgency,
                    overdue,
                    submit=submit,
                )
                need = plan["need"]
                year = need.created_at.astimezone(workcalendar.TIMEZONE).year
                counters[year] = counters.get(year, 0) + 1
                need.number = format_need_number(year, counters[year])
                plans.append(plan)
            masters = [p["need"] for p in plans if p["need"].status != NeedStatus.MERGED]
            self._copy("needs", Need, masters, report=False, with_ids=True)
            # Merged into the latest earlier need of the same firm, else the latest earlier one.
            merged = []
            for plan in plans:
                need = plan["need"]
                if need.status == NeedStatus.MERGED:
                    need.merged_into_id = last_of_firm.get(
                        need.enterprise_id, last_any or masters[0].pk
                    )
                    merged.append(need)
                else:
                    last_of_firm[need.enterprise_id] = last_any = need.pk
            self._copy("needs", Need, merged, report=False, with_ids=True)
            events = _of_needs(plans, "events")
            self._copy("need events", NeedEvent, events, report=False)
            rungs = _of_needs(plans, "escalations")
            self._copy("need escalations", NeedEscalation, rungs, report=False)
            self.need_ids += [need.pk for need in masters]
            done += len(plans)
            self.progress(
                f"needs {done:,}/{count:,} and their timeline",
                len(plans) + len(events) + len(rungs),
                time.monotonic() - started,
            )
        # Later real submissions continue after the generated numbers.
        NeedCounter.objects.bulk_create(
            [NeedCounter(year=year, last=last) for year, last in counters.items()],
            update_conflicts=True,
            unique_fields=["year"],
            update_fields=["last"],
        )
        self.result.counts["need counters"] = len(counters)

    def _place(self, status: str, overdue: bool, dry: dict, limit: dict) -> int:
        """Where a need's story starts (working minutes), so that it fits its status at the base
        moment: finished needs over the years, open ones recently, overdue ones far enough back
        that the resolve deadline has passed."""
        rng, base, day = self.rng, self.base_minute, MINUTES_PER_DAY
        latest = base - dry["length"] - 1
        if status in (NeedStatus.CLOSED, NeedStatus.REJECTED, NeedStatus.MERGED):
            return rng.randrange(day, max(day + 1, latest - 30 * day))
        if status in (NeedStatus.DRAFT, NeedStatus.SUBMITTED, NeedStatus.ACCEPTED):
            return max(1, latest - rng.randrange(0, 6 * 60))
        if status == NeedStatus.REPLIED:
            return max(1, latest - rng.randrange(60, 5 * day))
        # The resolve deadline falls at start + clock + resolve.
        due_offset = dry["clock"] + limit["resolve_hours"] * 60
        if overdue:
            return max(1, min(latest, base - due_offset - rng.randrange(60, 20 * day)))
        earliest = base - due_offset + 1
        if earliest >= latest:
            return max(1, latest)
        return rng.randrange(earliest, latest)

    def _plan_need(
        self,
        rng,
        firm,
        status: str,
        category: str,
        urgency: str,
        overdue: bool,
        submit: int,
        *,
        dry: bool = False,
    ) -> dict:
        """One need and its timeline, from `submit` on. A dry run makes the same random draws
        and times on plain namespaces instead of model instances (it only measures the story)."""
        tl = self.timeline
        need_class = SimpleNamespace if dry else Need
        event_class = SimpleNamespace if dry else NeedEvent
        limit = self._limit(category, urgency)
        secretary = self.secretary_of[firm.pk]
        staff = rng.choice(self.staff)
        liaison = self.liaison_of_firm[firm.pk]
        title = rng.choice(NEED_TITLES[category])
        need = need_class(
            reopen_count=0,
            enterprise=firm,
            chain_id=firm.primary_chain_id,
            category=category,
            urgency=urgency,
            title=title,
            description=f"{firm.short_name}：{title}，请园区协调相关部门支持。",
            submitted_by=secretary,
            contact_name=secretary.full_name,
            contact_phone=secretary.phone,
            status=status,
            created_at=tl.at(submit),
        )
        events: list[NeedEvent] = []
        clock = {"now": submit}

        def log(
            action, actor, from_status="", to_status="", note="", *, data=(), public=True, gap=0
        ):
            clock["now"] += gap
            events.append(
                event_class(
                    actor=actor,
                    action=action,
                    from_status=from_status,
                    to_status=to_status,
                    note=note,
                    data=list(data),
                    is_public=public,
                    created_at=tl.at(clock["now"]),
                )
            )
            return clock["now"]

        def within(hours: int, late: bool = False) -> int:
            span = max(1, hours * 60)
            return span + rng.randrange(1, span) if late else rng.randrange(1, span)

        if status == NeedStatus.DRAFT:
            return self._finish(need, events, submit, submit)

        need.submitted_at = tl.at(submit)
        need.accept_due = tl.at(submit + limit["accept_hours"] * 60)
        need.accept_hours = limit["accept_hours"]
        need.deadline_estimated = tl.is_estimated(submit + limit["accept_hours"] * 60)
        log(NeedEventAction.SUBMIT, secretary, "", NeedStatus.SUBMITTED)
        if status == NeedStatus.SUBMITTED:
            return self._finish(need, events, clock["now"], submit)
        if status in (NeedStatus.REJECTED, NeedStatus.MERGED):
            moment = log(
                NeedEventAction.REJECT if status == NeedStatus.REJECTED else NeedEventAction.MERGE,
                staff,
                NeedStatus.SUBMITTED,
                status,
                "不属于园区服务范围，已电话说明。"
                if status == NeedStatus.REJECTED
                else "与同一企业的在办需求合并办理。",
                gap=within(limit["accept_hours"]),
            )
            need.closed_at = None
            need.updated_at = tl.at(moment)
            return self._finish(need, events, clock["now"], submit)
        accepted = log(
            NeedEventAction.ACCEPT,
            staff,
            NeedStatus.SUBMITTED,
            NeedStatus.ACCEPTED,
            gap=within(limit["accept_hours"], late=rng.random() < 0.1),
        )
        need.accepted_at = tl.at(accepted)
        if status == NeedStatus.ACCEPTED:
            return self._finish(need, events, clock["now"], submit)
        department_name = CATEGORY_DEPARTMENT[category]
        dispatched = log(
            NeedEventAction.DISPATCH,
            staff,
            NeedStatus.ACCEPTED,
            NeedStatus.DISPATCHED,
            f"交{department_name}办理。",
            gap=rng.randrange(10, 4 * 60),
        )
        need.liaison = liaison
        need.department_id = liaison.department_id
        need.dispatched_at = tl.at(dispatched)
        self._start_clock(need, dispatched, limit)
        if status == NeedStatus.DISPATCHED:
            return self._finish(need, events, clock["now"], submit)
        actor = liaison.user
        signed = log(
            NeedEventAction.SIGN,
            actor,
            NeedStatus.DISPATCHED,
            NeedStatus.IN_PROGRESS,
            gap=within(limit["sign_hours"], late=rng.random() < 0.1),
        )
        need.signed_at = tl.at(signed)
        contacted = log(
            NeedEventAction.CONTACT,
            actor,
            note="已电话联系企业，了解具体情况。",
            gap=within(limit["first_contact_hours"]),
        )
        need.first_contact_at = tl.at(contacted)
        if rng.random() < 0.3:
            log(
                NeedEventAction.VISIT,
                actor,
                note="上门走访，现场查看。",
                gap=rng.randrange(60, 8 * 60),
            )
        if rng.random() < 0.2:
            log(
                NeedEventAction.COMMENT,
                actor,
                note="已与牵头部门沟通办理路径。",
                public=False,
                gap=rng.randrange(30, 4 * 60),
            )
        if status == NeedStatus.IN_PROGRESS:
            return self._finish(need, events, clock["now"], submit)
        if status == NeedStatus.WAITING_ENTERPRISE:
            paused = log(
                NeedEventAction.REQUEST_INFO,
                actor,
                NeedStatus.IN_PROGRESS,
                NeedStatus.WAITING_ENTERPRISE,
                "请补充近三年财务报表。",
                gap=rng.randrange(30, 4 * 60),
            )
            need.paused_since = tl.at(paused)
            self._stop_clock(need, paused)
            return self._finish(need, events, clock["now"], submit)
        if status == NeedStatus.LONG_TERM:
            moment = log(
                NeedEventAction.LONG_TERM,
                actor,
                NeedStatus.IN_PROGRESS,
                NeedStatus.LONG_TERM,
                "涉及多部门协调，按月答复进展。",
                gap=rng.randrange(30, 4 * 60),
            )
            need.milestone_due = tl.at(moment) + timedelta(days=30)
            self._stop_clock(need, moment)
            return self._finish(need, events, clock["now"], submit)
        if status == NeedStatus.RETURN_PENDING:
            log(
                NeedEventAction.REQUEST_RETURN,
                actor,
                NeedStatus.IN_PROGRESS,
                NeedStatus.RETURN_PENDING,
                "该事项不属于本部门职责，申请退回重新派发。",
                gap=rng.randrange(30, 4 * 60),
            )
            need.status_before_return = NeedStatus.IN_PROGRESS
            return self._finish(need, events, clock["now"], submit)
        reopens = 1 if status == NeedStatus.REOPENED or rng.random() < 0.1 else 0
        for round_ in range(reopens + 1):
            final = round_ == reopens
            late = rng.random() < 0.05
            replied = log(
                NeedEventAction.REPLY,
                actor,
                NeedStatus.IN_PROGRESS,
                NeedStatus.REPLIED,
                "已协调相关部门办理完毕，请企业评价。",
                gap=within(limit["resolve_hours"] // 2 + 1, late=late),
            )
            need.replied_at = tl.at(replied)
            self._stop_clock(need, replied)
            need.resolution = "已协调相关部门办理完毕。"
            need.rating_due = tl.at(replied + limit["rating_hours"] * 60)
            need.rating_hours = limit["rating_hours"]
            if status == NeedStatus.REPLIED and final:
                return self._finish(need, events, clock["now"], submit)
            unhappy = not final or status == NeedStatus.REOPENED
            rating = (
                Satisfaction.UNSATISFIED
                if unhappy
                else rng.choice(
                    [Satisfaction.SATISFIED, Satisfaction.SATISFIED, Satisfaction.BASICALLY]
                )
            )
            rated = log(
                NeedEventAction.RATE,
                secretary,
                NeedStatus.REPLIED,
                NeedStatus.REOPENED if unhappy else NeedStatus.CLOSED,
                "问题尚未解决。" if unhappy else "",
                data=[line("satisfaction", value=rating)],
                gap=within(limit["rating_hours"]),
            )
            need.rated_at = tl.at(rated)
            if not final or status == NeedStatus.REOPENED:
                need.satisfaction = Satisfaction.UNSATISFIED
                need.satisfaction_comment = "问题尚未解决。"
                need.reopen_count += 1
                self._start_clock(need, rated, limit, first_contact=False)
                need.signed_at = need.rating_due = None
                if status == NeedStatus.REOPENED and final:
                    return self._finish(need, events, clock["now"], submit)
                signed = log(
                    NeedEventAction.SIGN,
                    actor,
                    NeedStatus.REOPENED,
                    NeedStatus.IN_PROGRESS,
                    gap=within(limit["sign_hours"]),
                )
                need.signed_at = tl.at(signed)
            else:
                need.satisfaction = (
                    Satisfaction.BASICALLY
                    if rating == Satisfaction.BASICALLY
                    else Satisfaction.SATISFIED
                )
                need.satisfaction_comment = ""
                need.closed_at = tl.at(rated)
                if rng.random() < 0.2:
                    log(
                        NeedEventAction.RETURN_VISIT,
                        rng.choice(self.staff),
                        note="回访企业，对办理结果表示认可。",
                        public=False,
                        gap=rng.randrange(60, 3 * MINUTES_PER_DAY),
                    )
        return self._finish(need, events, clock["now"], submit)

    def _start_clock(self, need: Need, start: int, limit: dict, *, first_contact=True) -> None:
        tl = self.timeline
        need._bulk_clock = start
        # (start, resolve deadline, stop) in working minutes; stop is None while it runs.
        need._bulk_clocks = [
            *getattr(need, "_bulk_clocks", []),
            [start, start + limit["resolve_hours"] * 60, None],
        ]
        # What the workflow keeps to count the deadlines again (deadlines.DEADLINE_BASIS).
        need.clock_started_at = tl.at(start)
        need.sign_due = tl.at(start + limit["sign_hours"] * 60)
        need.sign_hours = limit["sign_hours"]
        need.resolve_due = tl.at(start + limit["resolve_hours"] * 60)
        need.resolve_hours = limit["resolve_hours"]
        if first_contact:
            need.first_contact_due = tl.at(start + limit["first_contact_hours"] * 60)
            need.first_contact_hours = limit["first_contact_hours"]
        need.deadline_estimated = tl.is_estimated(start + limit["resolve_hours"] * 60)

    def _stop_clock(self, need: Need, minute: int) -> None:
        """The resolve clock stops (a reply, a pause for the firm, long-term follow-up)."""
        need._bulk_clocks[-1][2] = minute

    def _finish(self, need: Need, events: list, last: int, submit: int) -> dict:
        rungs = []
        if isinstance(need, Need):  # not in a dry run
            rungs = self._ladder(need, events)
        need.updated_at = events[-1].created_at if events else need.created_at
        return {
            "need": need,
            "events": events,
            "escalations": rungs,
            "length": last - submit,
            "clock": getattr(need, "_bulk_clock", submit) - submit,
        }

    def _ladder(self, need: Need, events: list) -> list[NeedEscalation]:
        """The rungs the sweep would have claimed on each of the need's resolve clocks, while
        the clock ran (until it stopped, or the base moment), with their timeline entries
        (merged into `events` in time order). The need's level is its last clock's: a new
        deadline starts the ladder again. See `liaisons.needs.escalations`."""
        tl, day = self.timeline, MINUTES_PER_DAY
        limit = SimpleNamespace(
            resolve_hours=self._limit(need.category, need.urgency)["resolve_hours"]
        )
        amber_minutes = round(amber_hours_left(limit=limit, extension_workdays=0) * 60)
        rungs: list[NeedEscalation] = []
        level = EscalationLevel.NONE
        clocks = getattr(need, "_bulk_clocks", [])
        if clocks and clocks[-1][2] is None and need.status not in LADDER_STATUSES:
            raise ValueError(f"a running clock outside the ladder's statuses: {need.status}")
        for start, due, stop in clocks:
            until = self.base_minute if stop is None else min(stop, self.base_minute)
            amber = max(start, due - amber_minutes)
            # Urge: 08:30 of the first working day after the deadline's date. Its working
            # minute is also the previous evening's 17:30, which is not yet morning.
            urge = ((due - 1) // day + 1) * day
            supervise = due + SUPERVISE_AFTER_WORKDAYS * day
            ladder = (
                (EscalationLevel.AMBER, amber, amber <= until),
                (EscalationLevel.URGE, urge, urge < until),
                (EscalationLevel.SUPERVISE, supervise, supervise <= until),
            )
            level, due_at = EscalationLevel.NONE, None
            for rung, minute, reached in ladder:
                if not reached:
                    break
                level, due_at = rung, due_at or tl.at(due)
                if rung == EscalationLevel.URGE:  # the morning, not the evening before
                    at = tl.at(minute + 1) - timedelta(minutes=1)
                else:
                    at = tl.at(minute)
                rungs.append(
                    NeedEscalation(
                        level=rung,
                        due_at=due_at,
                        created_at=at,
                        chain_id=need.chain_id,
                        department_id=need.department_id,
                    )
                )
                events.append(
                    NeedEvent(
                        actor=None,
                        action=NeedEventAction.ESCALATE,
                        data=[escalation_note(rung, due_at)],
                        is_public=False,
                        created_at=at,
                    )
                )
        need.escalation_level = level
        need.next_escalation_at = deadlines.next_escalation_at(
            need, limits=self.limits, calendar=self.ladder_calendar
        )
        events.sort(key=lambda event: event.created_at)
        return rungs

    # --- meetings -----------------------------------------------------------------------------

    def _events(self) -> None:
        rng, tl = self.rng, self.timeline
        count = scaled(PARK["events"], self.scale, 3)
        per_event = PARK["invitations_per_event"]
        firms_by_chain: dict[int, list] = {}
        for firm in self.firms:
            firms_by_chain.setdefault(firm.primary_chain_id, []).append(firm)
        kinds = list(EventKind.values)
        rows, chain_links, guests = [], [], []
        future = 40 * MINUTES_PER_DAY
        for i in range(count):
            start = rng.randrange(MINUTES_PER_DAY, self.base_minute + future)
            start -= start % 30  # meetings start on the half hour
            starts_at = tl.at(start)
            if start > self.base_minute:
                status, reason, minutes = EventStatus.PLANNED, "", ""
            elif rng.random() < 0.05:
                status, reason, minutes = EventStatus.CANCELLED, "链主企业临时调整行程。", ""
            else:
                status, reason, minutes = (
                    EventStatus.HELD,
                    "",
                    "与会企业交流了配套需求，形成对接意向。",
                )
            chain = self.chains[i % len(self.chains)]
            kind = rng.choice(kinds)
            rows.append(
                Event(
                    kind=kind,
                    title=f"{chain.name}{EVENT_TITLES[kind]}（第{i + 1}期）",
                    organizer=rng.choice(self.staff),
                    venue=rng.choice(VENUES),
                    starts_at=starts_at,
                    ends_at=starts_at + timedelta(hours=2),
                    status=status,
                    cancel_reason=reason,
                    minutes=minutes,
                    uid=uuid.UUID(int=rng.getrandbits(128), version=4),
                    created_at=starts_at - timedelta(days=14),
                    updated_at=starts_at - timedelta(days=14),
                )
            )
            pool = [self.secretary_of[f.pk] for f in firms_by_chain.get(chain.pk, [])]
            pool += [m.user for m in self.liaisons[:10]]
            unique = list(dict.fromkeys(pool))
            if len(unique) < per_event:
                # A small chain: fill the list with secretaries of other chains' firms.
                seen = set(unique)
                for firm in rng.sample(self.firms, min(per_event * 2, len(self.firms))):
                    user = self.secretary_of[firm.pk]
                    if user not in seen and len(unique) < per_event:
                        seen.add(user)
                        unique.append(user)
            guests.append((chain, rng.sample(unique, min(per_event, len(unique)))))
        events = self._insert("events", Event, rows)
        invitations = []
        for event, (chain, users) in zip(events, guests, strict=True):
            chain_links.append(Event.chains.through(event_id=event.pk, industrychain_id=chain.pk))
            invited_at = event.starts_at - timedelta(days=10)
            for user in users:
                roll = rng.random()
                rsvp = (
                    Rsvp.ACCEPTED if roll < 0.7 else Rsvp.DECLINED if roll < 0.85 else Rsvp.PENDING
                )
                checked = (
                    event.status == EventStatus.HELD
                    and rsvp == Rsvp.ACCEPTED
                    and rng.random() < 0.9
                )
                invitations.append(
                    Invitation(
                        event=event,
                        user=user,
                        rsvp=rsvp,
                        responded_at=None
                        if rsvp == Rsvp.PENDING
                        else invited_at + timedelta(hours=rng.randrange(1, 100)),
                        checked_in_at=event.starts_at - timedelta(minutes=rng.randrange(0, 20))
                        if checked
                        else None,
                        created_at=invited_at,
                    )
                )
        self._insert("event chains", Event.chains.through, chain_links)
        self._copy("invitations", Invitation, invitations)

    # --- action items ---------------------------------------------------------------------------

    def _action_items(self) -> None:
        rng, tl = self.rng, self.timeline
        count = scaled(PARK["action_items"], self.scale, 3)
        kinds = list(ActionItemKind.values)
        rows, plans = [], []
        for i in range(count):
            created = rng.randrange(MINUTES_PER_DAY, self.base_minute - MINUTES_PER_DAY)
            created_at = tl.at(created)
            status = rng.choices(list(ActionItemStatus.values), [20, 40, 35, 5])[0]
            kind = rng.choice(kinds)
            chain = self.chains[i % len(self.chains)]
            origin = rng.choice(self.need_ids) if rng.random() < 0.3 else None
            rows.append(
                ActionItem(
                    kind=kind,
                    title=f"{chain.name}{ActionItemKind(kind).label}项目{i + 1}",
                    description="由联席会议确定，链主企业牵头推进。",
                    owner=rng.choice(self.staff),
                    origin_need_id=origin,
                    status=status,
                    due_date=(created_at + timedelta(days=rng.randrange(30, 240))).date(),
                    outcome="已完成签约。" if status == ActionItemStatus.DONE else "",
                    outcome_amount=Decimal(rng.randrange(10, 5000)) / 100
                    if status == ActionItemStatus.DONE
                    else None,
                    created_at=created_at,
                    updated_at=created_at,
                )
            )
            plans.append((chain, created_at))
        items = self._insert("action items", ActionItem, rows)
        chain_links, participants, milestones, progress = [], [], [], []
        firms_by_chain: dict[int, list] = {}
        for firm in self.firms:
            firms_by_chain.setdefault(firm.primary_chain_id, []).append(firm)
        for item, (chain, created_at) in zip(items, plans, strict=True):
            chain_links.append(
                ActionItem.chains.through(actionitem_id=item.pk, industrychain_id=chain.pk)
            )
            pool = firms_by_chain.get(chain.pk) or self.firms
            for k, firm in enumerate(rng.sample(pool, min(3, len(pool)))):
                participants.append(
                    ActionItemParticipant(
                        action_item=item,
                        enterprise=firm,
                        role=ActionItemParticipant.Role.LEAD
                        if k == 0
                        else ActionItemParticipant.Role.PARTNER,
                    )
                )
            for k in range(2):
                due_on = created_at.date() + timedelta(days=30 * (k + 1))
                done = item.status == ActionItemStatus.DONE or (
                    item.status == ActionItemStatus.IN_PROGRESS and k == 0
                )
                milestones.append(
                    ActionItemMilestone(
                        action_item=item,
                        due_on=due_on,
                        text=["完成需求对接", "签订合作协议"][k],
                        done_at=created_at + timedelta(days=25 * (k + 1)) if done else None,
                    )
                )
            if item.status in (ActionItemStatus.IN_PROGRESS, ActionItemStatus.DONE):
                progress.append(
                    ActionItemProgress(
                        action_item=item,
                        author=item.owner,
                        note="双方已完成首轮技术交流。",
                        percent=50 if item.status == ActionItemStatus.IN_PROGRESS else 100,
                        created_at=created_at + timedelta(days=20),
                    )
                )
        self._insert("action item chains", ActionItem.chains.through, chain_links)
        self._insert("action item participants", ActionItemParticipant, participants)
        self._insert("action item milestones", ActionItemMilestone, milestones)
        self._insert("action item progress", ActionItemProgress, progress)


def generate_bulk(
    *,
    seed: int = 42,
    scale: float = 1.0,
    base: datetime | None = None,
    password: str | None = None,
    progress: Callable[[str, int, float], None] | None = None,
    batch_size: int = BATCH_SIZE,
    chunk_size: int = 20000,
) -> BulkResult:
    """Fill the database with generated data; refuses when generated data is already there."""
    if scale <= 0:
        raise ValueError("The scale must be positive.")
    if bulk_data_present():
        raise BulkDataExists
    with transaction.atomic():
        return Generator(
            seed=seed,
            scale=scale,
            base=base or BASE_MOMENT,
            password=password,
            progress=progress,
            batch_size=batch_size,
            chunk_size=chunk_size,
        ).run()


def rows_of(result: BulkResult) -> Iterable[tuple[str, int, float]]:
    for table, count in result.counts.items():
        yield table, count, result.seconds.get(table, 0.0)
