"""A real Celery worker against a Redis of the test's own that goes away while the worker sends.

The worker runs the Procfile's command with a settings module written into the tmp folder: the
private Redis as broker and e-mails written to files. An e-mail to a "hold…" address waits in
the middle of its send until the test releases it, so the test knows the worker is busy (one
task running and not acknowledged, the consumer waiting on Redis for the next) when it stops
Redis.
"""

import os
import shlex
import subprocess
import sys
import textwrap
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from django.db.models import F

from alliance.celery import app
from alliance.core.models import Notification
from alliance.core.tasks import send_notification_email, send_pending_notification_emails
from tests import factories
from tests.alliance.test_tasks import _database_url
from tests.redis_server import private_redis, wait_for  # noqa: F401  (a fixture)

BASE_DIR = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

WORKER_SETTINGS = """
from alliance.settings import *  # noqa: F403

EMAIL_BACKEND = "tests.mail_backends.HoldingFileBackend"
EMAIL_FILE_PATH = {mail!r}
"""


def procfile_worker_args() -> list[str]:
    for line in (BASE_DIR / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        if name == "worker":
            return shlex.split(command)
    raise AssertionError("the Procfile has no worker")


class Worker:
    def __init__(self, tmp_path: Path, broker_url: str):
        self.tmp = tmp_path
        self.mail = tmp_path / "mail"
        self.mail.mkdir()
        self.release = tmp_path / "release-held-mail"
        (tmp_path / "outage_worker_settings.py").write_text(
            textwrap.dedent(WORKER_SETTINGS.format(mail=str(self.mail)))
        )
        self.log = tmp_path / "worker.log"
        command = procfile_worker_args()
        assert command[:3] == ["celery", "-A", "alliance"], command
        self.process = subprocess.Popen(
            [sys.executable, "-m", *command, "--hostname", "outage@%h"],
            cwd=BASE_DIR,
            env={
                **os.environ,
                "PYTHONPATH": os.pathsep.join([str(tmp_path), str(BASE_DIR)]),
                "DJANGO_SETTINGS_MODULE": "outage_worker_settings",
                "DATABASE_URL": _database_url(),
                "CELERY_BROKER_URL": broker_url,
                "MAIL_HOLD_RELEASE": str(self.release),
            },
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
        )

    def log_text(self) -> str:
        return self.log.read_text()

    def says(self, text: str, times: int = 1) -> bool:
        return self.log_text().count(text) >= times

    def recipients_mailed(self) -> list[str]:
        """One entry per message sent. Django's file backend appends each message to a file named
        after the second and the backend object, followed by a line of 79 dashes, so one file
        can hold several messages."""
        recipients = []
        for path in self.mail.iterdir():
            for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
                if chunk.strip():
                    recipients.append(message_from_bytes(chunk, policy=policy.default)["To"])
        return sorted(recipients)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def worker_factory(tmp_path):
    workers = []

    def start(broker_url: str) -> Worker:
        workers.append(Worker(tmp_path, broker_url))
        return workers[-1]

    yield start
    for worker in workers:
        worker.stop()


def notifications_for(prefix: str, count: int) -> list[Notification]:
    """One pending notification each to `count` people, as notify() leaves them before sending."""
    users = [
        factories.UserFactory(username=f"{prefix}{i}", email=f"{prefix}{i}@example.cn")
        for i in range(count)
    ]
    return [
        Notification.objects.create(recipient=user, kind="generic", title=f"通知{user.username}")
        for user in users
    ]


def publish(broker_url: str, task, rows: list[Notification] = ()) -> None:
    """Queue on the private Redis (the test process's own broker is the shared one)."""
    with app.connection_for_write(broker_url) as connection:
        if rows:
            for row in rows:
                task.apply_async(args=[row.pk], connection=connection)
        else:
            task.apply_async(connection=connection)


def status_of(rows: list[Notification]) -> set[str]:
    return set(
        Notification.objects.filter(pk__in=[row.pk for row in rows]).values_list(
            "email_status", flat=True
        )
    )


def test_the_worker_survives_redis_stopping_while_it_sends(private_redis, worker_factory):  # noqa: F811
    redis = private_redis
    worker = worker_factory(redis.url())
    assert wait_for(lambda: worker.says(" ready."), seconds=60, processes=[worker.process]), (
        worker.log_text()
    )

    held = notifications_for("hold", 1)
    first = notifications_for("first", 20)
    publish(redis.url(), send_notification_email, held + first)
    # Busy: the held e-mail is being sent (its task not acknowledged), the others went out and
    # the queue is empty, so the worker's consumer is waiting on Redis for the next message.
    assert wait_for(
        lambda: (
            status_of(held) == {"sending"}
            and status_of(first) == {"sent"}
            and redis.client().llen("celery") == 0
        ),
        seconds=30,
        processes=[worker.process],
    ), worker.log_text()

    redis.stop()  # every queue is lost with it
    assert wait_for(
        lambda: worker.says("Connection to broker lost"), seconds=30, processes=[worker.process]
    ), worker.log_text()
    # Written while Redis was away: their on-commit publish failed, the outbox keeps them. The
    # sweep only takes rows older than its grace, so they are dated back past it.
    during = notifications_for("during", 5)
    Notification.objects.filter(pk__in=[row.pk for row in during]).update(
        created_at=F("created_at") - timedelta(minutes=5)
    )
    worker.release.touch()  # the held send finishes; its acknowledgement cannot reach Redis

    redis.start()
    assert wait_for(
        lambda: worker.says("Connected to ", times=2), seconds=40, processes=[worker.process]
    ), worker.log_text()
    after = notifications_for("after", 10)
    publish(redis.url(), send_notification_email, after)
    publish(redis.url(), send_pending_notification_emails)  # what beat does every two minutes

    everyone = held + first + during + after
    assert wait_for(
        lambda: status_of(everyone) == {"sent"}, seconds=30, processes=[worker.process]
    ), worker.log_text()
    assert worker.process.poll() is None, worker.log_text()  # the same worker, never restarted
    assert "Unrecoverable error" not in worker.log_text()
    # Every e-mail exactly once: one file per message, one message per person.
    expected = sorted(f"{row.recipient.username}@example.cn" for row in everyone)
    assert worker.recipients_mailed() == expected
