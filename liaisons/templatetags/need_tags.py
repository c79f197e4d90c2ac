"""Template helpers of the needs pages: badge colours and the home page's work panels."""

from __future__ import annotations

from html import escape

from django import template
from django.utils import dateformat, formats, timezone
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from alliance.core.routes import id_urls
from liaisons.labels import choice_labels
from liaisons.models import (
    Need,
    NeedEscalation,
    NeedStatus,
)
from liaisons.needs.clock import DEADLINE_LABELS, LAPSED, OVERDUE, PAUSED, SOON, Deadline

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
# A list page shows 25 needs (the inbox up to 50): written here in Python (every value escaped)
# instead of a template, which costs several times as much per row and took the list pages
# below their target (docs/benchmarks.md, "Paying back").

# The badge of each mark of `Deadline.mark` (the rule is `liaisons.needs.clock`).
_DEADLINE_MARKS = {
    PAUSED: ("text-bg-secondary", "bi-pause-circle", _("Clock paused")),
    LAPSED: ("text-bg-secondary", "bi-telephone-outbound", _("Rating window closed")),
    OVERDUE: ("text-bg-danger", "bi-exclamation-octagon", _("Overdue")),
    SOON: ("text-bg-warning", "bi-alarm", _("Due soon")),
}


class _Marks:
    """What every deadline of one list shares, looked up once per list instead of once a row
    (each translation and time zone lookup reads a context-local): the badges and labels in
    the viewer's language, their short date format and time zone. Every text is escaped
    (`escape` is `html.escape`, what Django's escaping does, without its lazy-string wrapper)."""

    def __init__(self) -> None:
        self.due_format = formats.get_format("SHORT_DATETIME_FORMAT")
        self.zone = timezone.get_current_timezone()
        self.badges = {
            mark: (
                f'<span class="badge {css}"><i class="bi {icon}" aria-hidden="true"></i> '
                f"{escape(str(text))}</span> "
            )
            for mark, (css, icon, text) in _DEADLINE_MARKS.items()
        }
        self.labels = {kind: escape(str(label)) for kind, label in DEADLINE_LABELS.items()}

    def html(self, deadline: Deadline) -> str:
        mark = deadline.mark
        due = deadline.due.astimezone(self.zone)
        return (
            '<span class="need-deadline small">'
            f"{self.badges[mark] if mark is not None else ''}"
            f'<span class="text-body-secondary">{self.labels[deadline.kind]}</span> '
            # The `date:"c"` of templates, then the short format of the viewer's language.
            f'<time datetime="{escape(due.isoformat())}">'
            f"{escape(dateformat.format(due, self.due_format))}</time></span>"
        )


@register.simple_tag
def need_deadline(deadline: Deadline | None) -> SafeString:
    """The running deadline: its mark (paused, overdue, soon), what it is and when, in the
    viewer's time zone."""
    if not deadline:
        return SafeString("")
    return SafeString(_Marks().html(deadline))


@register.simple_tag
def need_items(needs, show_enterprise: bool = False, show_liaison: bool = False) -> SafeString:
    """The needs of a list (`liaisons.needs.rows.NeedRow`s), one `<li>` each. `need.deadline` is set
    by the view (`mark_deadlines`); the formats and labels of the viewer's language are looked
    up once. Every value from a row or a translation is escaped (`html.escape`)."""
    language = get_language()
    categories = choice_labels(Need, "category", language)
    urgencies = choice_labels(Need, "urgency", language)
    statuses = choice_labels(Need, "status", language)
    marks = _Marks()
    detail_url = id_urls("liaisons:need-detail")  # reversed once per list
    rows = []
    for need in needs:
        firm = f" · {escape(need.enterprise_name)}" if show_enterprise else ""
        liaison = ""
        if show_liaison and need.liaison_id is not None:
            liaison = (
                '<div class="small text-body-secondary"><i class="bi bi-person-badge" '
                f'aria-hidden="true"></i> {escape(need.liaison_name)}</div>'
            )
        deadline = ""
        if need.deadline:
            deadline = f'<div class="mt-1">{marks.html(need.deadline)}</div>'
        rows.append(
            '<li class="list-group-item py-3">'
            '<div class="d-flex flex-wrap justify-content-between align-items-start gap-2">'
            '<div class="text-break flex-grow-1" style="min-width: 0;">'
            f'<div class="small text-body-secondary"><span class="font-monospace">'
            f"{escape(need.number)}</span> · "
            f"{escape(categories.get(need.category, need.category))}{firm}</div>"
            f'<a class="fw-semibold" href="{escape(detail_url(need.pk))}">'
            f"{escape(need.title)}</a>{liaison}</div>"
            '<div class="d-flex flex-wrap gap-1 justify-content-end">'
            f'<span class="badge {urgency_badge(need.urgency)}">'
            f"{escape(urgencies.get(need.urgency, need.urgency))}</span> "
            f'<span class="badge {status_badge(need.status)}">'
            f"{escape(statuses.get(need.status, need.status))}</span></div></div>"
            f"{deadline}</li>"
        )
    return SafeString("".join(rows))


@register.simple_tag
def escalation_items(escalations) -> SafeString:
    """The escalations of the supervision page (`liaisons.needs.rows.EscalationRow`s), one `<li>`
    each: the need (number, firm, department, title linked, liaison), the rung, the need's
    status, and when it fell due and was escalated, in the viewer's time zone and language.
    Looked up once per list, every value escaped, as `need_items`."""
    language = get_language()
    levels = choice_labels(NeedEscalation, "level", language)
    statuses = choice_labels(Need, "status", language)
    when_format = formats.get_format("SHORT_DATETIME_FORMAT")
    zone = timezone.get_current_timezone()
    due_and_time = gettext("Due %(due)s · escalated %(time)s")
    detail_url = id_urls("liaisons:need-detail")  # reversed once per list

    def when(moment) -> str:
        return dateformat.format(moment.astimezone(zone), when_format)

    rows = []
    for row in escalations:
        department = f" · {escape(row.department_name)}" if row.department_name else ""
        liaison = ""
        if row.liaison_name:
            liaison = (
                '<div class="small text-body-secondary"><i class="bi bi-person-badge" '
                f'aria-hidden="true"></i> {escape(row.liaison_name)}</div>'
            )
        rows.append(
            '<li class="list-group-item py-3">'
            '<div class="d-flex flex-wrap justify-content-between align-items-start gap-2">'
            '<div class="text-break" style="min-width: 0;">'
            '<div class="small text-body-secondary"><span class="font-monospace">'
            f"{escape(row.number)}</span> · {escape(row.enterprise_name)}{department}</div>"
            f'<a class="fw-semibold" href="{escape(detail_url(row.need_id))}">'
            f"{escape(row.title)}</a>{liaison}</div>"
            '<div class="d-flex flex-wrap gap-1 justify-content-end">'
            '<span class="badge text-bg-danger">'
            f"{escape(levels.get(row.level, str(row.level)))}</span> "
            f'<span class="badge {status_badge(row.status)}">'
            f"{escape(statuses.get(row.status, row.status))}</span></div></div>"
            '<div class="small text-body-secondary mt-1">'
            f"{escape(due_and_time % {'due': when(row.due_at), 'time': when(row.created_at)})}"
            "</div></li>"
        )
    return SafeString("".join(rows))
