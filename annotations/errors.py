"""Domain errors raised by services and permission checks, mapped to HTTP answers by
``annotations.views.exception_handler``."""

from __future__ import annotations


class DomainError(Exception):
    status_code = 400
    code = "invalid"

    def __init__(self, detail: str | dict[str, list[str]], *, code: str | None = None) -> None:
        super().__init__(str(detail))
        self.detail = detail
        if code:
            self.code = code


class InvalidInput(DomainError):
    """400: the request names something wrong; ``detail`` maps field names to messages."""

    def __init__(
        self, field_errors: dict[str, list[str] | str], *, code: str | None = None
    ) -> None:
        normalised = {k: ([v] if isinstance(v, str) else list(v)) for k, v in field_errors.items()}
        super().__init__(normalised, code=code)


class Conflict(DomainError):
    """409: the request is valid but clashes with the stored state (duplicate, stale version, in use)."""

    status_code = 409
    code = "conflict"


class PreconditionFailed(DomainError):
    """412: an If-Match header names a version that is no longer current."""

    status_code = 412
    code = "precondition_failed"


class TryAgain(DomainError):
    """503: a transient clash with concurrent work (a deadlock that persisted after the service's
    own retry). Nothing was changed; the same request may simply be sent again."""

    status_code = 503
    code = "try_again"
    retry_after_seconds = 1


class Forbidden(DomainError):
    """403: the user may see the object but their role does not allow this change."""

    status_code = 403
    code = "permission_denied"


class NotFound(DomainError):
    """404: no such object for this user (also what a rule answers where the API must not reveal
    that the object exists)."""

    status_code = 404
    code = "not_found"


class PayloadTooLarge(DomainError):
    """413: the request body is larger than the server accepts (an upload past
    ``WORKBENCH_MAX_UPLOAD_MB``). It was refused while it streamed in: nothing of it was stored."""

    status_code = 413
    code = "payload_too_large"


class TooManyRequests(DomainError):
    """429: too many attempts in a short time (failed logins: the login lockout). The answer's
    ``Retry-After`` header says how many seconds to wait."""

    status_code = 429
    code = "too_many_requests"

    def __init__(self, detail: str, *, retry_after_seconds: int, code: str | None = None) -> None:
        super().__init__(detail, code=code)
        self.retry_after_seconds = retry_after_seconds
