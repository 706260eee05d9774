"""What every API router shares: the one error shape, its rendering, and authentication.

Every failure in the API is an HTTP status plus

    {"error": {"code": "<stable machine code>", "message": "<in the caller's language>",
               "fields": {"<field>": ["<message>", ...]}}}

where `fields` appears only when particular inputs are at fault."""

from typing import Any

import pydantic_core
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Schema
from ninja.renderers import BaseRenderer
from pydantic import BaseModel, ConfigDict, Field

from .errors import DomainError, PermissionDenied

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class NotAuthenticated(DomainError):
    code = "not_authenticated"
    status = 401
    message = gettext_lazy("Log in first: send a valid API token or use a logged-in session.")


class CsrfFailed(PermissionDenied):
    code = "csrf_failed"
    message = gettext_lazy(
        "The security check of the form failed (CSRF). Reload the page and try again."
    )


class InSchema(BaseModel):
    """Base of request bodies: a JSON object with only the fields described. (ninja's
    Schema reads attributes of any object, so it would take `[]` for an empty object.)"""

    model_config = ConfigDict(extra="forbid")


class ErrorDetail(Schema):
    code: str = Field(description="Stable machine-readable code, e.g. `card_not_found`.")
    message: str = Field(description="Explanation in the caller's language.")
    fields: dict[str, list[str]] | None = Field(
        None, description="Per-field messages, present when particular inputs are at fault."
    )


class ErrorOut(Schema):
    """The body of every failed API request."""

    error: ErrorDetail


def error_responses(*statuses: int) -> dict[int, type[ErrorOut]]:
    """Document the error shape for these statuses in an endpoint's `response=`."""
    return dict.fromkeys(statuses, ErrorOut)


def render_error(
    *,
    status: int,
    code: str,
    message: Any,
    fields: dict[str, list[Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JsonResponse:
    body: dict[str, Any] = {"code": code, "message": str(message)}
    if fields:
        body["fields"] = {name: [str(m) for m in msgs] for name, msgs in fields.items()}
    response = JsonResponse(
        {"error": body},
        status=status,
        content_type="application/json; charset=utf-8",
        json_dumps_params={"ensure_ascii": False},
    )
    for name, value in (headers or {}).items():
        response[name] = value
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


class FastJSONRenderer(BaseRenderer):
    """JSON through pydantic-core's serializer (Rust) rather than json.dumps with Django's
    encoder: several times faster on the responses the API sends most. Dates come out in
    ISO 8601 and UUIDs as strings, as before; anything else is turned into its string."""

    media_type = "application/json"

    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> bytes:
        return pydantic_core.to_json(data, fallback=str)


_JSON_CONTENT_TYPE = f"{FastJSONRenderer.media_type}; charset={FastJSONRenderer.charset}"


def json_as_documented(data: Any, *, status: int = 200) -> HttpResponse:
    """The response of an endpoint that builds its body to its documented response schema
    itself, from values it read and typed: rendered as ninja would render it, without
    ninja's second validation of every field (a quarter of the card detail's time). An
    endpoint that uses it keeps `response=` for the documentation, and a test that checks
    real bodies against it (tests/api/test_api_schema.py)."""
    return HttpResponse(
        pydantic_core.to_json(data, fallback=str), status=status, content_type=_JSON_CONTENT_TYPE
    )


def render_domain_error(exc: DomainError) -> JsonResponse:
    return render_error(status=exc.status, code=exc.code, message=exc.message, fields=exc.fields)


# --- Validation errors ----------------------------------------------------------------
# pydantic's messages are English; a client gets ours, translated, keyed by error type.

_MESSAGES_BY_TYPE = {
    "missing": gettext_lazy("This field is required."),
    "json_invalid": gettext_lazy("The request body is not valid JSON."),
    "literal_error": gettext_lazy("Choose one of the allowed values."),
    "enum": gettext_lazy("Choose one of the allowed values."),
    "string_too_short": gettext_lazy("This value is too short."),
    "string_too_long": gettext_lazy("This value is too long."),
    "too_long": gettext_lazy("This value is too long."),
    "extra_forbidden": gettext_lazy("This field is not expected."),
    "greater_than_equal": gettext_lazy("This number is too small."),
    "greater_than": gettext_lazy("This number is too small."),
    "less_than_equal": gettext_lazy("This number is too large."),
    "less_than": gettext_lazy("This number is too large."),
}
_PARAM_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}


def validation_fields(errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    """ninja's list of pydantic errors as {field: [messages]}."""
    fields: dict[str, list[str]] = {}
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        # ("body", "payload", "iccid") -> "iccid"; ("query", "currency") -> "currency"
        if loc and loc[0] in _PARAM_SOURCES:
            loc = loc[1:]
            if len(loc) > 1 and error.get("loc", ("",))[0] == "body":
                loc = loc[1:]
        name = ".".join(loc) or "__all__"
        fields.setdefault(name, []).append(_validation_message(error))
    return fields


def _validation_message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    if kind == "value_error" and error.get("ctx", {}).get("error"):
        # Raised by our own validators with a translated message.
        return str(error["ctx"]["error"])
    if kind in _MESSAGES_BY_TYPE:
        return str(_MESSAGES_BY_TYPE[kind])
    return _("This value is not valid.")
