"""Migrations 0002–0004 give existing meetings a unique calendar UID and series slots."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

SHANGHAI = ZoneInfo("Asia/Shanghai")
BEFORE = [("events", "0001_initial")]
AFTER = [("events", "0004_event_uid_unique")]


@pytest.mark.django_db(transaction=True)
def test_existing_meetings_get_distinct_uids_and_their_series_slot():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Event = old.get_model("events", "Event")
    EventSeries = old.get_model("events", "EventSeries")
    series = EventSeries.objects.create(
        title="联席会议",
        rrule="FREQ=MONTHLY;BYDAY=1TU",
        first_starts_at=datetime(2026, 4, 7, 14, 30, tzinfo=SHANGHAI),
        duration=timedelta(hours=2),
    )
    starts = [datetime(2026, month, 7, 14, 30, tzinfo=SHANGHAI) for month in (4, 5, 6)]
    for start in starts:
        Event.objects.create(
            kind="joint_meeting",
            title="联席会议",
            venue="党群服务中心",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            series=series,
        )
    one_off = Event.objects.create(
        kind="salon",
        title="沙龙",
        venue="党群服务中心",
        starts_at=starts[0],
        ends_at=starts[0] + timedelta(hours=2),
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    Event = new.get_model("events", "Event")
    rows = list(Event.objects.values("pk", "uid", "series_id", "series_slot", "starts_at"))
    assert len({row["uid"] for row in rows}) == 4
    assert all(row["uid"] for row in rows)
    for row in rows:
        if row["series_id"]:
            assert row["series_slot"] == row["starts_at"]
        else:
            assert row["pk"] == one_off.pk
            assert row["series_slot"] is None

    # Back to the latest state for the tests that follow.
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
