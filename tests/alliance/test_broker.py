"""The broker settings: a Redis broker goes through the portal's guarded transport."""

import json
import os
import subprocess
import sys
from pathlib import Path

from kombu import Connection
from kombu.transport import redis as kombu_redis

from alliance.core import broker

BASE_DIR = Path(__file__).resolve().parents[2]

PROBE = (
    "import json, django; django.setup(); from django.conf import settings; "
    "print(json.dumps(getattr(settings, 'CELERY_BROKER_TRANSPORT', None)))"
)


def transport_setting(broker_url: str) -> str | None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "alliance.settings",
        "DJANGO_DEBUG": "true",
        "CELERY_BROKER_URL": broker_url,
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=BASE_DIR, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_redis_broker_uses_the_guarded_transport():
    for url in ("redis://redis.internal:6379/1", "rediss://redis.internal:6380/0"):
        name = transport_setting(url)
        assert name == "alliance.core.broker:Transport"
        # kombu loads it for the URL, and it is kombu's Redis transport underneath.
        assert type(Connection(url, transport=name).transport) is broker.Transport
        assert issubclass(broker.Transport, kombu_redis.Transport)
        assert broker.Transport.Channel is broker.Channel


def test_the_embedded_broker_keeps_its_own_transport():
    assert transport_setting("filesystem://") is None
