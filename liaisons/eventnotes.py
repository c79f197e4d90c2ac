"""Timeline notes the portal writes itself, kept as a code and values (`NeedEvent.note_code`,
`note_values`) and worded only when shown, so that each viewer reads them in their language.

Values are plain JSON: moments as ISO 8601 text, deadlines by field name.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

DEADLINES_RECOUNTED = "deadlines_recounted"

DEADLINE_LABELS = {
    "accept_due": gettext_lazy("Accept by"),
    "sign_due": gettext_lazy("Sign for by"),
    "first_contact_due": gettext_lazy("First contact by"),
    "resolve_due": gettext_lazy("Resolve by"),
    "rating_due": gettext_lazy("Rate by"),
}


def moment_text(value: str) -> str:
    """A stored moment as the timeline shows it (Beijing time, the same in every language)."""
    return timezone.localtime(datetime.fromisoformat(value)).strftime("%Y-%m-%d %H:%M")


def deadlines_recounted_values(changes: dict[str, tuple[datetime, datetime]]) -> dict:
    """What the entry keeps of the deadlines that moved: [[field, old, new], …] in the order of
    `DEADLINE_LABELS`."""
    return {
        "changes": [
            [name, changes[name][0].isoformat(), changes[name][1].isoformat()]
            for name in DEADLINE_LABELS
            if name in changes
        ]
    }


def _deadlines_recounted(values: dict) -> str:
    lines = [_("Deadlines recounted after a change to the holiday calendar:")]
    for name, old, new in values.get("changes", []):
        lines.append(
            _("%(deadline)s: %(old)s → %(new)s")
            % {
                "deadline": DEADLINE_LABELS.get(name, name),
                "old": moment_text(old),
                "new": moment_text(new),
            }
        )
    return "\n".join(lines)


RENDERERS: dict[str, Callable[[dict], str]] = {DEADLINES_RECOUNTED: _deadlines_recounted}


def render_note(code: str, values: dict) -> str:
    """The note of `code` worded in the active language; an unknown code shows nothing rather
    than a broken page (an entry written by a newer release, read after a rollback)."""
    renderer = RENDERERS.get(code)
    return renderer(values or {}) if renderer else ""
