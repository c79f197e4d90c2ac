from celery import shared_task

from alliance import services


@shared_task
def record_heartbeat(name: str = "worker") -> None:
    services.heartbeat_record(name=name)
