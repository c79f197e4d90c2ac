"""The enterprise roster import (.xlsx, upsert by credit code, preview then confirm) and export.

Files are real workbooks built with openpyxl in memory and posted through the admin's import
view; every case checks the database afterwards.
"""

from __future__ import annotations

import io
import re
import zipfile
from gettext import GNUTranslations
from html import unescape
from pathlib import Path
from urllib.parse import quote

import import_export
import openpyxl
import pytest
from django.conf import settings
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.template.defaultfilters import filesizeformat
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext

from enterprises.housekeeping import IMPORT_PREVIEW_FOLDER
from enterprises.models import ChainMembership, Enterprise, SrdiLevel
from enterprises.roster import (
    CHAIN,
    COLUMNS,
    CREDIT_CODE,
    EMPLOYEES,
    NAME,
    ChainWidget,
    CreditCodeWidget,
    EmployeesWidget,
    EnterpriseRosterResource,
    SrdiLevelWidget,
    YesNoWidget,
)
from enterprises.validators import validate_credit_code
from tests import factories
from tests.factories import make_credit_code

IMPORT_URL = reverse("admin:enterprises_enterprise_import")
CONFIRM_URL = reverse("admin:enterprises_enterprise_process_import")
EXPORT_URL = reverse("admin:enterprises_enterprise_export")
TEMPLATE_URL = reverse("admin:enterprises_enterprise_import_template")

HENGLI = make_credit_code(1)
LIUGONG = make_credit_code(2)
JINCHUANG = make_credit_code(3)


@pytest.fixture(autouse=True)
def upload_dir(tmp_path, settings):
    """Between preview and confirm the upload is kept under MEDIA_ROOT, shared by web processes."""
    settings.MEDIA_ROOT = str(tmp_path)
    folder = tmp_path / IMPORT_PREVIEW_FOLDER
    folder.mkdir()
    return folder


@pytest.fixture
def chains(db):
    return {
        "nev": factories.IndustryChainFactory(code="nev", name="新能源汽车", order=1),
        "robotics": factories.IndustryChainFactory(code="robotics", name="机器人", order=2),
        "machinery": factories.IndustryChainFactory(code="machinery", name="工程机械", order=3),
    }


def row(name: str, code: str, **values) -> dict:
    return {"企业名称": name, "统一社会信用代码": code, **values}


def workbook(rows: list[dict], headers: tuple | list = COLUMNS) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(headers))
    for values in rows:
        sheet.append([values.get(header) for header in headers] if values else [])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(client, content: bytes, name: str = "企业名录.xlsx"):
    return client.post(
        IMPORT_URL,
        {"import_file": SimpleUploadedFile(name, content), "format": "0", "resource": "0"},
    )


def confirm(client, preview):
    form = preview.context["confirm_form"]
    return client.post(CONFIRM_URL, {name: form.initial[name] for name in form.initial})


def problems(response) -> dict[str, list[str]]:
    """The problems table of a response: spreadsheet row ("" for the whole file) → messages."""
    content = response.content.decode()
    found: dict[str, list[str]] = {}
    for number, messages in re.findall(
        r'<tr class="roster-problem" data-row="(\d*)">.*?<ul class="roster-messages">(.*?)</ul>',
        content,
        flags=re.S,
    ):
        found[number] = [unescape(m) for m in re.findall(r"<li>(.*?)</li>", messages, flags=re.S)]
    return found


def catalogue(path: Path) -> dict[str, str]:
    with path.open("rb") as file:
        return GNUTranslations(file)._catalog


def form_errors(response) -> list[str]:
    return response.context["form"].errors.get("import_file", [])


GOOD_ROWS = [
    row(
        "江苏恒立液压股份有限公司",
        HENGLI,
        简称="恒立液压",
        地址="常州市武进国家高新区龙潭路99号",
        规上企业="是",
        专精特新="国家级小巨人",
        高新技术企业="是",
        上市="是",
        股票代码="601100",
        主要产品="高压油缸、液压柱塞泵、液压控制阀",
        员工人数=5000,
        主产业链="工程机械",
    ),
    row(
        "柳工常州机械有限公司",
        LIUGONG.lower()[:6] + " " + LIUGONG.lower()[6:],  # typed with a space, in lower case
        规上企业="true",
        专精特新="省级",
        高新技术企业=1,
        上市="否",
        母公司="广西柳工机械股份有限公司",
        员工人数="1,200",
        主产业链="machinery",
    ),
    row("今创集团股份有限公司", JINCHUANG, 上市=True, 股票代码=603680, 主产业链="新能源汽车"),
]


# --- good files ----------------------------------------------------------------------------------


def test_preview_saves_nothing_then_confirm_creates_the_enterprises(
    staff_client, staff_user, chains
):
    preview = upload(staff_client, workbook(GOOD_ROWS))
    assert preview.status_code == 200
    assert preview.context["confirm_form"] is not None
    assert not problems(preview)
    assert Enterprise.objects.count() == 0

    done = confirm(staff_client, preview)
    assert done.status_code == 302
    assert done["Location"] == reverse("admin:enterprises_enterprise_changelist")
    assert Enterprise.objects.count() == 3

    hengli = Enterprise.objects.get(credit_code=HENGLI)
    assert hengli.name == "江苏恒立液压股份有限公司"
    assert (hengli.is_above_scale, hengli.is_high_tech, hengli.is_listed) == (True, True, True)
    assert (hengli.srdi_level, hengli.stock_code, hengli.employees) == (
        SrdiLevel.NATIONAL,
        "601100",
        5000,
    )
    assert hengli.primary_chain == chains["machinery"]

    liugong = Enterprise.objects.get(credit_code=LIUGONG)  # normalised: upper case, no space
    assert (liugong.is_above_scale, liugong.is_high_tech, liugong.is_listed) == (True, True, False)
    assert (liugong.srdi_level, liugong.employees) == (SrdiLevel.PROVINCE, 1200)
    assert liugong.parent_company == "广西柳工机械股份有限公司"
    assert liugong.primary_chain == chains["machinery"]

    jinchuang = Enterprise.objects.get(credit_code=JINCHUANG)
    assert (jinchuang.is_listed, jinchuang.stock_code) == (True, "603680")
    assert (jinchuang.is_above_scale, jinchuang.srdi_level) == (False, SrdiLevel.NONE)
    assert jinchuang.primary_chain == chains["nev"]

    # The audit trail names the importer: history rows and admin log entries.
    assert hengli.history.get().history_user == staff_user
    assert LogEntry.objects.filter(user=staff_user, action_flag=ADDITION).count() == 3


def test_the_preview_labels_each_row_with_what_the_import_will_do(staff_client, chains):
    factories.EnterpriseFactory(name="江苏恒立液压有限公司", credit_code=HENGLI)
    preview = upload(staff_client, workbook(GOOD_ROWS[:2]))  # in Chinese, the default
    labels = re.findall(
        r'<td class="import-type">\s*(.*?)\s*</td>', preview.content.decode(), flags=re.S
    )
    assert labels == ["更新", "新增"]


def test_the_portals_catalogue_does_not_translate_the_import_pages_differently():
    """The portal's catalogue comes first (LOCALE_PATHS): a word it translates for its own
    pages must not change what django-import-export's pages say. Words the portal uses in
    another sense carry a message context."""
    ours = catalogue(Path(settings.LOCALE_PATHS[0]) / "zh_Hans/LC_MESSAGES/django.mo")
    theirs = catalogue(Path(import_export.__file__).parent / "locale/zh_Hans/LC_MESSAGES/django.mo")
    clashes = {
        msgid: (text, ours[msgid])
        for msgid, text in theirs.items()
        if msgid and text and msgid in ours and ours[msgid] != text
    }
    assert clashes == {}


def test_a_known_credit_code_updates_that_enterprise(staff_client, chains):
    existing = factories.EnterpriseFactory(
        name="江苏恒立液压有限公司", credit_code=HENGLI, address="旧地址", employees=10
    )
    rows = [
        row("江苏恒立液压股份有限公司", " " + HENGLI.lower() + " ", 地址="新地址", 员工人数=5000)
    ]
    preview = upload(
        staff_client, workbook(rows, headers=["企业名称", "统一社会信用代码", "地址", "员工人数"])
    )
    assert preview.context["result"].totals["update"] == 1
    assert Enterprise.objects.get().address == "旧地址"

    confirm(staff_client, preview)
    assert Enterprise.objects.count() == 1
    existing.refresh_from_db()
    assert (existing.name, existing.address, existing.employees) == (
        "江苏恒立液压股份有限公司",
        "新地址",
        5000,
    )
    # Columns left out of the file keep their values.
    assert existing.primary_chain is not None
    assert LogEntry.objects.filter(action_flag=CHANGE, object_id=str(existing.pk)).exists()


def test_an_enterprise_without_a_code_gets_it_from_the_roster(staff_client, chains):
    existing = factories.EnterpriseFactory(name="常州龙城精锻有限公司", credit_code="")
    preview = upload(staff_client, workbook([row("常州龙城精锻有限公司", HENGLI, 主产业链="nev")]))
    confirm(staff_client, preview)
    existing.refresh_from_db()
    assert Enterprise.objects.count() == 1
    assert (existing.credit_code, existing.primary_chain) == (HENGLI, chains["nev"])


def test_unchanged_rows_are_skipped(staff_client, chains):
    upload_and_confirm = workbook(GOOD_ROWS)
    confirm(staff_client, upload(staff_client, upload_and_confirm))
    history = sum(e.history.count() for e in Enterprise.objects.all())
    preview = upload(staff_client, upload_and_confirm)
    assert preview.context["result"].totals["skip"] == 3
    confirm(staff_client, preview)
    assert Enterprise.objects.count() == 3
    assert sum(e.history.count() for e in Enterprise.objects.all()) == history


# --- the primary chain makes a member -----------------------------------------------------------


def memberships() -> dict[tuple[str, str], str]:
    """(enterprise, chain code) → role of every chain membership."""
    rows = ChainMembership.objects.values_list("enterprise__name", "chain__code", "role")
    return {(name, code): role for name, code, role in rows}


def test_an_imported_enterprise_joins_its_primary_chain_as_a_member(staff_client, chains):
    preview = upload(staff_client, workbook(GOOD_ROWS))
    assert preview.context["result"].memberships_added == 3
    assert "3家企业将以成员企业身份加入其主产业链。" in preview.content.decode()
    assert not ChainMembership.objects.exists()  # the preview saves nothing

    confirm(staff_client, preview)
    member = ChainMembership.Role.MEMBER
    assert memberships() == {
        ("江苏恒立液压股份有限公司", "machinery"): member,
        ("柳工常州机械有限公司", "machinery"): member,
        ("今创集团股份有限公司", "nev"): member,
    }
    # So the firms count where the chains' figures are made.
    machinery = chains["machinery"]
    assert set(machinery.enterprises.values_list("name", flat=True)) == {
        "江苏恒立液压股份有限公司",
        "柳工常州机械有限公司",
    }


def test_a_role_the_enterprise_has_is_kept_and_other_chains_stay(staff_client, chains):
    leader = factories.EnterpriseFactory(
        name="柳工常州机械有限公司", credit_code=LIUGONG, primary_chain=chains["machinery"]
    )
    factories.ChainMembershipFactory(
        enterprise=leader, chain=chains["machinery"], role=ChainMembership.Role.LEADER
    )
    moving = factories.EnterpriseFactory(
        name="今创集团股份有限公司", credit_code=JINCHUANG, primary_chain=chains["machinery"]
    )
    factories.ChainMembershipFactory(
        enterprise=moving, chain=chains["machinery"], role=ChainMembership.Role.CORE_SUPPLIER
    )
    rows = [
        row("柳工常州机械有限公司", LIUGONG, 主产业链="工程机械", 员工人数=1300),
        row("今创集团股份有限公司", JINCHUANG, 主产业链="新能源汽车"),
    ]
    preview = upload(staff_client, workbook(rows, headers=[NAME, CREDIT_CODE, CHAIN, EMPLOYEES]))
    assert preview.context["result"].memberships_added == 1
    confirm(staff_client, preview)
    assert memberships() == {
        ("柳工常州机械有限公司", "machinery"): ChainMembership.Role.LEADER,  # not downgraded
        ("今创集团股份有限公司", "machinery"): ChainMembership.Role.CORE_SUPPLIER,
        ("今创集团股份有限公司", "nev"): ChainMembership.Role.MEMBER,
    }


def test_an_unchanged_row_still_adds_the_missing_membership(staff_client, chains):
    """Firms imported before the import made members get theirs when the roster comes again."""
    confirm(staff_client, upload(staff_client, workbook(GOOD_ROWS)))
    ChainMembership.objects.all().delete()
    preview = upload(staff_client, workbook(GOOD_ROWS))
    assert preview.context["result"].totals["skip"] == 3
    confirm(staff_client, preview)
    assert len(memberships()) == 3


def test_rows_without_a_primary_chain_make_no_membership(staff_client, chains):
    confirm(staff_client, upload(staff_client, workbook([row("常州某某科技有限公司", HENGLI)])))
    assert Enterprise.objects.get().primary_chain is None
    assert not ChainMembership.objects.exists()


def test_blank_rows_are_ignored(staff_client, chains):
    preview = upload(staff_client, workbook([GOOD_ROWS[0], {}, {}, GOOD_ROWS[2], {}]))
    assert not problems(preview)
    confirm(staff_client, preview)
    assert Enterprise.objects.count() == 2


# --- bad rows: nothing is imported ---------------------------------------------------------------


def _message_of(validator, value) -> str:
    with pytest.raises(ValidationError) as error:
        validator(value)
    return error.value.messages[0]


def _value_error(widget, value) -> str:
    with pytest.raises(ValueError) as error:
        widget.clean(value)
    return str(error.value)


def _mutated(code: str) -> str:
    # Change the check character only: length, charset and division code stay valid.
    return code[:17] + ("0" if code[17] != "0" else "1")


@pytest.mark.parametrize(
    ("bad_row", "column", "expected"),
    [
        (
            row("坏码企业", _mutated(HENGLI)),
            "统一社会信用代码",
            lambda: _message_of(validate_credit_code, _mutated(HENGLI)),
        ),
        (
            row("短码企业", "91320412ABC"),
            "统一社会信用代码",
            lambda: _message_of(validate_credit_code, "91320412ABC"),
        ),
        (
            row("", HENGLI),
            "企业名称",
            lambda: str(Enterprise._meta.get_field("name").error_messages["blank"]),
        ),
        (row("缺码企业", ""), "统一社会信用代码", lambda: _value_error(CreditCodeWidget(), "")),
        (row("外链企业", HENGLI, 主产业链="航空航天"), "主产业链", lambda: "航空航天"),
        (row("犹豫企业", HENGLI, 高新技术企业="也许"), "高新技术企业", lambda: "也许"),
        (row("负数企业", HENGLI, 员工人数=-5), "员工人数", lambda: "-5"),
        (row("小数企业", HENGLI, 员工人数="12.5"), "员工人数", lambda: "12.5"),
        (row("等级企业", HENGLI, 专精特新="超级"), "专精特新", lambda: "超级"),
    ],
    ids=[
        "check-character",
        "too-short",
        "missing-name",
        "missing-code",
        "unknown-chain",
        "bad-boolean",
        "negative-employees",
        "fractional-employees",
        "unknown-srdi-level",
    ],
)
def test_one_bad_row_among_good_ones_imports_nothing(
    staff_client, chains, bad_row, column, expected
):
    rows = [GOOD_ROWS[1], GOOD_ROWS[2], bad_row]  # spreadsheet rows 2, 3 and 4
    preview = upload(staff_client, workbook(rows))
    assert preview.status_code == 200
    assert preview.context.get("confirm_form") is None  # no way to confirm a bad file
    found = problems(preview)
    assert list(found) == ["4"]
    assert any(message.startswith(column) and expected() in message for message in found["4"]), (
        found
    )
    assert Enterprise.objects.count() == 0


def test_the_stored_upload_lives_only_until_the_confirmation(staff_client, chains, upload_dir):
    bad = upload(staff_client, workbook([row("", HENGLI)]))
    assert problems(bad)
    assert list(upload_dir.iterdir()) == []  # a refused preview keeps no copy
    preview = upload(staff_client, workbook(GOOD_ROWS))
    assert len(list(upload_dir.iterdir())) == 1
    confirm(staff_client, preview)
    assert list(upload_dir.iterdir()) == []


def test_stock_code_without_listing_is_refused_with_the_rule(staff_client, chains):
    rule = next(
        c
        for c in Enterprise._meta.constraints
        if c.name == "enterprise_stock_code_only_when_listed"
    )
    preview = upload(
        staff_client, workbook([row("未上市企业", HENGLI, 上市="否", 股票代码="600000")])
    )
    assert problems(preview) == {"2": [str(rule.violation_error_message)]}
    assert Enterprise.objects.count() == 0


def test_every_bad_row_is_reported_with_its_spreadsheet_row(staff_client, chains):
    rows = [
        GOOD_ROWS[0],  # row 2
        {},  # row 3: blank, ignored
        row("", LIUGONG),  # row 4: no name
        GOOD_ROWS[2],  # row 5
        row("坏布尔企业", make_credit_code(9), 规上企业="大概"),  # row 6
    ]
    preview = upload(staff_client, workbook(rows))
    assert sorted(problems(preview)) == ["4", "6"]
    assert Enterprise.objects.count() == 0


def test_a_credit_code_repeated_inside_the_file_is_reported(staff_client, chains):
    rows = [
        row("甲企业", HENGLI),
        row("乙企业", LIUGONG),
        row("丙企业", HENGLI.lower()),  # the same code as row 2, spelt differently
        row("甲企业", JINCHUANG),  # the same name as row 2
    ]
    preview = upload(staff_client, workbook(rows))
    found = problems(preview)
    assert sorted(found) == ["4", "5"]
    assert any(HENGLI in m and "2" in m for m in found["4"])
    assert any(m.startswith("统一社会信用代码") for m in found["4"])
    assert any(m.startswith("企业名称") and "甲企业" in m for m in found["5"])
    assert Enterprise.objects.count() == 0


def test_a_name_taken_by_another_enterprise_is_reported(staff_client, chains):
    factories.EnterpriseFactory(name="江苏恒立液压股份有限公司", credit_code=LIUGONG)
    preview = upload(staff_client, workbook([row("江苏恒立液压股份有限公司", HENGLI)]))
    assert [m.split("：")[0] for m in problems(preview)["2"]] == ["企业名称"]
    assert Enterprise.objects.count() == 1


def test_confirm_imports_nothing_when_the_data_changed_since_the_preview(staff_client, chains):
    preview = upload(staff_client, workbook([row("甲企业", HENGLI), row("乙企业", LIUGONG)]))
    assert preview.context["confirm_form"] is not None
    # Meanwhile someone registers 乙企业 under another code: row 3 is now a name clash.
    factories.EnterpriseFactory(name="乙企业", credit_code=JINCHUANG)

    done = confirm(staff_client, preview)
    assert done.status_code == 200
    assert list(problems(done)) == ["3"]
    assert not Enterprise.objects.filter(credit_code=HENGLI).exists()
    assert Enterprise.objects.count() == 1


def test_missing_and_unknown_columns_are_reported_for_the_whole_file(staff_client, chains):
    preview = upload(
        staff_client, workbook([row("甲企业", HENGLI)], headers=["企业名称", "信用代码"])
    )
    found = problems(preview)
    assert list(found) == [""]
    assert any("统一社会信用代码" in m for m in found[""])
    assert any("信用代码" in m for m in found[""])
    assert preview.context.get("confirm_form") is None
    assert Enterprise.objects.count() == 0


def test_a_file_without_rows_is_refused(staff_client, chains):
    headers_only = upload(staff_client, workbook([]))
    assert headers_only.context.get("confirm_form") is None
    assert len(form_errors(headers_only)) == 1
    blank_rows = upload(staff_client, workbook([{"企业名称": " "}, {"地址": "　"}]))
    assert blank_rows.context.get("confirm_form") is None
    assert list(problems(blank_rows)) == [""]
    assert Enterprise.objects.count() == 0


# --- files that are refused before reading them --------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("企业名录.csv", "企业名称,统一社会信用代码\n甲企业,{code}\n".encode()),
        ("企业名录.html", b"<table><tr><td>x</td></tr></table>"),
        ("企业名录.xls", b"\xd0\xcf\x11\xe0 old excel"),
    ],
    ids=["csv", "html", "xls"],
)
def test_only_xlsx_files_are_accepted(staff_client, chains, name, content):
    response = upload(staff_client, content.replace(b"{code}", HENGLI.encode()), name=name)
    assert response.status_code == 200
    errors = form_errors(response)
    assert len(errors) == 1 and name in errors[0] and ".xlsx" in errors[0]
    assert response.context.get("confirm_form") is None
    assert Enterprise.objects.count() == 0


def test_a_renamed_file_that_is_no_workbook_is_refused(staff_client, chains):
    response = upload(staff_client, b"<html><script>alert(1)</script></html>", name="roster.xlsx")
    assert form_errors(response) == [gettext("The file is not a valid .xlsx workbook.")]
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    response = upload(staff_client, zipped.getvalue(), name="roster.xlsx")
    assert form_errors(response) == [gettext("The file could not be read as an .xlsx workbook.")]
    assert Enterprise.objects.count() == 0


def test_an_oversized_file_is_refused(staff_client, chains, settings):
    content = workbook(GOOD_ROWS)
    settings.ROSTER_IMPORT_MAX_BYTES = len(content) - 1
    response = upload(staff_client, content)
    [error] = form_errors(response)
    assert filesizeformat(len(content)) in error
    assert filesizeformat(len(content) - 1) in error
    assert Enterprise.objects.count() == 0


def test_an_oversized_file_gives_its_exact_size_when_it_rounds_to_the_limit(
    staff_client, chains, settings
):
    content = workbook(GOOD_ROWS)
    settings.ROSTER_IMPORT_MAX_BYTES = len(content) - 1
    [error] = form_errors(upload(staff_client, content))
    assert f"（{len(content):,}字节）" in error
    assert f"（{len(content) - 1:,}字节）" in error


def test_a_roster_over_the_total_of_one_request_is_refused_and_not_read(
    staff_client, chains, settings
):
    content = workbook(GOOD_ROWS)
    settings.UPLOAD_MAX_REQUEST_BYTES = len(content) - 1
    [error] = form_errors(upload(staff_client, content))
    assert error.startswith("这些文件合计超过")
    assert Enterprise.objects.count() == 0


def test_too_many_rows_are_refused(staff_client, chains, settings):
    settings.ROSTER_IMPORT_MAX_ROWS = 2
    response = upload(staff_client, workbook(GOOD_ROWS))
    [error] = form_errors(response)
    assert "2" in error
    assert Enterprise.objects.count() == 0
    # Blank rows do not count: two enterprises and blank lines pass.
    preview = upload(staff_client, workbook([GOOD_ROWS[0], {}, {}, GOOD_ROWS[1], {}]))
    assert preview.context["confirm_form"] is not None


# --- hostile text --------------------------------------------------------------------------------


def test_hostile_text_is_shown_escaped_and_stored_as_text(staff_client, chains):
    hostile = '<script>alert("x")</script>'
    preview = upload(
        staff_client, workbook([row(hostile, HENGLI, 地址='"><img src=x onerror=alert(1)>')])
    )
    content = preview.content.decode()
    assert "<script>alert" not in content
    assert "<img src=x" not in content
    assert "&lt;script&gt;" in content
    confirm(staff_client, preview)
    assert Enterprise.objects.get().name == hostile
    listing = staff_client.get(reverse("admin:enterprises_enterprise_changelist")).content.decode()
    assert "<script>alert" not in listing


def test_hostile_text_in_a_bad_row_is_escaped_in_the_report(staff_client, chains):
    preview = upload(
        staff_client, workbook([row("甲企业", HENGLI, 上市="<script>alert(1)</script>")])
    )
    content = preview.content.decode()
    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content
    assert Enterprise.objects.count() == 0


# --- access and tampering ------------------------------------------------------------------------


def test_import_is_for_staff_only(client, plain_user, chains):
    assert client.get(IMPORT_URL).status_code == 302
    client.force_login(plain_user)
    response = upload(client, workbook(GOOD_ROWS))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert Enterprise.objects.count() == 0


def test_staff_without_enterprise_permissions_can_neither_import_nor_export(client, chains):
    client.force_login(factories.UserFactory(is_staff=True))  # not in the park staff group
    assert client.get(IMPORT_URL).status_code == 403
    assert upload(client, workbook(GOOD_ROWS)).status_code == 403
    assert client.get(EXPORT_URL).status_code == 403
    assert Enterprise.objects.count() == 0


def test_confirm_needs_a_post_and_a_genuine_form(staff_client, chains):
    assert staff_client.get(CONFIRM_URL).status_code == 405
    preview = upload(staff_client, workbook(GOOD_ROWS))
    data = {name: value for name, value in preview.context["confirm_form"].initial.items()}
    tampered = staff_client.post(CONFIRM_URL, {**data, "format": "3"})
    assert tampered.status_code == 200
    assert Enterprise.objects.count() == 0
    gone = staff_client.post(CONFIRM_URL, {**data, "import_file_name": "no-such-upload"})
    assert gone.status_code == 302
    assert gone["Location"] == IMPORT_URL
    assert Enterprise.objects.count() == 0


def test_import_page_explains_the_format(staff_client, chains):
    content = staff_client.get(IMPORT_URL).content.decode()
    for column in COLUMNS:
        assert column in content
    assert "国家级小巨人" in content


# --- the template to fill in --------------------------------------------------------------------


def test_the_import_page_links_the_template(staff_client, chains):
    content = staff_client.get(IMPORT_URL).content.decode()
    assert f'href="{TEMPLATE_URL}"' in content


def test_the_template_has_the_columns_and_an_example_that_imports_cleanly(staff_client, chains):
    response = staff_client.get(TEMPLATE_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert (
        response["Content-Disposition"]
        == f"attachment; filename*=utf-8''{quote('企业名录导入模板.xlsx')}"
    )
    content = b"".join(response.streaming_content)
    rows = list(openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    assert rows[0] == COLUMNS
    assert len(rows) == 2
    example = dict(zip(COLUMNS, rows[1], strict=True))
    validate_credit_code(example[CREDIT_CODE])  # a real code's shape, check character included
    assert example[CHAIN] == "新能源汽车"  # a chain of this portal, by its name

    preview = upload(staff_client, content, name="企业名录导入模板.xlsx")  # a dry run
    assert preview.context["confirm_form"] is not None
    assert not problems(preview)
    assert preview.context["result"].totals["new"] == 1
    assert Enterprise.objects.count() == 0


def test_the_template_is_for_those_who_may_import(client, plain_user, chains):
    assert client.get(TEMPLATE_URL).status_code == 302  # to the admin's login
    client.force_login(factories.UserFactory(is_staff=True))  # not in the park staff group
    assert client.get(TEMPLATE_URL).status_code == 403


def test_the_template_is_get_only(staff_client, chains):
    assert staff_client.post(TEMPLATE_URL).status_code == 405


# --- export (the same format, so a roster round-trips) -------------------------------------------


def test_export_writes_the_roster_format_and_imports_back_unchanged(staff_client, chains):
    confirm(staff_client, upload(staff_client, workbook(GOOD_ROWS)))
    fields = {
        f"enterpriserosterresource_{name}": "on"
        for name in (
            "name",
            "credit_code",
            "short_name",
            "address",
            "is_above_scale",
            "srdi_level",
            "is_high_tech",
            "is_listed",
            "stock_code",
            "parent_company",
            "main_products",
            "employees",
            "primary_chain",
        )
    }
    response = staff_client.post(EXPORT_URL, {"format": "0", "resource": "0", **fields})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="enterprise-roster-')
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == COLUMNS
    exported = {r[0]: dict(zip(COLUMNS, r, strict=True)) for r in rows[1:]}
    hengli = exported["江苏恒立液压股份有限公司"]
    assert (hengli["规上企业"], hengli["上市"], hengli["专精特新"]) == ("是", "是", "国家级小巨人")
    assert (hengli["主产业链"], hengli["员工人数"], hengli["股票代码"]) == (
        "工程机械",
        5000,
        "601100",
    )
    assert exported["今创集团股份有限公司"]["规上企业"] == "否"

    preview = upload(staff_client, response.content, name="export.xlsx")
    assert preview.context["result"].totals["skip"] == 3
    assert Enterprise.objects.count() == 3


@pytest.mark.parametrize(
    "query",
    [
        "next=abc",
        "primary_chain__id__exact=abc",
        "is_above_scale__exact=%00",
        "srdi_level__exact=%00",
    ],
)
def test_an_export_with_filters_that_are_no_filters_is_refused_with_a_message(
    staff_client, chains, query
):
    response = staff_client.post(f"{EXPORT_URL}?{query}", {"format": "0", "resource": "0"})
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:enterprises_enterprise_changelist")
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert messages == ["导出未进行：地址中的筛选条件无效，请在列表中重新选择筛选条件。"]
    assert staff_client.get(f"{EXPORT_URL}?{query}").status_code == 302


EXPORT_FIELDS = {
    f"enterpriserosterresource_{name}": "on"
    for name in ("name", "credit_code", "short_name", "address", "parent_company", "main_products")
}
FORMULAS = {
    "name": '=HYPERLINK("http://evil.example/","点我领取补贴")',
    "short_name": "+1+1",
    "address": "-2+3",
    "parent_company": "@SUM(A1:A9)",
    "main_products": "\t=1+1",
}


def test_export_writes_formulas_as_text_and_they_import_back_unchanged(staff_client, chains):
    # A spreadsheet program runs a cell that starts with = + - @ or a tab as a formula: the
    # export writes it as text behind an apostrophe, as the portal's own exports do.
    firm = factories.EnterpriseFactory(credit_code=HENGLI, **FORMULAS)
    response = staff_client.post(EXPORT_URL, {"format": "0", "resource": "0", **EXPORT_FIELDS})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header, cells = next(sheet.iter_rows(min_row=1, max_row=1)), next(sheet.iter_rows(min_row=2))
    by_column = {h.value: c for h, c in zip(header, cells, strict=True)}
    for field, column in [
        ("name", "企业名称"),
        ("short_name", "简称"),
        ("address", "地址"),
        ("parent_company", "母公司"),
        ("main_products", "主要产品"),
    ]:
        cell = by_column[column]
        assert cell.data_type == "s", field
        assert cell.value == "'" + FORMULAS[field], field

    preview = upload(staff_client, response.content, name="export.xlsx")
    assert preview.context["result"].totals["skip"] == 1
    confirm(staff_client, preview)
    firm.refresh_from_db()
    assert firm.name == FORMULAS["name"]
    assert firm.parent_company == FORMULAS["parent_company"]


# --- the cell readers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("是", True),
        ("否", False),
        ("true", True),
        ("FALSE", False),
        ("1", True),
        (0, False),
        (True, True),
        (None, False),
        (" 是 ", True),
    ],
)
def test_yes_no_cells(value, expected):
    assert YesNoWidget().clean(value) is expected


@pytest.mark.parametrize("value", ["也许", "yes!", "2", 2])
def test_yes_no_cells_refuse_anything_else(value):
    with pytest.raises(ValueError, match=re.escape(str(value))):
        YesNoWidget().clean(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, SrdiLevel.NONE),
        ("无", SrdiLevel.NONE),
        ("市级", SrdiLevel.CITY),
        ("省级专精特新", SrdiLevel.PROVINCE),
        ("国家级小巨人", SrdiLevel.NATIONAL),
        ("国家级专精特新小巨人企业", SrdiLevel.NATIONAL),
        ("national", SrdiLevel.NATIONAL),
        ("CITY", SrdiLevel.CITY),
    ],
)
def test_srdi_cells_take_labels_and_codes(value, expected):
    assert SrdiLevelWidget().clean(value) == expected


def test_chain_cells_take_names_and_codes_with_one_query(chains, django_assert_num_queries):
    widget = ChainWidget()
    with django_assert_num_queries(1):
        assert widget.clean("工程机械") == chains["machinery"]
        assert widget.clean("NEV") == chains["nev"]
        assert widget.clean(" 机器人 ") == chains["robotics"]
        assert widget.clean("") is None
    with pytest.raises(ValueError, match="新能源汽车、机器人、工程机械"):
        widget.clean("航空航天")


@pytest.mark.parametrize(
    ("value", "expected"),
    [(12, 12), (12.0, 12), ("1,200", 1200), (" 30 ", 30), (None, None), ("", None)],
)
def test_employee_cells(value, expected):
    assert EmployeesWidget().clean(value) == expected


def test_import_queries_do_not_grow_per_row_for_the_lookups(staff_client, chains):
    """The enterprise and chain lookups are done once per file, not once per row."""

    def preview_queries(n: int) -> int:
        rows = [row(f"企业{i}", make_credit_code(100 + i), 主产业链="工程机械") for i in range(n)]
        content = workbook(rows)
        with CaptureQueriesContext(connection) as queries:
            response = upload(staff_client, content)
        assert response.context["confirm_form"] is not None
        return len(queries)

    # What remains per row is the row's own work: its savepoint, the insert, the history row
    # and the savepoint's release. Lookups, uniqueness and chains are loaded once per file.
    assert preview_queries(12) - preview_queries(2) == 10 * 4


def test_the_import_checks_every_rule_of_the_enterprise_table():
    # The import checks these itself, against enterprises loaded once per file (see
    # EnterpriseRosterResource.validate_instance); a new rule must be added there too.
    checked = {
        EnterpriseRosterResource.CREDIT_CODE_UNIQUE,
        EnterpriseRosterResource.STOCK_CODE_RULE,
    }
    assert {constraint.name for constraint in Enterprise._meta.constraints} == checked
    unique = [f.name for f in Enterprise._meta.concrete_fields if f.unique and not f.primary_key]
    assert unique == ["name"]


def test_the_enterprise_list_offers_import_and_export(staff_client, chains):
    content = staff_client.get(reverse("admin:enterprises_enterprise_changelist")).content.decode()
    assert f"href='{IMPORT_URL}'" in content
    assert f'href="{EXPORT_URL}' in content
