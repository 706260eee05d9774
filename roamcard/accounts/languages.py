"""The traveller's language, currency and time zone follow them: a new account starts with
the ones the traveller was browsing with; the header's language switch and the profile page
change them; every login applies the profile's language (Django's LocaleMiddleware then
reads the language cookie)."""

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils import translation

from roamcard.core.locales import default_currency

from .services import time_zone_is_valid


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


def browser_time_zone(request: HttpRequest | None) -> str:
    """The time zone app.js found in the browser (its cookie), if it is a real one."""
    name = request.COOKIES.get(settings.TIME_ZONE_COOKIE_NAME, "") if request is not None else ""
    return name if name and time_zone_is_valid(name) else ""


@dataclass(frozen=True)
class Locale:
    language: str
    currency: str
    time_zone: str


def locale_of_request(request: HttpRequest | None, *, time_zone: str = "") -> Locale:
    """What a traveller signing up is browsing with: the active language (the header's
    choice, else the browser's Accept-Language), the currency that goes with it, and the
    browser's time zone (`time_zone` as the sign-up form sent it, else app.js's cookie, else
    UTC). Nothing here can fail: whatever is missing or bogus falls back to a default."""
    language = translation.get_language()
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    accept_language = request.headers.get("Accept-Language", "") if request is not None else ""
    if not (time_zone and time_zone_is_valid(time_zone)):
        time_zone = browser_time_zone(request) or "UTC"
    return Locale(
        language=language,
        currency=default_currency(language, accept_language=accept_language),
        time_zone=time_zone,
    )
