"""The sweeps' claim: `alliance.core.rowwrites.claim_rows`."""

import threading

import pytest
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError

from alliance.core.models import User
from alliance.core.rowwrites import claim_rows
from tests import factories


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_claim_is_refused_on_every_database():
    factories.UserFactory()
    with pytest.raises(TransactionManagementError):
        claim_rows(User.objects.all(), limit=5)


@pytest.mark.django_db
def test_rows_come_by_primary_key_up_to_the_limit():
    users = factories.UserFactory.create_batch(5)
    with transaction.atomic():
        claimed = claim_rows(User.objects.filter(pk__in=[u.pk for u in users]), limit=3)
    assert [user.pk for user in claimed] == sorted(user.pk for user in users)[:3]


@pytest.mark.django_db(transaction=True)
def test_two_transactions_at_once_claim_disjoint_rows():
    if connection.vendor != "postgresql":
        pytest.skip("row locks and SKIP LOCKED need PostgreSQL")
    users = factories.UserFactory.create_batch(6)
    queryset = User.objects.filter(pk__in=[user.pk for user in users])
    both_claimed = threading.Barrier(2)
    taken: dict[str, list[int]] = {}
    errors: list[BaseException] = []

    def worker(name: str) -> None:
        try:
            with transaction.atomic():
                taken[name] = [user.pk for user in claim_rows(queryset, limit=3)]
                # Each holds its locks until the other has claimed too.
                both_claimed.wait(timeout=10)
        except BaseException as exc:  # surfaced below, a thread cannot fail the test itself
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert len(taken["a"]) == len(taken["b"]) == 3
    assert set(taken["a"]).isdisjoint(taken["b"])
    assert set(taken["a"]) | set(taken["b"]) == {user.pk for user in users}
