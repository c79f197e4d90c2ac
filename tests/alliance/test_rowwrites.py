"""Writing a few fields of many rows in one statement."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alliance.core.rowwrites import update_rows
from liaisons.models import Need, NeedStatus
from tests import factories

pytestmark = pytest.mark.django_db


def test_each_row_gets_its_own_values_and_others_are_untouched():
    needs = [factories.NeedFactory(status=NeedStatus.SUBMITTED) for _ in range(5)]
    other = factories.NeedFactory(status=NeedStatus.SUBMITTED, escalation_level=1)
    moments = [datetime(2026, 11, 20 + i, 1, 30, 15, 123456, tzinfo=UTC) for i in range(4)]
    for need, moment in zip(needs, [*moments, None], strict=True):
        need.next_escalation_at = moment
        need.escalation_level = need.pk % 4
        need.title = "changed in memory only"
    with CaptureQueriesContext(connection) as captured:
        assert update_rows(needs, ["next_escalation_at", "escalation_level"], batch=2) == 5
    assert len(captured.captured_queries) == 3  # batches of 2, 2 and 1
    for need, moment in zip(needs, [*moments, None], strict=True):
        stored = Need.objects.get(pk=need.pk)
        assert stored.next_escalation_at == moment
        assert stored.escalation_level == need.pk % 4
        assert stored.title != "changed in memory only"
    other.refresh_from_db()
    assert (other.escalation_level, other.next_escalation_at) == (1, None)


def test_all_values_null_and_no_rows():
    needs = [factories.NeedFactory(next_escalation_at=datetime(2026, 1, 1, tzinfo=UTC))]
    needs[0].next_escalation_at = None
    assert update_rows(needs, ["next_escalation_at"]) == 1
    assert Need.objects.get().next_escalation_at is None
    with CaptureQueriesContext(connection) as captured:
        assert update_rows([], ["next_escalation_at"]) == 0
    assert not captured.captured_queries
