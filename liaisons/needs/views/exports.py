"""The needs list as .xlsx: the viewer's scope and the list's filters, streamed row by row.

The rows come from one `values_list` query read in chunks (`.iterator()`, a server-side cursor
on PostgreSQL) and are written to a temporary file as they arrive (`alliance.core.xlsx`), so memory
does not grow with the number of needs.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.decorators import login_required
from django.db.models import BooleanField, Case, F, Value, When
from django.db.models.functions import Coalesce, NullIf
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from alliance.core.xlsx import Sheet, xlsx_response
from liaisons.models import NeedCategory, NeedStatus, Satisfaction, Urgency
from liaisons.needs.access import visible_needs
from liaisons.needs.clock import overdue_q
from liaisons.needs.filters import filter_needs

EXPORT_CHUNK = 1000  # rows per fetch from the database cursor: the memory bound of an export

COLUMNS = (
    "number",
    "enterprise__name",
    "chain__name",
    "category",
    "urgency",
    "title",
    "status",
    "liaison_name",
    "department__name",
    "submitted_at",
    "dispatched_at",
    "resolve_due",
    "closed_at",
    "is_overdue",
    "satisfaction",
)
WIDTHS = (16, 30, 14, 16, 12, 40, 14, 10, 16, 17, 17, 17, 17, 8, 12)


def _headers() -> list[str]:
    return [
        _("Need number"),
        _("Enterprise"),
        _("Industry chain"),
        _("Category"),
        _("Urgency"),
        _("Title"),
        _("Status"),
        _("Liaison"),
        _("Department"),
        _("Submitted at"),
        _("Dispatched at"),
        _("Resolve by"),
        _("Closed at"),
        _("Overdue"),
        _("Rating"),
    ]


def _rows(needs, *, now: datetime):
    labels = {
        "category": {value: str(label) for value, label in NeedCategory.choices},
        "urgency": {value: str(label) for value, label in Urgency.choices},
        "status": {value: str(label) for value, label in NeedStatus.choices},
        "satisfaction": {value: str(label) for value, label in Satisfaction.choices},
    }
    yes = _("Yes")
    rows = (
        needs.annotate(
            liaison_name=Coalesce(
                NullIf(F("liaison__user__full_name"), Value("")), F("liaison__user__username")
            ),
            is_overdue=Case(
                When(overdue_q(now), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
        .order_by("-created_at", "-pk")
        .values_list(*COLUMNS)
        .iterator(chunk_size=EXPORT_CHUNK)
    )
    for row in rows:
        values = dict(zip(COLUMNS, row, strict=True))
        yield [
            values["number"],
            values["enterprise__name"],
            values["chain__name"],
            labels["category"].get(values["category"], values["category"]),
            labels["urgency"].get(values["urgency"], values["urgency"]),
            values["title"],
            labels["status"].get(values["status"], values["status"]),
            values["liaison_name"],
            values["department__name"],
            values["submitted_at"],
            values["dispatched_at"],
            values["resolve_due"],
            values["closed_at"],
            yes if values["is_overdue"] else "",
            labels["satisfaction"].get(values["satisfaction"], ""),
        ]


@login_required
@require_GET
def need_export(request: HttpRequest) -> HttpResponse:
    """The needs list the user sees, with its filters, as a spreadsheet (all pages)."""
    now = timezone.now()
    needs, _form = filter_needs(visible_needs(request), request.GET, now=now)
    filename = _("Enterprise needs %(date)s.xlsx") % {"date": timezone.localdate(now).isoformat()}
    return xlsx_response(
        filename, Sheet(_("Enterprise needs"), _headers(), _rows(needs, now=now), WIDTHS)
    )
