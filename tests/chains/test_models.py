from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from chains.models import ChainIndicator, PeriodKind
from tests.factories import ChainIndicatorFactory, IndustryChainFactory

pytestmark = pytest.mark.django_db


def test_one_indicator_per_chain_and_period():
    indicator = ChainIndicatorFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ChainIndicatorFactory(chain=indicator.chain)
    ChainIndicatorFactory(chain=indicator.chain, period_index=2)  # second half is fine


@pytest.mark.parametrize(
    ("kind", "index", "valid"),
    [
        (PeriodKind.YEAR, 1, True),
        (PeriodKind.YEAR, 2, False),
        (PeriodKind.HALF, 2, True),
        (PeriodKind.HALF, 3, False),
        (PeriodKind.QUARTER, 4, True),
        (PeriodKind.QUARTER, 0, False),
        (PeriodKind.MONTH, 12, True),
        (PeriodKind.MONTH, 13, False),
    ],
)
def test_period_index_fits_period_kind(kind, index, valid):
    chain = IndustryChainFactory()
    indicator = ChainIndicator(chain=chain, year=2026, period_kind=kind, period_index=index)
    if valid:
        indicator.full_clean()
        indicator.save()
    else:
        with pytest.raises(ValidationError):
            indicator.full_clean()
        with pytest.raises(IntegrityError), transaction.atomic():
            indicator.save()


def test_output_value_cannot_be_negative():
    indicator = ChainIndicatorFactory.build(
        chain=IndustryChainFactory(), output_value=Decimal("-1")
    )
    with pytest.raises(ValidationError):
        indicator.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        indicator.save()


def test_period_label_reads_naturally():
    indicator = ChainIndicatorFactory.build(year=2026, period_kind=PeriodKind.HALF, period_index=1)
    assert indicator.period_label == "2026年上半年"
