"""In CI the suite must run on the real services, never only on the embedded defaults."""

import os
import shutil

import pytest
from django.conf import settings
from django.db import connection

in_ci = pytest.mark.skipif(not os.environ.get("CI"), reason="checks the CI environment")


@in_ci
@pytest.mark.django_db
def test_ci_runs_on_postgresql_with_a_utf8_ctype():
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SHOW lc_ctype")
        (ctype,) = cursor.fetchone()
    # Trigram search on Chinese text needs a UTF-8 character type.
    assert "utf" in ctype.lower().replace("-", "")


@in_ci
def test_ci_uses_redis_as_broker():
    assert settings.CELERY_BROKER_URL.startswith("redis://")


@in_ci
def test_ci_can_start_a_redis_of_its_own():
    # The broker outage tests stop and freeze a private redis-server; without the program they
    # would be skipped (tests/redis_server.py).
    assert shutil.which("redis-server")
