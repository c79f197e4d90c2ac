"""/reports/: the weekly report (周通报)."""

from datetime import date

from django.urls import path, register_converter

from alliance.reports import views as report_views

app_name = "reports"


class WeekDateConverter:
    """An ISO date (2026-11-16); an impossible one (2026-02-30) is simply not found."""

    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> date:
        return date.fromisoformat(value)  # ValueError → the resolver answers 404

    def to_url(self, value: date | str) -> str:
        return value.isoformat() if isinstance(value, date) else str(value)


register_converter(WeekDateConverter, "weekdate")

urlpatterns = [
    path("weekly/", report_views.weekly_report_list, name="weekly-list"),
    path("weekly/generate/", report_views.weekly_report_generate, name="weekly-generate"),
    path("weekly/<weekdate:week>/", report_views.weekly_report_detail, name="weekly-detail"),
    path("weekly/<weekdate:week>.xlsx", report_views.weekly_report_xlsx, name="weekly-xlsx"),
]
