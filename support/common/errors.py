"""One error hierarchy for the whole service.

Domain code raises these; the API renders them as ``{"detail": ..., "code": ...}`` with the
status below (support.api.errors), and the console shows ``detail`` to the user.
"""

from typing import ClassVar


class SupportError(Exception):
    status: ClassVar[int] = 400
    default_code: ClassVar[str] = "invalid"

    def __init__(self, detail: str, *, code: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code or self.default_code


class InvalidInput(SupportError):
    status = 400
    default_code = "invalid"


class NotAuthenticated(SupportError):
    status = 401
    default_code = "not_authenticated"


class Forbidden(SupportError):
    status = 403
    default_code = "forbidden"


class NotFound(SupportError):
    status = 404
    default_code = "not_found"


class Conflict(SupportError):
    """The action is not allowed in the conversation's current status."""

    status = 409
    default_code = "invalid_transition"


class Unprocessable(SupportError):
    status = 422
    default_code = "unprocessable"


class TooManyRequests(SupportError):
    status = 429
    default_code = "rate_limited"
