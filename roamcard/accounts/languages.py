"""The traveller's preferred language follows them: set on the profile page, applied at
every login (Django's LocaleMiddleware reads the language cookie)."""

from django.conf import settings
from django.http import HttpResponseBase
from django.utils import translation


def language_cookie_set(response: HttpResponseBase, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


def preferred_language_apply(*, request, response, user, **kwargs) -> None:
    """Receiver of allauth's `user_logged_in`, which hands over the response."""
    language = getattr(user, "preferred_language", "")
    if language not in dict(settings.LANGUAGES):
        return
    translation.activate(language)
    if request is not None:
        request.LANGUAGE_CODE = language
    if response is not None:
        language_cookie_set(response, language)
