from celery import shared_task

from liaisons.services import escalations


@shared_task
def sweep_need_deadlines() -> int:
    """Beat, every five minutes: climb the escalation ladder; running it twice changes nothing."""
    return escalations.sweep_need_deadlines()
