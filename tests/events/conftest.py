"""A small alliance for the meeting tests: two chains, their firms and one person per role."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from alliance.core.models import User
from chains.models import IndustryChain
from enterprises.models import ChainMembership, Enterprise
from events.models import Event
from liaisons.models import Department
from tests import factories

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A fixed "now" for services and sweeps: Tuesday 1 December 2026, 09:00 in Changzhou.
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI)


@dataclass
class World:
    staff: User
    chief: User  # chief of robotics
    secretary: User  # 节卡机器人 (robotics)
    robotics_contact: User  # 另一家机器人企业 (robotics)
    machinery_secretary: User  # 恒立液压 (machinery only)
    liaison: User  # 宋飞洋, 科学技术局, robotics task force
    head: User  # head of 科学技术局
    outsider: User  # signed in, no role
    robotics: IndustryChain
    machinery: IndustryChain
    jaka: Enterprise
    hengli: Enterprise
    science: Department


@pytest.fixture
def world(db) -> World:
    return build_world()


def build_world() -> World:
    chief = factories.UserFactory(username="chief", full_name="王链长")
    robotics = factories.IndustryChainFactory(
        code="robotics", name="机器人", alliance_name="机器人产业链党建联盟", chief=chief, order=2
    )
    machinery = factories.IndustryChainFactory(
        code="machinery", name="工程机械", alliance_name="工程机械产业链党建联盟", order=3
    )
    jaka = factories.EnterpriseFactory(name="节卡机器人股份有限公司", primary_chain=robotics)
    reducer = factories.EnterpriseFactory(name="常州湟里减速机有限公司", primary_chain=robotics)
    hengli = factories.EnterpriseFactory(name="江苏恒立液压股份有限公司", primary_chain=machinery)
    factories.ChainMembershipFactory(
        chain=robotics, enterprise=jaka, role=ChainMembership.Role.LEADER
    )
    factories.ChainMembershipFactory(chain=robotics, enterprise=reducer)
    factories.ChainMembershipFactory(chain=machinery, enterprise=hengli)
    secretary = factories.UserFactory(username="secretary", full_name="钱佳")
    factories.EnterpriseContactFactory(user=secretary, enterprise=jaka)
    robotics_contact = factories.UserFactory(username="reducer", full_name="丁磊")
    factories.EnterpriseContactFactory(user=robotics_contact, enterprise=reducer)
    machinery_secretary = factories.UserFactory(username="hengli", full_name="徐静")
    factories.EnterpriseContactFactory(user=machinery_secretary, enterprise=hengli)
    head = factories.UserFactory(username="depthead", full_name="周局长")
    science = factories.DepartmentFactory(name="科学技术局", head=head)
    liaison = factories.LiaisonFactory(
        user=factories.UserFactory(username="liaison", full_name="宋飞洋"), department=science
    )
    factories.TaskForceMembershipFactory(liaison=liaison, chain=robotics, is_lead=True)
    return World(
        staff=factories.StaffFactory(username="staff", full_name="陈杰"),
        chief=chief,
        secretary=secretary,
        robotics_contact=robotics_contact,
        machinery_secretary=machinery_secretary,
        liaison=liaison.user,
        head=head,
        outsider=factories.UserFactory(username="nobody", full_name="路人甲"),
        robotics=robotics,
        machinery=machinery,
        jaka=jaka,
        hengli=hengli,
        science=science,
    )


def make_event(*, chains=(), invitees=(), starts_in=timedelta(days=7), **fields) -> Event:
    """A planned meeting relative to the real clock (pages compare with timezone.now())."""
    starts_at = timezone.now() + starts_in
    event = factories.EventFactory(
        starts_at=starts_at, ends_at=starts_at + timedelta(hours=2), **fields
    )
    event.chains.set(chains)
    for user in invitees:
        factories.InvitationFactory(event=event, user=user)
    return event
