"""Attachment checks for needs: what may be uploaded, judged by content as well as by name.

Only PDF, Office documents and JPEG/PNG pictures are accepted (OWASP ASVS 12.1.1, 12.2.1). The
extension must be on the allowlist AND the bytes must be what the extension claims: an .exe
renamed .pdf, an HTML page or an SVG (both can carry script) are refused whatever they are called.
Files are stored under random names (NeedAttachment.file's upload_to) and only ever served as a
download through a view that checks the need's scope.
"""

from __future__ import annotations

import os
import unicodedata
import zipfile
from collections.abc import Iterable

import magic
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from alliance.core.upload_cap import size_labels, validate_request_total

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS_PER_SUBMISSION = 10
ORIGINAL_NAME_MAX_LENGTH = 200  # NeedAttachment.original_name
SNIFF_BYTES = 8192

# Legacy Office files are OLE2 compound documents; libmagic names the container or, when it can
# read the summary stream, the application.
_OLE2 = frozenset(
    {
        "application/x-ole-storage",
        "application/cdfv2",
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
        "application/vnd.ms-office",
    }
)
_ZIP = frozenset({"application/zip", "application/x-zip-compressed"})

# extension → (MIME types libmagic may report, main part an OOXML package must contain or None)
ALLOWED_TYPES: dict[str, tuple[frozenset[str], str | None]] = {
    ".pdf": (frozenset({"application/pdf"}), None),
    ".jpg": (frozenset({"image/jpeg"}), None),
    ".jpeg": (frozenset({"image/jpeg"}), None),
    ".png": (frozenset({"image/png"}), None),
    ".doc": (_OLE2, None),
    ".xls": (_OLE2, None),
    ".ppt": (_OLE2, None),
    ".docx": (
        _ZIP | {"application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
        "word/document.xml",
    ),
    ".xlsx": (
        _ZIP | {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
        "xl/workbook.xml",
    ),
    ".pptx": (
        _ZIP | {"application/vnd.openxmlformats-officedocument.presentationml.presentation"},
        "ppt/presentation.xml",
    ),
}

# What a download is answered with: never what the uploader's browser claimed.
CONTENT_TYPES: dict[str, str] = {
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".doc": "application/msword",
    ".xls": "application/vnd.ms-excel",
    ".ppt": "application/vnd.ms-powerpoint",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}

ALLOWED_EXTENSIONS_LABEL = "PDF, Word (doc/docx), Excel (xls/xlsx), PowerPoint (ppt/pptx), JPG, PNG"


def clean_original_name(name: str) -> str:
    """The user's file name, kept for display and the download header only.

    Path parts, control and format characters (e.g. the right-to-left override that makes
    "evil‮fdp.exe" look like a PDF) are dropped; a long name is shortened but keeps its extension.
    """
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    stem, extension = os.path.splitext(name)
    extension = extension[:10]
    stem = stem[: ORIGINAL_NAME_MAX_LENGTH - len(extension)]
    return (stem + extension) or "file"


def _extension(name: str) -> str:
    return os.path.splitext(name)[1].lower()


def _sniff(upload: UploadedFile) -> str:
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    return magic.from_buffer(head, mime=True).lower()


def _zip_has_part(upload: UploadedFile, part: str) -> bool:
    # Only the central directory is read; nothing is decompressed, so a zip bomb costs nothing.
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as package:
            names = set(package.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    finally:
        upload.seek(0)
    return "[Content_Types].xml" in names and part in names


def validate_attachment(upload: UploadedFile) -> None:
    """Raise ValidationError (with a message for the user) unless the upload may be stored."""
    name = clean_original_name(upload.name or "")
    extension = _extension(name)
    if extension not in ALLOWED_TYPES:
        raise ValidationError(
            _("“%(name)s”: this type of file is not accepted. Allowed: %(allowed)s."),
            code="extension",
            params={"name": name, "allowed": ALLOWED_EXTENSIONS_LABEL},
        )
    if not upload.size:
        raise ValidationError(_("“%(name)s” is empty."), code="empty", params={"name": name})
    if upload.size > MAX_ATTACHMENT_BYTES:
        size, limit = size_labels(upload.size, MAX_ATTACHMENT_BYTES)
        raise ValidationError(
            _("“%(name)s” is %(size)s; each file may be at most %(limit)s."),
            code="too_large",
            params={"name": name, "size": size, "limit": limit},
        )
    mime_types, ooxml_part = ALLOWED_TYPES[extension]
    detected = _sniff(upload)
    content_ok = detected in mime_types
    if content_ok and ooxml_part is not None:
        content_ok = _zip_has_part(upload, ooxml_part)
    if not content_ok:
        raise ValidationError(
            _(
                "“%(name)s” is not really a %(extension)s file (its content does not match its "
                "name), so it was not accepted."
            ),
            code="content",
            params={"name": name, "extension": extension.lstrip(".").upper()},
        )


def validate_attachments(uploads: Iterable[UploadedFile]) -> list[UploadedFile]:
    """Check a whole submission; every problem is reported, not only the first."""
    uploads = list(uploads)
    if len(uploads) > MAX_ATTACHMENTS_PER_SUBMISSION:
        raise ValidationError(
            _("At most %(limit)d files can be attached at a time; you chose %(count)d."),
            code="too_many",
            params={"limit": MAX_ATTACHMENTS_PER_SUBMISSION, "count": len(uploads)},
        )
    validate_request_total(uploads)
    errors: list[ValidationError] = []
    for upload in uploads:
        try:
            validate_attachment(upload)
        except ValidationError as error:
            errors.append(error)
    if errors:
        raise ValidationError(errors)
    return uploads


def content_type_for(name: str) -> str:
    return CONTENT_TYPES.get(_extension(name), "application/octet-stream")
