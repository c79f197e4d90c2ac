"""The need timeline's notes, put into words for the reader (see liaisons.needs.timeline)."""

from __future__ import annotations

from django import template

from liaisons.needs.timeline import render_note

register = template.Library()


@register.filter
def timeline_note(event) -> str:
    """The portal's lines in the active language, then the note the person typed. Plain text:
    the template escapes it (and `linebreaksbr` keeps the lines)."""
    return render_note(event.data, event.note)
