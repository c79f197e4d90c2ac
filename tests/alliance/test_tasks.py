import os
import subprocess
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection

from alliance.core import services
from alliance.core.models import WorkerHeartbeat
from alliance.core.tasks import record_heartbeat

BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_heartbeat_records_and_updates_one_row():
    first = datetime(2026, 11, 26, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    later = datetime(2026, 11, 26, 9, 1, tzinfo=ZoneInfo("Asia/Shanghai"))
    services.heartbeat_record(name="worker", now=first)
    services.heartbeat_record(name="worker", now=later)
    assert WorkerHeartbeat.objects.get(name="worker").last_seen_at == later
    assert WorkerHeartbeat.objects.count() == 1


@pytest.mark.django_db
def test_task_body_runs_the_service():
    record_heartbeat.run(name="direct")
    assert WorkerHeartbeat.objects.filter(name="direct").exists()


def test_beat_schedules_the_heartbeat():
    entry = settings.CELERY_BEAT_SCHEDULE["heartbeat"]
    assert entry["task"] == record_heartbeat.name


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_real_worker_runs_a_task_from_the_configured_broker(tmp_path):
    """A separate `celery worker` process consumes from the real broker and writes to the DB."""
    queue = f"test-{uuid.uuid4().hex[:12]}"  # nobody else consumes this queue
    probe = f"probe-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "alliance",
            "worker",
            "--pool",
            "solo",
            "--queues",
            queue,
            "--hostname",
            f"{queue}@%h",
            "--loglevel",
            "INFO",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=(tmp_path / "worker.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        record_heartbeat.apply_async(kwargs={"name": probe}, queue=queue)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and worker.poll() is None:
            if WorkerHeartbeat.objects.filter(name=probe).exists():
                break
            time.sleep(0.3)
        log = (tmp_path / "worker.log").read_text()
        assert WorkerHeartbeat.objects.filter(name=probe).exists(), log
        assert "succeeded" in log
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def test_every_beat_entry_names_a_task_the_worker_finds():
    """Beat sends names; a worker that did not import the module behind one (the shell's tasks
    live apart from the core's) would drop the message as unregistered. Asked of a fresh
    process, which has imported only what the worker would."""
    probe = (
        "import django; django.setup(); from django.conf import settings; "
        "from alliance.celery import app; app.loader.import_default_modules(); "
        "print([e['task'] for e in settings.CELERY_BEAT_SCHEDULE.values() "
        "if e['task'] not in app.tasks])"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"
