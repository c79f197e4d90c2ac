"""The filters of the needs list, shared by the list page and its .xlsx export."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from django.http import QueryDict

from liaisons.models import Need
from liaisons.needs.clock import overdue_q
from liaisons.needs.forms import NeedFilterForm


def filter_needs(
    needs: QuerySet[Need], params: QueryDict, *, now: datetime
) -> tuple[QuerySet[Need], NeedFilterForm]:
    """`needs` narrowed by the list's GET filters (status, overdue), and the bound form.

    Invalid filter values are ignored, as on the list page: the unfiltered list is shown.
    """
    form = NeedFilterForm(params or None)
    if form.is_valid():
        if form.cleaned_data["status"]:
            needs = needs.filter(status=form.cleaned_data["status"])
        if form.cleaned_data["overdue"]:
            needs = needs.filter(overdue_q(now))
    return needs, form
