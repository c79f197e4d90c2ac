"""Factories for every model (Chinese fake data)."""

from datetime import date, timedelta
from decimal import Decimal

import factory
from django.contrib.auth.models import Group
from django.utils import timezone
from factory.django import DjangoModelFactory

from alliance.core.models import User
from alliance.core.staff import PARK_STAFF_GROUP
from chains.models import ChainIndicator, IndustryChain, PeriodKind
from enterprises.models import (
    ChainMembership,
    Enterprise,
    EnterpriseContact,
    PartyOrganization,
    SignedProject,
    SupplyLink,
)
from enterprises.validators import CHARSET, check_character
from events.models import Decision, Event, EventKind, Invitation
from liaisons.models import (
    ActionItem,
    ActionItemKind,
    Department,
    DepartmentResource,
    Liaison,
    LiaisonAssignment,
    Need,
    NeedCategory,
    NeedEvent,
    NeedEventAction,
    NeedStatus,
    TaskForceMembership,
)
from liaisons.needs import deadlines


def make_credit_code(n: int) -> str:
    """A valid unified social credit code (GB 32100-2015) derived from a number."""
    body = "".join(CHARSET[(n // 31**i) % 31] for i in range(9))[::-1]
    first17 = "91320412" + body
    return first17 + check_character(first17)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Faker("name", locale="zh_CN")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("correct-horse-battery")


class StaffFactory(UserFactory):
    is_staff = True

    @factory.post_generation
    def park_staff(obj, create, extracted, **kwargs):
        if create:
            group, _ = Group.objects.get_or_create(name=PARK_STAFF_GROUP)
            obj.groups.add(group)


class IndustryChainFactory(DjangoModelFactory):
    class Meta:
        model = IndustryChain
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"chain{n}")
    name = factory.Sequence(lambda n: f"产业链{n}")
    alliance_name = factory.LazyAttribute(lambda c: f"{c.name}党建联盟")


class ChainIndicatorFactory(DjangoModelFactory):
    class Meta:
        model = ChainIndicator

    chain = factory.SubFactory(IndustryChainFactory)
    year = 2026
    period_kind = PeriodKind.HALF
    period_index = 1
    output_value = Decimal("100.00")
    yoy_growth = Decimal("10.00")


class EnterpriseFactory(DjangoModelFactory):
    class Meta:
        model = Enterprise

    name = factory.Sequence(lambda n: f"常州测试{n}号科技有限公司")
    credit_code = factory.Sequence(lambda n: make_credit_code(n + 1000))
    primary_chain = factory.SubFactory(IndustryChainFactory)


class PartyOrganizationFactory(DjangoModelFactory):
    class Meta:
        model = PartyOrganization

    enterprise = factory.SubFactory(EnterpriseFactory)
    kind = PartyOrganization.Kind.BRANCH
    name = factory.LazyAttribute(
        lambda p: f"{p.enterprise.name}党支部" if p.enterprise else "联合党支部"
    )
    secretary_name = factory.Faker("name", locale="zh_CN")
    member_count = 12


class EnterpriseContactFactory(DjangoModelFactory):
    class Meta:
        model = EnterpriseContact

    user = factory.SubFactory(UserFactory)
    enterprise = factory.SubFactory(EnterpriseFactory)


class ChainMembershipFactory(DjangoModelFactory):
    class Meta:
        model = ChainMembership

    chain = factory.SubFactory(IndustryChainFactory)
    enterprise = factory.SubFactory(EnterpriseFactory)


class SupplyLinkFactory(DjangoModelFactory):
    class Meta:
        model = SupplyLink

    supplier = factory.SubFactory(EnterpriseFactory)
    customer = factory.SubFactory(EnterpriseFactory)
    products = "液压油缸"


class SignedProjectFactory(DjangoModelFactory):
    class Meta:
        model = SignedProject

    chain = factory.SubFactory(IndustryChainFactory)
    name = factory.Sequence(lambda n: f"新签项目{n}")
    investment = Decimal("12.50")
    signed_on = date(2026, 3, 1)


class DepartmentFactory(DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"测试局{n}")


class LiaisonFactory(DjangoModelFactory):
    class Meta:
        model = Liaison

    user = factory.SubFactory(UserFactory)
    department = factory.SubFactory(DepartmentFactory)


class LiaisonAssignmentFactory(DjangoModelFactory):
    class Meta:
        model = LiaisonAssignment

    liaison = factory.SubFactory(LiaisonFactory)
    enterprise = factory.SubFactory(EnterpriseFactory)
    since = date(2026, 1, 1)


class TaskForceMembershipFactory(DjangoModelFactory):
    class Meta:
        model = TaskForceMembership

    liaison = factory.SubFactory(LiaisonFactory)
    chain = factory.SubFactory(IndustryChainFactory)


class DepartmentResourceFactory(DjangoModelFactory):
    class Meta:
        model = DepartmentResource

    department = factory.SubFactory(DepartmentFactory)
    title = factory.Sequence(lambda n: f"惠企资源{n}")
    category = NeedCategory.FINANCING


class NeedFactory(DjangoModelFactory):
    class Meta:
        model = Need

    number = factory.Sequence(lambda n: f"XQ-2026-{n + 1:05d}")
    enterprise = factory.SubFactory(EnterpriseFactory)
    chain = factory.LazyAttribute(lambda need: need.enterprise.primary_chain)
    category = NeedCategory.FINANCING
    title = factory.Sequence(lambda n: f"流动资金贷款需求{n}")
    description = "企业扩产需要流动资金支持。"
    submitted_by = factory.SubFactory(UserFactory)
    status = NeedStatus.SUBMITTED
    submitted_at = factory.LazyFunction(timezone.now)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        need = model_class(*args, **kwargs)
        if "next_escalation_at" not in kwargs:  # as the services keep it
            need.next_escalation_at = deadlines.next_escalation_at(need)
        need.save()
        return need


class NeedEventFactory(DjangoModelFactory):
    class Meta:
        model = NeedEvent

    need = factory.SubFactory(NeedFactory)
    action = NeedEventAction.COMMENT
    note = "电话联系企业。"


class ActionItemFactory(DjangoModelFactory):
    class Meta:
        model = ActionItem

    kind = ActionItemKind.MATCHMAKING
    title = factory.Sequence(lambda n: f"供需对接项目{n}")
    due_date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=30))


class EventFactory(DjangoModelFactory):
    class Meta:
        model = Event

    kind = EventKind.SALON
    title = factory.Sequence(lambda n: f"红链有约专场沙龙{n}")
    venue = "党群服务中心"
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda e: e.starts_at + timedelta(hours=2))


class InvitationFactory(DjangoModelFactory):
    class Meta:
        model = Invitation

    event = factory.SubFactory(EventFactory)
    user = factory.SubFactory(UserFactory)


class DecisionFactory(DjangoModelFactory):
    class Meta:
        model = Decision

    event = factory.SubFactory(EventFactory)
    text = "推动恒立液压与柳工开展关键液压件联合攻关。"
