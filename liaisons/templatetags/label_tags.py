"""Choice labels for long lists, looked up in a dict per language.

`{{ need.get_status_display }}` rebuilds a dict of all the field's choices on every call and
hashes each lazy label (a translation lookup per choice): three such fields on 25 rows cost
about a fifth of a list page's CPU. `{{ need|label:"status" }}` reads the same translated
label from a dict built once per field and language (issue 6, bench/)."""

from __future__ import annotations

from functools import cache

from django import template
from django.utils.translation import get_language

register = template.Library()


@cache
def choice_labels(model, field_name: str, language: str | None) -> dict:
    """{value: translated label} of a field's choices in `language` (the active one)."""
    field = model._meta.get_field(field_name)
    return {value: str(label) for value, label in field.flatchoices}


@register.filter
def label(obj, field_name: str) -> str:
    """The display label of `obj.<field_name>`, like get_<field>_display()."""
    value = getattr(obj, field_name)
    labels = choice_labels(type(obj), field_name, get_language())
    return labels.get(value, value)
