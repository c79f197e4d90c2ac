"""The two databases the portal runs on, each dumped and loaded in its own way.

PostgreSQL: ``pg_dump --format=custom`` run inside a snapshot exported by a repeatable-read
transaction, which then counts the rows itself: the manifest's counts describe exactly the rows
in the dump even while web, worker and beat keep writing. SQLite: the online backup API, which
copies a consistent image of the file while other processes use it; the rows are counted on
the copy.

The tools get the password in ``PGPASSWORD`` and everything else in a connection string, never
the password on a command line, where any user of the machine could read it in ``ps``.
"""

from __future__ import annotations

import copy
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from django.db import DEFAULT_DB_ALIAS, Error
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.utils import ConnectionHandler
from django.utils.translation import gettext as _
from psycopg import IsolationLevel, sql
from psycopg.conninfo import make_conninfo

from alliance.core.backup.errors import BackupError

POSTGRESQL = "postgresql"
SQLITE = "sqlite"
# How long a wrong host may keep an operator waiting.
CONNECT_TIMEOUT = 10
# The libpq settings a database URL can carry in its query string, passed on to the tools.
_LIBPQ_OPTIONS = ("sslmode", "sslrootcert", "sslcert", "sslkey", "target_session_attrs")
_STDERR_TAIL = 2000


@dataclass
class Dump:
    """What a dump holds besides the data: written to the manifest."""

    tables: dict[str, int]
    migrations: list[str]  # "app.name"
    properties: dict[str, str] = field(default_factory=dict)


def vendor_of(config: dict) -> str:
    engine = config["ENGINE"]
    if engine.endswith("sqlite3"):
        return SQLITE
    if "postgresql" in engine:
        return POSTGRESQL
    raise BackupError(
        _("Only PostgreSQL and SQLite databases can be backed up (%(engine)s).")
        % {"engine": engine}
    )


def describe(config: dict) -> str:
    """The database in words for the operator, without its password."""
    if vendor_of(config) == SQLITE:
        return _("SQLite file %(path)s") % {"path": config["NAME"]}
    return _("PostgreSQL database %(name)s on %(host)s:%(port)s") % {
        "name": config["NAME"],
        "host": config.get("HOST") or "localhost",
        "port": config.get("PORT") or 5432,
    }


# --- Django connections to a database that is not (necessarily) the portal's own -----------------


def _wrapper(config: dict, **options) -> BaseDatabaseWrapper:
    config = copy.deepcopy(config)
    config.pop("TEST", None)
    if vendor_of(config) == POSTGRESQL:
        config.setdefault("OPTIONS", {}).setdefault("connect_timeout", CONNECT_TIMEOUT)
        config["OPTIONS"].update(options)
    # A handler of its own: the connection never replaces one of the portal's aliases.
    return ConnectionHandler({DEFAULT_DB_ALIAS: config})[DEFAULT_DB_ALIAS]


@contextmanager
def _connected(config: dict, **options) -> Iterator[BaseDatabaseWrapper]:
    wrapper = _wrapper(config, **options)
    try:
        try:
            wrapper.ensure_connection()
        except Error as error:
            raise BackupError(
                _("Cannot connect to %(database)s: %(error)s")
                % {"database": describe(config), "error": _first_line(error)}
            ) from error
        yield wrapper
    finally:
        wrapper.close()


def _row_counts(wrapper: BaseDatabaseWrapper) -> dict[str, int]:
    with wrapper.cursor() as cursor:
        tables = sorted(wrapper.introspection.table_names(cursor))
        counts = {}
        for table in tables:
            # Table names come from the database's own catalog, quoted as identifiers.
            cursor.execute(f"SELECT COUNT(*) FROM {wrapper.ops.quote_name(table)}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    return counts


def _applied_migrations(wrapper: BaseDatabaseWrapper, tables: dict[str, int]) -> list[str]:
    if "django_migrations" not in tables:
        return []
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        return [f"{app}.{name}" for app, name in cursor.fetchall()]


# --- PostgreSQL -----------------------------------------------------------------------------------


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            _(
                "%(tool)s was not found on PATH. Install the PostgreSQL client tools of the "
                "server's major version (on Debian: apt-get install postgresql-client-15)."
            )
            % {"tool": name}
        )
    return path


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else error.__class__.__name__


class PostgreSQL:
    vendor = POSTGRESQL
    file_name = "database.pgdump"

    def __init__(self, config: dict) -> None:
        self.config = config

    def describe(self) -> str:
        return describe(self.config)

    def _conninfo(self) -> str:
        options = self.config.get("OPTIONS", {})
        params = {
            "dbname": self.config["NAME"],
            "host": self.config.get("HOST") or None,
            "port": self.config.get("PORT") or None,
            "user": self.config.get("USER") or None,
            "connect_timeout": CONNECT_TIMEOUT,
            **{name: options[name] for name in _LIBPQ_OPTIONS if options.get(name)},
        }
        return make_conninfo(**{name: value for name, value in params.items() if value})

    def _run(self, tool: str, arguments: list[str]) -> None:
        env = dict(os.environ)
        if self.config.get("PASSWORD"):
            env["PGPASSWORD"] = self.config["PASSWORD"]
        # --no-password (in every argument list) turns a missing password into an error instead
        # of a prompt that would hang a cron job.
        result = subprocess.run(  # noqa: S603  (an argument list, no shell)
            [_tool(tool), "--no-password", f"--dbname={self._conninfo()}", *arguments],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise BackupError(
                _("%(tool)s failed (exit status %(status)d): %(output)s")
                % {
                    "tool": tool,
                    "status": result.returncode,
                    "output": result.stderr.strip()[-_STDERR_TAIL:] or "-",
                }
            )

    def dump(self, path: Path) -> Dump:
        pg_dump = _tool("pg_dump")  # before anything is connected or written
        version = subprocess.run(  # noqa: S603
            [pg_dump, "--version"], capture_output=True, text=True, check=False
        ).stdout.strip()
        with _connected(self.config, isolation_level=IsolationLevel.REPEATABLE_READ) as wrapper:
            wrapper.set_autocommit(False)
            try:
                with wrapper.cursor() as cursor:
                    cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
                    snapshot, server_version = cursor.fetchone()
                    cursor.execute(
                        "SELECT pg_encoding_to_char(encoding), datcollate, datctype"
                        " FROM pg_database WHERE datname = current_database()"
                    )
                    encoding, collate, ctype = cursor.fetchone()
                # The snapshot lives as long as this transaction: pg_dump sees the very rows
                # counted below, whatever the portal commits meanwhile.
                self._run(
                    "pg_dump", ["--format=custom", f"--snapshot={snapshot}", f"--file={path}"]
                )
                tables = _row_counts(wrapper)
                migrations = _applied_migrations(wrapper, tables)
            finally:
                wrapper.rollback()
        properties = {
            "server_version": server_version,
            "encoding": encoding,
            "collate": collate,
            "ctype": ctype,
            "pg_dump": version,
        }
        return Dump(tables=tables, migrations=migrations, properties=properties)

    def table_count(self) -> int | None:
        """How many tables the target holds; None when the database does not exist yet."""
        try:
            with _connected(self.config) as wrapper, wrapper.cursor() as cursor:
                return len(wrapper.introspection.table_names(cursor))
        except BackupError:
            # libpq reports a missing database only in the message's words (translated by the
            # server's locale); the catalog tells for sure.
            if self._exists() is False:
                return None
            raise

    def _maintenance(self) -> dict:
        return {**self.config, "NAME": "postgres"}

    def _exists(self) -> bool | None:
        try:
            with _connected(self._maintenance()) as wrapper, wrapper.cursor() as cursor:
                cursor.execute(
                    "SELECT 1 FROM pg_database WHERE datname = %s", [self.config["NAME"]]
                )
                return cursor.fetchone() is not None
        except BackupError:
            return None

    def create(self, properties: dict) -> None:
        """A new database with the encoding and locale of the one dumped: trigram search on
        Chinese text needs a UTF-8 character type, which the server's default may not have."""
        statement = sql.SQL(
            "CREATE DATABASE {} ENCODING {} LC_COLLATE {} LC_CTYPE {} TEMPLATE template0"
        ).format(
            sql.Identifier(self.config["NAME"]),
            sql.Literal(properties.get("encoding") or "UTF8"),
            sql.Literal(properties.get("collate") or "C.UTF-8"),
            sql.Literal(properties.get("ctype") or "C.UTF-8"),
        )
        with _connected(self._maintenance()) as wrapper:
            try:
                wrapper.connection.execute(statement)
            except psycopg.Error as error:
                raise BackupError(
                    _(
                        "The database %(name)s does not exist and could not be created: "
                        "%(error)s. Create it (createdb --encoding=UTF8 --template=template0 "
                        "%(name)s) and run the restore again."
                    )
                    % {"name": self.config["NAME"], "error": _first_line(error)}
                ) from error

    def clear(self) -> None:
        """Drop everything in the public schema (restore --force), as in a new database."""
        with _connected(self.config) as wrapper:
            raw = wrapper.connection
            try:
                with raw.transaction():
                    raw.execute("DROP SCHEMA public CASCADE")
                    raw.execute("CREATE SCHEMA public AUTHORIZATION pg_database_owner")
                    raw.execute("GRANT USAGE ON SCHEMA public TO PUBLIC")
            except psycopg.Error as error:
                raise BackupError(
                    _("Cannot empty %(database)s: %(error)s")
                    % {"database": self.describe(), "error": _first_line(error)}
                ) from error

    def load(self, path: Path) -> None:
        self._run(
            "pg_restore",
            [
                # The copy belongs to the role in the target URL, the one the portal will
                # connect as, so a server whose roles have other names restores the same way.
                "--no-owner",
                "--no-privileges",
                # All or nothing: a failed restore leaves the target as empty as it was.
                "--single-transaction",
                "--exit-on-error",
                str(path),
            ],
        )

    def counts(self) -> dict[str, int]:
        with _connected(self.config) as wrapper:
            return _row_counts(wrapper)


# --- SQLite ---------------------------------------------------------------------------------------


def _quote_sqlite(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class SQLite:
    vendor = SQLITE
    file_name = "database.sqlite3"

    def __init__(self, config: dict) -> None:
        self.config = config
        self.path = Path(config["NAME"])

    def describe(self) -> str:
        return describe(self.config)

    def _open(self, path: Path, *, read_only: bool) -> sqlite3.Connection:
        try:
            if read_only:
                # Opening read-only never creates an empty file where none was.
                return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
            return sqlite3.connect(path)
        except sqlite3.Error as error:
            raise BackupError(
                _("Cannot open the SQLite file %(path)s: %(error)s")
                % {"path": path, "error": error}
            ) from error

    def _copy(self, source: Path, target: Path, *, single_file: bool = False) -> None:
        src = self._open(source, read_only=True)
        try:
            dst = self._open(target, read_only=False)
            try:
                # The online backup API: a consistent image while web, worker and beat write.
                src.backup(dst)
                if single_file:
                    # The copy inherits the portal's WAL mode, which keeps -wal and -shm files
                    # beside it; an archive is one file.
                    dst.execute("PRAGMA journal_mode=DELETE")
            finally:
                dst.close()
        except sqlite3.Error as error:
            raise BackupError(
                _("Copying the SQLite file %(source)s to %(target)s failed: %(error)s")
                % {"source": source, "target": target, "error": error}
            ) from error
        finally:
            src.close()

    def _read(self, path: Path) -> tuple[dict[str, int], list[str], str]:
        db = self._open(path, read_only=True)
        try:
            tables = [
                name
                for (name,) in db.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                    " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
                )
            ]
            counts = {
                # Table names come from sqlite_master, quoted as identifiers.
                name: db.execute(f"SELECT COUNT(*) FROM {_quote_sqlite(name)}").fetchone()[0]  # noqa: S608
                for name in tables
            }
            migrations = []
            if "django_migrations" in counts:
                rows = db.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
                migrations = [f"{app}.{name}" for app, name in rows]
            (version,) = db.execute("SELECT sqlite_version()").fetchone()
        except sqlite3.Error as error:
            raise BackupError(
                _("Cannot read the SQLite file %(path)s: %(error)s")
                % {"path": path, "error": error}
            ) from error
        finally:
            db.close()
        return counts, migrations, version

    def dump(self, path: Path) -> Dump:
        if not self.path.is_file():
            raise BackupError(_("There is no SQLite file at %(path)s.") % {"path": self.path})
        self._copy(self.path, path, single_file=True)
        # Counted on the copy, so the counts describe exactly what was copied.
        tables, migrations, version = self._read(path)
        return Dump(tables=tables, migrations=migrations, properties={"sqlite_version": version})

    def table_count(self) -> int | None:
        if not self.path.exists():
            return None
        return len(self._read(self.path)[0])

    def create(self, properties: dict) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise BackupError(
                _("Cannot create the folder %(path)s: %(error)s")
                % {"path": self.path.parent, "error": error.strerror}
            ) from error

    def clear(self) -> None:
        """Nothing to do: the backup API replaces the whole target file, schema and pages."""

    def load(self, path: Path) -> None:
        self._copy(path, self.path)

    def counts(self) -> dict[str, int]:
        return self._read(self.path)[0]


def database_for(config: dict) -> PostgreSQL | SQLite:
    return SQLite(config) if vendor_of(config) == SQLITE else PostgreSQL(config)
