"""A redis-server of a test's own, on a free port, that the test may stop, restart and freeze.

The shared Redis (CELERY_BROKER_URL) serves every test and every engineer's worker: a test that
takes its broker away must never touch it. Nothing is ever saved to disk, so a stop loses the
queues, as `redis-cli shutdown nosave` on a production broker would.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest
import redis

REDIS_SERVER = shutil.which("redis-server")


def wait_for(
    condition: Callable[[], object],
    *,
    seconds: float,
    processes: Iterable[subprocess.Popen] = (),
) -> bool:
    """Poll `condition` until it holds or `seconds` pass; give up early if a process exits."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        if any(process.poll() is not None for process in processes):
            return bool(condition())
        time.sleep(0.05)
    return bool(condition())


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateRedis:
    def __init__(self, folder: Path):
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.port = _free_port()
        self.process: subprocess.Popen | None = None
        self.frozen = False

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_timeout=2, socket_connect_timeout=2)

    def start(self) -> None:
        assert self.process is None or self.process.poll() is not None, "already running"
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=(self.folder / "redis.log").open("a"),
            stderr=subprocess.STDOUT,
        )
        assert wait_for(self._answers, seconds=10, processes=[self.process]), (
            self.folder / "redis.log"
        ).read_text()

    def _answers(self) -> bool:
        try:
            return bool(self.client().ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        """Shut down at once and lose every queue (``SHUTDOWN NOSAVE``)."""
        # redis-py reports the server closing the connection it was asked to close.
        with contextlib.suppress(redis.ConnectionError):
            self.client().shutdown(nosave=True)
        self.process.wait(timeout=10)

    def freeze(self) -> None:
        """SIGSTOP: the port still accepts connections, nothing ever answers."""
        self.process.send_signal(signal.SIGSTOP)
        self.frozen = True

    def thaw(self) -> None:
        self.process.send_signal(signal.SIGCONT)
        self.frozen = False

    def close(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        if self.frozen:
            self.thaw()
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def private_redis(tmp_path):
    if REDIS_SERVER is None:
        pytest.skip("needs the redis-server program (CI installs it)")
    server = PrivateRedis(tmp_path / "redis")
    server.start()
    try:
        yield server
    finally:
        server.close()
