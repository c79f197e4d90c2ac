from chains.models import ChainIndicator, IndustryChain
from tests import factories
from tests.admin_helpers import (
    BASE_QUERIES,
    AdminCase,
    admin_matrix,
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


(
    test_staff_open_changelist_add_and_change,
    test_plain_user_and_anonymous_are_sent_to_admin_login,
    test_changelist_queries_do_not_grow_with_rows,
) = admin_matrix(ADMIN_CASES)
