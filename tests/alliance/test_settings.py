"""The settings module refuses junk and names the variable; defaults give the embedded setup."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

BASE_DIR = Path(__file__).resolve().parents[2]
OUR_VARIABLES = (
    "DJANGO_SECRET_KEY",
    "DJANGO_DEBUG",
    "DJANGO_ALLOWED_HOSTS",
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "EMAIL_URL",
    "DJANGO_VAR_DIR",
    "DJANGO_SECURE_HSTS_SECONDS",
    "DJANGO_STATIC_MANIFEST",
    "DJANGO_SECURE_SSL_REDIRECT",
    "AXES_FAILURE_LIMIT",
    "WEB_PORT",
    "DJANGO_PORTAL_BASE_URL",
    "DJANGO_UPLOAD_MAX_REQUEST_MB",
    "DJANGO_ALLOW_ASYNC_UNSAFE",  # set for Playwright in tests; never in deployment
)
PROBE = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({k: str(getattr(s, k)) for k in ("
    "'DEBUG', 'LANGUAGE_CODE', 'TIME_ZONE', 'USE_TZ', 'CELERY_BROKER_URL', 'EMAIL_BACKEND',"
    "'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_HSTS_SECONDS', 'SECURE_SSL_REDIRECT',"
    "'ALLOWED_HOSTS', 'EMAIL_FILE_PATH', 'LANGUAGES', 'CELERY_BROKER_TRANSPORT_OPTIONS',"
    "'PORTAL_BASE_URL', 'UPLOAD_MAX_REQUEST_BYTES')} | "
    "{'DB_ENGINE': s.DATABASES['default']['ENGINE'],"
    " 'DB_NAME': str(s.DATABASES['default']['NAME']),"
    " 'DB_OPTIONS': s.DATABASES['default'].get('OPTIONS', {}),"
    " 'STATIC': s.STORAGES['staticfiles']['BACKEND'], 'HASHER': s.PASSWORD_HASHERS[0]}))"
)
SECRET = "s" * 10 + "-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"


def load_settings(**variables: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in OUR_VARIABLES}
    env.update(DJANGO_SETTINGS_MODULE="alliance.settings", **variables)
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def loaded(**variables: str) -> dict:
    result = load_settings(**variables)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_embedded_defaults(tmp_path):
    values = loaded(DJANGO_DEBUG="true", DJANGO_VAR_DIR=str(tmp_path))
    assert values["DEBUG"] == "True"
    assert values["DB_ENGINE"] == "django.db.backends.sqlite3"
    assert values["DB_NAME"] == str(tmp_path / "db.sqlite3")
    assert values["CELERY_BROKER_URL"] == "filesystem://"
    assert str(tmp_path / "celery" / "queue") in values["CELERY_BROKER_TRANSPORT_OPTIONS"]
    assert values["EMAIL_BACKEND"] == "alliance.core.mail.ConsoleEmailBackend"
    assert values["LANGUAGE_CODE"] == "zh-hans"
    assert "'en'" in values["LANGUAGES"]
    assert values["TIME_ZONE"] == "Asia/Shanghai"
    assert values["USE_TZ"] == "True"
    assert values["HASHER"] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert values["UPLOAD_MAX_REQUEST_BYTES"] == str(30 * 1024 * 1024)


def test_the_upload_total_of_a_request_is_read_in_megabytes():
    values = loaded(DJANGO_DEBUG="1", DJANGO_UPLOAD_MAX_REQUEST_MB="12")
    assert values["UPLOAD_MAX_REQUEST_BYTES"] == str(12 * 1024 * 1024)


def test_debug_is_off_by_default_and_production_is_hardened():
    values = loaded(DJANGO_SECRET_KEY=SECRET, DJANGO_ALLOWED_HOSTS="portal.example.cn")
    assert values["DEBUG"] == "False"
    assert values["SESSION_COOKIE_SECURE"] == "True"
    assert values["CSRF_COOKIE_SECURE"] == "True"
    assert values["SECURE_SSL_REDIRECT"] == "True"
    assert int(values["SECURE_HSTS_SECONDS"]) >= 31_536_000
    assert values["ALLOWED_HOSTS"] == "['portal.example.cn']"
    assert values["STATIC"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_service_urls_are_read():
    values = loaded(
        DJANGO_DEBUG="1",
        DATABASE_URL="postgres://portal:pw@db.internal:5432/hongchain",
        CELERY_BROKER_URL="redis://redis.internal:6379/1",
        EMAIL_URL="filemail:///var/mail/portal",
    )
    assert values["DB_ENGINE"] == "django.db.backends.postgresql"
    assert values["DB_NAME"] == "hongchain"
    # Web statements are short index lookups: no parallel workers, no JIT, random reads priced
    # for memory and SSD (bench/).
    assert values["DB_OPTIONS"]["options"] == (
        "-c max_parallel_workers_per_gather=0 -c jit=off -c random_page_cost=1.1"
    )
    assert values["CELERY_BROKER_URL"] == "redis://redis.internal:6379/1"
    assert "visibility_timeout" in values["CELERY_BROKER_TRANSPORT_OPTIONS"]
    assert values["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend"
    assert values["EMAIL_FILE_PATH"] == "/var/mail/portal"


def test_the_portal_address_follows_the_web_port_unless_set():
    # `make run WEB_PORT=8101` exports the port to the web server, the worker and beat alike:
    # e-mails, .ics files, calendar feeds and the door QR code must all point at 8101.
    assert loaded(DJANGO_DEBUG="1")["PORTAL_BASE_URL"] == "http://127.0.0.1:8000"
    assert loaded(DJANGO_DEBUG="1", WEB_PORT="8101")["PORTAL_BASE_URL"] == "http://127.0.0.1:8101"
    explicit = loaded(
        DJANGO_DEBUG="1", WEB_PORT="8101", DJANGO_PORTAL_BASE_URL="https://portal.example.cn/"
    )
    assert explicit["PORTAL_BASE_URL"] == "https://portal.example.cn"


def test_a_database_url_can_choose_its_own_session_options():
    values = loaded(
        DJANGO_DEBUG="1",
        DATABASE_URL="postgres://portal:pw@db.internal:5432/hongchain?options=-c%20jit%3Don",
    )
    assert values["DB_OPTIONS"]["options"] == "-c jit=on"


@pytest.mark.django_db
def test_postgresql_sessions_run_without_parallel_workers_or_jit_and_price_random_reads():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL session settings")
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone()[0] == "0"
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
        cursor.execute("SHOW random_page_cost")
        assert cursor.fetchone()[0] == "1.1"


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({"DJANGO_DEBUG": "maybe"}, "DJANGO_DEBUG"),
        ({"DJANGO_DEBUG": "false"}, "DJANGO_SECRET_KEY"),  # no key outside debug
        ({"DJANGO_DEBUG": "1", "DATABASE_URL": "not-a-url"}, "DATABASE_URL"),
        ({"DJANGO_DEBUG": "1", "DATABASE_URL": "mysql://u@h/db"}, "DATABASE_URL"),
        ({"DJANGO_DEBUG": "1", "DATABASE_URL": "postgres://u@h:5432/"}, "DATABASE_URL"),
        ({"DJANGO_DEBUG": "1", "CELERY_BROKER_URL": "kafka://broker:9092"}, "CELERY_BROKER_URL"),
        ({"DJANGO_DEBUG": "1", "CELERY_BROKER_URL": "localhost:6379"}, "CELERY_BROKER_URL"),
        ({"DJANGO_DEBUG": "1", "EMAIL_URL": "carrier-pigeon://coop"}, "EMAIL_URL"),
        ({"DJANGO_DEBUG": "1", "DJANGO_ALLOWED_HOSTS": "a.cn,,b.cn"}, "DJANGO_ALLOWED_HOSTS"),
        (
            {"DJANGO_DEBUG": "1", "DJANGO_SECURE_HSTS_SECONDS": "one year"},
            "DJANGO_SECURE_HSTS_SECONDS",
        ),
        ({"DJANGO_DEBUG": "1", "AXES_FAILURE_LIMIT": "0"}, "AXES_FAILURE_LIMIT"),
        ({"DJANGO_DEBUG": "1", "WEB_PORT": "eighty"}, "WEB_PORT"),
        ({"DJANGO_DEBUG": "1", "WEB_PORT": "0"}, "WEB_PORT"),
        ({"DJANGO_DEBUG": "1", "WEB_PORT": "65536"}, "WEB_PORT"),
        (
            {"DJANGO_DEBUG": "1", "DJANGO_PORTAL_BASE_URL": "portal.example.cn"},
            "DJANGO_PORTAL_BASE_URL",
        ),
        (
            {"DJANGO_DEBUG": "1", "DJANGO_PORTAL_BASE_URL": "ftp://portal.example.cn"},
            "DJANGO_PORTAL_BASE_URL",
        ),
        (
            {"DJANGO_DEBUG": "1", "DJANGO_PORTAL_BASE_URL": "https://portal.example.cn/?a=1"},
            "DJANGO_PORTAL_BASE_URL",
        ),
        (
            {"DJANGO_DEBUG": "1", "DJANGO_UPLOAD_MAX_REQUEST_MB": "30MB"},
            "DJANGO_UPLOAD_MAX_REQUEST_MB",
        ),
        (
            {"DJANGO_DEBUG": "1", "DJANGO_UPLOAD_MAX_REQUEST_MB": "0"},
            "DJANGO_UPLOAD_MAX_REQUEST_MB",
        ),
    ],
)
def test_malformed_values_stop_start_up_naming_the_variable(variables, named):
    result = load_settings(**variables)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert named in result.stderr.strip().splitlines()[-1]


def test_deploy_check_passes_with_production_like_variables():
    env = {k: v for k, v in os.environ.items() if k not in OUR_VARIABLES}
    env.update(
        DJANGO_SETTINGS_MODULE="alliance.settings",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=SECRET,
        DJANGO_ALLOWED_HOSTS="portal.example.cn",
        DJANGO_PORTAL_BASE_URL="https://portal.example.cn",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.django_db
def test_the_database_checks_pass_without_warnings_on_either_database():
    """The covering index is PostgreSQL's; on SQLite (the embedded default) its warning is
    silenced so that every command of `make run` starts clean."""
    call_command("check", databases=["default"], fail_level="WARNING")
