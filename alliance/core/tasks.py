"""The core's tasks: the e-mail outbox and the worker's heartbeat.

Their names are the queue's contract (beat's schedule, messages already queued) and stay
`alliance.tasks.*` whichever module holds them.
"""

from celery import shared_task

from alliance.core import notifications, services


@shared_task(name="alliance.tasks.record_heartbeat")
def record_heartbeat(name: str = "worker") -> None:
    services.heartbeat_record(name=name)


@shared_task(name="alliance.tasks.send_notification_email")
def send_notification_email(notification_id: int) -> bool:
    """Queued after the commit that wrote the notification; a repeat run sends nothing."""
    return notifications.notification_send_email(notification_id=notification_id)


@shared_task(name="alliance.tasks.send_pending_notification_emails")
def send_pending_notification_emails() -> int:
    """Beat, every two minutes: the outbox sweep for e-mails the queued task did not send."""
    return notifications.notification_send_pending_emails()
