from celery import shared_task

from events.services.reminders import send_due_reminders
from events.services.series import series_follow_calendar, series_generate_all


@shared_task
def generate_series_occurrences() -> int:
    """Roll every active meeting series forward to its horizon. Safe to run twice."""
    return series_generate_all()


@shared_task(acks_late=True)
def send_event_reminders() -> int:
    """The beat sweep for meeting reminders. Idempotent: a redelivered or doubled run sends
    nothing twice (see events/services/reminders.py)."""
    return send_due_reminders()


@shared_task
def follow_calendar() -> int:
    """After a calendar change: the series' meetings back on working days. Safe to run twice."""
    return series_follow_calendar()
