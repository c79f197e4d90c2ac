"""Streamed ``.xlsx`` workbooks for the portal's exports and reports.

openpyxl's write-only mode serialises each row to a temporary file as soon as it is appended, so
a workbook of three million rows needs the same memory as one of three hundred. The finished file
is handed to ``FileResponse``, which streams it in blocks and deletes it when the response closes.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

from django.http import FileResponse
from django.utils import timezone
from django.utils.encoding import force_str
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# A spreadsheet program reads a text cell starting with one of these as a formula (OWASP:
# "CSV injection"); such text gets a leading apostrophe so it stays text.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
SHEET_TITLE_MAX = 31  # Excel's limit
SHEET_TITLE_FORBIDDEN = str.maketrans({c: "_" for c in "[]:*?/\\"})
DEFAULT_WIDTH = 16
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="B71C1C")
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
PERCENT_FORMAT = "0.0%"


@dataclass(frozen=True)
class Percent:
    """A ratio (0.85) shown as a percentage (85.0 %) in the sheet; ``None`` stays empty."""

    value: float | Decimal | None


@dataclass
class Sheet:
    title: str
    headers: Sequence[Any]
    rows: Iterable[Sequence[Any]]
    widths: Sequence[int] | None = None


def safe_text(value: str) -> str:
    """Text as a spreadsheet shows it: control characters dropped, formulas defused."""
    text = ILLEGAL_CHARACTERS_RE.sub("", value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def unescaped_text(value: str) -> str:
    """Text read back from a sheet the portal wrote: the apostrophe `safe_text` put in front of
    a formula is dropped, so that an exported file imports back unchanged."""
    if value.startswith("'") and value[1:].startswith(FORMULA_PREFIXES):
        return value[1:]
    return value


def sheet_title(title: str) -> str:
    cleaned = force_str(title).translate(SHEET_TITLE_FORBIDDEN).strip("'") or "Sheet"
    return cleaned[:SHEET_TITLE_MAX]


def _cell(ws, value: Any) -> Any:
    """A value openpyxl writes with the right type; dates and ratios get a number format."""
    if value is None or isinstance(value, bool | int | float | Decimal):
        return value
    if isinstance(value, Percent):
        cell = WriteOnlyCell(ws, value=None if value.value is None else float(value.value))
        cell.number_format = PERCENT_FORMAT
        return cell
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value).replace(tzinfo=None)
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = DATETIME_FORMAT
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    cell = WriteOnlyCell(ws, value=safe_text(force_str(value)))
    cell.data_type = "s"  # never let openpyxl read text as a formula
    return cell


def _header(ws, value: Any) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=safe_text(force_str(value)))
    cell.data_type = "s"
    cell.font = HEADER_FONT
    cell.fill = HEADER_FILL
    cell.alignment = Alignment(vertical="center", wrap_text=True)
    return cell


def write_workbook(fileobj: IO[bytes], *sheets: Sheet) -> None:
    """Write ``sheets`` into ``fileobj`` row by row."""
    workbook = Workbook(write_only=True)
    for sheet in sheets:
        ws = workbook.create_sheet(title=sheet_title(sheet.title))
        widths = list(sheet.widths or [])
        for index in range(len(sheet.headers)):
            width = widths[index] if index < len(widths) else DEFAULT_WIDTH
            ws.column_dimensions[get_column_letter(index + 1)].width = width
        ws.freeze_panes = "A2"
        ws.append([_header(ws, value) for value in sheet.headers])
        for row in sheet.rows:
            ws.append([_cell(ws, value) for value in row])
    if not sheets:
        workbook.create_sheet(title="Sheet")
    workbook.save(fileobj)


def xlsx_response(filename: str, *sheets: Sheet) -> FileResponse:
    """A download of ``sheets`` as ``filename`` (a Chinese name is fine: RFC 5987 is used)."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    try:
        write_workbook(spool, *sheets)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return FileResponse(
        spool, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE
    )
