"""The shell's periodic tasks: the weekly report and the dashboards' figures.

Apart from `alliance.tasks` (the core's: e-mail outbox, heartbeat) because they read every app.
Celery finds them by name (`alliance.celery`); they keep the names beat and queued messages
know them by."""

from datetime import date

from celery import shared_task

from alliance import dashboards, reports


@shared_task(name="alliance.tasks.generate_weekly_report")
def generate_weekly_report(week_start: str | None = None) -> str:
    """Beat, Monday 07:30 Beijing time: the weekly report of the week just ended.

    A week that has its report already keeps it (the published snapshot), so a repeated or
    retried run changes nothing and tells nobody twice.
    """
    week = date.fromisoformat(week_start) if week_start else reports.last_finished_week()
    _report, outcome = reports.weekly_report_generate(week_start=week)
    return outcome.value


@shared_task(name="alliance.tasks.refresh_dashboard_summary")
def refresh_dashboard_summary() -> int:
    """Beat, every ten minutes: recount the dashboards' needs and meetings figures. One
    transaction replaces both summaries (an INSERT … SELECT each); a repeat just recounts."""
    return dashboards.refresh_need_summary()
