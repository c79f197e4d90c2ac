"""The backup drill: back up, restore into a new database and media folder, compare, and work on
the copy with the portal's own code; and every refusal, each a clear message, never a traceback.

CI runs them on PostgreSQL; without DATABASE_URL they drill SQLite, the embedded default.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import random
import shutil
import subprocess
import sys
import tarfile
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import psycopg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Max
from django.utils import translation

from alliance.core import workcalendar
from alliance.core.backup import BackupError, backup_create, database_from_url, databases
from liaisons.models import Need, NeedCategory, Urgency
from liaisons.needs import services as needs
from tests import factories

BASE_DIR = Path(__file__).resolve().parents[2]
ON_POSTGRESQL = os.environ.get("DATABASE_URL", "").startswith("postgres")
# One moment for the need on the original and the one on the copy: the same year's counter.
MOMENT = datetime(2026, 5, 12, 10, 0, tzinfo=workcalendar.TIMEZONE)
ATTACHMENT = b"%PDF-1.4\n" + random.Random(14).randbytes(256 * 1024)


@pytest.fixture(autouse=True)
def english():
    # Messages are matched in English; the drill checks the Chinese an operator reads.
    with translation.override("en"):
        yield


# pg_dump and the SQLite backup API see committed rows only.
committed = pytest.mark.django_db(transaction=True)

# Runs in a separate process whose only database is the restored copy and whose MEDIA_ROOT is
# the restored folder: the portal's settings, models and need service, nothing of the test's.
ON_THE_COPY = """
import hashlib, json, sys
from datetime import datetime
import django
django.setup()
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from alliance.core import workcalendar
from enterprises.models import EnterpriseContact
from liaisons.models import NeedAttachment
from liaisons.needs.services import need_create

def counts():
    with connection.cursor() as cursor:
        result = {}
        for table in connection.introspection.table_names(cursor):
            cursor.execute("SELECT COUNT(*) FROM " + connection.ops.quote_name(table))
            result[table] = cursor.fetchone()[0]
    return result

def schema():
    with connection.cursor() as cursor:
        return {
            table: sorted(connection.introspection.get_constraints(cursor, table))
            for table in connection.introspection.table_names(cursor)
        }

before = counts()
executor = MigrationExecutor(connection)
pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
attachment = NeedAttachment.objects.get()
with attachment.file.open("rb") as stream:
    digest = hashlib.sha256(stream.read()).hexdigest()
contact = EnterpriseContact.objects.select_related("user", "enterprise").get(
    user__username=sys.argv[1]
)
need = need_create(
    enterprise=contact.enterprise,
    actor=contact.user,
    category="financing",
    urgency="green",
    title="恢复演练：设备更新贷款",
    description="在恢复出的副本上提交。",
    submit=True,
    now=datetime.fromisoformat(sys.argv[2]),
)
print(json.dumps({
    "before": before,
    "after": counts(),
    "schema": schema(),
    "pending_migrations": len(pending),
    "attachment_sha256": digest,
    "need": {"pk": need.pk, "number": need.number, "status": need.status},
}))
"""


def _postgres_url(name: str) -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


def _maintenance() -> psycopg.Connection:
    db = connection.settings_dict
    return psycopg.connect(
        dbname="postgres",
        user=db["USER"],
        password=db["PASSWORD"] or None,
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        autocommit=True,
    )


def _database_exists(url: str) -> bool:
    config = database_from_url(url)
    if config["ENGINE"].endswith("sqlite3"):
        return Path(config["NAME"]).exists()
    with _maintenance() as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]])
        return row.fetchone() is not None


def _schema() -> dict[str, list[str]]:
    """Every table's constraints and indexes by name (a restore that skipped them would still
    count the same rows)."""
    with connection.cursor() as cursor:
        return {
            table: sorted(connection.introspection.get_constraints(cursor, table))
            for table in connection.introspection.table_names(cursor)
        }


def _row_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        counts = {}
        for table in connection.introspection.table_names(cursor):
            table_name = connection.ops.quote_name(table)
            cursor.execute(f"SELECT COUNT(*) FROM {table_name}")  # noqa: S608  (from the catalog)
            counts[table] = cursor.fetchone()[0]
    return counts


@pytest.fixture
def new_database_url(tmp_path) -> Iterator[str]:
    """A database that does not exist yet; on PostgreSQL dropped again at the end."""
    assert connection.vendor == ("postgresql" if ON_POSTGRESQL else "sqlite")
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'copy' / 'db.sqlite3'}"
        return
    name = f"hc_restore_{uuid.uuid4().hex[:12]}"
    yield _postgres_url(name)
    with _maintenance() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def world(settings, tmp_path):
    """A firm with its secretary, a liaison, a meeting, an action item and a need with a file."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    factories.StaffFactory(username="backup-staff")
    chain = factories.IndustryChainFactory(code="backup-chain", name="工程机械")
    enterprise = factories.EnterpriseFactory(primary_chain=chain)
    factories.ChainMembershipFactory(chain=chain, enterprise=enterprise)
    factories.PartyOrganizationFactory(enterprise=enterprise)
    secretary = factories.UserFactory(username="backup-secretary")
    factories.EnterpriseContactFactory(user=secretary, enterprise=enterprise)
    factories.LiaisonAssignmentFactory(enterprise=enterprise)
    factories.DepartmentResourceFactory()
    factories.InvitationFactory(user=secretary)
    factories.ActionItemFactory()
    need = needs.need_create(
        enterprise=enterprise,
        actor=secretary,
        category=NeedCategory.FINANCING,
        urgency=Urgency.YELLOW,
        title="流动资金贷款",
        description="扩产需要流动资金。",
        submit=True,
        now=MOMENT,
    )
    attachment = needs.need_attach(
        need=need,
        actor=secretary,
        upload=SimpleUploadedFile("财务报表.pdf", ATTACHMENT, content_type="application/pdf"),
    )
    return {"need": need, "attachment": attachment}


def _backup(tmp_path: Path) -> tuple[Path, str]:
    out = io.StringIO()
    call_command("backup", output=tmp_path / "backups", stdout=out)
    (archive,) = (tmp_path / "backups").iterdir()
    return archive, out.getvalue()


def _restore(archive: Path, url: str, media_root: Path, *, force: bool = False) -> str:
    out = io.StringIO()
    call_command(
        "restore", str(archive), database_url=url, media_root=media_root, force=force, stdout=out
    )
    return out.getvalue()


def _on_the_copy(url: str, media_root: Path, tmp_path: Path) -> dict:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_"))},
        "DJANGO_SETTINGS_MODULE": "alliance.settings",
        "DJANGO_DEBUG": "true",
        "DATABASE_URL": url,
        "DJANGO_MEDIA_ROOT": str(media_root),
        "DJANGO_VAR_DIR": str(tmp_path / "copy-var"),
        "CELERY_BROKER_URL": "memory://",
    }
    result = subprocess.run(
        [sys.executable, "-c", ON_THE_COPY, "backup-secretary", MOMENT.isoformat()],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@committed
def test_drill_back_up_restore_into_a_new_database_and_submit_a_need_on_the_copy(
    world, tmp_path, new_database_url
):
    source_counts = _row_counts()
    assert source_counts["liaisons_need"] == 1
    assert source_counts["liaisons_needattachment"] == 1
    with translation.override("zh-hans"):
        archive, output = _backup(tmp_path)

    assert archive.name.startswith("hongchain-")
    assert f"备份已写入 {archive}" in output
    manifest = json.loads((archive / "manifest.json").read_text())
    assert manifest["tables"] == source_counts
    assert "liaisons.0001_initial" in manifest["migrations"]
    stored = world["attachment"].file.name
    assert manifest["media"]["files"][stored] == {
        "bytes": len(ATTACHMENT),
        "sha256": hashlib.sha256(ATTACHMENT).hexdigest(),
    }

    restored_media = tmp_path / "restored-media"
    assert not _database_exists(new_database_url)
    _restore(archive, new_database_url, restored_media)

    assert (restored_media / stored).read_bytes() == ATTACHMENT
    copy = _on_the_copy(new_database_url, restored_media, tmp_path)
    assert copy["before"] == source_counts
    assert copy["schema"] == _schema()
    assert copy["pending_migrations"] == 0
    assert copy["attachment_sha256"] == hashlib.sha256(ATTACHMENT).hexdigest()
    # The copy goes on where the original stopped: the need's sequence and its number counter
    # came along (a fresh sequence would hand out an id the original already used).
    original = world["need"]
    assert copy["need"]["status"] == "submitted"
    assert copy["need"]["pk"] > Need.objects.aggregate(top=Max("pk"))["top"]
    assert int(copy["need"]["number"][-5:]) == int(original.number[-5:]) + 1
    after = copy["after"]
    assert after["liaisons_need"] == source_counts["liaisons_need"] + 1
    assert after["liaisons_needevent"] == source_counts["liaisons_needevent"] + 1
    assert after["alliance_notification"] > source_counts["alliance_notification"]
    assert _row_counts() == source_counts  # the original is untouched

    # The copy is no longer empty: a second restore is refused and changes nothing …
    with pytest.raises(CommandError, match="--force"):
        _restore(archive, new_database_url, tmp_path / "other-media")
    assert not (tmp_path / "other-media").exists()
    # … unless forced, which brings back the backup exactly, without the need added on the copy.
    (restored_media / "stray.txt").write_text("not in the backup")
    _restore(archive, new_database_url, restored_media, force=True)
    assert not (restored_media / "stray.txt").exists()
    assert (restored_media / stored).read_bytes() == ATTACHMENT
    again = _on_the_copy(new_database_url, restored_media, tmp_path)
    assert again["before"] == source_counts


@committed
def test_rows_committed_while_the_backup_runs_are_neither_dumped_nor_counted(
    world, tmp_path, new_database_url, monkeypatch
):
    """The manifest describes exactly the dump, however busy the portal is meanwhile."""
    before = _row_counts()
    # Right after the data is copied and before the rows are counted, someone signs up.
    vendor, step = (
        (databases.PostgreSQL, "_run")
        if connection.vendor == "postgresql"
        else (databases.SQLite, "_copy")
    )
    copy_data = getattr(vendor, step)

    def copy_then_write(self, *args, **kwargs):
        copy_data(self, *args, **kwargs)
        factories.UserFactory(username="signed-up-meanwhile")

    monkeypatch.setattr(vendor, step, copy_then_write)
    archive, _ = _backup(tmp_path)
    monkeypatch.undo()

    assert _row_counts()["alliance_user"] == before["alliance_user"] + 1
    assert json.loads((archive / "manifest.json").read_text())["tables"] == before
    _restore(archive, new_database_url, tmp_path / "restored-media")  # counts them again


@pytest.fixture
def archive(world, tmp_path) -> Path:
    return _backup(tmp_path)[0]


def _assert_nothing_written(url: str, media_root: Path) -> None:
    assert not _database_exists(url)
    assert not media_root.exists()


@committed
def test_a_damaged_database_dump_is_refused_before_anything_is_written(
    archive, tmp_path, new_database_url
):
    manifest = json.loads((archive / "manifest.json").read_text())
    dump = archive / manifest["database"]["file"]
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))
    with pytest.raises(CommandError, match="damaged") as refused:
        _restore(archive, new_database_url, tmp_path / "restored-media")
    assert manifest["database"]["file"] in str(refused.value)
    _assert_nothing_written(new_database_url, tmp_path / "restored-media")


@committed
def test_a_changed_media_file_is_refused_even_when_the_tar_checksum_was_updated(
    archive, tmp_path, new_database_url
):
    manifest_path = archive / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    tar_path = archive / "media.tar"
    with tarfile.open(tar_path) as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar.getmembers()]
    with tarfile.open(tar_path, "w", format=tarfile.PAX_FORMAT) as tar:
        for member, data in members:
            changed = data[:-1] + bytes([data[-1] ^ 0x01])
            tar.addfile(member, io.BytesIO(changed))
    data = tar_path.read_bytes()
    manifest["media"].update(bytes=len(data), sha256=hashlib.sha256(data).hexdigest())
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(CommandError, match="checksum"):
        _restore(archive, new_database_url, tmp_path / "restored-media")
    _assert_nothing_written(new_database_url, tmp_path / "restored-media")


@committed
def test_a_non_empty_media_folder_is_refused_before_the_database_is_created(
    archive, tmp_path, new_database_url
):
    media_root = tmp_path / "busy-media"
    media_root.mkdir()
    (media_root / "keep.pdf").write_bytes(b"%PDF-1.4 someone else's file")
    with pytest.raises(CommandError, match="--force"):
        _restore(archive, new_database_url, media_root)
    assert not _database_exists(new_database_url)
    assert [p.name for p in media_root.iterdir()] == ["keep.pdf"]


@committed
def test_the_portals_own_database_is_refused_without_force(archive, tmp_path):
    before = _row_counts()
    out = io.StringIO()
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(archive), media_root=tmp_path / "m", stdout=out)
    assert _row_counts() == before


@committed
def test_a_backup_of_the_other_database_kind_is_refused(archive, tmp_path):
    other = (
        f"sqlite:///{tmp_path / 'x.sqlite3'}"
        if connection.vendor == "postgresql"
        else "postgres://postgres@127.0.0.1:1/nothing"
    )
    with pytest.raises(CommandError, match="cannot take it"):
        _restore(archive, other, tmp_path / "restored-media")
    assert not (tmp_path / "x.sqlite3").exists()


def _unfinished(tmp_path: Path) -> Path:
    # What an interrupted backup leaves: the dump is there, the manifest is not.
    path = tmp_path / "hongchain-20260512-023000.partial"
    path.mkdir()
    (path / "database.pgdump").write_bytes(b"PGDMP")
    return path


def _with_manifest(text: str):
    def prepare(tmp_path: Path) -> Path:
        path = tmp_path / "hongchain-20260512-023000"
        path.mkdir()
        (path / "manifest.json").write_text(text)
        return path

    return prepare


@pytest.mark.parametrize(
    ("prepare", "message"),
    [
        (lambda tmp_path: tmp_path / "hongchain-20260512-023000", "There is no backup at"),
        (lambda tmp_path: tmp_path, "has no manifest.json"),
        (_unfinished, "did not finish"),
        (_with_manifest("{not json"), "cannot be read"),
        (_with_manifest('{"format": 2}'), "format 2"),
        (_with_manifest('{"format": 1, "tables": []}'), "incomplete: database.vendor"),
    ],
    ids=["missing", "no-manifest", "unfinished", "garbled", "other-format", "incomplete"],
)
def test_a_folder_that_is_not_a_backup_is_a_clear_error(tmp_path, prepare, message):
    with pytest.raises(CommandError, match=message):
        call_command(
            "restore", str(prepare(tmp_path)), media_root=tmp_path / "m", stdout=io.StringIO()
        )


def test_a_url_that_names_no_usable_database_is_refused_without_echoing_its_password(tmp_path):
    with pytest.raises(CommandError, match="not a database URL") as refused:
        call_command(
            "restore",
            str(tmp_path),
            database_url="mysql://portal:s3cret-pw@db/hongchain",
            stdout=io.StringIO(),
        )
    assert "s3cret-pw" not in str(refused.value)


def test_the_command_line_prints_the_error_and_no_traceback(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    result = subprocess.run(
        [sys.executable, "manage.py", "restore", str(tmp_path / "nowhere")],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "CommandError" in result.stderr and "nowhere" in result.stderr
    assert "Traceback" not in result.stderr


@committed
def test_without_the_postgresql_tools_a_postgresql_backup_says_what_to_install(
    world, tmp_path, monkeypatch
):
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    out = tmp_path / "backups"
    if connection.vendor == "postgresql":
        with pytest.raises(BackupError, match=r"pg_dump was not found.*postgresql-client"):
            backup_create(output_dir=out)
        assert list(out.iterdir()) == []  # nothing half-written left behind
    else:
        # The embedded default needs no PostgreSQL tools.
        assert backup_create(output_dir=out).tables["liaisons_need"] == 1


@pytest.mark.django_db  # opens connections, reads no rows
def test_an_unreachable_database_server_is_a_clear_error(tmp_path):
    unreachable = database_from_url("postgres://portal:pw@127.0.0.1:1/hongchain")
    expected = "Cannot connect to PostgreSQL database hongchain on 127.0.0.1:1"
    if shutil.which("pg_dump") is None:
        expected = "pg_dump was not found"
    with pytest.raises(BackupError, match=expected):
        backup_create(output_dir=tmp_path / "backups", database=unreachable)
    assert list((tmp_path / "backups").iterdir()) == []


def test_the_password_reaches_pg_restore_in_its_environment_never_on_its_command_line(
    monkeypatch, tmp_path
):
    # Any user of the machine can read a command line (ps); a process's environment, only its
    # owner.
    calls = []

    def run(arguments, *, env, **kwargs):
        calls.append((arguments, env))
        return subprocess.CompletedProcess(arguments, 0, "", "")

    monkeypatch.setattr(databases.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(databases.subprocess, "run", run)
    config = database_from_url("postgres://portal:s3cret-pw@db.internal:5433/hongchain")
    databases.PostgreSQL(config).load(tmp_path / "database.pgdump")

    ((arguments, env),) = calls
    assert arguments[0] == "/usr/bin/pg_restore"
    assert not any("s3cret-pw" in argument for argument in arguments)
    assert env["PGPASSWORD"] == "s3cret-pw"
    dbname = next(a for a in arguments if a.startswith("--dbname="))
    assert {"dbname=hongchain", "host=db.internal", "port=5433", "user=portal"} <= set(
        dbname.removeprefix("--dbname=").split()
    )
    assert "--no-password" in arguments  # never a prompt that hangs a cron job
