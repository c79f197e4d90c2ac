from celery import shared_task

from liaisons.action_items import services as action_items
from liaisons.needs import escalations, files, recount


@shared_task
def sweep_need_deadlines() -> int:
    """Beat, every five minutes: climb the escalation ladder; running it twice changes nothing."""
    return escalations.sweep_need_deadlines()


@shared_task
def remove_orphan_attachment_files() -> int:
    """Beat, daily: delete attachment files older than a day that no row names; idempotent."""
    return files.remove_orphan_attachment_files()


@shared_task
def warn_overdue_action_items() -> int:
    """Beat, daily 08:30: tell owners about open action items past their due date, once per
    due date (the claim is on the item); running it twice changes nothing."""
    return action_items.action_items_warn_overdue()


@shared_task
def reschedule_need_escalations() -> int:
    """After a calendar day or a time limit changed, and nightly: compute again each running
    need's next escalation moment; running it twice changes nothing."""
    return escalations.escalations_reschedule()


@shared_task
def recount_need_deadlines() -> int:
    """After a calendar day or year changed, and nightly (a new release of the statutory
    calendar changes it without anyone saving): count each running need's open deadlines again
    and move their escalation moments; running it twice changes nothing."""
    return recount.need_deadlines_recount()
