"""The weekly report as .xlsx: one sheet per section of the page, rates as numbers formatted as
percentages."""

from __future__ import annotations

from django.utils.translation import gettext as _

from alliance.core.xlsx import Percent, Sheet


def _unit_headers(*, liaison: bool = False) -> list[str]:
    # Each rate comes right after the count it is taken over.
    return [
        _("Liaison") if liaison else _("Unit"),
        *([_("Department")] if liaison else []),
        _("Needs received"),
        _("Open at week end"),
        _("Overdue at week end"),
        _("Signed for"),
        _("On-time sign-for"),
        _("Needs closed"),
        _("On-time resolution"),
        _("Ratings"),
        _("Satisfaction"),
        _("Reopened"),
        _("Below the floor"),
    ]


def _rate_cell(value: float | None):
    """A rate in the sheet: a number formatted as a percentage, or "—" when none is given (no
    need, or fewer than the minimum sample) so that a reader does not take the gap for 0 %."""
    return "—" if value is None else Percent(value)


def _unit_row(name: str, row: dict, *, department: str | None = None) -> list:
    return [
        name,
        *([department] if department is not None else []),
        row["received"],
        row["open"],
        row["overdue"],
        row.get("signed", ""),  # not in snapshots of earlier definitions
        _rate_cell(row["sign_rate"]),
        row["closed"],
        _rate_cell(row["resolve_rate"]),
        row["rated"],
        _rate_cell(row["satisfaction_rate"]),
        row["reopened"],
        _("Yes") if row["below_floor"] else "",
    ]


UNIT_WIDTHS = [24, 12, 12, 14, 12, 14, 12, 14, 10, 12, 10, 12]


def report_sheets(view: dict) -> list[Sheet]:
    """The sheets of a report as the page presents it to this viewer
    (`alliance.reports.views._presented`)."""
    kinds = {
        "departments": _("Department"),
        "liaisons": _("Liaison"),
        "chains": _("Industry chain"),
    }
    return [
        Sheet(
            _("Park totals"),
            _unit_headers(),
            [_unit_row(_("Whole park"), view["totals"])],
            UNIT_WIDTHS,
        ),
        Sheet(
            _("By department"),
            _unit_headers(),
            (_unit_row(row["name"], row) for row in view["departments"]),
            UNIT_WIDTHS,
        ),
        Sheet(
            _("By liaison"),
            _unit_headers(liaison=True),
            (_unit_row(row["name"], row, department=row["department"]) for row in view["liaisons"]),
            [16, 18, *UNIT_WIDTHS[1:]],
        ),
        Sheet(
            _("By industry chain"),
            _unit_headers(),
            (_unit_row(row["name"], row) for row in view["chains"]),
            UNIT_WIDTHS,
        ),
        Sheet(
            _("Hot categories"),
            [_("Rank"), _("Category"), _("Needs received"), _("Previous week"), _("Change")],
            (
                [index, row["label"], row["count"], row["previous"], row["change"]]
                for index, row in enumerate(view["hot_categories"], start=1)
            ),
            [8, 24, 14, 14, 10],
        ),
        Sheet(
            _("Below the floor"),
            [_("Kind"), _("Unit"), _("Ratings"), _("Satisfaction")],
            (
                [kinds[row["kind"]], row["name"], row["rated"], Percent(row["satisfaction_rate"])]
                for row in view["under_floor"]
            ),
            [14, 24, 10, 12],
        ),
    ]
