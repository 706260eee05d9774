"""The JSON API, mounted at /api/v1/: one NinjaAPI, one router per app, one error shape.

Errors that never reach a ninja operation get the same shape here too: unknown routes
(404) and methods a route does not allow (405)."""

import logging
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponseNotAllowed
from django.urls import URLPattern, re_path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI, Schema, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError

from roamcard.accounts.api import router as accounts_router
from roamcard.accounts.api_auth import default_auth
from roamcard.cards.api import router as cards_router
from roamcard.cards.plans_api import router as catalog_router
from roamcard.catalog.api import router as store_router
from roamcard.core.api import (
    FastJSONRenderer,
    NotAuthenticated,
    render_domain_error,
    render_error,
    validation_fields,
)
from roamcard.core.errors import DomainError, InvalidInput, NotFound, RateLimited
from roamcard.notifications.api import router as notifications_router
from roamcard.renewals.api import router as orders_router
from roamcard.usage.network_api import router as network_router

logger = logging.getLogger("roamcard.api")

DESCRIPTION = """
The traveller's API: their profile, their cards, and the plans a card can take, their
notices and notification settings (`/me/notices`, `/me/notifications`), their questions
to customer service (`/support/tickets`: open one, read the conversation, write with
pictures as `multipart/form-data`, close it); and the
public store (`/store/...`: destinations, plans for a country, a coverage's countries)
and help (`/help/articles`, `/help/contact`: articles in the reader's language, the
customer service's hours and channels), which need no authentication; the store's
answers may be cached for five minutes per `Accept-Language`.

**Authentication.** A mobile app logs in with `POST /auth/token` (an e-mail address or a
mobile number, and the password) and sends the token it gets on every request as
`Authorization: Bearer <token>`; tokens expire, and `DELETE /auth/token` revokes the one
in use. The web pages may call the API with their logged-in session instead; unsafe
methods (POST, PATCH, DELETE) then need the `X-CSRFToken` header, as forms do.

**Errors.** Every failure has an HTTP status and the same body:

    {"error": {"code": "card_not_found", "message": "Card not found.",
               "fields": {"iccid": ["..."]}}}

`code` is stable and meant for programs; `message` is for people, in the caller's language
(the preferred language of the token's user, otherwise `Accept-Language`); `fields` appears
only when particular inputs are at fault. Common codes: `invalid_input` (422 when the
request does not match this schema or its body is not JSON, 400 when a value is well-formed
but not acceptable),
`not_authenticated` (401), `csrf_failed` (403), `not_found`, `card_not_found` and
`ticket_not_found` (404: also for a card or ticket of another traveller),
`method_not_allowed` (405), `request_too_large` (413: an upload far over its limits,
refused unread), `rate_limited` (429), `server_error` (500); `attachment_rejected` (400) names
the picture that is not an accepted image or is too large.

**The network's side.** `POST /network/usage-events` takes the mobile network's usage
records, up to 10,000 per request, with a key staff issue in the back office
(`Authorization: Bearer rcn_…`, scope `usage:write`; a traveller's token does not pass).
Each event is answered on its own: `accepted`, `duplicate` (its `event_id` was seen
before, so sending a batch again is safe) or `rejected` with a `reason`.
"""

_CODE_BY_STATUS = {
    401: NotAuthenticated.code,
    403: "permission_denied",
    404: NotFound.code,
    405: "method_not_allowed",
    429: RateLimited.code,
}
_MESSAGE_BY_STATUS = {
    400: gettext_lazy("The request body is not valid JSON."),
    401: NotAuthenticated.message,
    403: gettext_lazy("You are not allowed to do that."),
    404: NotFound.message,
    405: gettext_lazy("This method is not allowed here."),
    429: RateLimited.message,
}


class RoamcardApi(NinjaAPI):
    def _get_urls(self) -> list[Any]:
        patterns = [_with_error_shape(p) for p in super()._get_urls()]
        return [*patterns, re_path(r"^.*$", _unknown_route, name="unknown")]


def _with_error_shape(pattern: URLPattern) -> URLPattern:
    """Turn what ninja answers outside its operations (405, and the 404 of the API root)
    into the error shape."""
    view = pattern.callback

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            return _unknown_route(request)
        if isinstance(response, HttpResponseNotAllowed):
            return render_error(
                status=405,
                code="method_not_allowed",
                message=_MESSAGE_BY_STATUS[405],
                headers={"Allow": response["Allow"]},
            )
        return response

    wrapped.csrf_exempt = getattr(view, "csrf_exempt", False)  # type: ignore[attr-defined]
    return URLPattern(pattern.pattern, wrapped, pattern.default_args, pattern.name)


def _unknown_route(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
    return render_error(status=404, code=NotFound.code, message=NotFound.message)


api = RoamcardApi(
    title="roamcard API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=default_auth,
    renderer=FastJSONRenderer(),
    # Swagger UI from ninja's own static files (no CDN); no call to the online validator.
    docs=Swagger(settings={"validatorUrl": None, "persistAuthorization": False}),
    # The docs page and the schema are served only where switched on (not in production).
    docs_url="/docs" if settings.API_DOCS_ENABLED else None,
    openapi_url="/openapi.json" if settings.API_DOCS_ENABLED else None,
)


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> Any:
    return render_domain_error(exc)


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> Any:
    return render_error(
        status=422,
        code=InvalidInput.code,
        message=InvalidInput.message,
        fields=validation_fields(exc.errors),
    )


@api.exception_handler(AuthenticationError)
def _not_authenticated(request: HttpRequest, exc: AuthenticationError) -> Any:
    return render_domain_error(NotAuthenticated())


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> Any:
    status = exc.status_code
    if status == 400:
        # ninja's only 400: a body it cannot parse. It fails the schema like any other
        # invalid input, so it gets the same answer as schema validation errors.
        return render_error(
            status=422,
            code=InvalidInput.code,
            message=InvalidInput.message,
            fields={"__all__": [_MESSAGE_BY_STATUS[400]]},
        )
    return render_error(
        status=status,
        code=_CODE_BY_STATUS.get(status, "error"),
        message=_MESSAGE_BY_STATUS.get(status) or _("The request could not be completed."),
    )


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> Any:
    return render_domain_error(NotFound())


@api.exception_handler(Exception)
def _server_error(request: HttpRequest, exc: Exception) -> Any:
    logger.exception("Unhandled error in %s %s", request.method, request.path)
    return render_error(
        status=500,
        code="server_error",
        message=_("Something went wrong on our side. Please try again later."),
    )


class HealthOut(Schema):
    status: str


@api.get("/health", auth=None, response=HealthOut, tags=["health"], summary="Liveness")
def health(request: HttpRequest):
    """Answers without touching the database: the process is up and serving."""
    return {"status": "ok"}


api.add_router("/", accounts_router)
api.add_router("/cards", cards_router)
api.add_router("/cards", "roamcard.usage.records_api.router")  # a card's usage records
api.add_router("/cards", "roamcard.autorenewal.api.router")  # a card's automatic renewal
api.add_router("/", catalog_router)
api.add_router("/orders", orders_router)
api.add_router("/me/payment-methods", "roamcard.payments.api.router")
api.add_router("/", store_router)
api.add_router("/", notifications_router)
api.add_router("/", network_router)
api.add_router("/support", "roamcard.support.api.router")  # the traveller's tickets
api.add_router("/", "roamcard.help.api.router")  # public: help articles, the contact
