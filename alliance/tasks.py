from datetime import date

from celery import shared_task

from alliance import notifications, services


@shared_task
def record_heartbeat(name: str = "worker") -> None:
    services.heartbeat_record(name=name)


@shared_task
def send_notification_email(notification_id: int) -> bool:
    """Queued after the commit that wrote the notification; a repeat run sends nothing."""
    return notifications.notification_send_email(notification_id=notification_id)


@shared_task
def send_pending_notification_emails() -> int:
    """Beat, every two minutes: the outbox sweep for e-mails the queued task did not send."""
    return notifications.notification_send_pending_emails()


@shared_task
def generate_weekly_report(week_start: str | None = None) -> str:
    """Beat, Monday 07:30 Beijing time: the weekly report of the week just ended.

    A week that has its report already keeps it (the published snapshot), so a repeated or
    retried run changes nothing and tells nobody twice.
    """
    # Imported here: the portal core (notifications, this module) imports no app at load time,
    # and the report reads the needs app (DESIGN §3).
    from alliance import reports

    week = date.fromisoformat(week_start) if week_start else reports.last_finished_week()
    _report, outcome = reports.weekly_report_generate(week_start=week)
    return outcome.value


@shared_task
def refresh_dashboard_summary() -> int:
    """Beat, every ten minutes: recount the dashboards' needs and meetings figures (issue 6).
    One transaction replaces both summaries (an INSERT … SELECT each); a repeat just recounts."""
    from alliance import dashboards  # reads the needs app, imported late as above

    return dashboards.refresh_need_summary()
