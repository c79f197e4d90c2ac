from datetime import datetime

from django.utils import timezone

from alliance.models import WorkerHeartbeat


def heartbeat_record(*, name: str, now: datetime | None = None) -> WorkerHeartbeat:
    beat, _created = WorkerHeartbeat.objects.update_or_create(
        name=name, defaults={"last_seen_at": now or timezone.now()}
    )
    return beat
