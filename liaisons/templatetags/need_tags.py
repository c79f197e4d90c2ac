"""Badge colours of the needs pages, and the rows of their lists.

The rows are templates (`liaisons/includes/_need_items.html`, `_escalation_items.html`,
`_deadline.html`, auto-escaped); the tags here give them what each row shows as plain values,
with what every row of a list shares (the detail route, the time zone and date format of the
viewer's language) looked up once per list.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.utils import dateformat, formats, timezone
from django.utils.translation import gettext_lazy as _

from alliance.routes import id_urls
from liaisons.models import NeedStatus
from liaisons.views.deadlines import Deadline

register = template.Library()

_INFO = "bg-info-subtle text-info-emphasis border border-info-subtle"
_WARNING = "bg-warning-subtle text-warning-emphasis border border-warning-subtle"
_PRIMARY = "bg-primary-subtle text-primary-emphasis border border-primary-subtle"
_SECONDARY = "bg-secondary-subtle text-secondary-emphasis border border-secondary-subtle"
_SUCCESS = "bg-success-subtle text-success-emphasis border border-success-subtle"
_MUTED = "text-bg-light border"

_STATUS_BADGES = {
    NeedStatus.DRAFT: _MUTED,
    NeedStatus.SUBMITTED: _INFO,
    NeedStatus.ACCEPTED: _INFO,
    NeedStatus.DISPATCHED: _WARNING,
    NeedStatus.RETURN_PENDING: _WARNING,
    NeedStatus.REOPENED: _WARNING,
    NeedStatus.IN_PROGRESS: _PRIMARY,
    NeedStatus.LONG_TERM: _PRIMARY,
    NeedStatus.WAITING_ENTERPRISE: _SECONDARY,
    NeedStatus.REPLIED: _SECONDARY,
    NeedStatus.CLOSED: _SUCCESS,
    NeedStatus.REJECTED: _MUTED,
    NeedStatus.MERGED: _MUTED,
}

_URGENCY_BADGES = {"red": "text-bg-danger", "yellow": "text-bg-warning", "green": "text-bg-success"}


@register.filter
def status_badge(status: str) -> str:
    return _STATUS_BADGES.get(status, _MUTED)


@register.filter
def urgency_badge(urgency: str) -> str:
    return _URGENCY_BADGES.get(urgency, _MUTED)


# --- Rows of the needs lists -------------------------------------------------------------------

_DEADLINE_MARKS = {
    "paused": ("text-bg-secondary", "bi-pause-circle", _("Clock paused")),
    "rating_closed": ("text-bg-secondary", "bi-telephone-outbound", _("Rating window closed")),
    "overdue": ("text-bg-danger", "bi-exclamation-octagon", _("Overdue")),
    "soon": ("text-bg-warning", "bi-alarm", _("Due soon")),
}


def _deadline_mark(deadline: Deadline) -> str | None:
    if deadline.paused:
        return "paused"
    if deadline.overdue:
        return "rating_closed" if deadline.kind == "rating" else "overdue"
    return "soon" if deadline.soon else None


@dataclass(frozen=True)
class ShownDeadline:
    """What `_deadline.html` shows of a running deadline: its mark (badge class, icon, text;
    None without a mark), what it is, and when (ISO 8601 and the short format)."""

    mark: tuple[str, str, str] | None
    label: str
    iso: str
    text: str


class _Moments:
    """The viewer's time zone and short date format, looked up once per list."""

    def __init__(self) -> None:
        self.zone = timezone.get_current_timezone()
        self.format = formats.get_format("SHORT_DATETIME_FORMAT")

    def text(self, moment) -> str:
        return dateformat.format(moment.astimezone(self.zone), self.format)

    def deadline(self, deadline: Deadline | None) -> ShownDeadline | None:
        if not deadline:
            return None
        mark = _deadline_mark(deadline)
        return ShownDeadline(
            mark=_DEADLINE_MARKS[mark] if mark is not None else None,
            label=deadline.label,
            iso=deadline.due.astimezone(self.zone).isoformat(),
            text=self.text(deadline.due),
        )


@register.inclusion_tag("liaisons/includes/_deadline.html")
def need_deadline(deadline: Deadline | None) -> dict:
    """The need page's running deadline, as a list row shows it."""
    return {"deadline": _Moments().deadline(deadline)}


@register.inclusion_tag("liaisons/includes/_need_items.html")
def need_items(needs, show_enterprise: bool = False, show_liaison: bool = False) -> dict:
    """The needs of a list (`liaisons.rows.NeedRow`s, `need.deadline` set by the view's
    `mark_deadlines`), one `<li>` each."""
    moments = _Moments()
    detail_url = id_urls("liaisons:need-detail")
    return {
        "rows": [(need, detail_url(need.pk), moments.deadline(need.deadline)) for need in needs],
        "show_enterprise": show_enterprise,
        "show_liaison": show_liaison,
    }


@register.inclusion_tag("liaisons/includes/_escalation_items.html")
def escalation_items(escalations) -> dict:
    """The escalations of the supervision page (`liaisons.rows.EscalationRow`s), one `<li>`
    each: the need, the rung, the need's status, when it fell due and was escalated."""
    moments = _Moments()
    detail_url = id_urls("liaisons:need-detail")
    return {
        "rows": [
            (row, detail_url(row.need_id), moments.text(row.due_at), moments.text(row.created_at))
            for row in escalations
        ]
    }
