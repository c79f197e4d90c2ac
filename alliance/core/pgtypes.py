"""Reading PostgreSQL `timestamptz` values with psycopg's compiled parser.

Django's psycopg 3 backend reads every `timestamptz` through a loader of its own that subclasses
psycopg's pure-Python one (to attach the connection's time zone), so each timestamp is parsed
in Python: about 3 µs a value. A page of needs has eleven timestamps a row; the inbox's 44
rows took 1.9 ms to fetch, 0.25 ms of it in the database (docs/benchmarks.md).

`CompiledTimestamptzLoader` gives what Django's loader gives — the value parsed by psycopg,
then given the connection's `timezone` as its `tzinfo` — with the parsing done by psycopg's C
implementation (1.9 → 1.2 ms). It carries the `timezone` attribute Django compares before
each cursor, so Django keeps it. It is registered on each new PostgreSQL connection
(`connection_created`) when psycopg runs its binary implementation (`psycopg[binary]`, see
requirements.txt); otherwise Django's loader stays.
"""

from __future__ import annotations

from functools import cache

from django.db.backends.signals import connection_created


@cache
def compiled_loader(timezone):
    """The loader class for a connection whose `timezone` is `timezone`, or None when psycopg's
    compiled implementation is not installed."""
    import psycopg
    from psycopg.adapt import Loader

    if psycopg.pq.__impl__ != "binary":
        return None
    from psycopg_binary import _psycopg

    compiled = _psycopg.TimestamptzLoader

    class CompiledTimestamptzLoader(Loader):
        def __init__(self, oid, context=None):
            super().__init__(oid, context)
            self._parse = compiled(oid, context).load

        def load(self, data):
            return self._parse(data).replace(tzinfo=self.timezone)

    CompiledTimestamptzLoader.timezone = timezone
    return CompiledTimestamptzLoader


def use_compiled_timestamptz_loader(sender, connection, **kwargs) -> None:
    if connection.vendor != "postgresql":
        return
    loader = compiled_loader(connection.timezone)
    if loader is not None:
        connection.connection.adapters.register_loader("timestamptz", loader)


def connect() -> None:
    connection_created.connect(
        use_compiled_timestamptz_loader, dispatch_uid="alliance.core.pgtypes.timestamptz"
    )
