"""Formatting for liaisons.paging: bounded counts ("10,000+") and grouped page numbers."""

from __future__ import annotations

from django import template
from django.utils.formats import number_format

from liaisons.paging import BoundedCount

register = template.Library()


@register.filter
def grouped(value) -> str:
    """12345 → "12,345" (the locale's grouping)."""
    return number_format(int(value), force_grouping=True)


@register.filter
def bounded(count: BoundedCount) -> str:
    """A count that stopped at its cap reads "10,000+"."""
    return grouped(count.value) + ("+" if count.capped else "")
