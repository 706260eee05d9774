"""Typed domain errors: each carries a stable machine code, an HTTP status and a message
that is translated into the language of whoever reads it."""

from typing import Any

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """Base of every error a traveller or an API client may see."""

    code = "error"
    status = 400
    message: Any = _("Something went wrong.")

    def __init__(self, message: Any = None, *, fields: dict[str, list[str]] | None = None):
        if message is not None:
            self.message = message
        self.fields = fields or {}
        super().__init__(str(self.message))

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": str(self.message)}
        if self.fields:
            body["fields"] = {name: [str(m) for m in msgs] for name, msgs in self.fields.items()}
        return body


class InvalidInput(DomainError):
    code = "invalid_input"
    status = 400
    message = _("Some of the information you entered is not valid.")


class NotFound(DomainError):
    code = "not_found"
    status = 404
    message = _("Not found.")


class PermissionDenied(DomainError):
    code = "permission_denied"
    status = 403
    message = _("You are not allowed to do that.")


class RateLimited(DomainError):
    code = "rate_limited"
    status = 429
    message = _("Too many attempts. Please wait a while and try again.")
