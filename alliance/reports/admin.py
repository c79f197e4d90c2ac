"""Admin for the weekly reports as published."""

from django.contrib import admin

from alliance.core.admin import ReadOnlyAdminMixin
from alliance.reports.models import WeeklyReport


@admin.register(WeeklyReport)
class WeeklyReportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Snapshots as published; staff regenerate a week on the report page, never here."""

    list_display = ("__str__", "generated_at", "generated_by")
    list_select_related = ("generated_by",)
    date_hierarchy = "week_start"
    ordering = ("-week_start",)
