"""`{% large_result_list cl %}`: the rows of a big table's admin changelist
(`alliance.core.paginators.LargeTableAdminMixin`) as Django's `{% result_list %}` renders them, with
the per-cell work done once per page.

Django builds each cell with `items_for_result`: it looks the column's field up again, rebuilds
the field's choices, asks for the empty-value text, formats a `<td>` with `format_html`, and the
template then renders every cell as an item of its own — about 9 µs a cell, 2.3 ms of the need
changelist's 12 ms (25 rows × 9 columns; docs/benchmarks.md). Here each column is resolved once
per page (its field, its choices' labels already escaped, its CSS classes, whether it links to
the change page) and a row is one string. A value is shown by Django's own `display_for_field`,
except a choice, which is its label looked up in that dictionary, as Django does.

The HTML is Django's, byte for byte (tests render both on the same pages). Only plain
changelists take this path: every column a model field (foreign keys included), no editable
columns (`list_editable`), not a popup; the action checkbox is the admin's own. Anything
else — a method or property column — is rendered by Django's `result_list` unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from django import template
from django.contrib.admin.templatetags.admin_list import (
    ResultList,
    result_headers,
    result_hidden_fields,
    result_list,
)
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.templatetags.base import InclusionAdminNode
from django.contrib.admin.utils import display_for_field, display_for_value
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models
from django.urls import NoReverseMatch
from django.utils.safestring import SafeString

register = template.Library()


def _html(value) -> str:
    """Django's `conditional_escape` (what `format_html` applies to each argument)."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return escape(str(value))


ACTION_CHECKBOX = "action_checkbox"


@dataclass(frozen=True)
class _Column:
    name: str
    field: models.Field | None  # None: the action checkbox
    classes: str  # the cell's ` class="…"`
    link: bool  # linked to the change page
    related: bool  # a foreign key: shows the related object
    choices: dict | None  # value → escaped label


def _field_of(opts, name) -> models.Field | None:
    """The model field a `list_display` entry names, as `lookup_field` finds it; None for
    anything else (a callable, a method, `<fk>_id`, a reverse or generic relation)."""
    if not isinstance(name, str):
        return None
    try:
        field = opts.get_field(name)
    except FieldDoesNotExist:
        return None
    if not field.concrete or field.many_to_many or field.name != name:
        return None
    return field


def _columns(cl) -> list[_Column] | None:
    """The columns of `cl` resolved once, or None when a column or the changelist needs
    Django's own `items_for_result`."""
    if cl.formset is not None or cl.is_popup:
        return None
    columns = []
    first = True
    for name in cl.list_display:
        links = cl.list_display_links
        link = links is not None and ((first and not links) or name in links)
        if link:
            first = False
        if name == ACTION_CHECKBOX:
            columns.append(_Column(name, None, ' class="action-checkbox"', link, False, None))
            continue
        field = _field_of(cl.lookup_opts, name)
        if field is None:
            return None
        nowrap = isinstance(field, (models.DateField, models.TimeField, models.ForeignKey))
        flatchoices = getattr(field, "flatchoices", None)
        columns.append(
            _Column(
                name=name,
                field=field,
                classes=f' class="field-{name}{" nowrap" if nowrap else ""}"',
                link=link,
                related=isinstance(field.remote_field, models.ManyToOneRel),
                choices={value: _html(label) for value, label in flatchoices}
                if flatchoices
                else None,
            )
        )
    return columns


def _cell(cl, column: _Column, result, empty: str) -> tuple[str, str]:
    """(classes, escaped value) of one cell, as `items_for_result` computes them."""
    if column.field is None:  # the admin's own checkbox
        return column.classes, _html(
            display_for_value(cl.model_admin.action_checkbox(result), empty)
        )
    try:
        value = getattr(result, column.name)
    except ObjectDoesNotExist:  # a foreign key to a row that is gone
        return f' class="field-{column.name}"', _html(empty)
    if column.related:
        return column.classes, _html(empty if value is None else value)
    if isinstance(value, str) and value.strip() == "":
        value = ""
    if column.choices is not None:
        try:
            return column.classes, column.choices.get(value, _html(empty))
        except TypeError:  # an unhashable value: Django's own lookup
            pass
    shown = display_for_field(value, column.field, empty, avoid_link=column.link)
    return column.classes, _html(shown)


def _rows(cl, columns: list[_Column]) -> list[ResultList]:
    empty = cl.model_admin.get_empty_value_display()
    preserved = {"preserved_filters": cl.preserved_filters, "opts": cl.opts}
    rows = []
    for result in cl.result_list:
        cells, first = [], True
        for column in columns:
            classes, shown = _cell(cl, column, result, empty)
            if not column.link:
                cells.append(f"<td{classes}>{shown}</td>")
                continue
            tag = "th" if first else "td"
            first = False
            try:
                url = cl.url_for_result(result)
            except NoReverseMatch:
                pass
            else:
                url = add_preserved_filters(preserved, url)
                shown = f'<a href="{_html(url)}">{shown}</a>'
            cells.append(f"<{tag}{classes}>{shown}</{tag}>")
        rows.append(ResultList(None, [SafeString("".join(cells))]))
    return rows


def large_result_list(cl) -> dict:
    """`result_list`'s context, its rows built once per column (see the module)."""
    columns = _columns(cl)
    if columns is None:
        return result_list(cl)
    headers = list(result_headers(cl))
    return {
        "cl": cl,
        "result_hidden_fields": list(result_hidden_fields(cl)),
        "result_headers": headers,
        "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
        "results": _rows(cl, columns),
    }


@register.tag(name="large_result_list")
def large_result_list_tag(parser, token):
    return InclusionAdminNode(
        parser,
        token,
        func=large_result_list,
        template_name="change_list_results.html",
        takes_context=False,
    )
