"""Strict readers for configuration variables.

django-environ is lenient: ``DJANGO_DEBUG=maybe`` silently becomes ``False`` and an unknown
database scheme yields an empty config. A portal that quietly starts with the wrong settings is
worse than one that refuses to start, so every reader here names the variable it could not parse.
"""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}

_DATABASE_SCHEMES = {"postgres", "postgresql", "pgsql", "sqlite"}
_BROKER_SCHEMES = {"filesystem", "redis", "rediss", "amqp", "amqps", "memory"}
_EMAIL_SCHEMES = {
    "smtp",
    "smtps",
    "smtp+tls",
    "smtp+ssl",
    "consolemail",
    "filemail",
    "memorymail",
    "dummymail",
}


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    return None if value is None else value.strip()


def _fail(name: str, value: str, expected: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(
        f"Environment variable {name}={value!r} is invalid: expected {expected}."
    )


def get_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise _fail(name, value, "one of true/false/1/0/yes/no/on/off")


def get_int(name: str, default: int, *, minimum: int = 0, maximum: int | None = None) -> int:
    value = _raw(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise _fail(name, value, "an integer") from None
    if number < minimum or (maximum is not None and number > maximum):
        expected = f"an integer >= {minimum}" if maximum is None else f"{minimum}..{maximum}"
        raise _fail(name, value, expected)
    return number


def get_str(name: str, default: str | None = None) -> str:
    value = _raw(name)
    if value is None or value == "":
        if default is None:
            raise ImproperlyConfigured(f"Environment variable {name} must be set.")
        return default
    return value


def get_base_url(name: str, default: str) -> str:
    """An http(s) address without query or fragment, returned without its trailing slash.

    Links are built by appending a path to it, so "portal.example.cn" (no scheme) or an address
    with a query string would make every link in every e-mail wrong.
    """
    value = _raw(name) or default
    parts = urlsplit(value)
    try:
        parts.port  # noqa: B018 - reading it refuses a port that is no number or out of range
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme not in {"http", "https"}
        or not parts.hostname
        or parts.query
        or parts.fragment
    ):
        raise _fail(name, value, "an address like https://portal.example.cn")
    return value.rstrip("/")


def get_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None:
        return default
    items = [item.strip() for item in value.split(",")]
    if any(not item for item in items):
        raise _fail(name, value, "a comma-separated list without empty items")
    return items


def _scheme(name: str, value: str, allowed: set[str]) -> str:
    scheme = urlsplit(value).scheme.lower()
    if "://" not in value or scheme not in allowed:
        raise _fail(name, value, "a URL with one of the schemes " + ", ".join(sorted(allowed)))
    return scheme


PG_SESSION_OPTIONS = "-c max_parallel_workers_per_gather=0 -c jit=off -c random_page_cost=1.1"


def get_database(name: str, default: str) -> dict:
    value = _raw(name) or default
    scheme = _scheme(name, value, _DATABASE_SCHEMES)
    config = environ.Env.db_url_config(value)
    if not config.get("NAME"):
        raise _fail(name, value, "a URL that names the database")
    if scheme == "sqlite":
        if config["NAME"] != ":memory:":
            # The embedded default must start on a fresh clone, where var/ does not exist yet.
            Path(config["NAME"]).parent.mkdir(parents=True, exist_ok=True)
        # Worker, beat and web share one file: wait for locks instead of failing at once.
        config["OPTIONS"] = {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL;",
        }
    else:
        config["CONN_MAX_AGE"] = 60
        config["CONN_HEALTH_CHECKS"] = True
        # The portal's statements are short lookups on indexes. A parallel plan costs more to start
        # (two worker processes per Gather) than it saves: a liaison's queue was many times slower
        # with parallel workers (docs/benchmarks.md). JIT compiling is the same trade on a larger
        # scale. The few big aggregates (dashboard summaries, weekly reports) are rebuilt by beat. A
        # random page read costs about what a sequential one does when the tables sit in memory or
        # on SSD (PostgreSQL's documentation suggests 1.1 there; its default of 4 models spinning
        # disks): with 4, a page of needs hashed every firm to join their names instead of looking
        # up the page's few, a slower plan (docs/benchmarks.md). A URL's own `?options=` wins.
        options = config.setdefault("OPTIONS", {})
        options.setdefault("options", PG_SESSION_OPTIONS)
    return config


def get_broker_url(name: str, default: str) -> str:
    value = _raw(name) or default
    _scheme(name, value, _BROKER_SCHEMES)
    return value


def get_email(name: str, default: str) -> dict:
    value = _raw(name) or default
    scheme = _scheme(name, value, _EMAIL_SCHEMES)
    try:
        config = environ.Env.email_url_config(value)
    except (ValueError, KeyError) as exc:
        raise _fail(name, value, str(exc)) from None
    if scheme == "filemail":
        # django-environ drops the leading slash of an absolute path.
        path = unquote(urlsplit(value).path)
        if not path:
            raise _fail(name, value, "filemail:///absolute/folder")
        config["EMAIL_FILE_PATH"] = path
    return config


_DURATION_UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes"}
_DURATION_RE = re.compile(r"(\d+)([wdhm])")


def get_durations(name: str, default: list[timedelta]) -> list[timedelta]:
    """Comma-separated positive durations such as ``3d,1d,2h`` (units w, d, h, m), longest first.

    Duplicates, zero, an empty item or any other unit is an error: a reminder offset that is
    silently dropped or doubled is worse than a portal that refuses to start.
    """
    value = _raw(name)
    if value is None:
        return sorted(default, reverse=True)
    expected = "comma-separated positive durations like 3d,1d,2h (units w, d, h, m)"
    durations = []
    for item in value.split(","):
        match = _DURATION_RE.fullmatch(item.strip().lower())
        if not match or int(match.group(1)) == 0:
            raise _fail(name, value, expected)
        durations.append(timedelta(**{_DURATION_UNITS[match.group(2)]: int(match.group(1))}))
    if len(set(durations)) != len(durations):
        raise _fail(name, value, expected + ", each at most once")
    return sorted(durations, reverse=True)
