"""The shell's tables (the dashboards' summaries, the weekly reports) moved to the shell's label
without touching the database: rows written before the move are read after it."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from alliance.dashboards.models import MeetingDashboardSummary
from alliance.reports.models import WeeklyReport

SHANGHAI = ZoneInfo("Asia/Shanghai")
BEFORE = [("portal", None)]  # unapplies the move (and the two state-only deletions after it)
OLD_STATE = [("alliance", "0006_calendar_year"), ("liaisons", "0011_needevent_notes_as_codes")]


@pytest.mark.django_db(transaction=True)
def test_rows_written_under_the_old_labels_are_read_under_the_shells():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(OLD_STATE).apps
    moment = datetime(2026, 11, 30, 7, 30, tzinfo=SHANGHAI)
    old.get_model("alliance", "WeeklyReport").objects.create(
        week_start=date(2026, 11, 23), generated_at=moment, data={"needs": 7}
    )
    old.get_model("liaisons", "MeetingDashboardSummary").objects.create(
        month=date(2026, 11, 1), held=2, invited=30, attended=25, refreshed_at=moment
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert WeeklyReport._meta.app_label == MeetingDashboardSummary._meta.app_label == "portal"
    assert WeeklyReport.objects.get().data == {"needs": 7}
    assert MeetingDashboardSummary.objects.values_list("held", "attended").get() == (2, 25)
