from decimal import Decimal

import pytest

from enterprises.models import (
    ChainMembership,
    Enterprise,
    EnterpriseContact,
    PartyOrganization,
    SignedProject,
    SupplyLink,
)
from tests import factories
from tests.admin_helpers import (
    BASE_QUERIES,
    AdminCase,
    admin_matrix,
    admin_url,
    page_queries,
)


def _enterprises(n: int) -> list[Enterprise]:
    enterprises = factories.EnterpriseFactory.create_batch(n)
    for enterprise in enterprises:
        factories.ChainMembershipFactory(enterprise=enterprise, chain=enterprise.primary_chain)
    return enterprises


def _projects(n: int) -> list[SignedProject]:
    amounts = [Decimal("150"), Decimal("45"), Decimal("12.5"), Decimal("3")]
    return [
        factories.SignedProjectFactory(
            enterprise=factories.EnterpriseFactory(), investment=amounts[i % len(amounts)]
        )
        for i in range(n)
    ]


ADMIN_CASES = {
    # + the rows with their primary chain joined in, the choices of the two chain filters
    Enterprise: AdminCase(build=_enterprises, changelist_queries=BASE_QUERIES + 2),
    # + the rows with their enterprise; the chain filter's choices
    PartyOrganization: AdminCase(
        build=lambda n: factories.PartyOrganizationFactory.create_batch(n),
        changelist_queries=BASE_QUERIES + 1,
    ),
    # + the rows with user and enterprise joined in
    EnterpriseContact: AdminCase(
        build=lambda n: factories.EnterpriseContactFactory.create_batch(n),
        changelist_queries=BASE_QUERIES,
    ),
    # + the rows with supplier and customer joined in
    SupplyLink: AdminCase(
        build=lambda n: factories.SupplyLinkFactory.create_batch(n), changelist_queries=BASE_QUERIES
    ),
    # + the rows with enterprise and chain; the chain filter's choices
    ChainMembership: AdminCase(
        build=lambda n: factories.ChainMembershipFactory.create_batch(n),
        changelist_queries=BASE_QUERIES + 1,
    ),
    # + the rows with chain and enterprise; the chain filter's choices; the date hierarchy's years
    SignedProject: AdminCase(build=_projects, changelist_queries=BASE_QUERIES + 3),
}


(
    test_staff_open_changelist_add_and_change,
    test_plain_user_and_anonymous_are_sent_to_admin_login,
    test_changelist_queries_do_not_grow_with_rows,
) = admin_matrix(ADMIN_CASES)


@pytest.mark.parametrize("model", [Enterprise, PartyOrganization], ids=lambda m: m.__name__)
def test_history_is_kept_and_shown(staff_client, model):
    obj = ADMIN_CASES[model].build(1)[0]
    response = staff_client.get(admin_url(model, "history", obj.pk))
    assert response.status_code == 200
    assert obj.history.count() == 1


def test_enterprise_page_shows_its_party_organizations_contacts_and_chains(staff_client):
    enterprise = factories.EnterpriseFactory(name="江苏恒立液压股份有限公司")
    factories.PartyOrganizationFactory(enterprise=enterprise, name="恒立液压党委", brand="先锋恒立")
    factories.EnterpriseContactFactory(enterprise=enterprise, user__full_name="王书记")
    factories.ChainMembershipFactory(enterprise=enterprise, chain__name="工程机械")
    content = staff_client.get(admin_url(Enterprise, "change", enterprise.pk)).content.decode()
    assert "恒立液压党委" in content
    assert "先锋恒立" in content
    assert "王书记" in content
    assert "工程机械" in content


def test_enterprise_page_queries_do_not_grow_with_inline_rows(staff_client):
    enterprise = factories.EnterpriseFactory()
    url = admin_url(Enterprise, "change", enterprise.pk)

    def add_rows(n: int) -> None:
        for _ in range(n):
            count = enterprise.party_organizations.count()
            factories.PartyOrganizationFactory(enterprise=enterprise, name=f"第{count + 1}党支部")
            factories.EnterpriseContactFactory(enterprise=enterprise)
            factories.ChainMembershipFactory(enterprise=enterprise)

    add_rows(2)
    with_two = page_queries(staff_client, url)[0]
    add_rows(8)
    assert page_queries(staff_client, url)[0] == with_two


def test_signed_projects_show_and_filter_their_size_bucket(staff_client):
    big = factories.SignedProjectFactory(name="百亿项目", investment=Decimal("120"))
    small = factories.SignedProjectFactory(name="小项目", investment=Decimal("2.5"))
    url = admin_url(SignedProject, "changelist")
    content = staff_client.get(url).content.decode()
    assert str(SignedProject.SizeBucket.OVER_100.label) in content
    assert str(SignedProject.SizeBucket.BELOW.label) in content
    filtered = staff_client.get(url, {"size": SignedProject.SizeBucket.OVER_100.value})
    assert list(filtered.context["cl"].result_list) == [big]
    filtered = staff_client.get(url, {"size": SignedProject.SizeBucket.BELOW.value})
    assert list(filtered.context["cl"].result_list) == [small]


def _change_form_data(response) -> dict:
    """The admin change form's data as the page shows it, its inlines included."""
    data: dict = {}

    def put(form, name):
        value = form[name].value()
        if value is None or value is False:
            return
        data[form.add_prefix(name)] = "on" if value is True else value

    form = response.context["adminform"].form
    for name in form.fields:
        put(form, name)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for key, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{key}"] = value
        for each in formset.forms:
            for name in each.fields:
                put(each, name)
    return data


@pytest.mark.django_db
def test_changing_a_firms_primary_chain_in_the_admin_makes_it_a_member(client):
    """A firm is counted in its 主产业链 by membership: the admin form keeps the two together,
    and the membership of the chain it leaves stays (it may still serve it)."""
    client.force_login(factories.StaffFactory())
    leader = factories.ChainMembershipFactory(role=ChainMembership.Role.LEADER)
    enterprise, old_chain = leader.enterprise, leader.chain
    new_chain = factories.IndustryChainFactory()
    url = admin_url(Enterprise, "change", enterprise.pk)
    data = _change_form_data(client.get(url))
    data["primary_chain"] = new_chain.pk
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    memberships = dict(
        ChainMembership.objects.filter(enterprise=enterprise).values_list("chain", "role")
    )
    assert memberships == {
        old_chain.pk: ChainMembership.Role.LEADER,
        new_chain.pk: ChainMembership.Role.MEMBER,
    }
    # Saving again adds nothing and downgrades nobody.
    client.post(url, _change_form_data(client.get(url)))
    assert ChainMembership.objects.filter(enterprise=enterprise).count() == 2
