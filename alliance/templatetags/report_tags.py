"""Figures of the weekly report pages."""

from __future__ import annotations

from django import template
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

register = template.Library()

NO_RATE = "—"


@register.filter
def ratio(value) -> str:
    """A ratio kept as 0.925 shown as "92.5%", or a dash when there is no rate."""
    if value is None or value == "":
        return NO_RATE
    return f"{number_format(round(float(value) * 100, 1), 1)}%"


@register.simple_tag
def rate_with_sample(value, numerator, denominator, min_sample) -> SafeString:
    """A rate beside the counts it is taken over: "80.0% (4/5)", and "— (1/2)" when the
    sample is below the minimum, so that nobody reads one case as a unit's rate."""
    if numerator in (None, "") or denominator in (None, ""):
        return format_html('<span data-rate="">{}</span>', ratio(value))
    title = ""
    if denominator < min_sample:
        title = _("Fewer than %(count)s needs: too few for a rate.") % {"count": min_sample}
    return format_html(
        '<span data-rate=""{}>{}</span> <span class="text-body-secondary fw-normal small" '
        'data-sample="{}">({}/{})</span>',
        format_html(' title="{}"', title) if title else "",
        ratio(value),
        denominator,
        numerator,
        denominator,
    )


@register.filter
def signed(value: int) -> str:
    """A change with its sign: "+3", "-2", "0"."""
    return f"+{value}" if value > 0 else str(value)
