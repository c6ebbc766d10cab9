"""DRF exception handler: every error is JSON that names the field or the problem, never a 500 for
a data clash. Integrity errors raised by database constraints become 409 with the constraint's name."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from annotations.errors import DomainError

logger = logging.getLogger(__name__)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        body: dict[str, Any] = (
            dict(exc.detail) if isinstance(exc.detail, dict) else {"detail": exc.detail}
        )
        body.setdefault("code", exc.code)
        retry_after = getattr(exc, "retry_after_seconds", None)
        headers = None if retry_after is None else {"Retry-After": str(retry_after)}
        return Response(body, status=exc.status_code, headers=headers)
    if isinstance(exc, IntegrityError):
        logger.info("integrity error answered with 409: %s", exc)
        return Response(
            {
                "detail": "The change conflicts with data stored meanwhile (a database constraint "
                "refused it). Reload and try again.",
                "constraint": _constraint_name(exc),
                "code": "conflict",
            },
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, DjangoValidationError):
        body = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)


def _constraint_name(exc: IntegrityError) -> str | None:
    diag = getattr(getattr(exc, "__cause__", None), "diag", None)
    return getattr(diag, "constraint_name", None)
