"""Attachments: what is accepted is judged by content, refusals come with a
message and save nothing, and files leave only as downloads through the scoped view."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import translation

from liaisons.models import Need, NeedAttachment, NeedStatus
from liaisons.needs.uploads import (
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS_PER_SUBMISSION,
    clean_original_name,
    validate_attachment,
    validate_attachments,
)
from tests.liaisons.conftest import (
    english,
    jpeg_bytes,
    make_need,
    ole2_bytes,
    ooxml_bytes,
    pdf_bytes,
    pdf_upload,
    png_bytes,
    snapshot,
    upload,
)

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'

ACCEPTED = [
    ("申请表.pdf", pdf_bytes()),
    ("现场照片.jpg", jpeg_bytes()),
    ("现场照片.JPEG", jpeg_bytes()),
    ("厂区平面图.png", png_bytes()),
    ("说明.docx", ooxml_bytes("word/document.xml")),
    ("用工需求.xlsx", ooxml_bytes("xl/workbook.xml")),
    ("汇报.pptx", ooxml_bytes("ppt/presentation.xml")),
    ("旧版说明.doc", ole2_bytes()),
    ("旧版报表.xls", ole2_bytes()),
    ("旧版汇报.ppt", ole2_bytes()),
]

REFUSED = [
    ("page.html", HTML, "extension"),
    ("logo.svg", SVG, "extension"),
    ("setup.exe", EXE, "extension"),
    ("script.js", b"alert(1)", "extension"),
    ("no-extension", pdf_bytes(), "extension"),
    ("invoice.pdf", EXE, "content"),  # an .exe renamed .pdf
    ("invoice.pdf", HTML, "content"),  # an HTML page renamed .pdf
    ("logo.png", SVG, "content"),
    ("photo.jpg", png_bytes(), "content"),
    ("report.docx", ooxml_bytes("xl/workbook.xml"), "content"),  # a workbook called .docx
    ("report.docx", b"PK\x03\x04" + b"\x00" * 100, "content"),  # a broken zip
    ("archive.xlsx", ooxml_bytes("other.txt"), "content"),
    ("notes.doc", b"plain text pretending", "content"),
    ("empty.pdf", b"", "empty"),
]


@pytest.mark.parametrize(("name", "content"), ACCEPTED, ids=[n for n, _ in ACCEPTED])
def test_allowed_types_pass(name, content):
    validate_attachment(upload(name, content))


@pytest.mark.parametrize(
    ("name", "content", "code"), REFUSED, ids=[f"{n}-{c}" for n, _, c in REFUSED]
)
def test_refused_uploads_say_why(name, content, code):
    with pytest.raises(ValidationError) as error:
        validate_attachment(upload(name, content))
    assert error.value.code == code
    assert name.split("/")[-1] in error.value.messages[0]


def test_oversized_file_is_refused_with_the_limit():
    big = upload("扫描件.pdf", pdf_bytes() + b"\x00" * MAX_ATTACHMENT_BYTES)
    with pytest.raises(ValidationError) as error:
        validate_attachment(big)
    assert error.value.code == "too_large"
    assert "10.0" in error.value.messages[0]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        # One byte over: both round to 10.0 MB, so the exact sizes are given.
        (
            1,
            "“扫描件.pdf”大小为10.0\xa0MB（10,485,761字节），"
            "每个文件不得超过10.0\xa0MB（10,485,760字节）。",
        ),
        (5 * 1024 * 1024, "“扫描件.pdf”大小为15.0\xa0MB，每个文件不得超过10.0\xa0MB。"),
    ],
)
def test_the_size_message_gives_the_size_of_the_file_not_the_limit_twice(extra, message):
    big = upload("扫描件.pdf", pdf_bytes().ljust(MAX_ATTACHMENT_BYTES + extra, b"\x00"))
    with translation.override("zh-hans"):
        with pytest.raises(ValidationError) as error:
            validate_attachment(big)
        assert error.value.messages == [message]


def test_the_size_message_in_english():
    big = upload("scan.pdf", pdf_bytes().ljust(MAX_ATTACHMENT_BYTES + 1, b"\x00"))
    with translation.override("en"):
        with pytest.raises(ValidationError) as error:
            validate_attachment(big)
        assert error.value.messages == [
            "“scan.pdf” is 10.0\xa0MB (10,485,761 bytes); each file may be at most 10.0\xa0MB "
            "(10,485,760 bytes)."
        ]


def test_a_file_of_exactly_the_limit_passes():
    validate_attachment(upload("扫描件.pdf", pdf_bytes().ljust(MAX_ATTACHMENT_BYTES, b"\x00")))


def test_too_many_files_are_refused():
    files = [pdf_upload(f"{n}.pdf") for n in range(MAX_ATTACHMENTS_PER_SUBMISSION + 1)]
    with pytest.raises(ValidationError) as error:
        validate_attachments(files)
    assert error.value.code == "too_many"
    validate_attachments(files[:MAX_ATTACHMENTS_PER_SUBMISSION])


def test_every_bad_file_of_a_submission_is_reported():
    with pytest.raises(ValidationError) as error:
        validate_attachments([upload("a.html", HTML), pdf_upload(), upload("b.pdf", EXE)])
    assert len(error.value.messages) == 2


def test_sniffing_leaves_the_file_readable_from_the_start():
    item = upload("说明.docx", ooxml_bytes("word/document.xml"))
    validate_attachment(item)
    assert item.read(2) == b"PK"


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("C:\\Users\\qian\\营业执照.pdf", "营业执照.pdf"),
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("evil\u202efdp.exe", "evilfdp.exe"),  # right-to-left override dropped
        ("a\x00b.pdf", "ab.pdf"),
        ("  .hidden.pdf ", "hidden.pdf"),
        ("", "file"),
        ("长" * 300 + ".pdf", "长" * 196 + ".pdf"),
    ],
)
def test_original_names_are_cleaned(given, kept):
    assert clean_original_name(given) == kept


# --- Through the pages ------------------------------------------------------------------------

NEED = {
    "category": "financing",
    "urgency": "green",
    "title": "设备贷款",
    "description": "需要设备贷款。",
    "action": "submit",
}


def media_files() -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    return {str(p) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("page.html", HTML, "this type of file is not accepted"),
        ("logo.svg", SVG, "this type of file is not accepted"),
        ("invoice.pdf", EXE, "is not really a PDF file"),
        ("empty.pdf", b"", "is empty"),
        ("big.pdf", pdf_bytes() + b"\x00" * MAX_ATTACHMENT_BYTES, "each file may be at most"),
    ],
    ids=["html", "svg", "exe-as-pdf", "empty", "oversized"],
)
def test_submitting_a_need_with_a_bad_file_saves_nothing(client, world, name, content, message):
    english(client).force_login(world.users["S1"])
    before, files_before = snapshot(), media_files()
    response = client.post(
        reverse("liaisons:need-create"), {**NEED, "attachments": [upload(name, content)]}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert snapshot() == before
    assert media_files() == files_before


def test_more_than_ten_files_are_refused_on_the_page(client, world):
    english(client).force_login(world.users["S1"])
    files = [pdf_upload(f"{n}.pdf") for n in range(MAX_ATTACHMENTS_PER_SUBMISSION + 1)]
    response = client.post(reverse("liaisons:need-create"), {**NEED, "attachments": files})
    assert response.status_code == 200
    assert "At most 10 files can be attached at a time" in response.content.decode()
    assert not Need.objects.exists()


def test_a_need_is_submitted_with_several_files(client, world):
    client.force_login(world.users["S1"])
    files = [pdf_upload("营业执照.pdf"), upload("现场.png", png_bytes())]
    response = client.post(reverse("liaisons:need-create"), {**NEED, "attachments": files})
    need = Need.objects.get()
    assert response["Location"] == reverse("liaisons:need-detail", args=[need.pk])
    names = sorted(need.attachments.values_list("original_name", flat=True))
    assert names == ["现场.png", "营业执照.pdf"]
    for attachment in need.attachments.all():
        # Stored under a random name, outside the static tree.
        assert attachment.file.name.startswith("needs/")
        assert "营业执照" not in attachment.file.name
        assert os.path.commonpath([attachment.file.path, settings.MEDIA_ROOT]) == str(
            settings.MEDIA_ROOT
        )
        assert attachment.is_public


def test_bad_file_on_the_reply_saves_neither_reply_nor_file(client, world):
    need = make_need(
        enterprise=world.enterprise1, status=NeedStatus.IN_PROGRESS, liaison=world.liaison1
    )
    english(client).force_login(world.users["L1"])
    before = snapshot()
    response = client.post(
        reverse("liaisons:need-reply", args=[need.pk]),
        {
            "resolution": "已解决",
            "attachments": [upload("x.pdf", EXE)],
            "expected_status": need.status,
        },
    )
    assert response.status_code == 200
    assert "is not really a PDF file" in response.content.decode()
    assert snapshot() == before


def test_attach_form_refuses_a_renamed_executable(client, world):
    need = make_need(
        enterprise=world.enterprise1, status=NeedStatus.IN_PROGRESS, liaison=world.liaison1
    )
    english(client).force_login(world.users["S1"])
    before = snapshot()
    response = client.post(
        reverse("liaisons:need-attach", args=[need.pk]),
        {"attachments": [upload("合同.docx", EXE)]},
    )
    assert response.status_code == 200
    assert "is not really a DOCX file" in response.content.decode()
    assert snapshot() == before


def test_attach_requires_a_file(client, world):
    need = make_need(
        enterprise=world.enterprise1, status=NeedStatus.IN_PROGRESS, liaison=world.liaison1
    )
    english(client).force_login(world.users["L1"])
    response = client.post(reverse("liaisons:need-attach", args=[need.pk]), {})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()


# --- Download ---------------------------------------------------------------------------------


def stored(need, *, name='营业执照 (副本);"x".pdf', is_public=True, by=None):
    attachment = NeedAttachment(
        need=need,
        original_name=name,
        size=len(pdf_bytes()),
        uploaded_by=by or need.submitted_by,
        is_public=is_public,
    )
    attachment.file.save("x.pdf", ContentFile(pdf_bytes()), save=False)
    attachment.save()
    return attachment


def test_download_is_an_attachment_with_a_safe_name(client, world):
    need = make_need(enterprise=world.enterprise1, status=NeedStatus.SUBMITTED)
    attachment = stored(need)
    client.force_login(world.users["S1"])
    response = client.get(reverse("liaisons:attachment-download", args=[attachment.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == pdf_bytes()
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    # Non-ASCII names travel RFC 5987-encoded; quotes cannot break out of the header value.
    assert "filename*=utf-8''" in disposition
    assert '"x"' not in disposition
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_download_type_comes_from_the_extension_not_the_upload(client, world):
    need = make_need(enterprise=world.enterprise1, status=NeedStatus.SUBMITTED)
    attachment = stored(need, name="图.png")
    client.force_login(world.users["staff"])
    response = client.get(reverse("liaisons:attachment-download", args=[attachment.pk]))
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment;")


def test_internal_attachment_is_hidden_from_the_firm(client, world):
    need = make_need(
        enterprise=world.enterprise1, status=NeedStatus.IN_PROGRESS, liaison=world.liaison1
    )
    attachment = stored(need, name="内部评估.pdf", is_public=False, by=world.users["L1"])
    url = reverse("liaisons:attachment-download", args=[attachment.pk])
    client.force_login(world.users["S1"])
    assert client.get(url).status_code == 404
    detail = client.get(reverse("liaisons:need-detail", args=[need.pk])).content.decode()
    assert "内部评估.pdf" not in detail
    client.force_login(world.users["L1"])
    assert client.get(url).status_code == 200
    assert (
        "内部评估.pdf"
        in client.get(reverse("liaisons:need-detail", args=[need.pk])).content.decode()
    )


def test_anonymous_download_goes_to_sign_in(client, world):
    attachment = stored(make_need(enterprise=world.enterprise1))
    response = client.get(reverse("liaisons:attachment-download", args=[attachment.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_download_of_another_firm_or_an_unknown_id_is_404(client, world):
    attachment = stored(make_need(enterprise=world.enterprise1))
    client.force_login(world.users["S2"])
    assert (
        client.get(reverse("liaisons:attachment-download", args=[attachment.pk])).status_code == 404
    )
    assert client.get(reverse("liaisons:attachment-download", args=[999999])).status_code == 404


def test_missing_file_on_disk_is_404_not_500(client, world):
    attachment = stored(make_need(enterprise=world.enterprise1))
    os.remove(attachment.file.path)
    client.force_login(world.users["S1"])
    assert (
        client.get(reverse("liaisons:attachment-download", args=[attachment.pk])).status_code == 404
    )


def test_media_files_are_not_served_at_a_public_path(client, world):
    attachment = stored(make_need(enterprise=world.enterprise1))
    client.force_login(world.users["S1"])
    assert client.get(settings.MEDIA_URL + attachment.file.name).status_code == 404


# --- The total of one request ---------------------------------------------------------------

CAP = 3000  # bytes, for these tests: two files of 2,000 bytes are too much together


def padded_pdf(name: str, size: int = 2000):
    return upload(name, pdf_bytes().ljust(size, b"\x00"), "application/pdf")


def _upload_forms(world) -> dict:
    """Every page that takes files: (user, URL, the form's other fields)."""
    draft = make_need(
        enterprise=world.enterprise1, status=NeedStatus.DRAFT, submitted_by=world.users["S1"]
    )
    waiting = make_need(
        enterprise=world.enterprise1, status=NeedStatus.WAITING_ENTERPRISE, liaison=world.liaison1
    )
    working = make_need(
        enterprise=world.enterprise1, status=NeedStatus.IN_PROGRESS, liaison=world.liaison1
    )
    return {
        "need-create": ("S1", reverse("liaisons:need-create"), NEED),
        "need-edit": ("S1", reverse("liaisons:need-edit", args=[draft.pk]), NEED),
        "need-supply-info": (
            "S1",
            reverse("liaisons:need-supply-info", args=[waiting.pk]),
            {"note": "补充材料见附件。", "expected_status": waiting.status},
        ),
        "need-reply": (
            "L1",
            reverse("liaisons:need-reply", args=[working.pk]),
            {"resolution": "已协调。", "expected_status": working.status},
        ),
        "need-attach": ("L1", reverse("liaisons:need-attach", args=[working.pk]), {}),
    }


UPLOAD_FORMS = ["need-create", "need-edit", "need-supply-info", "need-reply", "need-attach"]


@pytest.mark.parametrize("form", UPLOAD_FORMS)
def test_files_over_the_total_of_one_request_are_refused_on_every_upload_form(
    client, world, settings, form
):
    settings.UPLOAD_MAX_REQUEST_BYTES = CAP
    role, url, fields = _upload_forms(world)[form]
    english(client).force_login(world.users[role])
    before, files_before = snapshot(), media_files()
    files = [padded_pdf("营业执照.pdf"), padded_pdf("财务报表.pdf")]
    response = client.post(url, {**fields, "attachments": files})
    assert response.status_code == 200
    assert (
        "These files come to more than 2.9\xa0KB together; one submission may carry at most "
        "2.9\xa0KB. Send them in several parts."
    ) in response.content.decode()
    assert snapshot() == before
    assert media_files() == files_before


@pytest.mark.parametrize("form", UPLOAD_FORMS)
def test_files_within_the_total_are_accepted_on_every_upload_form(client, world, settings, form):
    settings.UPLOAD_MAX_REQUEST_BYTES = CAP
    role, url, fields = _upload_forms(world)[form]
    client.force_login(world.users[role])
    count = NeedAttachment.objects.count()
    response = client.post(url, {**fields, "attachments": [padded_pdf("营业执照.pdf", CAP)]})
    assert response.status_code == 302
    assert NeedAttachment.objects.count() == count + 1


def test_files_in_fields_no_form_reads_count_towards_the_total(client, world, settings):
    # The cap is on the request, whatever field names it uses.
    settings.UPLOAD_MAX_REQUEST_BYTES = CAP
    role, url, _fields = _upload_forms(world)["need-attach"]
    english(client).force_login(world.users[role])
    before = snapshot()
    response = client.post(
        url, {"padding": padded_pdf("x.pdf", CAP), "attachments": [padded_pdf("a.pdf", 100)]}
    )
    assert response.status_code == 200
    assert "together; one submission may carry at most" in response.content.decode()
    assert snapshot() == before


def test_bytes_past_the_total_are_not_kept_while_the_request_is_read(rf, settings):
    from alliance.core.upload_cap import RequestUploadCapHandler

    settings.UPLOAD_MAX_REQUEST_BYTES = CAP
    request = rf.post(
        "/", {"a": padded_pdf("a.pdf", 2000), "b": padded_pdf("b.pdf", 2500), "note": "后面的字段"}
    )
    request.upload_handlers = [
        RequestUploadCapHandler(request),
        *[h for h in request.upload_handlers if not isinstance(h, RequestUploadCapHandler)],
    ]
    first, second = request.FILES["a"], request.FILES["b"]
    assert first.read() == pdf_bytes().ljust(2000, b"\x00")  # within the total: kept whole
    assert (second.size, second.read()) == (2500, b"")  # its real size, none of its bytes
    assert second.over_request_cap
    assert request.POST["note"] == "后面的字段"  # the rest of the request is still read
