"""The department resources list as .xlsx: the list's filters, streamed row by row."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alliance.core.xlsx import Sheet
from liaisons.models import DepartmentResource, NeedCategory

EXPORT_CHUNK = 2000  # rows per fetch from the database cursor

# (header, column, width); `validity` is computed from the two dates.
COLUMNS = (
    (gettext_lazy("Department"), "department__name", 18),
    (gettext_lazy("Title"), "title", 30),
    (gettext_lazy("Category"), "category", 14),
    (gettext_lazy("Chain policy package"), "is_policy_package", 12),
    (gettext_lazy("Valid from"), "valid_from", 12),
    (gettext_lazy("Valid until"), "valid_until", 12),
    (gettext_lazy("Validity"), None, 10),
    (gettext_lazy("How to apply"), "how_to_apply", 40),
    (gettext_lazy("Contact"), "contact", 20),
    (gettext_lazy("Tags"), "tags", 20),
    (gettext_lazy("Description"), "description", 60),
)


def validity(valid_from: date | None, valid_until: date | None, today: date) -> str:
    if valid_until is not None and valid_until < today:
        return _("Expired")
    if valid_from is not None and valid_from > today:
        return _("Not yet valid")
    return _("Valid")


def _rows(resources: QuerySet[DepartmentResource], today: date) -> Iterator[list]:
    labels = dict(NeedCategory.choices)
    yes, no = _("Yes"), _("No")
    lookups = [column for _header, column, _width in COLUMNS if column]
    for row in resources.values_list(*lookups).iterator(chunk_size=EXPORT_CHUNK):
        values = dict(zip(lookups, row, strict=True))
        values["category"] = str(labels.get(values["category"], values["category"]))
        values["is_policy_package"] = yes if values["is_policy_package"] else no
        state = validity(values["valid_from"], values["valid_until"], today)
        yield [values[column] if column else state for _header, column, _width in COLUMNS]


def resource_sheet(resources: QuerySet[DepartmentResource], today: date) -> Sheet:
    """The filtered resources as one sheet, rows read lazily (memory does not grow)."""
    return Sheet(
        title=_("Department resources"),
        headers=[str(header) for header, _column, _width in COLUMNS],
        rows=_rows(resources, today),
        widths=[width for _header, _column, width in COLUMNS],
    )
