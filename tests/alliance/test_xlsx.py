import io
import tracemalloc
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from alliance.core.xlsx import (
    Percent,
    Sheet,
    safe_text,
    sheet_title,
    unescaped_text,
    write_workbook,
    xlsx_response,
)


def _read(*sheets):
    buffer = io.BytesIO()
    write_workbook(buffer, *sheets)
    buffer.seek(0)
    return load_workbook(buffer)


def test_typed_values_round_trip():
    shanghai = ZoneInfo("Asia/Shanghai")
    book = _read(
        Sheet(
            "需求清单",
            ["编号", "金额", "日期", "时间", "满意率", "空"],
            [
                [
                    "XQ-2026-00001",
                    Decimal("464.10"),
                    date(2026, 7, 1),
                    datetime(2026, 7, 1, 9, 30, tzinfo=shanghai),
                    Percent(0.875),
                    None,
                ]
            ],
        )
    )
    ws = book["需求清单"]
    assert [c.value for c in ws[1]] == ["编号", "金额", "日期", "时间", "满意率", "空"]
    row = [c for c in ws[2]]
    assert row[0].value == "XQ-2026-00001"
    assert row[1].value == 464.1
    assert row[2].value == datetime(2026, 7, 1)
    assert row[3].value == datetime(2026, 7, 1, 9, 30)
    assert row[4].value == 0.875 and row[4].number_format == "0.0%"
    assert row[5].value is None


def test_formula_like_text_stays_text():
    book = _read(
        Sheet("s", ["t"], [['=HYPERLINK("http://evil","x")'], ["+1"], ["@SUM(A1)"], ["-2"]])
    )
    values = [row[0].value for row in book.active.iter_rows(min_row=2)]
    assert values == ['\'=HYPERLINK("http://evil","x")', "'+1", "'@SUM(A1)", "'-2"]
    assert all(row[0].data_type == "s" for row in book.active.iter_rows(min_row=2))


def test_control_characters_are_dropped():
    assert safe_text("融资\x00需求\x07") == "融资需求"
    assert _read(Sheet("s", ["t"], [["a\x1bb"]])).active["A2"].value == "ab"


@pytest.mark.parametrize("text", ["=1+1", "+86", "-5", "@A1", "\t=x", "普通文本", "'quoted'"])
def test_unescaped_text_undoes_safe_text(text):
    assert unescaped_text(safe_text(text)) == text


def test_unescaped_text_keeps_an_apostrophe_that_guards_no_formula():
    assert unescaped_text("'恒立'") == "'恒立'"


def test_sheet_titles_are_made_legal():
    assert sheet_title("a/b:c*d?[e]") == "a_b_c_d__e_"
    assert len(sheet_title("长" * 40)) == 31
    book = _read(Sheet("部门/周报", ["x"], []), Sheet("链?", ["y"], []))
    assert book.sheetnames == ["部门_周报", "链_"]


@pytest.mark.django_db  # closing a response sends request_finished, which looks at the database
def test_response_is_a_streamed_attachment_with_a_chinese_name():
    response = xlsx_response("需求清单.xlsx", Sheet("s", ["a"], [[1], [2]]))
    assert response.streaming
    assert "attachment" in response["Content-Disposition"]
    assert "filename*=utf-8''" in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    response.close()
    assert load_workbook(io.BytesIO(body)).active["A3"].value == 2


def _peak(rows: int) -> int:
    def generate():
        for i in range(rows):
            yield [
                f"XQ-2026-{i:05d}",
                "柳工常州机械有限公司",
                "融资需求" * 5,
                Decimal("1.5"),
                date(2026, 1, 1),
            ]

    tracemalloc.start()
    buffer = io.BytesIO()  # the bytes of the file itself are not Python objects that grow per row
    write_workbook(buffer, Sheet("s", ["a", "b", "c", "d", "e"], generate()))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak - buffer.getbuffer().nbytes


def test_memory_does_not_grow_with_rows():
    small, large = _peak(500), _peak(10_000)
    assert large < small * 1.5 + 256 * 1024, (small, large)
