"""The roster import in real Chromium: the import page links the template, the downloaded
template uploads as it is, the preview calls its row 新增, and the confirmed firm is a member
of its 主产业链. Screenshots go to <tmp>/roster-screenshots/."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from enterprises.models import ChainMembership, Enterprise
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"
SCREENSHOTS = Path(tempfile.gettempdir()) / "roster-screenshots"


def test_the_template_downloads_imports_and_makes_a_member(
    page: Page, live_server, tmp_path, settings, console_problems
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    nev = factories.IndustryChainFactory(code="nev", name="新能源汽车", order=1)
    factories.StaffFactory(username="staff", full_name="陈杰")  # the factories' password
    SCREENSHOTS.mkdir(exist_ok=True)
    base = live_server.url

    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{base}/accounts/login/")
    page.locator("input[name=username]").fill("staff")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form[action='/accounts/login/'] button[type=submit]").click()
    expect(page).to_have_url(f"{base}/")

    page.goto(f"{base}/admin/enterprises/enterprise/import/")
    link = page.locator("a.roster-template")
    expect(link).to_have_text("下载导入模板（.xlsx）")
    page.screenshot(path=str(SCREENSHOTS / "import-page.png"), full_page=True)
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == "企业名录导入模板.xlsx"
    template = tmp_path / download.suggested_filename
    download.save_as(template)

    page.locator("input[name=import_file]").set_input_files(str(template))
    page.locator("form[enctype='multipart/form-data'] input[type=submit]").click()
    expect(page.locator("td.import-type")).to_have_text(["新增"])
    expect(page.locator(".roster-totals")).to_contain_text("1家企业将以成员企业身份加入其主产业链")
    page.screenshot(path=str(SCREENSHOTS / "import-preview.png"), full_page=True)
    assert not Enterprise.objects.exists()

    page.locator("form[action$='process_import/'] input[type=submit]").click()
    expect(page).to_have_url(f"{base}/admin/enterprises/enterprise/")
    firm = Enterprise.objects.get()
    assert firm.memberships.get().chain == nev
    assert firm.memberships.get().role == ChainMembership.Role.MEMBER
    assert console_problems == []
