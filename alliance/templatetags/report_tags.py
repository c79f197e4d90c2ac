"""Figures of the weekly report pages."""

from __future__ import annotations

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def ratio(value) -> str:
    """A ratio kept as 0.925 shown as "92.5%", or a dash when there is no data."""
    if value is None or value == "":
        return "–"
    return f"{number_format(round(float(value) * 100, 1), 1)}%"


@register.filter
def signed(value: int) -> str:
    """A change with its sign: "+3", "-2", "0"."""
    return f"+{value}" if value > 0 else str(value)
