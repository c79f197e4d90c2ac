"""Pagination that costs the same on page 1 and page 1,000, at one park's volume and a province's.

Two kinds:

- **Keyset pages** (`keyset_page`) for lists read from the top — the staff inbox's sections, the
  liaison's queue, the escalations on the supervision page. The page after (or before) a row is
  `WHERE (key, pk) > (value, pk) ORDER BY key, pk LIMIT n + 1`, served by an index on (key, pk):
  no OFFSET, no COUNT (`keyset_sections` reads the pages of several such lists, with their
  bounded counts, in two queries). The cursor in the query string (`?after=…` / `?before=…`)
  is two plain integers, `<microseconds since the epoch or n for NULL>.<pk>`; anything else —
  tampered, truncated, too long — is ignored and the first page is shown (never a 500). A
  cursor only positions inside the already scoped queryset, so a forged one can show nothing
  out of scope.
- **Numbered pages with a bounded count** (`numbered_page`) for the needs list, where people
  expect page numbers and the benchmark measures "page 1,000". The count stops at `COUNT_CAP`
  (`SELECT count(*) FROM (… LIMIT 10001)`: shown as "10,000+"), the page is an OFFSET on the
  ordering index, and whether a next page exists is read from one extra row. OFFSET costs
  grow with the page number, not with the table: page 1,000 reads 25,000 index entries at ×1
  and at ×100 alike. Page numbers above `MAX_PAGE` go to the last allowed page.

`bounded_count` is the same capped COUNT for badges.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import F, Q, QuerySet
from django.http import QueryDict

COUNT_CAP = 10_000
MAX_PAGE = 2_000
PER_PAGE = 25
_CURSOR = re.compile(r"^(n|-?[0-9]{1,20})\.([0-9]{1,18})$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# How a pager reads its page's rows from the sliced queryset: model instances by default, or
# e.g. `liaisons.needs.rows.need_rows` (plain rows with the list's columns).
RowsReader = Callable[[QuerySet], list]


@dataclass(frozen=True)
class BoundedCount:
    """A COUNT that stopped at `cap`: `value` is exact unless `capped`."""

    value: int
    capped: bool

    def __int__(self) -> int:
        return self.value

    def __bool__(self) -> bool:
        return self.value > 0


def bounded_count(queryset: QuerySet, cap: int | None = None) -> BoundedCount:
    """`min(count, cap)` in one query that reads at most `cap + 1` rows."""
    cap = COUNT_CAP if cap is None else cap
    value = queryset.order_by()[: cap + 1].count()
    return BoundedCount(min(value, cap), value > cap)


def bounded_counts(querysets: dict[str, QuerySet], cap: int | None = None) -> dict:
    """`bounded_count` of each queryset, all in ONE query of scalar subqueries (a page with
    several counted sections makes one round trip, not one per section)."""
    cap = COUNT_CAP if cap is None else cap
    if not querysets:
        return {}
    selects, params, names = [], [], []
    for name, queryset in querysets.items():
        if not queryset.query.combinator:  # a UNION already selects only what it counts
            queryset = queryset.values("pk")
        try:
            sql, values = queryset.order_by()[: cap + 1].query.sql_with_params()
        except EmptyResultSet:  # .none(), or a filter on an empty list: nothing to ask
            continue
        selects.append(f"(SELECT COUNT(*) FROM ({sql}) counted)")  # noqa: S608  (Django's SQL)
        params.extend(values)
        names.append(name)
    found = dict.fromkeys(querysets, 0)
    if selects:
        using = next(iter(querysets.values())).db
        with connections[using].cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(selects), params)
            found.update(zip(names, cursor.fetchone(), strict=True))
    return {name: BoundedCount(min(value, cap), value > cap) for name, value in found.items()}


# --- Keyset pages -----------------------------------------------------------------------------


def encode_cursor(value: datetime | None, pk: int) -> str:
    if value is None:
        return f"n.{pk}"
    delta = value - _EPOCH
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return f"{micros}.{pk}"


def decode_cursor(raw: str | None) -> tuple[datetime | None, int] | None:
    """(value, pk), or None for anything that is not a cursor this module wrote."""
    if not raw or len(raw) > 40:
        return None
    match = _CURSOR.match(raw)
    if match is None:
        return None
    micros, pk = match.groups()
    try:
        value = None if micros == "n" else _EPOCH + timedelta(microseconds=int(micros))
    except OverflowError:
        return None
    return value, int(pk)


@dataclass
class KeysetPage:
    object_list: list
    has_next: bool = False
    has_previous: bool = False
    next_query: str = ""
    previous_query: str = ""
    first_query: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    def __bool__(self) -> bool:
        return bool(self.object_list)


def _beyond(key: str, value: datetime | None, pk: int, *, forward: bool, nullable: bool) -> Q:
    """Rows after (value, pk) in the order `key ASC NULLS LAST, pk ASC` when `forward`, or
    before it (the same order read backwards) otherwise. Descending orders swap `forward`."""
    if value is None:
        # NULLs come last: after a NULL only NULLs with a larger pk; before it every non-NULL.
        if forward:
            return Q(**{f"{key}__isnull": True, "pk__gt": pk})
        return Q(**{f"{key}__isnull": False}) | Q(**{f"{key}__isnull": True, "pk__lt": pk})
    strict, loose, pk_op = ("gt", "gte", "gt") if forward else ("lt", "lte", "lt")
    # `key >= value` first: it is the index range; the OR only decides ties.
    q = Q(**{f"{key}__{loose}": value}) & (
        Q(**{f"{key}__{strict}": value}) | Q(**{f"pk__{pk_op}": pk})
    )
    if forward and nullable:
        q |= Q(**{f"{key}__isnull": True})
    return q


def _order(key: str, *, ascending: bool, nullable: bool) -> list:
    if ascending:
        expr = F(key).asc(nulls_last=True) if nullable else F(key).asc()
        return [expr, F("pk").asc()]
    expr = F(key).desc(nulls_first=True) if nullable else F(key).desc()
    return [expr, F("pk").desc()]


@dataclass(frozen=True)
class KeysetSection:
    """One keyset-paged list of a page with several (`keyset_sections`): see `keyset_page`."""

    queryset: QuerySet
    key: str
    nullable: bool = False
    descending: bool = False
    prefix: str = ""

    @property
    def params(self) -> tuple[str, str]:
        """The query parameters of its cursor: (`<prefix>after`, `<prefix>before`)."""
        return f"{self.prefix}after", f"{self.prefix}before"


@dataclass(frozen=True)
class _KeysetPlan:
    """Where a keyset page reads from: the ordered, positioned rows (to slice)."""

    section: KeysetSection
    query: QueryDict
    rows: QuerySet
    ascending: bool
    backwards: bool
    position: tuple | None

    @property
    def params(self) -> tuple[str, str]:
        return self.section.params


def _keyset_plan(section: KeysetSection, query: QueryDict) -> _KeysetPlan:
    after_param, before_param = section.params
    after = decode_cursor(query.get(after_param))
    before = None if after else decode_cursor(query.get(before_param))
    backwards = before is not None
    # Reading forwards in a descending list is reading the ascending order backwards.
    ascending = section.descending == backwards
    key, nullable = section.key, section.nullable
    rows = section.queryset.order_by(*_order(key, ascending=ascending, nullable=nullable))
    position = after or before
    if position is not None:
        rows = rows.filter(_beyond(key, *position, forward=ascending, nullable=nullable))
    return _KeysetPlan(section, query, rows, ascending, backwards, position)


def _keyset_result(plan: _KeysetPlan, found: list, per_page: int) -> KeysetPage | None:
    """The page of `found` (the first `per_page + 1` rows of the plan, in its order); None when
    a cursor points past the end (or was forged): the caller shows the first page instead."""
    more = len(found) > per_page
    found = found[:per_page]
    if plan.backwards:
        found.reverse()
    if not found and plan.position is not None:
        return None
    page = KeysetPage(
        object_list=found,
        has_next=(more if not plan.backwards else True) if found else False,
        has_previous=(more if plan.backwards else plan.position is not None) if found else False,
    )
    after_param, before_param = plan.params
    base = _without(plan.query, after_param, before_param)
    page.first_query = base.urlencode()
    if found:
        key = plan.section.key
        last, first = found[-1], found[0]
        page.next_query = _with(base, after_param, encode_cursor(getattr(last, key), last.pk))
        page.previous_query = _with(
            base, before_param, encode_cursor(getattr(first, key), first.pk)
        )
    return page


def keyset_page(
    queryset: QuerySet,
    query: QueryDict,
    *,
    key: str,
    descending: bool = False,
    nullable: bool = False,
    per_page: int = PER_PAGE,
    prefix: str = "",
    rows: RowsReader = list,
) -> KeysetPage:
    """One page of `queryset` ordered by (`key`, pk) — ascending, NULLs last, unless
    `descending` (then NULLs first, i.e. the ascending order reversed) — positioned by the
    `<prefix>after` / `<prefix>before` cursor in `query`. `key` must be a datetime field or
    annotation; `nullable` when it may be NULL. Two pages on one screen use two prefixes.
    `rows` reads the page (its rows must have `pk` and `key` as attributes)."""
    section = KeysetSection(queryset, key, nullable, descending, prefix)
    plan = _keyset_plan(section, query)
    page = _keyset_result(plan, rows(plan.rows[: per_page + 1]), per_page)
    if page is None:
        plan = _keyset_plan(section, _without(query, *plan.params))
        page = _keyset_result(plan, rows(plan.rows[: per_page + 1]), per_page)
    return page


def _sort_key(key: str):
    """The order of `_order(key, ascending=True, nullable=True)` in Python: NULLs last, then pk."""

    def sort_key(row):
        value = getattr(row, key)
        return (1, 0, row.pk) if value is None else (0, value, row.pk)

    return sort_key


# The columns a section's compiled query selects, under names of our own (an annotation is
# always selected under its alias), so that the SQL around it can order and pick by name.
_PK, _KEY = "keyset_pk", "keyset_key"


def _order_sql(*, ascending: bool, nullable: bool) -> str:
    """`_order(key, …)` over the (`_PK`, `_KEY`) columns of a subquery `s`."""
    if ascending:
        return f'"{_KEY}" ASC{" NULLS LAST" if nullable else ""}, "{_PK}" ASC'
    return f'"{_KEY}" DESC{" NULLS FIRST" if nullable else ""}, "{_PK}" DESC'


def _section_parts(
    plan: _KeysetPlan, ids_part: int, count_part: int, per_page: int, cap: int
) -> list[tuple[str, list]]:
    """The SQL of one section in `keyset_sections`' UNION ALL: (part, pk) rows of its page of
    ids, in its order, and one (part, capped count) row. On a first page (no cursor) both read
    ONE compiled query of (pk, key) — its WHERE is the section's whole scope — ordered and
    counted around it: the inbox compiled ten querysets per request. After a cursor the page's
    own positioned query is compiled as well."""
    section = plan.section
    try:
        sql, params = (
            section.queryset.order_by()
            .annotate(**{_PK: F("pk"), _KEY: F(section.key)})
            .values_list(_PK, _KEY)
            .query.sql_with_params()
        )
    except EmptyResultSet:  # .none(), or a filter on an empty list: nothing to read
        return []
    if plan.position is None:
        order = _order_sql(ascending=plan.ascending, nullable=section.nullable)
        page_sql, page_params = f'SELECT "{_PK}" FROM ({sql}) s ORDER BY {order}', params  # noqa: S608
    else:
        page_sql, page_params = plan.rows.values_list("pk").query.sql_with_params()
    # (Django's SQL; the limits and part numbers are integers.)
    return [
        (
            f"SELECT {ids_part}, ids.* FROM ({page_sql} LIMIT {per_page + 1}) ids",  # noqa: S608
            list(page_params),
        ),
        (
            f"SELECT {count_part}, (SELECT COUNT(*) FROM "  # noqa: S608
            f'(SELECT "{_PK}" FROM ({sql}) s LIMIT {cap + 1}) counted)',
            list(params),
        ),
    ]


def keyset_sections(
    sections: dict[str, KeysetSection],
    query: QueryDict,
    *,
    per_page: int = PER_PAGE,
    rows: RowsReader = list,
    cap: int | None = None,
) -> dict[str, KeysetPage]:
    """`keyset_page` of each section, with its `bounded_count` in `page.extra["count"]`, in two
    queries whatever the number of sections: one reads every section's page of ids and every
    count (a UNION ALL of the sections' own ordered, positioned `LIMIT` queries, and of their
    capped counts), the other reads the rows of those ids with `rows`. A page with five lists
    made ten round trips, each with its own query of joined columns to compile and plan.

    The ids' order within the UNION is not the SQL's to keep: each page is sorted again in
    Python by (`key`, pk), the order of its query (a datetime and an id compare alike in both).
    A section whose cursor points past the end falls back to its first page (`keyset_page`,
    one more query, only then). The rows are read from the model's table by the ids the
    sections' own (scoped) queries found."""
    cap = COUNT_CAP if cap is None else cap
    if not sections:
        return {}
    plans = {name: _keyset_plan(section, query) for name, section in sections.items()}
    names = list(sections)
    parts, params = [], []
    for index, name in enumerate(names):
        for sql, values in _section_parts(plans[name], index, len(names) + index, per_page, cap):
            parts.append(sql)
            params.extend(values)
    ids: dict[int, list[int]] = {index: [] for index in range(len(names))}
    counts = dict.fromkeys(range(len(names)), 0)
    if parts:
        using = next(iter(sections.values())).queryset.db
        with connections[using].cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            for part, value in cursor.fetchall():
                if part < len(names):
                    ids[part].append(value)
                else:
                    counts[part - len(names)] = value
    wanted = {pk for found in ids.values() for pk in found}
    model = next(iter(sections.values())).queryset.model
    by_pk = (
        {row.pk: row for row in rows(model._default_manager.filter(pk__in=wanted).order_by())}
        if wanted
        else {}
    )
    pages = {}
    for index, name in enumerate(names):
        plan = plans[name]
        found = sorted(
            (by_pk[pk] for pk in ids[index] if pk in by_pk), key=_sort_key(plan.section.key)
        )
        if not plan.ascending:
            found.reverse()
        page = _keyset_result(plan, found, per_page)
        if page is None:
            section = plan.section
            page = keyset_page(
                section.queryset,
                query,
                key=section.key,
                descending=section.descending,
                nullable=section.nullable,
                per_page=per_page,
                prefix=section.prefix,
                rows=rows,
            )
        count = counts[index]
        page.extra["count"] = BoundedCount(min(count, cap), count > cap)
        pages[name] = page
    return pages


def _without(query: QueryDict, *names: str) -> QueryDict:
    copy = query.copy()
    for name in names:
        copy.pop(name, None)
    return copy


def _with(query: QueryDict, name: str, value: str) -> str:
    copy = query.copy()
    copy[name] = value
    return copy.urlencode()


# --- Numbered pages with a bounded count ------------------------------------------------------


@dataclass
class NumberedPage:
    object_list: list
    number: int
    count: BoundedCount
    per_page: int
    has_next: bool
    query: str = ""  # the other query parameters, for the links
    query_items: list[tuple[str, str]] = field(default_factory=list)  # … for the page form

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def num_pages(self) -> int | None:
        """Known only when the count was not capped."""
        if self.count.capped:
            return None
        return max(1, -(-self.count.value // self.per_page))

    @property
    def max_page(self) -> int:
        return self.num_pages or MAX_PAGE

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)


def page_number(raw: str | None) -> int:
    """The requested page: junk, zero or negative numbers are page 1."""
    if raw and raw.isascii() and raw.isdigit() and len(raw) <= 9:
        return max(1, int(raw))
    return 1


def numbered_page(
    queryset: QuerySet,
    query: QueryDict,
    *,
    per_page: int = PER_PAGE,
    param: str = "page",
    cap: int | None = None,
    count: BoundedCount | None = None,
    rows: RowsReader = list,
) -> NumberedPage:
    """Page `?page=N` of `queryset` (already ordered, ending in a unique key) with a count
    bounded by `cap`. Two queries: the capped count and the page (+1 row to see a next one).
    A caller that already knows the count (`count`, e.g. "certainly more than the cap") saves
    the first. `rows` reads the page (default: model instances)."""
    count = bounded_count(queryset, cap) if count is None else count
    max_page = MAX_PAGE
    number = min(page_number(query.get(param)), max_page)
    if not count.capped:
        number = min(number, max(1, -(-count.value // per_page)))
    offset = (number - 1) * per_page
    if offset:
        # Deferred join: the page's ids are found on the index alone (skipping `offset` entries
        # without reading their rows), then only those rows are read, in one statement.
        ids = queryset.values("pk")[offset : offset + per_page + 1]
        found = rows(queryset.filter(pk__in=ids))
    else:
        found = rows(queryset[: per_page + 1])
    if not found and number > 1:
        # Past the end of a list longer than the cap: back to the first page.
        number, found = 1, rows(queryset[: per_page + 1])
    rest = _without(query, param)
    return NumberedPage(
        object_list=found[:per_page],
        number=number,
        count=count,
        per_page=per_page,
        has_next=len(found) > per_page and number < max_page,
        query=rest.urlencode(),
        query_items=[(name, value) for name, values in rest.lists() for value in values],
    )
