"""The upload limit: a multipart body larger than ``settings.WORKBENCH_MAX_UPLOAD_BYTES``
(``WORKBENCH_MAX_UPLOAD_MB``) is refused with 413 before it is read.

Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE`` bounds only the form fields and
``FILE_UPLOAD_MAX_MEMORY_SIZE`` only says when a file moves from memory to a temporary file: no
setting of Django caps a file's size. ``UploadLimitHandler`` is the first of
``FILE_UPLOAD_HANDLERS``, so it runs when the body is about to be parsed (by DRF's parser, or by
the CSRF check of a session's request), before the handlers that keep the files. Django reads a
body no further than its declared ``Content-Length`` (and not at all without one), so a body that
declares more than the limit is refused before a byte of it is read: nothing reaches memory or a
temporary file, however large the upload. The limit is the whole request's, all its files together.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler

from annotations.errors import PayloadTooLarge

MB = 1024 * 1024


def _size(n: int) -> str:
    if n >= MB:
        return f"{n / MB:,.1f} MB".replace(".0 MB", " MB")
    return f"{n:,} bytes"


class UploadTooLarge(PayloadTooLarge, RequestDataTooBig):
    """413 from the API (a ``DomainError``); where a plain Django view parses the body (the CSRF
    check of a page's form), Django answers it as ``RequestDataTooBig``: 400, not a server error."""


def upload_too_large(limit: int, size: int) -> UploadTooLarge:
    return UploadTooLarge(
        f"This upload ({_size(size)}) is larger than the limit of {_size(limit)} per request "
        "(WORKBENCH_MAX_UPLOAD_MB). Nothing was stored: split the file into smaller ones, or ask "
        "the administrator to raise the limit."
    )


class UploadLimitHandler(FileUploadHandler):
    """Refuses (``UploadTooLarge``) a multipart body past the limit; parses nothing itself."""

    def handle_raw_input(
        self,
        input_data: Any,
        META: dict[str, Any],
        content_length: int,
        boundary: bytes,
        encoding: str | None = None,
    ) -> None:
        limit = settings.WORKBENCH_MAX_UPLOAD_BYTES
        if content_length > limit:
            raise upload_too_large(limit, content_length)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        return raw_data  # to the handlers that keep the file

    def file_complete(self, file_size: int) -> None:
        return None
