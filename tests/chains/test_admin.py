import pytest

from chains.models import ChainIndicator, IndustryChain
from tests import factories
from tests.admin_helpers import (
    BASE_QUERIES,
    AdminCase,
    assert_changelist_queries_do_not_grow,
    assert_sent_to_admin_login,
    assert_staff_opens_pages,
)


def _chains(n: int) -> list[IndustryChain]:
    return [factories.IndustryChainFactory(chief=factories.UserFactory()) for _ in range(n)]


def _indicators(n: int) -> list[ChainIndicator]:
    return [factories.ChainIndicatorFactory() for _ in range(n)]


ADMIN_CASES = {
    # the rows with their chief joined in and their member/task-force counts annotated
    IndustryChain: AdminCase(build=_chains, changelist_queries=BASE_QUERIES),
    # + the chain filter's choices and the year filter's distinct years
    ChainIndicator: AdminCase(build=_indicators, changelist_queries=BASE_QUERIES + 2),
}


@pytest.mark.parametrize("model", list(ADMIN_CASES), ids=lambda m: m.__name__)
def test_staff_open_changelist_add_and_change(staff_client, model):
    assert_staff_opens_pages(staff_client, model, ADMIN_CASES[model])


@pytest.mark.parametrize("model", list(ADMIN_CASES), ids=lambda m: m.__name__)
def test_plain_user_and_anonymous_are_sent_to_admin_login(client, plain_user, model):
    assert_sent_to_admin_login(client, model, ADMIN_CASES[model])
    assert_sent_to_admin_login(client, model, ADMIN_CASES[model], user=plain_user)


@pytest.mark.parametrize("model", list(ADMIN_CASES), ids=lambda m: m.__name__)
def test_changelist_queries_do_not_grow_with_rows(staff_client, model):
    assert_changelist_queries_do_not_grow(staff_client, model, ADMIN_CASES[model])
