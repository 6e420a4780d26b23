"""Errors a user can cause, each with a machine-readable code and a message that says what to do.

The API and the pages translate them in one place: `InvalidInput` is 422, `Refused` is 409,
`NotFound` is 404, `Forbidden` is 403, `RateLimited` is 429 (with Retry-After); the request layer
answers `RequestTooLarge` (413) and `LengthRequired` (411).
"""

from typing import Any


class DomainError(Exception):
    status = 400

    def __init__(
        self,
        code: str,
        message: str,
        *,
        field: str | None = None,
        hint: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.hint = hint
        self.details = details or {}

    def as_dict(self) -> dict[str, Any]:
        """Return the error as the API's error body."""
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        if self.hint:
            body["hint"] = self.hint
        if self.details:
            body["details"] = self.details
        return body


class InvalidInput(DomainError):
    status = 422


class Refused(DomainError):
    """A transition or action that the case's state or a concurrent change does not allow."""

    status = 409


class NotFound(DomainError):
    status = 404


class Forbidden(DomainError):
    status = 403


class RequestTooLarge(DomainError):
    """A request body past PLAINT_REQUEST_MAX_BYTES, refused before it is read (plaint.web.middleware)."""

    status = 413


class LengthRequired(DomainError):
    """A request body sent in chunks without a Content-Length, which Django would read as empty."""

    status = 411


class RateLimited(DomainError):
    """Too many requests or reports; `retry_after` is the seconds until one more would be accepted."""

    status = 429

    def __init__(self, code: str, message: str, *, retry_after: int | None = None, **kwargs: Any) -> None:
        super().__init__(code, message, **kwargs)
        self.retry_after = retry_after
