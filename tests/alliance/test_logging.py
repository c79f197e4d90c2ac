"""Normal operation logs at INFO or below: the console e-mail backend, the embedded broker's
connection, and a real Celery worker stopped as `make run` stops it (Ctrl-C in a terminal
sends SIGINT to the process group; honcho sends SIGTERM to each process's group)."""

from __future__ import annotations

import logging
import os
import re
import shlex
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest
from django.core.mail import EmailMessage, get_connection
from kombu import Connection

from alliance.core.models import Notification
from alliance.core.tasks import send_notification_email
from tests import factories
from tests.alliance.test_tasks import _database_url

BASE_DIR = Path(__file__).resolve().parents[2]
# A log record of the worker at WARNING or above: "[2026-…: WARNING/MainProcess] …".
LOUD = re.compile(r"^\[[^\]]*: (WARNING|ERROR|CRITICAL)/", re.MULTILINE)


def test_the_console_backend_logs_each_email_at_info(caplog, capsys):
    backend = get_connection("alliance.core.mail.ConsoleEmailBackend")
    message = EmailMessage("周通报已发布", "请登录平台查看。", "hc@example.cn", ["a@example.cn"])
    with caplog.at_level(logging.DEBUG):
        assert backend.send_messages([message]) == 1
    (record,) = [r for r in caplog.records if r.name == "alliance.core.mail"]
    assert record.levelno == logging.INFO
    assert "请登录平台查看。" in record.getMessage()
    assert "To: a@example.cn" in record.getMessage()
    assert capsys.readouterr().out == ""  # nothing printed for a worker to re-log


def test_the_embedded_brokers_missing_host_is_not_a_warning(caplog):
    kombu = logging.getLogger("kombu.connection")
    with caplog.at_level(logging.INFO):
        kombu.warning("No hostname was supplied. Reverting to default 'localhost'")
        kombu.warning("Connection to broker lost.")
    assert [r.getMessage() for r in caplog.records if r.name == "kombu.connection"] == [
        "Connection to broker lost."
    ]


SETTINGS_MODULE = """
from alliance.settings import *  # noqa: F403

CELERY_TASK_DEFAULT_QUEUE = {queue!r}
"""


def procfile_dev_worker() -> list[str]:
    """The worker command of Procfile.dev (what `make run` starts), as arguments."""
    for line in (BASE_DIR / "Procfile.dev").read_text().splitlines():
        if line.startswith("worker:"):
            return shlex.split(line.split(":", 1)[1])
    raise AssertionError("Procfile.dev has no worker")


def wait_for(condition, *, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.3)
    return condition()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "honcho"])
def test_a_worker_sends_a_console_email_and_stops_without_a_warning(tmp_path, stop):
    """The worker as `make run` starts it: Procfile.dev's command on the embedded filesystem
    broker (its slow shutdown gave a pool child killed by the group's SIGTERM time to be
    reported as an ERROR)."""
    queue = f"test-{uuid.uuid4().hex[:12]}"
    (tmp_path / "logging_worker_settings.py").write_text(
        textwrap.dedent(SETTINGS_MODULE.format(queue=queue))
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(BASE_DIR)]),
        "DJANGO_SETTINGS_MODULE": "logging_worker_settings",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": "filesystem://",
        "EMAIL_URL": "consolemail://",
        "DJANGO_VAR_DIR": str(tmp_path / "var"),
    }
    command = procfile_dev_worker()
    assert command[:2] == ["celery", "-A"]
    hostname = command.index("--hostname")
    command[hostname + 1] = f"{queue}@%h"
    log = tmp_path / "worker.log"
    worker = subprocess.Popen(
        [sys.executable, "-m", *command, "--queues", queue, "--without-mingle", "--without-gossip"],
        cwd=BASE_DIR,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, as under a terminal or honcho
    )
    try:
        assert wait_for(lambda: " ready." in log.read_text(), seconds=60), log.read_text()
        recipient = factories.UserFactory(email="secretary@example.cn")
        notification = Notification.objects.create(
            recipient=recipient, kind="test", title="需求已答复", body="请查看答复。"
        )
        # Published to the worker's filesystem broker (settings.py's folders under its var/).
        broker = tmp_path / "var" / "celery"
        folders = {
            "data_folder_in": str(broker / "queue"),
            "data_folder_out": str(broker / "queue"),
            "control_folder": str(broker / "control"),
            "processed_folder": str(broker / "processed"),
            "store_processed": False,
        }
        with Connection("filesystem://", transport_options=folders) as connection:
            send_notification_email.apply_async(
                args=[notification.pk], queue=queue, connection=connection
            )
        assert wait_for(
            lambda: Notification.objects.filter(
                pk=notification.pk, email_status=Notification.EmailStatus.SENT
            ).exists(),
            seconds=60,
        ), log.read_text()
        os.killpg(worker.pid, stop)
        # It stops by itself (Celery exits with 1 after a warm shutdown asked for by SIGINT).
        worker.wait(timeout=60)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
    output = log.read_text()
    assert "请查看答复。" in output  # the e-mail is in the log…
    assert re.search(r"INFO/[\w-]+\] E-mail written to the log", output)  # …at INFO
    assert "Warm shutdown" in output
    assert LOUD.findall(output) == [], output
    assert "Traceback" not in output, output
