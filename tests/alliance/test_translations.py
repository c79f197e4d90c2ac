"""Every user-facing string of the portal has a Simplified Chinese translation."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import translation

BASE_DIR = Path(__file__).resolve().parents[2]
CATALOG = BASE_DIR / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
SOURCES = ("alliance", "chains", "enterprises", "liaisons", "events", "templates", "manage.py")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> Path:
    """A catalog freshly extracted from a copy of the sources, so the check sees today's strings."""
    copy = tmp_path_factory.mktemp("source")
    for name in SOURCES:
        source = BASE_DIR / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, copy / name)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "alliance.settings", "DJANGO_DEBUG": "true"}
    env.pop("DATABASE_URL", None)
    env["DJANGO_VAR_DIR"] = str(copy / "var")
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-location"],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_every_string_in_the_code_is_translated(extracted):
    # msgcmp reports each msgid of the fresh extraction that the catalog lacks or leaves empty.
    result = subprocess.run(
        ["msgcmp", str(CATALOG), str(extracted)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-4000:]


def test_catalog_has_no_fuzzy_entries_and_compiles():
    fuzzy = subprocess.run(
        ["msgattrib", "--only-fuzzy", "--no-obsolete", str(CATALOG)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "msgid" not in fuzzy.stdout, fuzzy.stdout[:2000]
    subprocess.run(["msgfmt", "--check", "-o", os.devnull, str(CATALOG)], check=True)


def test_model_names_read_in_chinese():
    from enterprises.models import Enterprise
    from liaisons.models import Need

    with translation.override("zh-hans"):
        assert str(Enterprise._meta.verbose_name) == "企业"
        assert str(Need._meta.verbose_name) == "企业需求"
    with translation.override("en"):
        assert str(Enterprise._meta.verbose_name) == "enterprise"
