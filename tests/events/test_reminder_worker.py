"""Reminders through real Celery processes: beat schedules the sweep, a worker sends, once.

Each test writes a settings module into its tmp folder that routes every task to a queue of its
own (so no other worker on the shared broker takes them) and lets beat fire the sweep every
second. Reminders are 3 minutes before the start (DJANGO_EVENT_REMINDER_OFFSETS=3m) and the
e-mails land in a tmp folder (EMAIL_URL=filemail://…), one file per message.
"""

import email
import email.policy
import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from alliance.core.models import Notification
from events.models import ReminderDispatch
from tests import factories
from tests.alliance.test_tasks import _database_url

BASE_DIR = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

SETTINGS_MODULE = """
from alliance.settings import *  # noqa: F403

CELERY_TASK_DEFAULT_QUEUE = {queue!r}
CELERY_BEAT_SCHEDULE = {{
    "send-event-reminders": {{
        **CELERY_BEAT_SCHEDULE["send-event-reminders"],  # noqa: F405
        "schedule": 1.0,
    }},
}}
"""

# A worker app that stops for good inside the first reminder transaction, after the claim rows
# and the notification are written and before the commit, and says so with a flag file.
PAUSING_APP = """
import os
import time
from pathlib import Path

from celery.signals import task_prerun

from alliance.celery import app

FLAG = Path(os.environ["REMINDER_TEST_PAUSE_FLAG"])


@task_prerun.connect
def _pause_after_the_first_claim(**kwargs):
    from events.services import reminders

    if getattr(reminders, "_paused_for_test", False):
        return
    real_notify = reminders.notify

    def notify_then_pause(**notify_kwargs):
        result = real_notify(**notify_kwargs)
        if not FLAG.exists():
            FLAG.write_text(str(os.getpid()))
            time.sleep(600)
        return result

    reminders.notify = notify_then_pause
    reminders._paused_for_test = True
"""


class Celery:
    """Starts `celery beat` and `celery worker` processes and always stops them."""

    def __init__(self, tmp_path: Path):
        self.tmp = tmp_path
        self.queue = f"test-{uuid.uuid4().hex[:12]}"
        self.mail = tmp_path / "mail"
        self.mail.mkdir()
        (tmp_path / "reminder_worker_settings.py").write_text(
            textwrap.dedent(SETTINGS_MODULE.format(queue=self.queue))
        )
        (tmp_path / "reminder_worker_app.py").write_text(textwrap.dedent(PAUSING_APP))
        self.flag = tmp_path / "paused.flag"
        self.env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(tmp_path), str(BASE_DIR)]),
            "DJANGO_SETTINGS_MODULE": "reminder_worker_settings",
            "DATABASE_URL": _database_url(),
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "EMAIL_URL": f"filemail://{self.mail}",
            "DJANGO_EVENT_REMINDER_OFFSETS": "3m",
            "REMINDER_TEST_PAUSE_FLAG": str(self.flag),
        }
        self.processes: list[subprocess.Popen] = []
        self.logs: list[Path] = []

    def _start(self, name: str, args: list[str]) -> subprocess.Popen:
        log = self.tmp / f"{name}-{len(self.logs)}.log"
        self.logs.append(log)
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", *args, "--loglevel", "INFO"],
            cwd=BASE_DIR,
            env=self.env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        self.processes.append(process)
        return process

    def beat(self) -> subprocess.Popen:
        return self._start(
            "beat",
            [
                "-A",
                "alliance",
                "beat",
                "--schedule",
                str(self.tmp / "celerybeat-schedule"),
                "--pidfile",
                str(self.tmp / "beat.pid"),
                "--max-interval",
                "1",
            ],
        )

    def worker(self, app: str = "alliance") -> subprocess.Popen:
        return self._start(
            "worker",
            [
                "-A",
                app,
                "worker",
                "--pool",
                "solo",
                "--queues",
                self.queue,
                "--hostname",
                f"{self.queue}-{len(self.logs)}@%h",
                "--without-mingle",
                "--without-gossip",
            ],
        )

    def mails(self) -> list[Path]:
        return sorted(self.mail.iterdir())

    def log_text(self) -> str:
        return "\n".join(f"--- {log.name}\n{log.read_text()}" for log in self.logs)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def celery(tmp_path):
    runner = Celery(tmp_path)
    try:
        yield runner
    finally:
        runner.stop()


def wait_for(condition, *, seconds: float, processes=()) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        if any(process.poll() is not None for process in processes):
            return condition()
        time.sleep(0.3)
    return condition()


def read_mail(path: Path) -> EmailMessage:
    # The file backend writes the message followed by a line of dashes.
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


def meeting_with_reminder_due_now(email: str):
    """A salon starting in a little over 3 minutes: its 3-minute reminder is due in seconds."""
    starts_at = timezone.now() + timedelta(minutes=3, seconds=5)
    event = factories.EventFactory(starts_at=starts_at, ends_at=starts_at + timedelta(hours=2))
    invitation = factories.InvitationFactory(event=event, user=factories.UserFactory(email=email))
    return event, invitation.user


def test_beat_and_worker_deliver_the_reminder_exactly_once(celery):
    event, user = meeting_with_reminder_due_now("qian@example.com")
    beat = celery.beat()
    worker = celery.worker()

    assert wait_for(lambda: celery.mails(), seconds=60, processes=[beat, worker]), celery.log_text()
    # Beat keeps firing every second: give it several more sweeps to send a duplicate.
    time.sleep(6)
    mails = celery.mails()
    assert len(mails) == 1, celery.log_text()
    message = read_mail(mails[0])
    assert message["To"] == "qian@example.com"
    assert event.title in message["Subject"]
    assert Notification.objects.filter(recipient=user, kind="event_reminder").count() == 1
    rows = ReminderDispatch.objects.filter(event=event, recipient=user)
    assert [(row.offset, row.sent_at is not None) for row in rows] == [(timedelta(minutes=3), True)]


def test_a_worker_killed_mid_send_and_restarted_sends_once(celery):
    event, user = meeting_with_reminder_due_now("song@example.com")
    beat = celery.beat()
    worker = celery.worker(app="reminder_worker_app")

    # The worker has claimed the reminder and written the notification, uncommitted.
    assert wait_for(celery.flag.exists, seconds=60, processes=[beat, worker]), celery.log_text()
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=20)
    # Nothing of the interrupted transaction survived.
    assert not ReminderDispatch.objects.filter(event=event).exists()
    assert not Notification.objects.filter(recipient=user).exists()
    assert celery.mails() == []

    restarted = celery.worker(app="reminder_worker_app")  # the flag is set: it does not pause
    assert wait_for(lambda: celery.mails(), seconds=60, processes=[beat, restarted]), (
        celery.log_text()
    )
    time.sleep(6)
    assert len(celery.mails()) == 1, celery.log_text()
    assert read_mail(celery.mails()[0])["To"] == "song@example.com"
    assert Notification.objects.filter(recipient=user, kind="event_reminder").count() == 1
    assert ReminderDispatch.objects.filter(event=event, sent_at__isnull=False).count() == 1
