"""Matchmaking inside a chain: who is suggested for a need, in which order, and why (in Chinese,
the portal's language)."""

from __future__ import annotations

import pytest

from enterprises.models import ChainMembership
from liaisons.models import NeedCategory, NeedStatus
from liaisons.needs.matchmaking import bigrams, suggest_partners
from tests import factories
from tests.liaisons.conftest import make_need

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain_world():
    chain = factories.IndustryChainFactory(code="machinery", name="工程机械")
    other_chain = factories.IndustryChainFactory(code="nev", name="新能源汽车")
    firms = {}

    def firm(key, name, products, role=ChainMembership.Role.MEMBER, chain_=chain):
        enterprise = factories.EnterpriseFactory(
            name=name, main_products=products, primary_chain=chain_
        )
        factories.ChainMembershipFactory(chain=chain_, enterprise=enterprise, role=role)
        firms[key] = enterprise
        return enterprise

    firm("need", "柳工常州机械有限公司", "挖掘机、装载机", ChainMembership.Role.LEADER)
    # Makes what the need asks for.
    firm("cylinders", "常州甲液压有限公司", "高压油缸、液压控制阀")
    # Supplies the need's firm already, and pumps match.
    firm("pumps", "常州乙泵业有限公司", "柱塞泵", ChainMembership.Role.CORE_SUPPLIER)
    # A chain leader with nothing matching: a role alone proves nothing.
    firm("leader", "常州丙整车有限公司", "座椅、内饰件", ChainMembership.Role.LEADER)
    # Matches weakly through what it supplies to somebody else, locally.
    firm("seals", "常州丁密封件有限公司", "橡胶制品")
    # Matching, but in another chain.
    firm("outside", "常州戊液压有限公司", "高压油缸、液压泵", chain_=other_chain)
    factories.SupplyLinkFactory(
        supplier=firms["pumps"], customer=firms["need"], products="液压柱塞泵"
    )
    factories.SupplyLinkFactory(
        supplier=firms["seals"], customer=firms["leader"], products="液压密封件", is_local=True
    )
    need = make_need(
        enterprise=firms["need"],
        status=NeedStatus.SUBMITTED,
        category=NeedCategory.MATCHMAKING,
        title="寻求本地高压油缸和液压泵配套",
        description="挖掘机新品投产，希望在园区内找到高压油缸、液压泵的就近配套企业。",
        chain=chain,
    )
    return need, firms


def test_bigrams_skip_words_that_match_everything():
    assert bigrams("高压油缸") == {"高压", "压油", "油缸"}
    assert "企业" not in bigrams("配套企业")
    assert bigrams("ISO 9001 认证") >= {"iso", "9001", "认证"}


def test_suggestions_are_ranked_and_explained(chain_world, django_assert_max_num_queries):
    need, firms = chain_world
    # 1. the chain's members with their firms, 2. their supply links (and the need firm's).
    with django_assert_max_num_queries(2):
        suggestions = suggest_partners(need)
    names = [s.enterprise.name for s in suggestions]
    assert names == ["常州乙泵业有限公司", "常州甲液压有限公司", "常州丁密封件有限公司"]
    pumps, cylinders, seals = suggestions
    assert cylinders.reason == "主营产品含「高压油缸」「液压控制阀」"
    # "柱塞泵" alone shares nothing with the need; what it supplies ("液压柱塞泵") does.
    assert pumps.reason == "已供货产品含「液压柱塞泵」；已向本企业供货（液压柱塞泵）；核心配套企业"
    assert seals.reason.startswith("已供货产品含「液压密封件」")
    assert "就近配套" in seals.reason
    # Not suggested: the need's own firm, a leader without a match, another chain's firm.
    assert firms["leader"].name not in names
    assert firms["outside"].name not in names
    assert firms["need"].name not in names


def test_a_customer_of_the_need_firm_is_suggested_with_the_link(chain_world):
    need, firms = chain_world
    factories.SupplyLinkFactory(
        supplier=firms["need"], customer=firms["leader"], products="工程机械整机"
    )
    suggestion = next(s for s in suggest_partners(need) if s.enterprise == firms["leader"])
    assert suggestion.reason == "已是本企业客户；链主企业"


def test_the_limit_and_other_categories(chain_world):
    need, _firms = chain_world
    assert len(suggest_partners(need, limit=1)) == 1
    need.category = NeedCategory.TECHNOLOGY
    assert suggest_partners(need)
    need.category = NeedCategory.FINANCING
    assert suggest_partners(need) == []
    need.category = NeedCategory.MATCHMAKING
    need.chain = None
    assert suggest_partners(need) == []


def test_queries_do_not_grow_with_the_chain(chain_world, django_assert_max_num_queries):
    need, _firms = chain_world
    for index in range(40):
        firm = factories.EnterpriseFactory(main_products=f"液压油缸{index}型")
        factories.ChainMembershipFactory(chain=need.chain, enterprise=firm)
        factories.SupplyLinkFactory(supplier=firm, customer=need.enterprise, products="油缸")
    with django_assert_max_num_queries(2):
        assert len(suggest_partners(need)) == 8
