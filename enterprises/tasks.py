from celery import shared_task

from enterprises.housekeeping import remove_stale_import_previews


@shared_task
def remove_abandoned_import_previews() -> int:
    """Beat, daily: delete roster-import previews older than a day; safe to run twice."""
    return remove_stale_import_previews()
