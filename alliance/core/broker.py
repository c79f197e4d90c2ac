"""The portal's side of the Celery broker: the Redis transport every process uses, and the
prompt connection that requests publish through after their commit.

`Transport` is kombu's Redis transport with one guard, named by CELERY_BROKER_TRANSPORT when the
broker is Redis. When Redis goes away, the worker's consumer first collects the broken
connection (kombu's `Connection.collect()`), which detaches the transport from it
(`transport.client = None`), and then closes it. A channel whose first close was cut short by
the lost connection (a BRPOP in flight is read during close and raises) is closed again by the
second step; that close restores the unacknowledged messages, and kombu, having dropped the
channel's connection pool, builds a new one from `transport.client.hostname`. The
AttributeError it raises is not one of the transport's connection errors, so Celery treats it
as unrecoverable and the worker exits instead of reconnecting (the same failure as
celery/kombu#582, there on the fanout queue's delete; kombu 5.7.0 still has it).

The guard turns "no client any more" into a ConnectionError, which every close path already
ignores. The unacknowledged messages stay where they are: in Redis's unacked index for the
visibility timeout when Redis kept them, nowhere when it lost them, and in either case the
outbox rows they were about are still pending for the sweep.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction
from kombu import Connection
from kombu.connection import ConnectionPool
from kombu.transport import redis as kombu_redis
from redis.exceptions import ConnectionError as RedisConnectionError

from alliance.celery import app

logger = logging.getLogger(__name__)


class Channel(kombu_redis.Channel):
    def _connparams(self, asynchronous: bool = False) -> dict:
        if self.connection.client is None:
            raise RedisConnectionError("The broker connection of this channel is closed.")
        return super()._connparams(asynchronous=asynchronous)


class Transport(kombu_redis.Transport):
    Channel = Channel


# --- Publishing while a person waits ----------------------------------------------------------

# One socket operation (the connection, then each reply) of a request's publish takes at most
# this long. A stopped Redis refuses at once; a frozen one (SIGSTOP, a stuck host) accepts the
# connection and never answers, so without it the page would wait for the transport's
# socket_timeout (5 s, which suits the worker and beat that nobody waits for).
PROMPT_TIMEOUT = 0.2

_pool_lock = threading.Lock()
_pool: tuple[int, ConnectionPool] | None = None


def _prompt_pool() -> ConnectionPool:
    global _pool
    with _pool_lock:
        # Keyed by process: a pool made before a fork would share its sockets with the child.
        if _pool is None or _pool[0] != os.getpid():
            connection = app.connection_for_write(
                connect_timeout=PROMPT_TIMEOUT,
                transport_options={
                    "socket_connect_timeout": PROMPT_TIMEOUT,
                    "socket_timeout": PROMPT_TIMEOUT,
                    # No reconnect loop in kombu (its default waits out connect_timeout).
                    "max_retries": 0,
                },
            )
            _pool = (os.getpid(), connection.Pool(limit=app.conf.broker_pool_limit))
        return _pool[1]


@contextmanager
def prompt_connection() -> Iterator[Connection]:
    """A broker connection for publishing after a request's commit, while a person waits for
    the page: one attempt within PROMPT_TIMEOUT per operation, no retries.

    Use it as `task.apply_async(..., connection=connection, retry=False)`; a broker that does
    not answer in time raises at once. Only work with a durable fallback is queued this way (an
    outbox row the sweep sends, a nightly run): a publish that misses is not tried again.
    Connections are kept for the next request (redis-py reconnects a socket that failed).
    """
    with _prompt_pool().acquire(block=True, timeout=PROMPT_TIMEOUT) as connection:
        yield connection


def queue_after_commit(task, *, fallback: str) -> None:
    """Queue `task` (no arguments) once the caller's transaction commits, through the prompt
    connections: staff are waiting for the page. Work queued this way has a periodic run that
    does it anyway (`fallback` names it in the log line when the broker cannot take it)."""

    def queue() -> None:
        try:
            with prompt_connection() as connection:
                task.apply_async(connection=connection, retry=False)
        except Exception:
            logger.exception("Could not queue %s; %s will do it.", task.name, fallback)

    transaction.on_commit(queue)
