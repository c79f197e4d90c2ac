"""The shell's admin: its own tables."""

from alliance.reports import admin as reports_admin  # noqa: F401  (registers WeeklyReport)
