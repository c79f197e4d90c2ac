"""The shell's own tables, registered under the shell's label (`portal`)."""

from alliance.dashboards.models import MeetingDashboardSummary, NeedDashboardSummary
from alliance.reports.models import WeeklyReport

__all__ = ["MeetingDashboardSummary", "NeedDashboardSummary", "WeeklyReport"]
