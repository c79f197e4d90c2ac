from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from enterprises.models import Enterprise, PartyOrganization, SignedProject
from tests.factories import (
    ChainMembershipFactory,
    EnterpriseContactFactory,
    EnterpriseFactory,
    IndustryChainFactory,
    PartyOrganizationFactory,
    SupplyLinkFactory,
    make_credit_code,
)

pytestmark = pytest.mark.django_db


def test_credit_code_unique_when_present_and_blank_allowed_many_times():
    first = EnterpriseFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        EnterpriseFactory(credit_code=first.credit_code)
    EnterpriseFactory(credit_code="")
    EnterpriseFactory(credit_code="")
    assert Enterprise.objects.filter(credit_code="").count() == 2


def test_full_clean_rejects_a_mutated_credit_code_and_normalises_case():
    code = make_credit_code(42)
    enterprise = EnterpriseFactory.build(
        primary_chain=IndustryChainFactory(), credit_code=code.lower()
    )
    enterprise.full_clean()
    assert enterprise.credit_code == code
    mutated = code[:-1] + ("0" if code[-1] != "0" else "1")
    enterprise.credit_code = mutated
    with pytest.raises(ValidationError) as caught:
        enterprise.full_clean()
    assert "credit_code" in caught.value.message_dict


def test_duplicate_credit_code_is_a_validation_error_not_a_crash():
    existing = EnterpriseFactory()
    other = EnterpriseFactory.build(
        primary_chain=existing.primary_chain, credit_code=existing.credit_code
    )
    with pytest.raises(ValidationError):
        other.full_clean()


def test_stock_code_only_for_listed_companies():
    with pytest.raises(IntegrityError), transaction.atomic():
        EnterpriseFactory(stock_code="601100", is_listed=False)
    EnterpriseFactory(stock_code="601100", is_listed=True)


def test_party_organization_needs_an_enterprise_unless_joint_branch():
    with pytest.raises(IntegrityError), transaction.atomic():
        PartyOrganizationFactory(
            enterprise=None, kind=PartyOrganization.Kind.BRANCH, name="无主党支部"
        )
    PartyOrganizationFactory(
        enterprise=None, kind=PartyOrganization.Kind.JOINT_BRANCH, name="联合党支部"
    )


def test_supply_link_rules():
    link = SupplyLinkFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        SupplyLinkFactory(supplier=link.supplier, customer=link.customer, products=link.products)
    SupplyLinkFactory(supplier=link.supplier, customer=link.customer, products="液压泵")
    with pytest.raises(IntegrityError), transaction.atomic():
        SupplyLinkFactory(supplier=link.supplier, customer=link.supplier)


def test_one_membership_per_chain_and_enterprise():
    membership = ChainMembershipFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ChainMembershipFactory(chain=membership.chain, enterprise=membership.enterprise)


def test_contact_unique_per_user_and_enterprise():
    contact = EnterpriseContactFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        EnterpriseContactFactory(user=contact.user, enterprise=contact.enterprise)


@pytest.mark.parametrize(
    ("investment", "bucket"),
    [("150", "100"), ("100", "100"), ("99.99", "30"), ("30", "30"), ("12.5", "10"), ("9.99", "0")],
)
def test_signed_project_size_bucket(investment, bucket):
    assert SignedProject.bucket_for(Decimal(investment)) == bucket


def test_signed_project_investment_not_negative():
    from tests.factories import SignedProjectFactory

    with pytest.raises(IntegrityError), transaction.atomic():
        SignedProjectFactory(investment=Decimal("-1"))


def test_enterprise_history_is_recorded():
    enterprise = EnterpriseFactory()
    enterprise.address = "常州市武进区常武中路18号"
    enterprise.save()
    assert enterprise.history.count() == 2
