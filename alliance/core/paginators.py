"""Admin changelists of tables with millions of rows (needs, notifications, invitations…) without
a full `SELECT COUNT(*)` on every page (Django ticket #8408).

- Unfiltered: PostgreSQL's planner estimate (`pg_class.reltuples`, kept by autovacuum/ANALYZE):
  one catalogue lookup, whatever the table size. A table never analysed (reltuples -1) or
  smaller than the cap is counted exactly, which is cheap there.
- Filtered or searched: a count that stops at `COUNT_CAP` (`SELECT count(*) FROM (… LIMIT n)`),
  so the changelist offers at most that many rows' worth of pages; narrow the filters for more.

Use `LargeTableAdminMixin` on a ModelAdmin; it also turns the second, "full" count off. A
date_hierarchy reads every distinct date of the table (a full scan): such admins use a date
list filter instead (`DateFieldListFilter` makes no query).

Such a changelist is sorted only as an index can give it: its default ordering, plus the
columns its admin lists in `sortable_by` (none unless it says so). Sorting a column without an
index sorts the whole table for each page (a need's title on a province-sized table:
docs/benchmarks.md); Django's `sortable_by` only hides the header links, so
`IndexOrderedChangeList` also ignores a `?o=` for any other column.
"""

from __future__ import annotations

from django.contrib.admin.views.main import ChangeList
from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property

from alliance.core.routes import id_urls

COUNT_CAP = 10_000


def estimated_rows(model, using: str = "default") -> int | None:
    """The planner's row estimate of `model`'s table on PostgreSQL, None when unknown."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)",
            [connection.ops.quote_name(model._meta.db_table)],
        )
        row = cursor.fetchone()
    if row is None or row[0] is None or row[0] < 0:
        return None
    return int(row[0])


class EstimatedCountPaginator(Paginator):
    cap = COUNT_CAP

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        query = getattr(queryset, "query", None)
        if query is None:
            return len(queryset)
        if not query.where and not query.distinct:
            estimate = estimated_rows(queryset.model, queryset.db)
            if estimate is not None and estimate > self.cap:
                return estimate
        return queryset.order_by()[: self.cap].count()


class IndexOrderedChangeList(ChangeList):
    """A changelist that sorts only by the columns of `sortable_by`, whatever `?o=` asks, and
    reads only its admin's `changelist_fields` when it names them (the columns shown, with
    those of the joined rows: a need's page read ninety columns, passwords included, for
    nine)."""

    def get_queryset(self, request, exclude_parameters=None):
        queryset = super().get_queryset(request, exclude_parameters)
        fields = getattr(self.model_admin, "changelist_fields", None)
        return queryset.only(*fields) if fields else queryset

    def url_for_result(self, result):
        """Django's change URL of the row, reversed once per page (`alliance.core.routes`)."""
        pk = getattr(result, self.pk_attname)
        if not isinstance(pk, int):
            return super().url_for_result(result)
        return self._change_urls(pk)

    @cached_property
    def _change_urls(self):
        return id_urls(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
            current_app=self.model_admin.admin_site.name,
        )

    def get_ordering_field(self, field_name):
        if self.sortable_by is not None and field_name not in self.sortable_by:
            return None
        return super().get_ordering_field(field_name)


class LargeTableAdminMixin:
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    sortable_by: tuple[str, ...] = ()  # an admin may list its indexed columns

    def get_changelist(self, request, **kwargs):
        return IndexOrderedChangeList

    # 25 rows a page like the portal's lists (Django's default is 100): on a table of millions
    # nobody reads a page of 100, and each row costs its cells' rendering.
    list_per_page = 25
