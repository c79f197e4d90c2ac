"""The demo world of the seed article (武进国家高新区: 党建聚"链" 发展聚能) and its loader.

Every name and figure the article gives is here: the three chains and their alliances,
施文杰 as chief of the construction-machinery chain, 柳工常州机械 with 恒立液压 and 今创集团 as
suppliers, 理想汽车常州基地, 节卡机器人, 龙城精锻, the party brands 先锋恒立 / 三恒三立, 宋飞洋
and the 红链专员 resource pool, the NEV first-half figures, the 14 signed projects, the
mid-August salon, the 利链惠链政策包 and the 智能车间诊断 / 企业上云 / 股改上市 services.
Everything else (further firms, people, phone numbers, credit codes, needs, meetings) is invented
so that every screen has something to show.

The loader is idempotent: each row is looked up by a natural key and created only when missing,
so a second run creates nothing and changes nothing (existing rows, possibly edited by staff since,
are left alone). Rows that only make sense together with their parent (a need's timeline, an
action item's progress reports, the minutes of a generated meeting) are written only when the
parent is created.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from django.contrib.auth.hashers import check_password
from django.contrib.auth.password_validation import validate_password
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliance.core.models import User
from alliance.core.permissions import sync_park_staff_group
from alliance.reports import figures as reports
from alliance.reports.models import WeeklyReport
from chains.models import ChainIndicator, IndustryChain, PeriodKind
from enterprises.models import (
    ChainMembership,
    Enterprise,
    EnterpriseContact,
    PartyOrganization,
    SignedProject,
    SrdiLevel,
    SupplyLink,
)
from enterprises.validators import check_character
from events.days_off import working_starts
from events.models import Decision, Event, EventKind, EventSeries, EventStatus, Invitation, Rsvp
from liaisons.models import (
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
    NeedEscalation,
    NeedEvent,
    NeedEventAction,
    NeedStatus,
    Satisfaction,
    TaskForceMembership,
    Urgency,
)
from liaisons.needs import deadlines
from liaisons.needs.timeline import line

SHANGHAI = ZoneInfo("Asia/Shanghai")

# One shared password for the demo logins (12+ characters; checked against the validators). It is
# published on purpose (README, the command's output), which is why the command refuses to run
# without DEBUG unless forced.
DEMO_PASSWORD = "Honglian-Demo-2026"  # noqa: S105
DEMO_EMAIL_DOMAIN = "hongchain.example"  # RFC 2606 reserved: demo mail can never reach anyone

# ---------------------------------------------------------------------------------------------
# People
# ---------------------------------------------------------------------------------------------

# username → (full name, mobile). The numbers are invented.
PEOPLE: dict[str, tuple[str, str]] = {
    # Park officials
    "staff": ("陈杰", "13905190001"),  # 党群工作部部长 (article)
    "chief": ("施文杰", "13905190002"),  # 经济发展局局长助理, 工程机械产业链链长 (article)
    "qianzhiyuan": ("钱志远", "13905190003"),
    "jianglihua": ("蒋丽华", "13905190004"),
    # Department heads
    "depthead": ("王立新", "13905190011"),
    "zhoujianhua": ("周建华", "13905190012"),
    "kongwenbin": ("孔文彬", "13905190013"),
    "zhaomin": ("赵敏", "13905190014"),
    "xuhao": ("徐浩", "13905190015"),
    "shenli": ("沈丽", "13905190016"),
    # Red chain liaisons (红链专员)
    "liaison": ("宋飞洋", "13905190021"),  # 85后 (article)
    "guchen": ("顾晨", "13905190022"),
    "liusiyuan": ("刘思远", "13905190023"),
    "xuwenjing": ("许文静", "13905190024"),
    "zhangchi": ("张弛", "13905190025"),
    "majun": ("马骏", "13905190026"),
    "yangfan": ("杨帆", "13905190027"),
    "zhuxiaoyan": ("朱晓燕", "13905190028"),
    "wuhao": ("吴昊", "13905190029"),
    "sunli": ("孙立", "13905190030"),
    "lumin": ("陆敏", "13905190031"),
    # Enterprise party secretaries and contacts
    "secretary": ("唐鹏莉", "13905190041"),  # 柳工常州机械党总支副书记, 14 years a member (article)
    "qiuzhigang": ("邱志刚", "13905190042"),
    "yujianping": ("俞建平", "13905190043"),
    "hanxue": ("韩雪", "13905190044"),
    "jiangguoping": ("蒋国平", "13905190045"),
    "fengxiaofeng": ("冯晓峰", "13905190046"),
    "wuhaiyan": ("吴海燕", "13905190047"),
    "panjianjun": ("潘建军", "13905190048"),
    "dinglei": ("丁磊", "13905190049"),
    "hejing": ("何静", "13905190050"),
    "chengli": ("程丽", "13905190051"),
    "shaoming": ("邵明", "13905190052"),
    "tangjianhua": ("汤建华", "13905190053"),
    "caoying": ("曹颖", "13905190054"),
    "yaoyonggang": ("姚永刚", "13905190055"),
    "yanjia": ("严佳", "13905190056"),
    "zhongxiaotong": ("钟晓彤", "13905190057"),
}


@dataclass(frozen=True)
class DemoLogin:
    role: str
    username: str
    password: str
    name: str


# One login per role, and every chain's chief, so that each chain's dashboard and
# supervision can be tried. Everybody else in PEOPLE gets an unusable password.
LOGIN_ROLES: list[tuple[str, object]] = [
    ("staff", _("Park party-work staff")),
    ("chief", _("Chain chief")),
    ("qianzhiyuan", _("Chain chief")),  # 新能源汽车
    ("jianglihua", _("Chain chief")),  # 机器人
    ("depthead", _("Department head")),
    ("liaison", _("Red chain liaison")),
    # 唐鹏莉 is her party organization's deputy secretary: the role is the firm's party contact.
    ("secretary", _("Enterprise party secretary / contact")),
]

# ---------------------------------------------------------------------------------------------
# Chains, figures and signed projects
# ---------------------------------------------------------------------------------------------

# The article shows the plaque ceremony (授牌) without a date; the day is invented.
PLAQUE_DATE = date(2026, 3, 26)

CHAINS = [
    {
        "code": "nev",
        "name": "新能源汽车",
        "alliance_name": "新能源汽车产业链党建联盟",
        "chief": "qianzhiyuan",
        "order": 1,
        "description": (
            "以理想汽车常州基地为链主，集聚动力电池、电驱动、热管理、汽车电子、线束和充电设施等"
            "配套企业，是园区打造的示范产业链。链长：钱志远（经济发展局副局长）。"
        ),
    },
    {
        "code": "robotics",
        "name": "机器人",
        "alliance_name": "机器人产业链党建联盟",
        "chief": "jianglihua",
        "order": 2,
        "description": (
            "以节卡机器人为链主，覆盖协作机器人、精密减速器、伺服电机、运动控制、机器视觉和移动"
            "机器人等环节。链长：蒋丽华（科学技术局副局长）。"
        ),
    },
    {
        "code": "machinery",
        "name": "工程机械",
        "alliance_name": "工程机械产业链党建联盟",
        "chief": "chief",
        "order": 3,
        "description": (
            "以柳工常州机械有限公司为链主，恒立液压、今创集团等企业就近配套，园区企业在“双向奔赴”"
            "中降本增效。链长：施文杰（经济发展局局长助理）。"
        ),
    },
]

# (chain, year, kind, index, output value 亿元, YoY growth %, new projects, notes).
# NEV H1 2026 is the article's figure; the rest is invented but consistent: each 2025 year is the
# sum of its halves, and each H1 2026 growth rate matches H1 2025.
INDICATORS = [
    # 2024 halves (invented), so that the dashboards' output charts have a line: each is the 2025
    # half divided by that half's growth rate.
    ("nev", 2024, PeriodKind.HALF, 1, "140.81", "21.50", None, ""),
    ("nev", 2024, PeriodKind.HALF, 2, "176.24", "26.80", None, ""),
    ("robotics", 2024, PeriodKind.HALF, 1, "67.17", "12.40", None, ""),
    ("robotics", 2024, PeriodKind.HALF, 2, "75.80", "15.10", None, ""),
    ("machinery", 2024, PeriodKind.HALF, 1, "238.16", "-3.20", None, ""),
    ("machinery", 2024, PeriodKind.HALF, 2, "211.33", "2.10", None, ""),
    ("nev", 2025, PeriodKind.HALF, 1, "195.16", "38.60", None, ""),
    ("nev", 2025, PeriodKind.HALF, 2, "268.42", "52.30", None, ""),
    ("nev", 2025, PeriodKind.YEAR, 1, "463.58", "45.90", None, ""),
    (
        "nev",
        2026,
        PeriodKind.HALF,
        1,
        "464.10",
        "137.80",
        14,
        "新签项目14个，其中超100亿元项目1个、30亿元项目1个、10亿元项目4个；"
        "三大产业链项目占比达100%。来源：《武进国家高新区：党建聚“链” 发展聚能》。",
    ),
    ("robotics", 2025, PeriodKind.HALF, 1, "79.40", "18.20", None, ""),
    ("robotics", 2025, PeriodKind.HALF, 2, "92.10", "21.50", None, ""),
    ("robotics", 2025, PeriodKind.YEAR, 1, "171.50", "19.90", None, ""),
    ("robotics", 2026, PeriodKind.HALF, 1, "98.70", "24.31", None, ""),
    ("machinery", 2025, PeriodKind.HALF, 1, "254.35", "6.80", None, ""),
    ("machinery", 2025, PeriodKind.HALF, 2, "231.20", "9.40", None, ""),
    ("machinery", 2025, PeriodKind.YEAR, 1, "485.55", "8.00", None, ""),
    ("machinery", 2026, PeriodKind.HALF, 1, "286.40", "12.60", None, ""),
]

# The 14 NEV projects signed in H1 2026: 1 of ≥100亿, 1 of ≥30亿, 4 of ≥10亿, 8 below (亿元).
SIGNED_PROJECTS = [
    ("理想汽车常州基地新一代纯电车型扩能项目", "理想汽车常州基地", "120.00", date(2026, 3, 18)),
    ("动力电池系统二期项目", "常州淹城动力电池系统有限公司", "35.00", date(2026, 2, 26)),
    ("电驱动总成智能工厂项目", "常州滆湖电驱动科技有限公司", "18.50", date(2026, 4, 9)),
    ("汽车热管理系统生产基地项目", "常州春秋热管理系统有限公司", "12.00", date(2026, 5, 14)),
    ("智能座舱及域控制器研发制造项目", None, "15.00", date(2026, 1, 22)),
    ("一体化压铸车身结构件项目", None, "22.00", date(2026, 6, 11)),
    ("新能源汽车精锻齿轮扩产项目", "常州龙城精锻有限公司", "6.50", date(2026, 3, 5)),
    ("高压线束及连接器项目", "常州牛塘汽车线束有限公司", "3.20", date(2026, 4, 23)),
    ("超充站及储能系统项目", "常州湖塘充电科技有限公司", "2.80", date(2026, 5, 28)),
    ("车规级功率模块封装项目", None, "8.60", date(2026, 2, 12)),
    ("汽车轻量化铝合金部件项目", None, "5.50", date(2026, 3, 26)),
    ("智能底盘线控制动系统项目", None, "9.20", date(2026, 6, 18)),
    ("汽车电子传感器项目", "常州西太湖汽车电子有限公司", "4.30", date(2026, 1, 15)),
    ("动力电池回收利用项目", None, "3.60", date(2026, 6, 25)),
]

# ---------------------------------------------------------------------------------------------
# Enterprises
# ---------------------------------------------------------------------------------------------

LEADER = ChainMembership.Role.LEADER
CORE = ChainMembership.Role.CORE_SUPPLIER
MEMBER = ChainMembership.Role.MEMBER
PARK_ADDRESS = "江苏省常州市武进国家高新区"


@dataclass(frozen=True)
class FirmSpec:
    name: str
    short_name: str
    chains: tuple[tuple[str, str], ...]  # (chain code, membership role); the first is primary
    products: str
    employees: int
    above_scale: bool = True
    high_tech: bool = True
    srdi: str = SrdiLevel.NONE
    stock_code: str = ""
    parent: str = ""
    street: str = ""


FIRMS = [
    # 工程机械
    FirmSpec(
        name="柳工常州机械有限公司",
        short_name="柳工常州",
        chains=(("machinery", LEADER),),
        products="挖掘机、滑移装载机、挖掘机装载机及工程机械配件的研发、制造和销售",
        employees=1200,
        # The parent, not the firm itself, is listed: the first listed company of China's
        # construction-machinery industry.
        parent="广西柳工机械股份有限公司（深交所上市，股票代码000528）",
    ),
    FirmSpec(
        name="江苏恒立液压股份有限公司",
        short_name="恒立液压",
        chains=(("machinery", CORE),),
        products="高压油缸、液压柱塞泵、液压控制阀、液压系统和高精密液压铸件",
        employees=5600,
        stock_code="601100",
    ),
    FirmSpec(
        name="今创集团股份有限公司",
        short_name="今创集团",
        chains=(("machinery", CORE),),
        products="轨道交通车辆内装、设备及配套产品，工程机械驾驶室配套件",
        employees=4800,
        stock_code="603680",
    ),
    FirmSpec(
        name="常州龙城精锻有限公司",
        short_name="龙城精锻",
        chains=(("nev", CORE), ("machinery", MEMBER)),
        products="汽车及工程机械精密锻件：电驱齿轮、差速器锥齿轮、变速箱齿轮",
        employees=680,
        srdi=SrdiLevel.PROVINCE,
        street="龙门路",
    ),
    FirmSpec(
        name="常州鸣凰履带底盘有限公司",
        short_name="鸣凰底盘",
        chains=(("machinery", CORE),),
        products="挖掘机履带、支重轮及底盘总成",
        employees=420,
        street="凤林南路",
    ),
    FirmSpec(
        name="常州武南精密铸造有限公司",
        short_name="武南铸造",
        chains=(("machinery", MEMBER),),
        products="工程机械配重、结构铸件及液压阀体铸件",
        employees=360,
        high_tech=False,
        street="武南路",
    ),
    FirmSpec(
        name="常州凤林工程机械电控有限公司",
        short_name="凤林电控",
        chains=(("machinery", MEMBER),),
        products="工程机械整机电控系统、控制器和显示屏",
        employees=210,
        srdi=SrdiLevel.CITY,
        street="凤林南路",
    ),
    FirmSpec(
        name="常州阳湖液压密封件有限公司",
        short_name="阳湖密封",
        chains=(("machinery", MEMBER),),
        products="液压油缸密封件、防尘圈",
        employees=65,
        above_scale=False,
        street="淹城路",
    ),
    FirmSpec(
        name="常州夏墅焊接自动化有限公司",
        short_name="夏墅焊接",
        chains=(("robotics", MEMBER), ("machinery", MEMBER)),
        products="焊接机器人工作站、结构件自动化焊接产线",
        employees=240,
        srdi=SrdiLevel.CITY,
        street="南夏墅街道",
    ),
    # 新能源汽车
    FirmSpec(
        name="理想汽车常州基地",
        short_name="理想汽车",
        chains=(("nev", LEADER),),
        products="智能电动汽车整车制造：冲压、焊装、涂装、总装",
        employees=9000,
        parent="理想汽车（纳斯达克：LI；港交所：2015）",
    ),
    FirmSpec(
        name="常州淹城动力电池系统有限公司",
        short_name="淹城电池",
        chains=(("nev", CORE),),
        products="动力电池包、电池管理系统",
        employees=1500,
        srdi=SrdiLevel.PROVINCE,
        street="淹城路",
    ),
    FirmSpec(
        name="常州滆湖电驱动科技有限公司",
        short_name="滆湖电驱",
        chains=(("nev", CORE),),
        products="电驱动总成、驱动电机、电机控制器",
        employees=830,
        srdi=SrdiLevel.CITY,
        street="滆湖路",
    ),
    FirmSpec(
        name="常州春秋热管理系统有限公司",
        short_name="春秋热管理",
        chains=(("nev", MEMBER),),
        products="新能源汽车热泵空调、电池热管理模块",
        employees=520,
        street="龙门路",
    ),
    FirmSpec(
        name="常州西太湖汽车电子有限公司",
        short_name="西太湖电子",
        chains=(("nev", MEMBER),),
        products="域控制器、汽车传感器",
        employees=85,
        above_scale=False,
        srdi=SrdiLevel.CITY,
        street="海湖路",
    ),
    FirmSpec(
        name="常州牛塘汽车线束有限公司",
        short_name="牛塘线束",
        chains=(("nev", MEMBER),),
        products="高压线束、低压线束及连接器",
        employees=140,
        above_scale=False,
        high_tech=False,
        street="牛塘路",
    ),
    FirmSpec(
        name="常州湖塘充电科技有限公司",
        short_name="湖塘充电",
        chains=(("nev", MEMBER),),
        products="直流快充桩、超充站及储能系统",
        employees=60,
        above_scale=False,
        street="湖塘路",
    ),
    # 机器人
    FirmSpec(
        name="节卡机器人（常州）有限公司",
        short_name="节卡机器人",
        chains=(("robotics", LEADER),),
        products="协作机器人及智能制造解决方案",
        employees=650,
        parent="节卡机器人股份有限公司",
        street="常武南路",
    ),
    FirmSpec(
        name="常州湟里精密减速机有限公司",
        short_name="湟里减速机",
        chains=(("robotics", CORE),),
        products="谐波减速器、RV减速器",
        employees=310,
        srdi=SrdiLevel.PROVINCE,
        street="湟里路",
    ),
    FirmSpec(
        name="常州嘉泽伺服电机有限公司",
        short_name="嘉泽伺服",
        chains=(("robotics", CORE),),
        products="伺服电机、伺服驱动器",
        employees=280,
        srdi=SrdiLevel.CITY,
        street="嘉泽路",
    ),
    FirmSpec(
        name="常州太湖湾智能物流机器人有限公司",
        short_name="太湖湾机器人",
        chains=(("robotics", MEMBER), ("nev", MEMBER)),
        products="AGV/AMR 移动机器人、智能仓储物流系统",
        employees=190,
        srdi=SrdiLevel.CITY,
        street="太湖湾路",
    ),
    FirmSpec(
        name="常州前黄机器视觉科技有限公司",
        short_name="前黄视觉",
        chains=(("robotics", MEMBER),),
        products="工业相机、视觉引导和缺陷检测系统",
        employees=55,
        above_scale=False,
        street="前黄路",
    ),
    FirmSpec(
        name="常州礼嘉运动控制技术有限公司",
        short_name="礼嘉运控",
        chains=(("robotics", MEMBER),),
        products="机器人控制器、运动控制卡",
        employees=48,
        above_scale=False,
        street="礼嘉路",
    ),
    FirmSpec(
        name="常州雪堰智能末端执行器有限公司",
        short_name="雪堰夹爪",
        chains=(("robotics", MEMBER),),
        products="电动夹爪、快换装置",
        employees=36,
        above_scale=False,
        street="雪堰路",
    ),
]

# (supplier, customer, products, since year). All are in the park, so every link is 就近配套.
SUPPLY_LINKS = [
    ("江苏恒立液压股份有限公司", "柳工常州机械有限公司", "高压油缸、液压柱塞泵、液压控制阀", 2017),
    (
        "江苏恒立液压股份有限公司",
        "柳工常州机械有限公司",
        "关键核心液压基础元器件及系统开发（柳工承担的国家工信部战略基础产品开发及应用项目）",
        2021,
    ),
    ("今创集团股份有限公司", "柳工常州机械有限公司", "驾驶室内饰及配套件", 2018),
    ("常州龙城精锻有限公司", "柳工常州机械有限公司", "变速箱齿轮锻件", 2019),
    ("常州鸣凰履带底盘有限公司", "柳工常州机械有限公司", "履带底盘总成", 2018),
    ("常州武南精密铸造有限公司", "柳工常州机械有限公司", "配重及结构铸件", 2020),
    ("常州凤林工程机械电控有限公司", "柳工常州机械有限公司", "整机电控系统", 2022),
    ("常州夏墅焊接自动化有限公司", "柳工常州机械有限公司", "结构件焊接机器人工作站", 2023),
    ("常州阳湖液压密封件有限公司", "江苏恒立液压股份有限公司", "油缸密封件", 2016),
    ("常州武南精密铸造有限公司", "江苏恒立液压股份有限公司", "液压阀体铸件毛坯", 2021),
    ("常州龙城精锻有限公司", "理想汽车常州基地", "电驱齿轮、差速器锥齿轮精锻件", 2026),
    ("常州淹城动力电池系统有限公司", "理想汽车常州基地", "动力电池包", 2022),
    ("常州滆湖电驱动科技有限公司", "理想汽车常州基地", "电驱动总成", 2023),
    ("常州春秋热管理系统有限公司", "理想汽车常州基地", "热泵空调模块", 2024),
    ("常州牛塘汽车线束有限公司", "理想汽车常州基地", "高压线束", 2023),
    ("常州西太湖汽车电子有限公司", "常州淹城动力电池系统有限公司", "电池管理系统传感器", 2024),
    ("常州龙城精锻有限公司", "常州滆湖电驱动科技有限公司", "电机轴精锻件", 2024),
    ("常州太湖湾智能物流机器人有限公司", "理想汽车常州基地", "总装车间AGV物流系统", 2025),
    ("常州湟里精密减速机有限公司", "节卡机器人（常州）有限公司", "谐波减速器", 2021),
    ("常州嘉泽伺服电机有限公司", "节卡机器人（常州）有限公司", "伺服电机", 2022),
    ("常州礼嘉运动控制技术有限公司", "节卡机器人（常州）有限公司", "运动控制卡", 2023),
    ("常州前黄机器视觉科技有限公司", "节卡机器人（常州）有限公司", "视觉引导系统", 2024),
    ("常州雪堰智能末端执行器有限公司", "节卡机器人（常州）有限公司", "电动夹爪", 2024),
    ("节卡机器人（常州）有限公司", "柳工常州机械有限公司", "协作机器人打磨工作站", 2026),
    ("常州嘉泽伺服电机有限公司", "常州太湖湾智能物流机器人有限公司", "驱动轮伺服电机", 2024),
]

# Ordinary market supply, not arranged as 就近配套 by the alliance (dashed on the chain map).
NOT_LOCAL_LINKS = {
    ("常州牛塘汽车线束有限公司", "理想汽车常州基地", "高压线束"),
    ("常州西太湖汽车电子有限公司", "常州淹城动力电池系统有限公司", "电池管理系统传感器"),
    ("节卡机器人（常州）有限公司", "柳工常州机械有限公司", "协作机器人打磨工作站"),
    ("常州嘉泽伺服电机有限公司", "常州太湖湾智能物流机器人有限公司", "驱动轮伺服电机"),
}

JOINT_BRANCH = "武进国家高新区产业链小微企业联合党支部"


@dataclass(frozen=True)
class PartyOrgSpec:
    enterprise: str | None  # None only for a joint branch
    kind: str
    name: str
    secretary: str  # a username of PEOPLE, or just a name
    members: int
    deputy: str = ""
    founded: date | None = None
    brand: str = ""
    method: str = ""
    notes: str = ""


PARTY_ORGS = [
    PartyOrgSpec(
        enterprise="江苏恒立液压股份有限公司",
        kind=PartyOrganization.Kind.COMMITTEE,
        name="江苏恒立液压股份有限公司党委",
        secretary="qiuzhigang",
        members=420,
        founded=date(2006, 6, 28),
        brand="先锋恒立",
        method="三恒三立",
        notes=(
            "秉承“围绕发展抓党建、抓好党建促发展”理念，坚持“三恒三立”工作法，推进六项“党建+”工程，"
            "打造“先锋恒立”党建品牌，党建工作与业务发展双融合双推进。"
        ),
    ),
    PartyOrgSpec(
        enterprise="柳工常州机械有限公司",
        kind=PartyOrganization.Kind.GENERAL_BRANCH,
        name="柳工常州机械有限公司党总支",
        secretary="黄志强",
        deputy="唐鹏莉",
        members=86,
        founded=date(2012, 7, 1),
        method="党建带工建",
        notes=(
            "常态化开展“党建带工建”活动；定期组织同产业链或跨产业链的企业开展党建主题活动。"
            "副书记唐鹏莉有14年党龄。"
        ),
    ),
    PartyOrgSpec(
        enterprise="今创集团股份有限公司",
        kind=PartyOrganization.Kind.COMMITTEE,
        name="今创集团股份有限公司党委",
        secretary="yujianping",
        members=380,
        founded=date(2004, 7, 1),
    ),
    PartyOrgSpec(
        enterprise="理想汽车常州基地",
        kind=PartyOrganization.Kind.COMMITTEE,
        name="理想汽车常州基地党委",
        secretary="罗斌",
        deputy="韩雪",
        members=260,
        founded=date(2019, 6, 28),
    ),
    PartyOrgSpec(
        enterprise="节卡机器人（常州）有限公司",
        kind=PartyOrganization.Kind.BRANCH,
        name="节卡机器人（常州）有限公司党支部",
        secretary="fengxiaofeng",
        members=28,
        founded=date(2020, 9, 15),
    ),
    PartyOrgSpec(
        enterprise="常州龙城精锻有限公司",
        kind=PartyOrganization.Kind.BRANCH,
        name="常州龙城精锻有限公司党支部",
        secretary="jiangguoping",
        members=35,
        founded=date(2011, 5, 20),
    ),
    PartyOrgSpec(
        enterprise="常州淹城动力电池系统有限公司",
        kind=PartyOrganization.Kind.BRANCH,
        name="常州淹城动力电池系统有限公司党支部",
        secretary="任志华",
        members=24,
        founded=date(2021, 3, 10),
    ),
    PartyOrgSpec(
        enterprise="常州滆湖电驱动科技有限公司",
        kind=PartyOrganization.Kind.BRANCH,
        name="常州滆湖电驱动科技有限公司党支部",
        secretary="dinglei",
        members=19,
        founded=date(2022, 4, 18),
    ),
    PartyOrgSpec(
        enterprise="常州春秋热管理系统有限公司",
        kind=PartyOrganization.Kind.BRANCH,
        name="常州春秋热管理系统有限公司党支部",
        secretary="彭涛",
        members=15,
        founded=date(2023, 6, 30),
    ),
    PartyOrgSpec(
        enterprise="常州湟里精密减速机有限公司",
        kind=PartyOrganization.Kind.BRANCH,
        name="常州湟里精密减速机有限公司党支部",
        secretary="wuhaiyan",
        members=16,
        founded=date(2019, 11, 8),
    ),
    PartyOrgSpec(
        enterprise="常州嘉泽伺服电机有限公司",
        kind=PartyOrganization.Kind.BRANCH,
        name="常州嘉泽伺服电机有限公司党支部",
        secretary="林峰",
        members=12,
        founded=date(2020, 6, 30),
    ),
    PartyOrgSpec(
        enterprise="常州夏墅焊接自动化有限公司",
        kind=PartyOrganization.Kind.BRANCH,
        name="常州夏墅焊接自动化有限公司党支部",
        secretary="石磊",
        members=11,
        founded=date(2021, 7, 1),
    ),
    PartyOrgSpec(
        enterprise="常州太湖湾智能物流机器人有限公司",
        kind=PartyOrganization.Kind.BRANCH,
        name="常州太湖湾智能物流机器人有限公司党支部",
        secretary="贺明",
        members=14,
        founded=date(2022, 10, 12),
    ),
    PartyOrgSpec(
        enterprise="常州武南精密铸造有限公司",
        kind=PartyOrganization.Kind.BRANCH,
        name="常州武南精密铸造有限公司党支部",
        secretary="tangjianhua",
        members=22,
        founded=date(2015, 7, 1),
    ),
    PartyOrgSpec(
        enterprise="常州凤林工程机械电控有限公司",
        kind=PartyOrganization.Kind.BRANCH,
        name="常州凤林工程机械电控有限公司党支部",
        secretary="caoying",
        members=9,
        founded=date(2023, 3, 28),
    ),
    PartyOrgSpec(
        enterprise="常州鸣凰履带底盘有限公司",
        kind=PartyOrganization.Kind.BRANCH,
        name="常州鸣凰履带底盘有限公司党支部",
        secretary="yaoyonggang",
        members=7,
        notes="2026年在党群工作部指导下组建（见企业需求 XQ-2026-00014）。",
    ),
    PartyOrgSpec(
        enterprise=None,
        kind=PartyOrganization.Kind.JOINT_BRANCH,
        name="武进国家高新区产业链小微企业联合党支部",
        secretary="guchen",
        members=13,
        founded=date(2024, 6, 28),
        notes=(
            "由西太湖电子、牛塘线束、湖塘充电、前黄视觉、礼嘉运控、雪堰夹爪、"
            "阳湖密封等小微企业的党员组成；党建指导员顾晨兼任书记。"
        ),
    ),
]

# (username, enterprise, title) — what makes these users enterprise secretaries.
CONTACTS = [
    ("secretary", "柳工常州机械有限公司", EnterpriseContact.Title.DEPUTY),
    ("qiuzhigang", "江苏恒立液压股份有限公司", EnterpriseContact.Title.SECRETARY),
    ("yujianping", "今创集团股份有限公司", EnterpriseContact.Title.SECRETARY),
    ("hanxue", "理想汽车常州基地", EnterpriseContact.Title.DEPUTY),
    ("jiangguoping", "常州龙城精锻有限公司", EnterpriseContact.Title.SECRETARY),
    ("fengxiaofeng", "节卡机器人（常州）有限公司", EnterpriseContact.Title.SECRETARY),
    ("wuhaiyan", "常州湟里精密减速机有限公司", EnterpriseContact.Title.SECRETARY),
    ("panjianjun", "常州淹城动力电池系统有限公司", EnterpriseContact.Title.CONTACT),
    ("dinglei", "常州滆湖电驱动科技有限公司", EnterpriseContact.Title.SECRETARY),
    ("hejing", "常州太湖湾智能物流机器人有限公司", EnterpriseContact.Title.CONTACT),
    ("chengli", "常州牛塘汽车线束有限公司", EnterpriseContact.Title.CONTACT),
    ("shaoming", "常州前黄机器视觉科技有限公司", EnterpriseContact.Title.CONTACT),
    ("tangjianhua", "常州武南精密铸造有限公司", EnterpriseContact.Title.SECRETARY),
    ("caoying", "常州凤林工程机械电控有限公司", EnterpriseContact.Title.SECRETARY),
    ("yaoyonggang", "常州鸣凰履带底盘有限公司", EnterpriseContact.Title.SECRETARY),
    ("yanjia", "常州雪堰智能末端执行器有限公司", EnterpriseContact.Title.CONTACT),
    ("zhongxiaotong", "常州西太湖汽车电子有限公司", EnterpriseContact.Title.CONTACT),
]

# ---------------------------------------------------------------------------------------------
# Departments, liaisons, resources
# ---------------------------------------------------------------------------------------------

# (name, short name, head, phone, order)
DEPARTMENTS = [
    ("党群工作部", "党群部", "staff", "0519-86501001", 1),
    ("科学技术局", "科技局", "depthead", "0519-86501002", 2),
    ("经济发展局", "经发局", "zhoujianhua", "0519-86501003", 3),
    ("税务局", "税务局", "kongwenbin", "0519-86501004", 4),
    ("人力资源和社会保障局", "人社局", "zhaomin", "0519-86501005", 5),
    ("自然资源和规划分局", "资规分局", "xuhao", "0519-86501006", 6),
    ("行政审批局", "审批局", "shenli", "0519-86501007", 7),
]

# (username, department, expertise) — the 红链专员 resource pool of the article.
LIAISONS = [
    ("liaison", "党群工作部", "企业党建、人才招引、专精特新申报、产城融合"),
    ("guchen", "党群工作部", "企业党建、党组织组建、群团工作"),
    ("liusiyuan", "科学技术局", "专精特新申报、高新技术企业认定、技术攻关"),
    ("xuwenjing", "科学技术局", "产学研合作、科技项目申报、知识产权"),
    ("zhangchi", "经济发展局", "智能车间诊断、企业上云、资金奖补"),
    ("majun", "经济发展局", "供需对接、项目服务、产业链招商"),
    ("yangfan", "经济发展局", "融资、股改上市、金融支持"),
    ("zhuxiaoyan", "税务局", "税收优惠、研发费用加计扣除、纳税服务"),
    ("wuhao", "人力资源和社会保障局", "招工用工、人才招引、技能培训"),
    ("sunli", "自然资源和规划分局", "场地用地、规划许可"),
    ("lumin", "行政审批局", "办证审批、施工许可、环评审批"),
]

# 一链一专班: (chain, liaison, lead)
TASK_FORCES = [
    ("nev", "liaison", True),
    ("nev", "zhangchi", False),
    ("nev", "yangfan", False),
    ("nev", "wuhao", False),
    ("robotics", "liusiyuan", True),
    ("robotics", "xuwenjing", False),
    ("robotics", "guchen", False),
    ("robotics", "liaison", False),
    ("machinery", "majun", True),
    ("machinery", "sunli", False),
    ("machinery", "lumin", False),
    ("machinery", "zhuxiaoyan", False),
    ("machinery", "liaison", False),
]

ASSIGNMENT_START = date(2026, 4, 1)

# 驻企: (liaison, enterprise, primary, since, until). Every above-scale firm has exactly one
# active primary liaison; one hand-over shows an ended assignment. The `liaison` login is the
# primary liaison of the `secretary` login's firm, so the README's loop (submit → dispatch →
# sign → reply → rate) runs with the dispatch form's suggestion; 马骏, the machinery task
# force's lead, serves the chain leader beside him. (A row that turns a primary into a helper
# comes before the row that names the new primary: a database loaded earlier is updated in
# this order.)
ASSIGNMENTS = [
    ("majun", "柳工常州机械有限公司", False, ASSIGNMENT_START, None),
    ("liaison", "柳工常州机械有限公司", True, ASSIGNMENT_START, None),
    ("liaison", "理想汽车常州基地", True, ASSIGNMENT_START, None),
    ("liaison", "节卡机器人（常州）有限公司", True, ASSIGNMENT_START, None),
    ("liaison", "常州龙城精锻有限公司", True, ASSIGNMENT_START, None),
    ("zhangchi", "理想汽车常州基地", False, ASSIGNMENT_START, None),
    ("majun", "常州鸣凰履带底盘有限公司", True, ASSIGNMENT_START, None),
    ("liusiyuan", "江苏恒立液压股份有限公司", True, ASSIGNMENT_START, None),
    ("zhangchi", "今创集团股份有限公司", True, ASSIGNMENT_START, None),
    ("zhangchi", "常州春秋热管理系统有限公司", True, ASSIGNMENT_START, None),
    ("yangfan", "常州淹城动力电池系统有限公司", True, ASSIGNMENT_START, None),
    ("wuhao", "常州滆湖电驱动科技有限公司", True, ASSIGNMENT_START, None),
    ("xuwenjing", "常州湟里精密减速机有限公司", True, ASSIGNMENT_START, None),
    ("guchen", "常州太湖湾智能物流机器人有限公司", True, ASSIGNMENT_START, date(2026, 6, 30)),
    ("sunli", "常州太湖湾智能物流机器人有限公司", True, date(2026, 7, 1), None),
    ("zhuxiaoyan", "常州凤林工程机械电控有限公司", True, ASSIGNMENT_START, None),
    ("lumin", "常州武南精密铸造有限公司", True, ASSIGNMENT_START, None),
    ("guchen", "常州嘉泽伺服电机有限公司", True, ASSIGNMENT_START, None),
    ("guchen", "常州夏墅焊接自动化有限公司", True, ASSIGNMENT_START, None),
]

POLICY_FROM, POLICY_UNTIL = date(2026, 1, 1), date(2027, 12, 31)


@dataclass(frozen=True)
class ResourceSpec:
    department: str
    title: str
    category: str
    description: str
    how_to_apply: str
    contact: str  # username
    tags: str
    policy_package: bool = False  # part of the 利链惠链政策包


RESOURCES = [
    ResourceSpec(
        department="经济发展局",
        title="利链惠链政策包·金融支持",
        category=NeedCategory.FINANCING,
        description=(
            "联合合作银行为链上企业提供“科技贷”“人才贷”、供应链金融和贷款贴息，"
            "链主企业推荐的配套企业优先授信。"
        ),
        how_to_apply="通过红链专员提交融资需求，经发局在3个工作日内组织银企对接。",
        contact="yangfan",
        policy_package=True,
        tags="利链惠链、科技贷、贴息",
    ),
    ResourceSpec(
        department="经济发展局",
        title="利链惠链政策包·资金奖补",
        category=NeedCategory.FUNDS,
        description="对链上企业智能化改造、首台（套）重大装备、本地配套采购增量给予资金奖补。",
        how_to_apply="每年3月、9月集中申报，红链专员协助准备材料。",
        contact="zhangchi",
        policy_package=True,
        tags="利链惠链、技改、首台套",
    ),
    ResourceSpec(
        department="人力资源和社会保障局",
        title="利链惠链政策包·人才引育",
        category=NeedCategory.TALENT,
        description="高层次人才项目申报、人才公寓、校企合作订单班和技能人才培训补贴。",
        how_to_apply="常年受理，人社局人才科审核。",
        contact="wuhao",
        policy_package=True,
        tags="利链惠链、人才公寓、订单班",
    ),
    ResourceSpec(
        department="经济发展局",
        title="智能车间诊断",
        category=NeedCategory.SMART_WORKSHOP,
        description=(
            "组织第三方专家入企开展智能制造诊断，出具诊断报告和改造路径建议，诊断费用由园区承担。"
        ),
        how_to_apply="提交诊断申请后10个工作日内安排专家入企。",
        contact="zhangchi",
        tags="惠企服务、智能制造",
    ),
    ResourceSpec(
        department="经济发展局",
        title="企业上云",
        category=NeedCategory.CLOUD,
        description="推动研发设计、生产管理、供应链等业务系统上云，按实际投入给予补贴。",
        how_to_apply="签订上云服务合同后申报，按季度兑现。",
        contact="zhangchi",
        tags="惠企服务、数字化",
    ),
    ResourceSpec(
        department="经济发展局",
        title="股改上市",
        category=NeedCategory.IPO,
        description="股份制改造辅导，对接券商、会计师和律师事务所，按上市进程分阶段给予奖励。",
        how_to_apply="企业提出意向后由经发局建立上市后备企业档案。",
        contact="yangfan",
        tags="惠企服务、资本市场",
    ),
    ResourceSpec(
        department="经济发展局",
        title="产业链供需对接服务",
        category=NeedCategory.MATCHMAKING,
        description="按链主企业采购清单组织本地配套对接会和“链主开放日”，推动就近配套。",
        how_to_apply="向红链专员提交产品目录和配套意向。",
        contact="majun",
        tags="供需对接、就近配套",
    ),
    ResourceSpec(
        department="科学技术局",
        title="专精特新梯度培育申报辅导",
        category=NeedCategory.SRDI,
        description="市级、省级专精特新中小企业和国家级专精特新“小巨人”企业申报辅导及材料预审。",
        how_to_apply="按年度申报通知执行，提前一个月预约辅导。",
        contact="liusiyuan",
        tags="专精特新、小巨人",
    ),
    ResourceSpec(
        department="科学技术局",
        title="产学研合作对接",
        category=NeedCategory.TECHNOLOGY,
        description=(
            "对接常州大学、河海大学常州校区、江苏理工学院等高校院所，组织联合攻关和技术转移。"
        ),
        how_to_apply="提交技术需求，科技局两周内反馈可对接的团队。",
        contact="xuwenjing",
        tags="产学研、技术攻关",
    ),
    ResourceSpec(
        department="科学技术局",
        title="高新技术企业认定辅导",
        category=NeedCategory.TECHNOLOGY,
        description="高新技术企业认定政策解读、研发费用归集和知识产权布局辅导。",
        how_to_apply="每年4月至6月集中辅导。",
        contact="liusiyuan",
        tags="高企认定",
    ),
    ResourceSpec(
        department="税务局",
        title="研发费用加计扣除辅导",
        category=NeedCategory.FUNDS,
        description="研发费用加计扣除、高新技术企业所得税优惠等政策一对一辅导。",
        how_to_apply="预约税务局高新区分局纳税服务窗口。",
        contact="zhuxiaoyan",
        tags="税收优惠",
    ),
    ResourceSpec(
        department="税务局",
        title="税费优惠政策精准推送",
        category=NeedCategory.BUSINESS_ENV,
        description="按企业画像精准推送适用的税费优惠政策，办理涉税事项“一次不跑”。",
        how_to_apply="关注电子税务局消息提醒。",
        contact="zhuxiaoyan",
        tags="纳税服务",
    ),
    ResourceSpec(
        department="人力资源和社会保障局",
        title="企业用工专场招聘",
        category=NeedCategory.HIRING,
        description="为链上企业举办专场招聘会、组织劳务协作对接，发布岗位信息。",
        how_to_apply="提交岗位需求表，一周内安排专场。",
        contact="wuhao",
        tags="招聘、用工",
    ),
    ResourceSpec(
        department="自然资源和规划分局",
        title="工业用地“标准地”供应",
        category=NeedCategory.SITES,
        description="工业用地按“标准地”出让，明确亩均投资、产出等指标，缩短供地周期。",
        how_to_apply="项目预审后纳入年度供地计划。",
        contact="sunli",
        tags="用地、标准地",
    ),
    ResourceSpec(
        department="行政审批局",
        title="工程建设项目审批帮办",
        category=NeedCategory.PERMITS,
        description="施工许可“拿地即开工”、环评审批绿色通道，专人全程帮办代办。",
        how_to_apply="项目立项后预约帮办专员。",
        contact="lumin",
        tags="审批、帮办代办",
    ),
    ResourceSpec(
        department="党群工作部",
        title="非公企业党组织组建指导",
        category=NeedCategory.PARTY_BUILDING,
        description=(
            "指导符合条件的企业单独组建党组织，党员少的小微企业纳入联合党支部；配备党建指导员。"
        ),
        how_to_apply="联系党群工作部或本企业红链专员。",
        contact="guchen",
        tags="党建指导",
    ),
    ResourceSpec(
        department="党群工作部",
        title="党群服务中心活动阵地",
        category=NeedCategory.PARTY_BUILDING,
        description="党群服务中心集党务、政务和群团服务于一体，可预约开展主题党日、联建共建活动。",
        how_to_apply="提前三个工作日预约场地。",
        contact="liaison",
        tags="党群服务中心",
    ),
    ResourceSpec(
        department="党群工作部",
        title="武高新商会海湖论坛",
        category=NeedCategory.MATCHMAKING,
        description="依托武高新商会海湖论坛，定期举办产业链交流活动，分析行业趋势、交流工艺流程。",
        how_to_apply="活动通知由红链专员发布。",
        contact="liaison",
        tags="海湖论坛、交流",
    ),
]

# ---------------------------------------------------------------------------------------------
# Needs (企业需求清单) and their timelines
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One timeline entry, `day` working days after the submission day, at `at` o'clock."""

    action: str
    day: int
    at: str
    to: str = ""
    note: str = ""
    liaison: str = ""  # for a dispatch
    satisfaction: str = ""  # for a rating
    level: int = 0  # for an escalation
    extension: int = 0  # for an approved extension, in working days
    public: bool = True


@dataclass(frozen=True)
class NeedSpec:
    number: str
    enterprise: str
    submitter: str
    category: str
    urgency: str
    title: str
    description: str
    started: int  # working days before today on which the need was submitted (or drafted)
    steps: tuple[Step, ...] = ()
    resolution: str = ""
    satisfaction_comment: str = ""
    merged_into: str = ""
    resources: tuple[str, ...] = ()


A = NeedEventAction
S = NeedStatus


def _submitted(at: str = "09:00") -> Step:
    return Step(A.SUBMIT, 0, at, S.SUBMITTED)


def _accepted(day: int, at: str) -> Step:
    return Step(A.ACCEPT, day, at, S.ACCEPTED, "已受理，按职能派单。")


def _dispatched(day: int, at: str, liaison: str) -> Step:
    return Step(A.DISPATCH, day, at, S.DISPATCHED, liaison=liaison)


def _signed(day: int, at: str) -> Step:
    return Step(A.SIGN, day, at, S.IN_PROGRESS, "已签收。")


_ESCALATION_NOTES = {
    EscalationLevel.AMBER: "办理时限已用80%，黄灯预警。",
    EscalationLevel.URGE: "已超办理时限，向红链专员及部门负责人催办。",
    EscalationLevel.SUPERVISE: "超期五个工作日，向链长和园区党群工作部督办。",
}


def _escalated(day: int, at: str, level: int) -> Step:
    """A rung claimed by the deadline sweep (an internal timeline entry)."""
    return Step(A.ESCALATE, day, at, level=level, note=_ESCALATION_NOTES[level], public=False)


NEEDS = [
    NeedSpec(
        number="XQ-2026-00001",
        enterprise="江苏恒立液压股份有限公司",
        submitter="qiuzhigang",
        category=NeedCategory.TECHNOLOGY,
        urgency=Urgency.YELLOW,
        title="高端液压密封材料国产化联合攻关",
        description=(
            "高压油缸用高端密封材料依赖进口，希望对接高校院所开展联合攻关，"
            "提升关键液压元件配套能力。"
        ),
        started=45,
        steps=(
            _submitted("09:10"),
            _accepted(0, "10:30"),
            _dispatched(0, "11:00", "liusiyuan"),
            _signed(0, "14:00"),
            Step(A.CONTACT, 1, "09:30", note="电话对接恒立液压技术中心，了解密封材料攻关需求。"),
            Step(A.LINK_RESOURCE, 1, "10:00", note="关联资源：产学研合作对接。"),
            Step(A.VISIT, 3, "14:30", note="陪同常州大学材料学院专家入企座谈。"),
            Step(A.REPLY, 8, "16:00", S.REPLIED),
            Step(
                A.RATE,
                9,
                "10:00",
                satisfaction=Satisfaction.SATISFIED,
                note="对接及时，专家很专业。",
            ),
            Step(A.RETURN_VISIT, 14, "10:00", note="回访：企业对办理结果满意。", public=False),
            Step(A.CLOSE, 14, "10:30", S.CLOSED),
        ),
        resolution="已促成恒立液压与常州大学签订高端密封材料联合研发协议，纳入科技计划项目储备。",
        satisfaction_comment="对接及时，专家很专业。",
        resources=("产学研合作对接",),
    ),
    NeedSpec(
        number="XQ-2026-00002",
        enterprise="柳工常州机械有限公司",
        submitter="secretary",
        category=NeedCategory.HIRING,
        urgency=Urgency.RED,
        title="挖掘机总装线急需焊工、装配钳工60名",
        description=(
            "新增订单排产，总装线和结构件车间急需持证焊工、装配钳工共60名，希望两周内到岗。"
        ),
        started=50,
        steps=(
            _submitted("08:50"),
            _accepted(0, "09:20"),
            _dispatched(0, "09:40", "wuhao"),
            _signed(0, "10:30"),
            Step(A.CONTACT, 0, "11:00", note="与柳工人力资源部确认岗位要求和薪资待遇。"),
            Step(A.LINK_RESOURCE, 0, "11:10", note="关联资源：企业用工专场招聘。"),
            Step(A.VISIT, 1, "14:00", note="入企了解车间用工需求，商定专场招聘会安排。"),
            Step(A.REPLY, 2, "16:00", S.REPLIED),
            Step(A.RATE, 3, "09:00", satisfaction=Satisfaction.SATISFIED, note="响应很快。"),
            Step(A.RETURN_VISIT, 5, "10:00", note="回访：企业满意，已到岗人员稳定。", public=False),
            Step(A.CLOSE, 5, "10:20", S.CLOSED),
        ),
        resolution=(
            "组织两场专场招聘会并对接劳务协作基地，已到岗焊工、装配钳工52人，其余岗位持续推送。"
        ),
        satisfaction_comment="响应很快。",
        resources=("企业用工专场招聘",),
    ),
    NeedSpec(
        number="XQ-2026-00016",
        enterprise="柳工常州机械有限公司",
        submitter="secretary",
        category=NeedCategory.HIRING,
        urgency=Urgency.YELLOW,
        title="装配钳工招聘",
        description="装配车间需要装配钳工约20名。",
        started=49,
        steps=(
            _submitted("10:00"),
            Step(A.MERGE, 0, "15:00", S.MERGED, "与 XQ-2026-00002 为同一招聘事项，合并办理。"),
        ),
        merged_into="XQ-2026-00002",
    ),
    NeedSpec(
        number="XQ-2026-00003",
        enterprise="理想汽车常州基地",
        submitter="hanxue",
        category=NeedCategory.TALENT,
        urgency=Urgency.YELLOW,
        title="智能制造高技能人才订单班培养",
        description=(
            "总装、焊装车间需要机器人运维和智能产线调试技能人才，希望与本地院校合作开设订单班。"
        ),
        started=8,
        steps=(
            _submitted(),
            _accepted(0, "11:00"),
            _dispatched(0, "14:00", "liaison"),
            _signed(0, "16:00"),
            Step(A.CONTACT, 1, "09:30", note="与理想汽车人力资源部沟通订单班规模和课程。"),
            Step(A.VISIT, 2, "14:00", note="与江苏理工学院商定订单班方案。"),
            Step(
                A.REQUEST_EXTENSION,
                4,
                "10:00",
                note="订单班需与院校招生周期衔接，申请延期5个工作日。",
            ),
            Step(A.APPROVE_EXTENSION, 4, "15:00", note="同意延期5个工作日。", extension=5),
        ),
        resources=("利链惠链政策包·人才引育",),
    ),
    NeedSpec(
        number="XQ-2026-00004",
        enterprise="常州龙城精锻有限公司",
        submitter="jiangguoping",
        category=NeedCategory.MATCHMAKING,
        urgency=Urgency.GREEN,
        title="寻求新能源整车企业电驱齿轮锻件配套",
        description="已具备电驱齿轮、差速器锥齿轮精锻能力，希望进入园区新能源整车企业供应链。",
        started=60,
        steps=(
            _submitted("09:30"),
            _accepted(1, "09:00"),
            _dispatched(1, "10:00", "majun"),
            _signed(1, "15:00"),
            Step(A.CONTACT, 2, "09:30", note="收集龙城精锻产品目录和产能信息。"),
            Step(A.LINK_RESOURCE, 2, "10:00", note="关联资源：产业链供需对接服务。"),
            Step(A.VISIT, 4, "14:00", note="陪同理想汽车采购部门入企考察。"),
            # The trace need → resource → action item (ACTION_ITEMS: origin_need XQ-2026-00004).
            Step(
                A.ACTION_ITEM,
                5,
                "10:00",
                note="已转为行动项目“龙城精锻与理想汽车电驱齿轮锻件配套对接”。",
            ),
            Step(A.REPLY, 12, "16:00", S.REPLIED),
            Step(
                A.RATE,
                13,
                "10:00",
                satisfaction=Satisfaction.BASICALLY,
                note="对接有效，希望加快供应商审核进度。",
            ),
            Step(
                A.RETURN_VISIT, 19, "10:00", note="回访：审核进度已与理想汽车沟通。", public=False
            ),
            Step(A.CLOSE, 19, "10:30", S.CLOSED),
        ),
        resolution=(
            "已组织龙城精锻与理想汽车、滆湖电驱专题对接，进入理想汽车二级供应商审核，"
            "转入行动项目跟进。"
        ),
        satisfaction_comment="对接有效，希望加快供应商审核进度。",
        resources=("产业链供需对接服务",),
    ),
    NeedSpec(
        number="XQ-2026-00005",
        enterprise="常州湟里精密减速机有限公司",
        submitter="wuhaiyan",
        category=NeedCategory.SRDI,
        urgency=Urgency.GREEN,
        title="申报国家级专精特新“小巨人”企业",
        description=(
            "企业已是省级专精特新中小企业，今年拟申报国家级专精特新“小巨人”，"
            "需要申报辅导和材料预审。"
        ),
        started=6,
        steps=(
            _submitted(),
            _accepted(0, "14:00"),
            _dispatched(0, "15:00", "liusiyuan"),
            _signed(1, "09:00"),
            Step(A.CONTACT, 1, "10:00", note="电话告知申报条件和材料清单。"),
            Step(A.LINK_RESOURCE, 1, "10:10", note="关联资源：专精特新梯度培育申报辅导。"),
            Step(A.REPLY, 3, "11:00", S.REPLIED),
        ),
        resolution="已完成申报材料预审，指导补充研发投入和专利证明材料，材料已报送市工信局。",
        resources=("专精特新梯度培育申报辅导",),
    ),
    NeedSpec(
        number="XQ-2026-00006",
        enterprise="常州淹城动力电池系统有限公司",
        submitter="panjianjun",
        category=NeedCategory.FINANCING,
        urgency=Urgency.RED,
        title="扩产项目流动资金贷款8000万元",
        description=(
            "动力电池系统二期项目投产在即，需流动资金贷款8000万元，希望对接科技贷和贴息政策。"
        ),
        started=9,
        steps=(
            _submitted(),
            _accepted(0, "10:00"),
            _dispatched(0, "10:30", "yangfan"),
            _signed(0, "11:30"),
            Step(A.CONTACT, 0, "14:00", note="了解企业授信现状和资金缺口。"),
            Step(A.LINK_RESOURCE, 0, "14:10", note="关联资源：利链惠链政策包·金融支持。"),
            Step(A.VISIT, 1, "14:00", note="陪同合作银行入企尽调。"),
            _escalated(4, "10:30", EscalationLevel.AMBER),
            Step(A.COMMENT, 5, "09:00", note="银行授信审批中，预计下周出具批复。"),
            _escalated(6, "10:30", EscalationLevel.URGE),
        ),
        resources=("利链惠链政策包·金融支持",),
    ),
    NeedSpec(
        number="XQ-2026-00007",
        enterprise="常州滆湖电驱动科技有限公司",
        submitter="dinglei",
        category=NeedCategory.PERMITS,
        urgency=Urgency.YELLOW,
        title="二期厂房施工许可办理",
        description="二期厂房已取得用地和规划许可，需尽快办理施工许可以保证年内开工。",
        started=6,
        steps=(
            _submitted(),
            _accepted(0, "10:00"),
            _dispatched(0, "11:00", "lumin"),
            _signed(0, "14:00"),
            Step(A.CONTACT, 1, "09:00", note="梳理施工许可所需材料。"),
            Step(
                A.REQUEST_INFO,
                3,
                "10:00",
                S.WAITING_ENTERPRISE,
                "请企业补充施工图审查合格书及工程质量安全监督手续。",
            ),
        ),
        resources=("工程建设项目审批帮办",),
    ),
    NeedSpec(
        number="XQ-2026-00008",
        enterprise="常州太湖湾智能物流机器人有限公司",
        submitter="hejing",
        category=NeedCategory.SITES,
        urgency=Urgency.YELLOW,
        title="扩产新增工业用地约20亩",
        description="AGV 订单增长，现有厂房不足，希望在园区内新增约20亩工业用地。",
        started=30,
        steps=(
            _submitted(),
            _accepted(0, "11:00"),
            _dispatched(1, "09:30", "sunli"),
            _signed(1, "11:00"),
            Step(A.CONTACT, 1, "14:00", note="了解项目投资强度和建设计划。"),
            Step(A.VISIT, 3, "14:30", note="现场踏勘备选地块。"),
            Step(
                A.LONG_TERM,
                6,
                "10:00",
                S.LONG_TERM,
                "用地需纳入年度供地计划，转长期跟踪，按月答复进展。",
            ),
            Step(A.MILESTONE, 16, "10:00", note="备选地块已列入2027年度供地计划（初稿）。"),
            Step(A.MILESTONE, 27, "10:00", note="已完成地块规划条件论证。"),
        ),
        resources=("工业用地“标准地”供应",),
    ),
    NeedSpec(
        number="XQ-2026-00009",
        enterprise="节卡机器人（常州）有限公司",
        submitter="fengxiaofeng",
        category=NeedCategory.FUNDS,
        urgency=Urgency.GREEN,
        title="协作机器人智能产线技改资金奖补申报",
        description="新建协作机器人智能装配产线，投资约6000万元，咨询智能化改造奖补申报。",
        started=1,
        steps=(_submitted(), _accepted(0, "11:00"), _dispatched(0, "15:00", "zhangchi")),
    ),
    NeedSpec(
        number="XQ-2026-00010",
        enterprise="常州牛塘汽车线束有限公司",
        submitter="chengli",
        category=NeedCategory.BUSINESS_ENV,
        urgency=Urgency.GREEN,
        title="厂区周边道路货车限行影响原料进出",
        description="厂区周边道路白天限行货车，原料和成品进出只能夜间运输，希望协调通行时段。",
        started=1,
        steps=(_submitted("09:30"), _accepted(0, "16:00")),
    ),
    NeedSpec(
        number="XQ-2026-00011",
        enterprise="常州前黄机器视觉科技有限公司",
        submitter="shaoming",
        category=NeedCategory.SMART_WORKSHOP,
        urgency=Urgency.GREEN,
        title="申请智能车间诊断服务",
        description="计划对装配检测车间进行数字化改造，申请园区智能车间诊断服务。",
        started=1,
        steps=(_submitted("14:00"),),
    ),
    NeedSpec(
        number="XQ-2026-00012",
        enterprise="常州武南精密铸造有限公司",
        submitter="tangjianhua",
        category=NeedCategory.CLOUD,
        urgency=Urgency.GREEN,
        title="MES系统上云及补贴政策咨询",
        description="计划将生产执行系统迁移上云，咨询企业上云补贴标准和申报流程。",
        started=4,
        steps=(
            _submitted(),
            _accepted(0, "10:00"),
            _dispatched(0, "11:00", "zhuxiaoyan"),
            Step(
                A.REQUEST_RETURN,
                1,
                "09:30",
                S.RETURN_PENDING,
                "企业上云补贴属经济发展局职能，申请退回重新派单。",
            ),
        ),
    ),
    NeedSpec(
        number="XQ-2026-00013",
        enterprise="常州凤林工程机械电控有限公司",
        submitter="caoying",
        category=NeedCategory.IPO,
        urgency=Urgency.YELLOW,
        title="股改上市辅导及中介机构对接",
        description="企业计划三年内申报北交所上市，需要股改辅导并对接券商、会计师事务所。",
        started=12,
        steps=(
            _submitted(),
            _accepted(0, "10:00"),
            _dispatched(0, "10:30", "yangfan"),
            _signed(0, "14:00"),
            Step(A.CONTACT, 1, "09:30", note="了解企业股权结构和财务情况。"),
            Step(A.LINK_RESOURCE, 1, "09:40", note="关联资源：股改上市。"),
            Step(A.REPLY, 6, "15:00", S.REPLIED),
            Step(
                A.RATE,
                7,
                "09:30",
                satisfaction=Satisfaction.UNSATISFIED,
                note="只提供了政策文件，希望对接券商和会计师事务所做实质辅导。",
            ),
            Step(A.REOPEN, 7, "10:00", S.REOPENED, "企业不满意，重办并提级督促。"),
        ),
        resolution="已提供股改上市政策汇编和分阶段奖励标准。",
        satisfaction_comment="只提供了政策文件，希望对接券商和会计师事务所做实质辅导。",
        resources=("股改上市",),
    ),
    NeedSpec(
        number="XQ-2026-00014",
        enterprise="常州鸣凰履带底盘有限公司",
        submitter="yaoyonggang",
        category=NeedCategory.PARTY_BUILDING,
        urgency=Urgency.GREEN,
        title="新建党支部组建指导",
        description="企业现有正式党员7名，希望在党群工作部指导下单独组建党支部。",
        started=70,
        steps=(
            _submitted(),
            _accepted(0, "09:40"),
            _dispatched(0, "10:00", "guchen"),
            _signed(1, "09:00"),
            Step(A.CONTACT, 1, "09:30", note="核实党员组织关系。"),
            Step(A.VISIT, 2, "14:00", note="指导召开党员大会筹备会。"),
            Step(A.REPLY, 3, "09:30", S.REPLIED),
            Step(A.RATE, 4, "10:00", satisfaction=Satisfaction.SATISFIED, note="指导细致。"),
            Step(A.RETURN_VISIT, 9, "10:00", note="回访：支部已按期开展组织生活。", public=False),
            Step(A.CLOSE, 9, "10:30", S.CLOSED),
        ),
        resolution="已指导完成党支部组建，经园区党工委批复成立常州鸣凰履带底盘有限公司党支部。",
        satisfaction_comment="指导细致。",
        resources=("非公企业党组织组建指导",),
    ),
    NeedSpec(
        number="XQ-2026-00015",
        enterprise="常州雪堰智能末端执行器有限公司",
        submitter="yanjia",
        category=NeedCategory.OTHER,
        urgency=Urgency.GREEN,
        title="与客户货款纠纷请求协调",
        description="外地客户拖欠货款约80万元，请求园区出面协调。",
        started=25,
        steps=(
            _submitted(),
            Step(
                A.REJECT,
                0,
                "16:00",
                S.REJECTED,
                (
                    "所述事项为企业间货款纠纷，不属于红链专员服务范围，"
                    "已建议通过武高新商会调解或法律途径解决。"
                ),
            ),
        ),
        resolution=(
            "所述事项为企业间货款纠纷，不属于红链专员服务范围，"
            "已建议通过武高新商会调解或法律途径解决。"
        ),
    ),
    NeedSpec(
        number="XQ-2026-00017",
        enterprise="常州西太湖汽车电子有限公司",
        submitter="zhongxiaotong",
        category=NeedCategory.OTHER,
        urgency=Urgency.GREEN,
        title="希望参加海湖论坛汽车电子专场交流",
        description="希望在海湖论坛汽车电子专场上介绍企业域控制器产品。",
        started=2,
    ),
    NeedSpec(
        number="XQ-2026-00018",
        enterprise="今创集团股份有限公司",
        submitter="yujianping",
        category=NeedCategory.FUNDS,
        urgency=Urgency.YELLOW,
        title="首台（套）重大装备认定及奖补申报",
        description="新研制的轨道交通车辆关键设备拟申报首台（套）重大装备认定，咨询奖补政策。",
        started=35,
        steps=(
            _submitted(),
            _accepted(0, "10:00"),
            _dispatched(0, "10:30", "zhangchi"),
            _signed(0, "14:00"),
            Step(A.CONTACT, 1, "09:30", note="确认装备技术指标和销售合同。"),
            Step(A.LINK_RESOURCE, 1, "09:40", note="关联资源：利链惠链政策包·资金奖补。"),
            Step(A.REPLY, 8, "16:00", S.REPLIED),
            Step(
                A.RATE, 9, "10:00", satisfaction=Satisfaction.BASICALLY, note="奖补兑现周期较长。"
            ),
            Step(A.RETURN_VISIT, 14, "10:00", note="回访：已说明兑现时间表。", public=False),
            Step(A.CLOSE, 14, "10:30", S.CLOSED),
        ),
        resolution="已指导完成首台（套）认定申报，奖补资金纳入年度兑现计划。",
        satisfaction_comment="奖补兑现周期较长。",
        resources=("利链惠链政策包·资金奖补",),
    ),
    NeedSpec(
        number="XQ-2026-00019",
        enterprise="理想汽车常州基地",
        submitter="hanxue",
        category=NeedCategory.PERMITS,
        urgency=Urgency.RED,
        title="新车型产线技改项目环评审批加急",
        description="新一代纯电车型产线技改项目需在月底前取得环评批复，以保证设备进场。",
        started=3,
        steps=(
            _submitted("08:40"),
            _accepted(0, "09:30"),
            _dispatched(0, "10:00", "lumin"),
            _signed(0, "11:00"),
            Step(A.CONTACT, 0, "13:30", note="与企业环保负责人确认报告编制进度。"),
            Step(A.VISIT, 1, "10:00", note="上门帮办，环评报告预审。"),
            Step(A.COMMENT, 2, "15:00", note="环评报告已受理，进入技术评估。"),
        ),
        resources=("工程建设项目审批帮办",),
    ),
    # Late, and escalated rung by rung as the deadline sweep does it: the department head
    # (depthead, 科学技术局) has its 催办 and the machinery chief (chief) its 督办.
    NeedSpec(
        number="XQ-2026-00020",
        enterprise="常州凤林工程机械电控有限公司",
        submitter="caoying",
        category=NeedCategory.TECHNOLOGY,
        urgency=Urgency.RED,
        title="挖掘机电控系统国产芯片替代验证",
        description=(
            "挖掘机整车控制器拟改用国产主控芯片，需对接高校实验室完成可靠性验证，"
            "以保证柳工配套订单按期交付。"
        ),
        started=12,
        steps=(
            _submitted("08:50"),
            _accepted(0, "09:30"),
            _dispatched(0, "10:30", "liusiyuan"),
            _signed(0, "11:30"),
            Step(A.CONTACT, 1, "09:30", note="与企业研发部确认验证项目清单。"),
            _escalated(4, "10:30", EscalationLevel.AMBER),
            Step(A.COMMENT, 5, "09:00", note="高校实验室排期紧张，正在协调。"),
            _escalated(6, "08:30", EscalationLevel.URGE),
            _escalated(10, "10:30", EscalationLevel.SUPERVISE),
        ),
    ),
]

# Time limits (working days unless noted). Categories outside the two groups below (technology,
# matchmaking, the enterprise services) get the longest clock.
_CONSULTATION = {NeedCategory.SRDI, NeedCategory.PARTY_BUILDING, NeedCategory.OTHER}
_PEOPLE = {NeedCategory.HIRING, NeedCategory.TALENT, NeedCategory.BUSINESS_ENV}
_RESOLVE_WORKDAYS = {
    "consultation": {Urgency.RED: 1, Urgency.YELLOW: 3, Urgency.GREEN: 3},
    "people": {Urgency.RED: 3, Urgency.YELLOW: 5, Urgency.GREEN: 5},
    "long": {Urgency.RED: 5, Urgency.YELLOW: 10, Urgency.GREEN: 15},
}
_ACCEPT = {Urgency.RED: timedelta(hours=2)}  # otherwise 1 working day
_SIGN = {Urgency.RED: timedelta(hours=2), Urgency.YELLOW: timedelta(hours=4)}
_FIRST_CONTACT = {Urgency.RED: timedelta(hours=4)}
_RATING_WORKDAYS = {Urgency.RED: 2, Urgency.YELLOW: 5, Urgency.GREEN: 5}
LONG_TERM_REPLY_WORKDAYS = 22  # a monthly milestone reply

# ---------------------------------------------------------------------------------------------
# Action items (行动项目清单)
# ---------------------------------------------------------------------------------------------

LEAD = ActionItemParticipant.Role.LEAD
PARTNER = ActionItemParticipant.Role.PARTNER

# Dates are in days relative to today (negative = past), so the list always looks current.
ACTION_ITEMS = [
    {
        "title": "理想汽车与链上企业本地配套供需对接",
        "kind": ActionItemKind.MATCHMAKING,
        "status": ActionItemStatus.IN_PROGRESS,
        "chains": ("nev",),
        "owner": "liaison",
        "due": 45,
        "description": "按理想汽车本地化采购清单，组织链上配套企业分批对接，推动就近配套。",
        "participants": (
            ("理想汽车常州基地", LEAD),
            ("常州龙城精锻有限公司", PARTNER),
            ("常州淹城动力电池系统有限公司", PARTNER),
            ("常州滆湖电驱动科技有限公司", PARTNER),
            ("常州牛塘汽车线束有限公司", PARTNER),
        ),
        "milestones": (
            (-60, "梳理理想汽车本地化采购清单", True),
            (-20, "召开首场供需对接会", True),
            (9, "召开新能源汽车产业链供需对接会（第二场）", False),  # = UPCOMING_MATCHMAKING
            (40, "签订首批本地配套合同", False),
        ),
        "progress": (
            (-58, "liaison", "已收集理想汽车本地化采购需求36项，匹配园区配套企业12家。", 20),
            (-19, "liaison", "首场对接会达成合作意向8项。", 55),
        ),
    },
    {
        "title": "恒立液压与柳工关键液压元件协同技术攻关",
        "kind": ActionItemKind.JOINT_RD,
        "status": ActionItemStatus.IN_PROGRESS,
        "chains": ("machinery",),
        "owner": "chief",
        "due": 210,
        "description": (
            "依托柳工承担的国家工信部战略基础产品开发及应用项目，恒立液压负责关键核心液压基础"
            "元器件及系统的开发。"
        ),
        "participants": (("柳工常州机械有限公司", LEAD), ("江苏恒立液压股份有限公司", PARTNER)),
        "milestones": (
            (-80, "完成液压系统联合设计评审", True),
            (-10, "样机台架试验", True),
            (60, "整机装机验证", False),
            (200, "项目验收", False),
        ),
        "progress": (
            (-78, "chief", "联合设计评审通过，明确油缸、主泵、多路阀三类关键元件的技术指标。", 30),
            (-9, "chief", "样机台架试验完成，主要性能指标达到设计要求。", 60),
        ),
    },
    {
        "title": "节卡机器人与柳工常州机械结构件打磨自动化合作框架协议",
        "kind": ActionItemKind.AGREEMENT,
        "status": ActionItemStatus.DONE,
        "chains": ("robotics", "machinery"),
        "owner": "liusiyuan",
        "due": -30,
        "description": "跨链合作：协作机器人进入工程机械结构件打磨、焊接工序。",
        "participants": (
            ("节卡机器人（常州）有限公司", LEAD),
            ("柳工常州机械有限公司", PARTNER),
            ("常州夏墅焊接自动化有限公司", PARTNER),
        ),
        "milestones": (
            (-90, "完成打磨工序自动化方案", True),
            (-35, "签署合作框架协议", True),
        ),
        "progress": (
            (-88, "liusiyuan", "三方完成现场调研，确定打磨工作站方案。", 40),
            (-34, "liusiyuan", "合作框架协议已签署。", 100),
        ),
        "outcome": "签署合作框架协议，首期部署协作机器人打磨工作站20套。",
        "amount": "0.36",
    },
    {
        "title": "“利链惠链”惠企服务进链：智能车间诊断、企业上云、股改上市",
        "kind": ActionItemKind.SERVICE,
        "status": ActionItemStatus.IN_PROGRESS,
        "chains": ("nev", "robotics", "machinery"),
        "owner": "zhangchi",
        "due": 35,
        "description": (
            "将智能车间诊断、企业上云、股改上市等惠企服务打包送进三大产业链，年内覆盖链上企业20家。"
        ),
        "participants": (
            ("常州龙城精锻有限公司", PARTNER),
            ("常州前黄机器视觉科技有限公司", PARTNER),
            ("常州武南精密铸造有限公司", PARTNER),
            ("常州凤林工程机械电控有限公司", PARTNER),
        ),
        "milestones": (
            (-70, "发布惠企服务清单", True),
            (-25, "完成首批10家企业智能车间诊断", True),
            (35, "年内服务覆盖链上企业20家", False),
        ),
        "progress": (
            (-68, "zhangchi", "惠企服务清单已在三大产业链党建联盟发布。", 15),
            (-24, "zhangchi", "首批10家企业智能车间诊断完成，6家启动上云。", 50),
        ),
    },
    {
        "title": "龙城精锻与理想汽车电驱齿轮锻件配套对接",
        "kind": ActionItemKind.MATCHMAKING,
        "status": ActionItemStatus.DONE,
        "chains": ("nev",),
        "owner": "majun",
        "due": -15,
        "origin_need": "XQ-2026-00004",
        "description": "由企业需求 XQ-2026-00004 转入的供需对接项目。",
        "participants": (
            ("常州龙城精锻有限公司", LEAD),
            ("理想汽车常州基地", PARTNER),
            ("常州滆湖电驱动科技有限公司", PARTNER),
        ),
        "milestones": ((-50, "完成样件试制", True), (-18, "通过供应商审核", True)),
        "progress": (
            (-48, "majun", "样件已送理想汽车检测。", 50),
            (-17, "majun", "龙城精锻通过理想汽车二级供应商审核。", 100),
        ),
        "outcome": "龙城精锻进入理想汽车二级供应商名录，预计年配套额1.2亿元。",
        "amount": "1.20",
    },
    {
        "title": "机器人核心零部件协同攻关：谐波减速器寿命提升",
        "kind": ActionItemKind.JOINT_RD,
        "status": ActionItemStatus.PLANNED,
        "chains": ("robotics",),
        "owner": "xuwenjing",
        "due": 150,
        "description": (
            "湟里减速机牵头，节卡机器人提供整机验证，嘉泽伺服配合联调，提升谐波减速器寿命。"
        ),
        "participants": (
            ("常州湟里精密减速机有限公司", LEAD),
            ("节卡机器人（常州）有限公司", PARTNER),
            ("常州嘉泽伺服电机有限公司", PARTNER),
        ),
        "milestones": ((20, "确定攻关指标和分工", False), (150, "完成寿命验证", False)),
        "progress": (),
    },
    {
        "title": "工程机械产业链就近配套合作框架协议",
        "kind": ActionItemKind.AGREEMENT,
        "status": ActionItemStatus.IN_PROGRESS,
        "chains": ("machinery",),
        "owner": "majun",
        "due": 25,
        "description": "以柳工常州机械为链主，与园区配套企业签署就近配套合作框架协议。",
        "participants": (
            ("柳工常州机械有限公司", LEAD),
            ("江苏恒立液压股份有限公司", PARTNER),
            ("今创集团股份有限公司", PARTNER),
            ("常州鸣凰履带底盘有限公司", PARTNER),
            ("常州武南精密铸造有限公司", PARTNER),
        ),
        "milestones": ((-12, "形成协议文本", True), (25, "集中签约", False)),
        "progress": ((-11, "majun", "协议文本已征求各企业意见。", 60),),
    },
]

# ---------------------------------------------------------------------------------------------
# Meetings and salons
# ---------------------------------------------------------------------------------------------

VENUE = "党群服务中心"
OFFICIALS = ["staff", "chief", "qianzhiyuan", "jianglihua"]
HEADS = ["depthead", "zhoujianhua", "kongwenbin", "zhaomin", "xuhao", "shenli"]

SALON_TITLE = "产业链党建座谈会暨“红链有约 服务赋能”专场沙龙"

# Fixed by the article: the plaque ceremony, the Haihu forum exchange and the mid-August salon.
FIXED_EVENTS = [
    {
        "title": "三大产业链党建联盟授牌仪式",
        "kind": EventKind.SYMPOSIUM,
        "chains": ("nev", "robotics", "machinery"),
        "starts_at": datetime(2026, 3, 26, 9, 30, tzinfo=SHANGHAI),
        "ends_at": datetime(2026, 3, 26, 11, 30, tzinfo=SHANGHAI),
        "agenda": (
            "一、为三大产业链党建联盟授牌\n二、链长、链主企业代表发言\n三、部署“三张清单”工作"
        ),
        "minutes": (
            "为新能源汽车、机器人、工程机械三大产业链党建联盟授牌。会议部署企业需求清单、部门资源"
            "清单、行动项目清单“三张清单”工作，建立“一链一专班”联系服务企业机制。"
        ),
        "invitees": [*OFFICIALS, *HEADS, "secretary", "qiuzhigang", "hanxue", "fengxiaofeng"],
        "decisions": ("绘制完善企业需求清单、部门资源清单、行动项目清单“三张清单”。",),
    },
    {
        "title": "海湖论坛·三大产业链党建交流活动",
        "kind": EventKind.PARTY_DAY,
        "chains": ("nev", "robotics", "machinery"),
        "starts_at": datetime(2026, 6, 26, 14, 0, tzinfo=SHANGHAI),
        "ends_at": datetime(2026, 6, 26, 17, 0, tzinfo=SHANGHAI),
        "venue": "武高新商会海湖论坛",
        "agenda": (
            "一、产业配套、人才短缺、产城融合主题交流\n二、行业发展趋势分析\n三、工艺流程学习交流"
        ),
        "minutes": (
            "依托武高新商会海湖论坛，理想汽车、节卡机器人、龙城精锻等十家公司交流沟通，分析行业发展"
            "趋势，学习提升工艺流程。节卡机器人与柳工常州机械就结构件打磨自动化达成合作意向。"
        ),
        "invitees": [
            "liaison",
            "hanxue",
            "fengxiaofeng",
            "jiangguoping",
            "panjianjun",
            "dinglei",
            "wuhaiyan",
            "hejing",
            "secretary",
            "qiuzhigang",
            "yujianping",
        ],
        "decisions": (
            (
                "推动节卡机器人与柳工常州机械签署结构件打磨自动化合作框架协议。",
                "节卡机器人与柳工常州机械结构件打磨自动化合作框架协议",
            ),
        ),
    },
    {
        "title": SALON_TITLE,
        "kind": EventKind.SALON,
        "chains": ("nev", "robotics", "machinery"),
        "starts_at": datetime(2026, 8, 14, 14, 30, tzinfo=SHANGHAI),
        "ends_at": datetime(2026, 8, 14, 17, 0, tzinfo=SHANGHAI),
        "agenda": (
            "一、党工委委员、纪工委书记沈涛讲话\n"
            "二、链主企业交流“党建+产业链”经验\n"
            "三、“红链有约 服务赋能”：部门资源清单发布与惠企服务对接\n"
            "四、搭建沟通平台，扩大“朋友圈”"
        ),
        "minutes": (
            "沈涛指出，园区紧扣产业图谱，推动组织建设与产业链条同步延伸、"
            "党建工作与产业发展同步推进、"
            "组织活动与企业经营同步开展。柳工常州机械党总支副书记唐鹏莉介绍“党建带工建”经验；"
            "恒立液压党委介绍“先锋恒立”品牌和“三恒三立”工作法。经济发展局局长助理、工程机械产业链"
            "链长施文杰介绍智能车间诊断、企业上云、股改上市等惠企服务。"
        ),
        "invitees": [
            *OFFICIALS,
            "depthead",
            "zhoujianhua",
            "zhaomin",
            "liaison",
            "liusiyuan",
            "majun",
            "zhangchi",
            "yangfan",
            "wuhao",
            "secretary",
            "qiuzhigang",
            "hanxue",
            "jiangguoping",
            "fengxiaofeng",
            "yujianping",
        ],
        "declined": ("zhaomin",),
        "decisions": (
            (
                "推动恒立液压与柳工围绕关键液压元件开展协同技术攻关。",
                "恒立液压与柳工关键液压元件协同技术攻关",
            ),
            (
                "将智能车间诊断、企业上云、股改上市纳入“利链惠链”惠企服务，年内覆盖链上企业20家。",
                "“利链惠链”惠企服务进链：智能车间诊断、企业上云、股改上市",
            ),
            "建立健全联席会议机制，每月第一个星期二下午召开产业链党建联席会议。",
        ),
    },
]

SERIES = {
    "title": "产业链党建联席会议",
    "kind": EventKind.JOINT_MEETING,
    "rrule": "FREQ=MONTHLY;BYDAY=1TU",
    "first_starts_at": datetime(2026, 4, 7, 14, 30, tzinfo=SHANGHAI),
    "duration": timedelta(hours=2),
    "invitees": [
        *OFFICIALS,
        *HEADS,
        "liaison",
        "liusiyuan",
        "majun",
        "secretary",
        "qiuzhigang",
        "hanxue",
        "fengxiaofeng",
    ],
}
SERIES_PAST, SERIES_AHEAD = 3, 2
SERIES_AGENDA = (
    "一、通报企业需求清单办理情况（逾期、重办、长期跟踪事项）\n二、部门资源清单更新\n"
    "三、行动项目清单推进情况\n四、研究解决企业党建、经营发展和产业链建设问题"
)
# Decisions of the most recent held meetings, newest first: (text, linked action item or None).
SERIES_DECISIONS = [
    (
        (
            "启动机器人核心零部件协同攻关，由湟里减速机牵头。",
            "机器人核心零部件协同攻关：谐波减速器寿命提升",
        ),
        ("对逾期未办结的企业需求实行催办、督办，办理情况在下次联席会议上通报。", None),
    ),
    (("推动签署工程机械产业链就近配套合作框架协议。", "工程机械产业链就近配套合作框架协议"),),
    (("组织理想汽车与链上企业开展本地配套供需对接。", "理想汽车与链上企业本地配套供需对接"),),
]

# A one-off meeting a little ahead, so the calendar always has something coming up.
UPCOMING_MATCHMAKING = {
    "title": "新能源汽车产业链供需对接会（第二场）",
    "kind": EventKind.MATCHMAKING,
    "chains": ("nev",),
    "days_ahead": 9,  # rolled forward to a working day
    "start": time(14, 0),
    "duration": timedelta(hours=2, minutes=30),
    "agenda": "一、理想汽车发布本地化采购需求\n二、配套企业产品推介\n三、一对一洽谈",
    "invitees": [
        "staff",
        "qianzhiyuan",
        "liaison",
        "majun",
        "hanxue",
        "jiangguoping",
        "panjianjun",
        "dinglei",
        "chengli",
        "zhongxiaotong",
    ],
    "accepted": ("qianzhiyuan", "majun", "hanxue", "jiangguoping"),
}


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def _org_code_check(body: str) -> str:
    # GB 11714 organization code check character over the 8 body digits.
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    value = 11 - sum(int(char) * weight for char, weight in zip(body, weights, strict=True)) % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def demo_credit_code(name: str) -> str:
    """A synthetic but valid unified social credit code, derived from the firm's name.

    These are NOT the firms' real codes: 9 (market regulation) + 1 (enterprise) + 320412
    (武进区) + an organization code made from a hash of the name (with its GB 11714 check
    character) + the GB 32100-2015 check character. Deterministic, so reruns find the same code.
    """
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    body = "".join(str(byte % 10) for byte in digest[:8])
    first17 = "91320412" + body + _org_code_check(body)
    return first17 + check_character(first17)


def add_workdays(day: date, count: int) -> date:
    """Monday to Friday only. The real calendar (holidays, 调休) comes with the needs workflow;
    the demo only needs plausible deadlines."""
    step = 1 if count >= 0 else -1
    remaining = abs(count)
    while remaining:
        day += timedelta(days=step)
        if day.weekday() < 5:
            remaining -= 1
    return day


def _shift_workdays(moment: datetime, count: int) -> datetime:
    local = moment.astimezone(SHANGHAI)
    return datetime.combine(add_workdays(local.date(), count), local.timetz())


def _at(day: date, hhmm: str) -> datetime:
    hours, minutes = (int(part) for part in hhmm.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=SHANGHAI)


def _resolve_workdays(category: str, urgency: str) -> int:
    if category in _CONSULTATION:
        group = "consultation"
    elif category in _PEOPLE:
        group = "people"
    else:
        group = "long"
    return _RESOLVE_WORKDAYS[group][urgency]


def _due(moment: datetime, limits: dict[str, timedelta], urgency: str) -> datetime:
    if urgency in limits:
        return moment + limits[urgency]
    return _shift_workdays(moment, 1)


class DemoDataError(Exception):
    """The demo data contradicts the domain rules (a bug in this module, not in the database)."""


@dataclass
class DemoResult:
    created: Counter = field(default_factory=Counter)
    logins: list[DemoLogin] = field(default_factory=list)

    @property
    def total_created(self) -> int:
        return sum(self.created.values())


# ---------------------------------------------------------------------------------------------
# The loader
# ---------------------------------------------------------------------------------------------


class _Loader:
    def __init__(self, now: datetime) -> None:
        self.now = now
        self.today = timezone.localdate(now)
        self.result = DemoResult()
        self.users: dict[str, User] = {}
        self.chains: dict[str, IndustryChain] = {}
        self.firms: dict[str, Enterprise] = {}
        self.departments: dict[str, Department] = {}
        self.liaisons: dict[str, Liaison] = {}
        self.resources: dict[str, DepartmentResource] = {}
        self.needs: dict[str, Need] = {}
        self.action_items: dict[str, ActionItem] = {}

    # -- generic -------------------------------------------------------------------------------

    def _get_or_create(
        self, model: type[models.Model], lookup: dict, defaults: dict | None = None
    ) -> tuple[models.Model, bool]:
        """Find the row by its natural key, or validate (full_clean) and create it."""
        instance = model._default_manager.filter(**lookup).first()
        if instance is not None:
            return instance, False
        instance = model(**lookup, **(defaults or {}))
        instance.full_clean()
        instance.save()
        self.result.created[str(model._meta.verbose_name_plural)] += 1
        return instance, True

    def _backdate(
        self, model: type[models.Model], stamps: list[tuple[models.Model, datetime]]
    ) -> None:
        # created_at is auto_now_add, which stamps the load time; the invented past is written
        # afterwards on the rows this run has just created (bulk_update calls neither save()
        # nor pre_save(), so the append-only guards and auto_now_add stay as they are).
        for instance, moment in stamps:
            instance.created_at = moment
        if stamps:
            model._default_manager.bulk_update([instance for instance, _ in stamps], ["created_at"])

    def _days(self, offset: int) -> date:
        """`offset` days from today, moved forward off a weekend (meetings and due dates fall on
        working days)."""
        day = self.today + timedelta(days=offset)
        while day.weekday() >= 5:
            day += timedelta(days=1)
        return day

    # -- sections ------------------------------------------------------------------------------

    def run(self) -> DemoResult:
        self.load_people()
        self.load_chains()
        self.load_firms()
        self.load_departments()
        self.load_needs()
        self.load_action_items()
        self.load_events()
        self.load_weekly_report()
        return self.result

    def load_people(self) -> None:
        logins = {username: label for username, label in LOGIN_ROLES}
        for username, (full_name, phone) in PEOPLE.items():
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User(
                    username=username,
                    full_name=full_name,
                    phone=phone,
                    email=f"{username}@{DEMO_EMAIL_DOMAIN}",
                    is_staff=username == "staff",
                )
                if username in logins:
                    validate_password(DEMO_PASSWORD, user)
                    user.set_password(DEMO_PASSWORD)
                else:
                    # People of the demo world who are not demo logins cannot sign in.
                    user.set_unusable_password()
                user.full_clean()
                user.save()
                self.result.created[str(User._meta.verbose_name_plural)] += 1
            self.users[username] = user
        staff_group = sync_park_staff_group()
        if not self.users["staff"].groups.filter(pk=staff_group.pk).exists():
            self.users["staff"].groups.add(staff_group)
        self.result.logins = [
            DemoLogin(
                str(label), username, self._login_password(username), self.users[username].full_name
            )
            for username, label in LOGIN_ROLES
        ]

    def _login_password(self, username: str) -> str:
        # A login that existed before keeps its password; say so rather than print a wrong one.
        # (hashers.check_password never re-hashes and saves, unlike User.check_password.)
        if check_password(DEMO_PASSWORD, self.users[username].password):
            return DEMO_PASSWORD
        return str(_("(unchanged: set before the demo was loaded)"))

    def load_chains(self) -> None:
        for spec in CHAINS:
            chain, _created = self._get_or_create(
                IndustryChain,
                {"code": spec["code"]},
                {
                    "name": spec["name"],
                    "alliance_name": spec["alliance_name"],
                    "alliance_founded_on": PLAQUE_DATE,
                    "chief": self.users[spec["chief"]],
                    "description": spec["description"],
                    "order": spec["order"],
                },
            )
            self.chains[spec["code"]] = chain
        for code, year, kind, index, output, growth, projects, notes in INDICATORS:
            self._get_or_create(
                ChainIndicator,
                {
                    "chain": self.chains[code],
                    "year": year,
                    "period_kind": kind,
                    "period_index": index,
                },
                {
                    "output_value": Decimal(output),
                    "yoy_growth": Decimal(growth),
                    "new_projects": projects,
                    "notes": notes,
                },
            )

    def load_firms(self) -> None:
        for spec in FIRMS:
            address = f"{PARK_ADDRESS}{spec.street}" if spec.street else PARK_ADDRESS
            firm, _created = self._get_or_create(
                Enterprise,
                {"name": spec.name},
                {
                    "short_name": spec.short_name,
                    "credit_code": demo_credit_code(spec.name),
                    "address": address,
                    "is_above_scale": spec.above_scale,
                    "srdi_level": spec.srdi,
                    "is_high_tech": spec.high_tech,
                    "is_listed": bool(spec.stock_code),
                    "stock_code": spec.stock_code,
                    "parent_company": spec.parent,
                    "main_products": spec.products,
                    "employees": spec.employees,
                    "primary_chain": self.chains[spec.chains[0][0]],
                },
            )
            self.firms[spec.name] = firm
            for code, role in spec.chains:
                self._get_or_create(
                    ChainMembership,
                    {"chain": self.chains[code], "enterprise": firm},
                    {"role": role, "joined_on": PLAQUE_DATE},
                )
        for supplier, customer, products, since in SUPPLY_LINKS:
            self._get_or_create(
                SupplyLink,
                {
                    "supplier": self.firms[supplier],
                    "customer": self.firms[customer],
                    "products": products,
                },
                {
                    "since": date(since, 1, 1),
                    "is_local": (supplier, customer, products) not in NOT_LOCAL_LINKS,
                },
            )
        for project, firm, investment, signed_on in SIGNED_PROJECTS:
            self._get_or_create(
                SignedProject,
                {"chain": self.chains["nev"], "name": project},
                {
                    "enterprise": self.firms[firm] if firm else None,
                    "investment": Decimal(investment),
                    "signed_on": signed_on,
                },
            )
        for spec in PARTY_ORGS:
            person = self.users.get(spec.secretary)
            self._get_or_create(
                PartyOrganization,
                {"name": spec.name},
                {
                    "enterprise": self.firms[spec.enterprise] if spec.enterprise else None,
                    "kind": spec.kind,
                    "secretary_name": person.full_name if person else spec.secretary,
                    "secretary_phone": person.phone if person else "",
                    "deputy_secretary": spec.deputy,
                    "member_count": spec.members,
                    "founded_on": spec.founded,
                    "brand": spec.brand,
                    "work_method": spec.method,
                    "notes": spec.notes,
                },
            )
        for username, firm, title in CONTACTS:
            self._get_or_create(
                EnterpriseContact,
                {"user": self.users[username], "enterprise": self.firms[firm]},
                {"title": title},
            )

    def load_departments(self) -> None:
        for name, short_name, head, phone, order in DEPARTMENTS:
            self.departments[name], _created = self._get_or_create(
                Department,
                {"name": name},
                {
                    "short_name": short_name,
                    "head": self.users[head],
                    "phone": phone,
                    "order": order,
                },
            )
        for username, department, expertise in LIAISONS:
            user = self.users[username]
            self.liaisons[username], _created = self._get_or_create(
                Liaison,
                {"user": user},
                {
                    "department": self.departments[department],
                    "phone": user.phone,
                    "expertise": expertise,
                },
            )
        for code, username, is_lead in TASK_FORCES:
            self._get_or_create(
                TaskForceMembership,
                {"liaison": self.liaisons[username], "chain": self.chains[code]},
                {"is_lead": is_lead},
            )
        for username, firm, primary, since, until in ASSIGNMENTS:
            assignment, created = self._get_or_create(
                LiaisonAssignment,
                {
                    "liaison": self.liaisons[username],
                    "enterprise": self.firms[firm],
                    "since": since,
                },
                {"is_primary": primary, "until": until},
            )
            if not created and (assignment.is_primary, assignment.until) != (primary, until):
                # `make run` loads the demo into the database an earlier version filled: an
                # assignment that has changed since is brought up to date, not left to clash
                # with the new primary liaison.
                assignment.is_primary, assignment.until = primary, until
                assignment.full_clean()
                assignment.save(update_fields=["is_primary", "until"])
        for spec in RESOURCES:
            person = self.users[spec.contact]
            self.resources[spec.title], _created = self._get_or_create(
                DepartmentResource,
                {"department": self.departments[spec.department], "title": spec.title},
                {
                    "category": spec.category,
                    "description": spec.description,
                    "how_to_apply": spec.how_to_apply,
                    "contact": f"{person.full_name} {person.phone}",
                    "valid_from": POLICY_FROM if spec.policy_package else None,
                    "valid_until": POLICY_UNTIL if spec.policy_package else None,
                    "is_policy_package": spec.policy_package,
                    "tags": spec.tags,
                },
            )

    # -- needs ---------------------------------------------------------------------------------

    def load_needs(self) -> None:
        # Masters first, so a merged need can point at its master.
        for spec in sorted(NEEDS, key=lambda spec: bool(spec.merged_into)):
            need = Need.objects.filter(number=spec.number).first()
            if need is None:
                need = self._create_need(spec)
            self.needs[spec.number] = need

    def _create_need(self, spec: NeedSpec) -> Need:
        firm = self.firms[spec.enterprise]
        submitter = self.users[spec.submitter]
        start_day = add_workdays(self.today, -spec.started)
        need = Need(
            number=spec.number,
            enterprise=firm,
            chain=firm.primary_chain,
            category=spec.category,
            urgency=spec.urgency,
            title=spec.title,
            description=spec.description,
            submitted_by=submitter,
            contact_name=submitter.full_name,
            contact_phone=submitter.phone,
            status=NeedStatus.DRAFT,
        )
        timeline: list[tuple[NeedEvent, datetime]] = []
        rungs: list[tuple[NeedEscalation, datetime]] = []  # as the deadline sweep claims them
        for step in spec.steps:
            moment = _at(add_workdays(start_day, step.day), step.at)
            if moment > self.now:
                raise DemoDataError(f"{spec.number}: step {step.action} lies in the future")
            from_status = need.status
            if step.to:
                if not need.can_transition_to(step.to):
                    raise DemoDataError(f"{spec.number}: {from_status} → {step.to} is not allowed")
                need.status = step.to
            actor = self._apply_step(need, spec, step, moment)
            if step.action == A.ESCALATE:
                rungs.append(
                    (NeedEscalation(need=need, level=step.level, due_at=need.resolve_due), moment)
                )
            timeline.append(
                (
                    NeedEvent(
                        actor=actor,
                        action=step.action,
                        from_status=from_status if step.to else "",
                        to_status=step.to,
                        note=step.note or self._default_note(need, step),
                        data=self._portal_lines(need, step),
                        is_public=step.public,
                    ),
                    moment,
                )
            )
        need.next_escalation_at = deadlines.next_escalation_at(need)  # as the services keep it
        need.full_clean()
        need.save()
        self.result.created[str(Need._meta.verbose_name_plural)] += 1
        created_at = timeline[0][1] - timedelta(minutes=20) if timeline else _at(start_day, "10:00")
        self._backdate(Need, [(need, created_at)])
        if spec.resources and need.status != NeedStatus.DRAFT:
            need.resources.set([self.resources[title] for title in spec.resources])
        for event, _moment in timeline:
            event.need = need
            event.full_clean()
            event.save()
            self.result.created[str(NeedEvent._meta.verbose_name_plural)] += 1
        self._backdate(NeedEvent, timeline)
        for rung, _moment in rungs:
            rung.need = need  # saved now: addressed to its chain and department (save())
            rung.full_clean()
            rung.save()
            self.result.created[str(NeedEscalation._meta.verbose_name_plural)] += 1
        self._backdate(NeedEscalation, rungs)
        return need

    @staticmethod
    def _portal_lines(need: Need, step: Step) -> list[dict]:
        """The lines the services write themselves on these moves (liaisons.needs.timeline), shown
        in each reader's language."""
        if step.action == A.DISPATCH:
            return [line("liaison", name=need.liaison.user.get_full_name())]
        if step.action == A.RATE and step.satisfaction:
            return [line("satisfaction", value=step.satisfaction)]
        return []

    @staticmethod
    def _default_note(need: Need, step: Step) -> str:
        if step.action == A.SUBMIT:
            return "企业提交需求。"
        if step.action == A.REPLY:
            return need.resolution
        if step.action == A.CLOSE:
            return "已办结。"
        return ""

    def _apply_step(self, need: Need, spec: NeedSpec, step: Step, moment: datetime) -> User | None:
        """Set the fields a move leaves behind; returns the actor of the timeline entry."""
        staff = self.users["staff"]
        liaison_user = need.liaison.user if need.liaison else None
        action = step.action
        if action == A.SUBMIT:
            need.submitted_at = moment
            need.accept_due = _due(moment, _ACCEPT, need.urgency)
            return need.submitted_by
        if action == A.ACCEPT:
            need.accepted_at = moment
            return staff
        if action == A.DISPATCH:
            need.liaison = self.liaisons[step.liaison]
            need.department = need.liaison.department
            need.dispatched_at = moment
            need.sign_due = _due(moment, _SIGN, need.urgency)
            need.first_contact_due = _due(moment, _FIRST_CONTACT, need.urgency)
            need.resolve_due = _shift_workdays(
                moment, _resolve_workdays(need.category, need.urgency)
            )
            return staff
        if action == A.SIGN:
            need.signed_at = moment
            return liaison_user
        if action in (A.CONTACT, A.VISIT):
            need.first_contact_at = need.first_contact_at or moment
            return liaison_user
        if action == A.REQUEST_INFO:
            need.paused_since = moment
            return liaison_user
        if action == A.APPROVE_EXTENSION:
            need.extension_workdays = step.extension
            need.resolve_due = _shift_workdays(need.resolve_due, step.extension)
            return staff
        if action == A.LONG_TERM:
            # A long-term need answers monthly; its next milestone reply is its deadline.
            need.resolve_due = _shift_workdays(moment, LONG_TERM_REPLY_WORKDAYS)
            return liaison_user
        if action == A.MILESTONE:
            need.resolve_due = _shift_workdays(moment, LONG_TERM_REPLY_WORKDAYS)
            return liaison_user
        if action == A.REQUEST_RETURN:
            need.return_count += 1
            return liaison_user
        if action == A.REPLY:
            need.replied_at = moment
            need.rating_due = _shift_workdays(moment, _RATING_WORKDAYS[need.urgency])
            need.resolution = spec.resolution
            return liaison_user
        if action == A.RATE:
            need.satisfaction = step.satisfaction
            need.satisfaction_comment = spec.satisfaction_comment
            need.rated_at = moment
            return need.submitted_by
        if action == A.REOPEN:
            need.escalation_level = min(need.escalation_level + 1, EscalationLevel.SUPERVISE)
            need.resolve_due = _shift_workdays(
                moment, _resolve_workdays(need.category, need.urgency)
            )
            return staff
        if action == A.ESCALATE:
            need.escalation_level = step.level
            return None  # the deadline sweep
        if action == A.CLOSE:
            need.closed_at = moment
            return staff
        if action == A.REJECT:
            need.resolution = spec.resolution
            return staff
        if action == A.MERGE:
            need.merged_into = self.needs[spec.merged_into]
            return staff
        if action in (A.RETURN_VISIT,):
            return staff
        if action in (A.REQUEST_EXTENSION, A.LINK_RESOURCE, A.COMMENT, A.ACTION_ITEM):
            return liaison_user
        raise DemoDataError(f"{spec.number}: no rule for the demo step {action}")

    # -- action items --------------------------------------------------------------------------

    def load_action_items(self) -> None:
        for spec in ACTION_ITEMS:
            item, created = self._get_or_create(
                ActionItem,
                {"title": spec["title"]},
                {
                    "kind": spec["kind"],
                    "status": spec["status"],
                    "description": spec["description"],
                    "owner": self.users[spec["owner"]],
                    "origin_need": self.needs.get(spec.get("origin_need", "")),
                    "due_date": self._days(spec["due"]),
                    "outcome": spec.get("outcome", ""),
                    "outcome_amount": Decimal(spec["amount"]) if "amount" in spec else None,
                },
            )
            self.action_items[spec["title"]] = item
            if not created:
                continue
            item.chains.set([self.chains[code] for code in spec["chains"]])
            for firm, role in spec["participants"]:
                self._get_or_create(
                    ActionItemParticipant,
                    {"action_item": item, "enterprise": self.firms[firm]},
                    {"role": role},
                )
            for offset, text, done in spec["milestones"]:
                due_on = self._days(offset)
                self._get_or_create(
                    ActionItemMilestone,
                    {"action_item": item, "text": text},
                    {"due_on": due_on, "done_at": _at(due_on, "17:00") if done else None},
                )
            stamps = []
            for offset, author, note, percent in spec["progress"]:
                report, _created = self._get_or_create(
                    ActionItemProgress,
                    {"action_item": item, "note": note},
                    {"author": self.users[author], "percent": percent},
                )
                stamps.append((report, _at(self._days(offset), "16:30")))
            self._backdate(ActionItemProgress, stamps)

    # -- events --------------------------------------------------------------------------------

    def load_events(self) -> None:
        organizer = self.users["staff"]
        all_chains = [self.chains[code] for code in ("nev", "robotics", "machinery")]
        for spec in FIXED_EVENTS:
            event, created = self._get_or_create(
                Event,
                {"title": spec["title"], "starts_at": spec["starts_at"]},
                {
                    "kind": spec["kind"],
                    "organizer": organizer,
                    "venue": spec.get("venue", VENUE),
                    "ends_at": spec["ends_at"],
                    "agenda": spec["agenda"],
                    "status": EventStatus.HELD,
                    "minutes": spec["minutes"],
                },
            )
            if created:
                event.chains.set([self.chains[code] for code in spec["chains"]])
            self._invite(event, spec["invitees"], declined=spec.get("declined", ()))
            self._decide(event, spec["decisions"])

        series, created = self._get_or_create(
            EventSeries,
            {"title": SERIES["title"]},
            {
                "kind": SERIES["kind"],
                "venue": VENUE,
                "rrule": SERIES["rrule"],
                "first_starts_at": SERIES["first_starts_at"],
                "duration": SERIES["duration"],
            },
        )
        if created:
            series.chains.set(all_chains)
        self._load_occurrences(series, all_chains, organizer)

        spec = UPCOMING_MATCHMAKING
        starts_at = datetime.combine(self._days(spec["days_ahead"]), spec["start"], tzinfo=SHANGHAI)
        # Found by its title: a later run does not move or duplicate it.
        event, created = self._get_or_create(
            Event,
            {"title": spec["title"]},
            {
                "kind": spec["kind"],
                "organizer": organizer,
                "venue": VENUE,
                "starts_at": starts_at,
                "ends_at": starts_at + spec["duration"],
                "agenda": spec["agenda"],
            },
        )
        if created:
            event.chains.set([self.chains[code] for code in spec["chains"]])
            self._invite(event, spec["invitees"], accepted=spec["accepted"])

    def _load_occurrences(self, series: EventSeries, chains, organizer: User) -> None:
        """The last few meetings (held, with minutes) and the next ones (planned). A slot on a
        holiday is held on the next working day, as the series' generator does (National Day
        2026 moves the October meeting from the 6th to the 8th)."""
        rule = rrulestr(series.rrule, dtstart=series.first_starts_at.astimezone(SHANGHAI))
        past = rule.between(series.first_starts_at, self.now, inc=True)[-SERIES_PAST:]
        ahead: list[datetime] = []
        moment = self.now
        while len(ahead) < SERIES_AHEAD and (moment := rule.after(moment)) is not None:
            ahead.append(moment)
        moves = working_starts(past + ahead) if series.skip_days_off else {}
        for slot in past + ahead:
            starts_at, day_off = moves.get(slot, (slot, ""))
            held = starts_at + series.duration <= self.now
            index = len(past) - 1 - past.index(slot) if slot in past else None
            # Meetings of earlier runs found by their start (they were stored without a slot).
            if Event.objects.filter(series=series, series_slot=None, starts_at=slot).exists():
                continue
            event, created = self._get_or_create(
                Event,
                {"series": series, "series_slot": slot},
                {
                    "kind": series.kind,
                    "title": f"{slot.year}年{slot.month}月{series.title}",
                    "organizer": organizer,
                    "venue": series.venue,
                    "starts_at": starts_at,
                    "ends_at": starts_at + series.duration,
                    "day_off": day_off,
                    "agenda": SERIES_AGENDA,
                    "status": EventStatus.HELD if held else EventStatus.PLANNED,
                    "minutes": self._series_minutes(starts_at) if held else "",
                },
            )
            # Which minutes a meeting carries depends on today, so they are written only with
            # the meeting itself; an existing meeting is never given a second set.
            if not created:
                continue
            event.chains.set(chains)
            if held:
                self._invite(event, SERIES["invitees"])
                if index is not None and index < len(SERIES_DECISIONS):
                    self._decide(event, SERIES_DECISIONS[index])
            else:
                self._invite(event, SERIES["invitees"], accepted=("chief", "depthead", "majun"))

    @staticmethod
    def _series_minutes(starts_at: datetime) -> str:
        return (
            f"{starts_at.month}月联席会议由党群工作部召集，龙头企业党组织及相关产业链企业代表参会，"
            "通报企业需求清单办理情况，研究解决企业党建、经营发展和产业链建设等方面问题。"
        )

    def _invite(self, event: Event, usernames, *, declined=(), accepted=None) -> None:
        """Invitations; for a held event everybody replied and those who came checked in."""
        held = event.status == EventStatus.HELD
        stamps = []
        for username in usernames:
            if held:
                rsvp = Rsvp.DECLINED if username in declined else Rsvp.ACCEPTED
            else:
                rsvp = Rsvp.ACCEPTED if username in (accepted or ()) else Rsvp.PENDING
            replied = min(event.starts_at - timedelta(days=2), self.now - timedelta(hours=3))
            invitation, created = self._get_or_create(
                Invitation,
                {"event": event, "user": self.users[username]},
                {
                    "rsvp": rsvp,
                    "responded_at": replied if rsvp != Rsvp.PENDING else None,
                    "checked_in_at": (
                        event.starts_at - timedelta(minutes=10)
                        if held and rsvp == Rsvp.ACCEPTED
                        else None
                    ),
                },
            )
            if created:
                stamps.append((invitation, min(event.starts_at - timedelta(days=7), replied)))
        self._backdate(Invitation, stamps)

    def _decide(self, event: Event, decisions) -> None:
        stamps = []
        for order, decision in enumerate(decisions, start=1):
            text, title = decision if isinstance(decision, tuple) else (decision, None)
            if Decision.objects.filter(event=event, text=text).exists():
                continue
            item = self.action_items.get(title) if title else None
            if item is not None and Decision.objects.filter(action_item=item).exists():
                # A meeting generated on a later run must not claim another meeting's item.
                item = None
            row, _created = self._get_or_create(
                Decision, {"event": event, "text": text}, {"order": order, "action_item": item}
            )
            stamps.append((row, event.ends_at))
        self._backdate(Decision, stamps)

    def load_weekly_report(self) -> None:
        """The weekly report (周通报) of the last finished week, made by the report service as the
        Monday schedule makes it (readers are told), so /reports/weekly/ is not empty. A week
        that has its report keeps it: a second run writes nothing."""
        week = reports.last_finished_week(self.now)
        _report, outcome = reports.weekly_report_generate(week_start=week, now=self.now)
        if outcome is reports.Outcome.CREATED:
            self.result.created[str(WeeklyReport._meta.verbose_name_plural)] += 1


def load_demo(*, now: datetime | None = None) -> DemoResult:
    """Load (or complete) the demo world; returns what was created and the demo logins."""
    now = now or timezone.now()
    with transaction.atomic():
        return _Loader(now).run()
