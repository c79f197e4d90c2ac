"""`alliance.core.pgtypes`: timestamps read by psycopg's default parser are the values Django's own
loader gives, and Django keeps the loader on every cursor."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import register_tzloader
from django.utils import timezone
from psycopg.pq import Format

from alliance.core import pgtypes
from liaisons.models import Need, NeedStatus
from tests import factories

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's timestamptz"),
]

TEXTS = [
    "2026-11-27 08:30:00+00",
    "2026-11-27 16:29:59.999999+08",
    "2026-03-29 01:30:00.5+01",
    "0001-01-01 00:00:00+00",
    "9999-12-31 23:59:59.999999+00",
    "2000-02-29 12:00:00-09:30",
]


def _read(texts: list[str], *, django: bool) -> list:
    with connection.cursor() as cursor:
        if django:
            register_tzloader(connection.timezone, cursor.cursor)
        cursor.execute(
            "SELECT value::timestamptz FROM unnest(%s::text[]) AS value ORDER BY 1", [texts]
        )
        return [row[0] for row in cursor.fetchall()]


def test_the_loader_reads_what_djangos_reads():
    ours, djangos = _read(TEXTS, django=False), _read(TEXTS, django=True)
    assert ours == djangos
    assert [value.tzinfo for value in ours] == [value.tzinfo for value in djangos]
    assert all(value.tzinfo is connection.timezone for value in ours)
    assert ours[0] == datetime(1, 1, 1, tzinfo=UTC)


def test_an_impossible_timestamp_fails_the_same_way():
    errors = []
    for django in (False, True):
        with pytest.raises(Exception) as raised:
            _read(["infinity"], django=django)
        errors.append(type(raised.value))
    assert errors[0] is errors[1]


def test_every_cursor_keeps_the_loader():
    connection.ensure_connection()
    loader = pgtypes.timestamptz_loader(connection.timezone)
    assert loader is not None
    with connection.cursor() as cursor:
        oid = connection.connection.adapters.types["timestamptz"].oid
        assert cursor.cursor.adapters.get_loader(oid, Format.TEXT) is loader


def test_a_model_reads_back_the_moment_it_wrote():
    moment = timezone.now().replace(microsecond=123456)
    need = factories.NeedFactory(status=NeedStatus.SUBMITTED, submitted_at=moment)
    assert Need.objects.get(pk=need.pk).submitted_at == moment
    assert Need.objects.values_list("submitted_at", flat=True).get(pk=need.pk) == moment
