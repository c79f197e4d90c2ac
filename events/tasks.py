from celery import shared_task

from events.services.series import series_generate_all


@shared_task
def generate_series_occurrences() -> int:
    """Roll every active meeting series forward to its horizon. Safe to run twice."""
    return series_generate_all()
