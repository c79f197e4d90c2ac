import os
import time
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from alliance.core.files import remove_unreferenced_files
from enterprises.housekeeping import IMPORT_PREVIEW_FOLDER, remove_stale_import_previews
from enterprises.tasks import remove_abandoned_import_previews
from liaisons.models import NEED_ATTACHMENT_FOLDER, NeedAttachment
from liaisons.needs.files import remove_orphan_attachment_files
from liaisons.tasks import remove_orphan_attachment_files as orphan_task
from tests import factories


@pytest.fixture
def media(tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def put(path: str, *, age: timedelta) -> str:
    name = default_storage.save(path, ContentFile(b"%PDF-1.4 test"))
    stamp = time.time() - age.total_seconds()
    os.utime(default_storage.path(name), (stamp, stamp))
    return name


def test_only_old_unreferenced_files_go(media):
    old_kept = put("box/kept.pdf", age=timedelta(days=3))
    old_orphan = put("box/orphan.pdf", age=timedelta(days=3))
    fresh_orphan = put("box/fresh.pdf", age=timedelta(hours=2))
    removed = remove_unreferenced_files("box", lambda paths: [p for p in paths if p == old_kept])
    assert removed == [old_orphan]
    assert default_storage.exists(old_kept) and default_storage.exists(fresh_orphan)
    assert not default_storage.exists(old_orphan)


def test_a_missing_folder_is_nothing_to_do(media):
    assert remove_unreferenced_files("nowhere", lambda paths: ()) == []


def test_lookups_are_chunked(media, monkeypatch):
    monkeypatch.setattr("alliance.core.files.LOOKUP_CHUNK", 2)
    for i in range(5):
        put(f"box/{i}.pdf", age=timedelta(days=2))
    asked: list[int] = []

    def referenced(paths):
        asked.append(len(paths))
        return ()

    assert len(remove_unreferenced_files("box", referenced)) == 5
    assert asked == [2, 2, 1]


@pytest.mark.django_db
def test_attachment_files_without_a_row_are_removed_and_others_kept(media):
    need = factories.NeedFactory()
    attachment = NeedAttachment(
        need=need, original_name="营业执照.pdf", uploaded_by=need.submitted_by
    )
    attachment.file.save("营业执照.pdf", ContentFile(b"%PDF-1.4 kept"), save=True)
    stamp = time.time() - timedelta(days=5).total_seconds()
    os.utime(attachment.file.path, (stamp, stamp))
    orphan = put(f"{NEED_ATTACHMENT_FOLDER}/0123456789abcdef.pdf", age=timedelta(days=5))
    assert remove_orphan_attachment_files() == 1
    assert not default_storage.exists(orphan)
    assert default_storage.exists(attachment.file.name)
    assert orphan_task.run() == 0  # a second run finds nothing


@pytest.mark.django_db
def test_abandoned_import_previews_are_removed_after_a_day(media):
    stale = put(f"{IMPORT_PREVIEW_FOLDER}/aaaa", age=timedelta(days=2))
    current = put(f"{IMPORT_PREVIEW_FOLDER}/bbbb", age=timedelta(minutes=5))
    assert remove_stale_import_previews(now=timezone.now()) == 1
    assert not default_storage.exists(stale) and default_storage.exists(current)
    assert remove_abandoned_import_previews.run() == 0


def test_beat_runs_both_sweeps_daily(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "liaisons.tasks.remove_orphan_attachment_files" in tasks
    assert "enterprises.tasks.remove_abandoned_import_previews" in tasks
