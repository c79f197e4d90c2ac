"""The total size of the files one request may carry (settings.UPLOAD_MAX_REQUEST_BYTES).

Each attachment is limited on its own (liaisons.needs.uploads), but ten files of 10 MB in one
submission, or files under field names no form reads, would all be written to disk while the
request is read. `RequestUploadCapHandler` runs first among Django's upload handlers and counts
the bytes of every file in the request; once the total passes the cap it keeps the rest away
from the handlers that store them, and each file that went over arrives as an `OverCapUpload`:
its real size, none of its bytes. The rest of the request (the other fields) is still read, so
the form it was meant for shows the error (`validate_request_total`) and saves nothing.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class OverCapUpload(UploadedFile):
    """A file of a request whose files passed the total: its size as sent, no content."""

    over_request_cap = True

    def __init__(self, name: str, content_type: str, size: int, charset: str | None) -> None:
        super().__init__(io.BytesIO(), name, content_type, size, charset)


class RequestUploadCapHandler(FileUploadHandler):
    def __init__(self, request=None) -> None:
        super().__init__(request)
        self.limit = settings.UPLOAD_MAX_REQUEST_BYTES
        self.total = 0
        self.file_bytes = 0
        self.over = False

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.file_bytes = 0
        self.over = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.total += len(raw_data)
        self.file_bytes += len(raw_data)
        if self.total > self.limit:
            self.over = True
            return None  # the handlers after this one never see these bytes
        return raw_data

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if not self.over:
            return None  # within the total: stored as usual by the next handlers
        return OverCapUpload(self.file_name, self.content_type, self.file_bytes, self.charset)


def size_labels(size: int, limit: int) -> tuple[str, str]:
    """A size and the limit it passes, as people read them (10.0 MB), with the exact bytes
    when the two round to the same figure: "10.0 MB, at most 10.0 MB" would explain nothing."""
    shown, allowed = filesizeformat(size), filesizeformat(limit)
    if shown != allowed:
        return shown, allowed
    exact = gettext("%(size)s (%(bytes)s bytes)")
    return (
        exact % {"size": shown, "bytes": f"{size:,}"},
        exact % {"size": allowed, "bytes": f"{limit:,}"},
    )


def validate_request_total(uploads: Iterable[UploadedFile]) -> None:
    """Refuse files that come to more than the total a request may carry."""
    uploads = list(uploads)
    limit = settings.UPLOAD_MAX_REQUEST_BYTES
    over = any(getattr(upload, "over_request_cap", False) for upload in uploads)
    if over or sum(upload.size or 0 for upload in uploads) > limit:
        raise ValidationError(
            _(
                "These files come to more than %(limit)s together; one submission may carry at "
                "most %(limit)s. Send them in several parts."
            ),
            code="request_too_large",
            params={"limit": filesizeformat(limit)},
        )
