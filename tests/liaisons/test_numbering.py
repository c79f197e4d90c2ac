"""Need numbers: XQ-<year>-<5 digits>, unique, per Beijing year, safe under concurrency."""

import threading
from datetime import datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction

from alliance.core.tasks import send_notification_email
from liaisons.models import Need, NeedCategory, NeedCounter, Urgency
from liaisons.needs import services as needs
from liaisons.needs.numbering import format_need_number, need_number_next
from tests import factories

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 9, 9, 0, tzinfo=SHANGHAI)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_broker():
    with mock.patch.object(send_notification_email, "apply_async") as apply_async:
        yield apply_async


def test_format():
    assert format_need_number(2026, 42) == "XQ-2026-00042"
    assert format_need_number(2027, 123456) == "XQ-2027-123456"  # wider, never wrapped


def test_numbers_count_up_within_a_year_and_restart_with_the_next():
    assert [need_number_next(now=NOW) for _ in range(3)] == [
        "XQ-2026-00001",
        "XQ-2026-00002",
        "XQ-2026-00003",
    ]
    assert need_number_next(now=datetime(2027, 1, 4, 9, 0, tzinfo=SHANGHAI)) == "XQ-2027-00001"
    assert need_number_next(now=NOW) == "XQ-2026-00004"
    assert dict(NeedCounter.objects.values_list("year", "last")) == {2026: 4, 2027: 1}


def test_the_year_is_beijings():
    # 31 December 2026 17:00 UTC is already 1 January 2027 in Beijing.
    new_year = datetime(2026, 12, 31, 17, 0, tzinfo=ZoneInfo("UTC"))
    assert need_number_next(now=new_year) == "XQ-2027-00001"


def test_a_rolled_back_creation_gives_its_number_back():
    with pytest.raises(RuntimeError), transaction.atomic():
        need_number_next(now=NOW)
        raise RuntimeError("the need could not be saved")
    assert need_number_next(now=NOW) == "XQ-2026-00001"


def test_need_create_assigns_the_number():
    contact = factories.EnterpriseContactFactory()
    first, second = (
        needs.need_create(
            enterprise=contact.enterprise,
            actor=contact.user,
            category=NeedCategory.HIRING,
            urgency=Urgency.YELLOW,
            title=f"招聘数控操作工{i}",
            description="急需数控操作工20名。",
            submit=bool(i),
            now=NOW,
        )
        for i in range(2)
    )
    assert (first.number, second.number) == ("XQ-2026-00001", "XQ-2026-00002")


@pytest.mark.django_db(transaction=True)
def test_concurrent_creations_get_distinct_numbers():
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers itself; the race is run on PostgreSQL.")
    contact = factories.EnterpriseContactFactory()
    workers, per_worker = 6, 5
    start = threading.Barrier(workers)
    errors: list[BaseException] = []

    def create_needs():
        try:
            start.wait(timeout=10)
            for i in range(per_worker):
                needs.need_create(
                    enterprise=contact.enterprise,
                    actor=contact.user,
                    category=NeedCategory.FINANCING,
                    urgency=Urgency.GREEN,
                    title=f"融资需求{i}",
                    description="流动资金贷款。",
                    submit=True,
                    now=NOW,
                )
        except BaseException as error:  # surfaced below: a thread cannot fail the test itself
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=create_needs) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    numbers = list(Need.objects.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers)) == workers * per_worker
    # Nothing rolled back, so there is not even a gap.
    assert sorted(numbers) == [format_need_number(2026, n) for n in range(1, 31)]


@pytest.mark.django_db
def test_numbers_continue_after_needs_loaded_without_the_counter():
    """Demo, bulk or imported needs carry numbers the counter never handed out."""
    now = datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    factories.NeedFactory(number="XQ-2026-00019")
    factories.NeedFactory(number="XQ-2026-00007")
    factories.NeedFactory(number="XQ-2025-00400")
    assert not NeedCounter.objects.exists()
    assert need_number_next(now=now) == "XQ-2026-00020"
    # A need written past the counter later (data loaded again) is skipped, not reused.
    factories.NeedFactory(number="XQ-2026-00021")
    assert need_number_next(now=now) == "XQ-2026-00022"


@pytest.mark.django_db
def test_highest_number_counts_digits_beyond_five():
    now = datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    factories.NeedFactory(number="XQ-2026-99999")
    factories.NeedFactory(number="XQ-2026-100000")
    assert need_number_next(now=now) == "XQ-2026-100001"
