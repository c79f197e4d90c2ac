"""Writing a few fields of many rows in one statement.

Django's `bulk_update` builds one `When` expression per row and field and resolves each through
the ORM, a cost that grows with the rows times the fields (measured on an escalation sweep in
docs/benchmarks.md). The sweeps write plain values to a known set of rows, so they say it in
SQL directly:

    UPDATE t SET f = CAST(CASE id WHEN %s THEN %s … END AS <f's column type>) WHERE id IN (…)

with the values prepared by each field as the ORM would (time zones, SQLite's text dates). On
PostgreSQL the cast gives the CASE its type when every value is NULL; SQLite stores what it is
given (a cast there would turn a date's text into a number).

And the one idiom by which a periodic sweep claims its rows: `claim_rows`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.transaction import TransactionManagementError

BATCH = 1_000


def update_rows(objs: Sequence[Model], fields: Iterable[str], *, batch: int = BATCH) -> int:
    """Write `fields` of each saved instance in `objs` (all of one model). No signals, no
    `auto_now`: set such values on the instances first. Returns the rows updated."""
    if not objs:
        return 0
    model = type(objs[0])
    meta = model._meta
    using = router.db_for_write(model)
    connection = connections[using]
    quote = connection.ops.quote_name
    columns = [meta.get_field(name) for name in fields]
    pk_column = quote(meta.pk.column)
    updated = 0
    for start in range(0, len(objs), batch):
        chunk = objs[start : start + batch]
        keys = [meta.pk.get_db_prep_value(obj.pk, connection) for obj in chunk]
        assignments, params = [], []
        for field in columns:
            case = f"CASE {pk_column} {' '.join(['WHEN %s THEN %s'] * len(chunk))} END"
            if connection.vendor == "postgresql":
                case = f"CAST({case} AS {field.db_type(connection)})"
            assignments.append(f"{quote(field.column)} = {case}")
            for key, obj in zip(keys, chunk, strict=True):
                params += [key, field.get_db_prep_save(getattr(obj, field.attname), connection)]
        placeholders = ", ".join(["%s"] * len(chunk))
        sql = (
            f"UPDATE {quote(meta.db_table)} SET {', '.join(assignments)}"  # noqa: S608 (names quoted, values bound)
            f" WHERE {pk_column} IN ({placeholders})"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, *keys])
            updated += cursor.rowcount
    return updated


def claim_rows(queryset: QuerySet, *, limit: int) -> list[Model]:
    """Claim up to `limit` rows of `queryset` for a periodic sweep, so that two workers running
    the same sweep never handle the same row.

    The idiom: inside the caller's `transaction.atomic()`, lock the rows with
    `SELECT … FOR UPDATE SKIP LOCKED` (only the queryset's own table, `of=("self",)`, even with
    `select_related`), in the queryset's order or by primary key when it has none, at most
    `limit` at a time; mark them handled (the mark takes them out of `queryset`) and commit. A
    concurrent sweep skips the locked rows instead of waiting for them, takes the next ones,
    and after the commit no longer finds the marked rows; a worker killed halfway rolls back its
    locks and marks together, so the rows come back for the next run. The batch limit keeps each
    transaction, and so the time its locks are held, short; the caller loops until a batch
    comes back empty (or short).

    Called outside a transaction the lock would end with the statement: refused on every
    database. SQLite has no row locks (Django leaves FOR UPDATE out): a write transaction there
    takes the whole database, so claims are serialised rather than shared out; one worker.

    A sweep that must not pass a locked row over (it would only find it due again and spin, or
    the lock serialises it with the workflow's own moves) locks and waits instead, and claims
    by inserting a unique row: the escalation sweep (`NeedEscalation`) and the meeting
    reminders (`ReminderDispatch`).
    """
    if not connections[queryset.db].in_atomic_block:
        raise TransactionManagementError("claim_rows() must run inside transaction.atomic().")
    if not queryset.query.order_by:
        queryset = queryset.order_by("pk")
    return list(queryset.select_for_update(skip_locked=True, of=("self",))[:limit])
