"""Figures on the dashboards, in the units the park reports them: 亿元 and per cent."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.translation import gettext as _

from alliance.roles import AllianceProfile, request_navbar_facts
from liaisons.needs.kpis import Rate

register = template.Library()

NO_DATA = "–"


def trim_decimal(value, places: int = 2) -> str:
    """464.10 → "464.1", 120.00 → "120", 3.456 → "3.46" (at most `places` decimals)."""
    try:
        number = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return NO_DATA
    text = f"{number:.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@register.filter
def number(value) -> str:
    """A plain figure with at most two decimals, or a dash when there is none."""
    if value is None or value == "":
        return NO_DATA
    return trim_decimal(value)


@register.filter
def yi(value) -> str:
    """An amount kept in 亿元 (100 million yuan) with its unit: "464.1亿元"."""
    if value is None or value == "":
        return NO_DATA
    return _("%(amount)s hundred million yuan") % {"amount": trim_decimal(value)}


@register.filter
def growth(value) -> str:
    """A year-on-year growth rate with its sign: "+137.8%", "-3.5%"."""
    if value is None or value == "":
        return NO_DATA
    text = trim_decimal(value, 1)
    sign = "+" if Decimal(value) > 0 else ""
    return f"{sign}{text}%"


@register.filter
def pct(value) -> str:
    """A `Rate` (or a share in per cent) as "92.5%", or a dash when there is no data."""
    if isinstance(value, Rate):
        value = value.percent
    if value is None:
        return NO_DATA
    return f"{trim_decimal(value, 1)}%"


@register.simple_tag(takes_context=True)
def dashboard_link_visible(context) -> bool:
    """Whether to offer the dashboards (park staff and chain chiefs), on every page and without
    a query of its own: the answer comes with the notification bell's query
    (alliance.roles.navbar_facts), or from the profile a page already has."""
    profile = context.get("profile")
    if isinstance(profile, AllianceProfile):
        return bool(profile.is_park_staff or profile.chaired_chains)
    request = context.get("request")
    user = context.get("user")
    if request is None or not getattr(user, "is_authenticated", False):
        return False
    return request_navbar_facts(request).sees_dashboards
