"""The portal's side of the Celery broker.

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

from kombu.transport import redis as kombu_redis
from redis.exceptions import ConnectionError as RedisConnectionError


class Channel(kombu_redis.Channel):
    def _connparams(self, asynchronous: bool = False) -> dict:
        if self.connection.client is None:
            raise RedisConnectionError("The broker connection of this channel is closed.")
        return super()._connparams(asynchronous=asynchronous)


class Transport(kombu_redis.Transport):
    Channel = Channel
