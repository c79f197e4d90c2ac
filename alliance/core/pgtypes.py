"""Reading PostgreSQL `timestamptz` values with psycopg's own default loader.

Django's psycopg 3 backend reads every `timestamptz` through a loader of its own that subclasses
psycopg's pure-Python one (to attach the connection's time zone), so each timestamp is parsed
in Python even where psycopg has a compiled parser (`psycopg[binary]`, see requirements.txt);
a list row carries eleven of them (docs/benchmarks.md).

`timestamptz_loader` gives what Django's loader gives — the value parsed by psycopg, then
given the connection's `timezone` as its `tzinfo` — with the parsing done by the loader
psycopg registers by default (`psycopg.adapters`, its public map of adapters: the compiled one
when installed, else the Python one). It carries the `timezone` attribute Django compares
before each cursor, so Django keeps it. It is registered on each new PostgreSQL connection
(`connection_created`).
"""

from __future__ import annotations

from functools import cache

from django.db.backends.signals import connection_created


@cache
def timestamptz_loader(timezone):
    """The loader class for a connection whose `timezone` is `timezone`."""
    import psycopg
    from psycopg.adapt import Loader
    from psycopg.pq import Format

    oid = psycopg.adapters.types["timestamptz"].oid
    default = psycopg.adapters.get_loader(oid, Format.TEXT)

    class TimestamptzLoader(Loader):
        def __init__(self, oid, context=None):
            super().__init__(oid, context)
            self._parse = default(oid, context).load

        def load(self, data):
            return self._parse(data).replace(tzinfo=self.timezone)

    TimestamptzLoader.timezone = timezone
    return TimestamptzLoader


def use_default_timestamptz_parser(sender, connection, **kwargs) -> None:
    if connection.vendor != "postgresql":
        return
    connection.connection.adapters.register_loader(
        "timestamptz", timestamptz_loader(connection.timezone)
    )


def connect() -> None:
    connection_created.connect(
        use_default_timestamptz_parser, dispatch_uid="alliance.core.pgtypes.timestamptz"
    )
