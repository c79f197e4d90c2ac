"""Choice labels for long lists, looked up in a dict per language.

`need.get_status_display()` rebuilds a dict of all the field's choices on every call and
hashes each lazy label (a translation lookup per choice): the cost grows with fields × rows ×
choices (measured in docs/benchmarks.md). `choice_labels` gives the same translated labels from a
dict built once per field and language (bench/; `need_tags.need_items` reads it)."""

from __future__ import annotations

from functools import cache


@cache
def choice_labels(model, field_name: str, language: str | None) -> dict:
    """{value: translated label} of a field's choices in `language` (the active one)."""
    field = model._meta.get_field(field_name)
    return {value: str(label) for value, label in field.flatchoices}
