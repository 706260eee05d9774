"""How API callers authenticate: a bearer token (the mobile app) or the web session."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from roamcard.core.api import SAFE_METHODS, CsrfFailed

from .tokens import api_token_authenticate


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`, for the mobile app. The caller's preferred language
    then decides the language of every message."""

    def __call__(self, request: HttpRequest) -> Any:
        # HttpBearer's own reading, from the WSGI environ: request.headers would first copy
        # every header of the request, on every API request.
        scheme, _, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        if not scheme or scheme.lower() != self.openapi_scheme:
            return None
        return self.authenticate(request, token)

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        api_token = api_token_authenticate(raw_token=token)
        if api_token is None:
            return None
        user = api_token.user
        request.api_token = api_token  # type: ignore[attr-defined]
        request.user = user
        language = user.preferred_language or settings.LANGUAGE_CODE
        if translation.get_language() != language:  # activating costs more than asking
            translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()  # type: ignore[attr-defined]
        return user


class SessionAuth(APIKeyCookie):
    """The Django session of the web pages. Unsafe methods must pass Django's CSRF check,
    as a form would; the check runs only once a session user is found, so a client with no
    session gets 401, not 403."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        # csrf=True tells ninja's docs page to send the CSRF header; the check itself is ours.
        super().__init__(csrf=True)

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        if not user.is_authenticated:
            return None
        if request.method not in SAFE_METHODS and check_csrf(request) is not None:
            raise CsrfFailed()
        return user


token_auth = TokenAuth()
session_auth = SessionAuth()
# The default for every endpoint: a token first (no session lookup), else the session.
default_auth = [token_auth, session_auth]
