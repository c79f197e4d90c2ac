"""The weekly report's periodic task. Its name stays `alliance.tasks.*`: beat's schedule and
messages already queued know it by that name."""

from datetime import date

from celery import shared_task

from alliance.reports import figures as reports


@shared_task(name="alliance.tasks.generate_weekly_report")
def generate_weekly_report(week_start: str | None = None) -> str:
    """Beat, Monday 07:30 Beijing time: the weekly report of the week just ended.

    A week that has its report already keeps it (the published snapshot), so a repeated or
    retried run changes nothing and tells nobody twice.
    """
    week = date.fromisoformat(week_start) if week_start else reports.last_finished_week()
    _report, outcome = reports.weekly_report_generate(week_start=week)
    return outcome.value
