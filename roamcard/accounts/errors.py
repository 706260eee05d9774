from datetime import timedelta

from babel.dates import format_timedelta
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from roamcard.core.errors import DomainError, NotFound, RateLimited
from roamcard.core.money import babel_locale


class OneTimeCodeInvalid(DomainError):
    """Wrong, expired, used up or never sent: one answer for all, so that a guesser
    learns nothing about the code or about whether the account exists."""

    code = "code_invalid"
    status = 400
    message = _("This code is wrong or has expired. Check it, or ask for a new code.")


class ApiTokenNotFound(NotFound):
    """Also the answer for another traveller's token: nobody learns which ids exist."""

    code = "token_not_found"
    message = _("This API token was not found. It may have been revoked already.")


class UserSessionNotFound(NotFound):
    code = "session_not_found"
    message = _("This signed-in device was not found. It may have been signed out already.")


class CodeResendTooSoon(RateLimited):
    """A new code was asked for before the cool-down since the last one to the same
    address or number ended (VERIFICATION_CODE_RESEND_SECONDS)."""

    code = "code_resend_too_soon"

    def __init__(self, *, wait_seconds: int):
        self.wait_seconds = wait_seconds
        super().__init__(code_resend_wait_message(wait_seconds=wait_seconds))


def code_resend_wait_message(*, wait_seconds: int) -> str:
    """ "You can ask for a new code in 45 seconds.", in the active language."""
    wait = format_timedelta(
        timedelta(seconds=max(wait_seconds, 1)), threshold=2, locale=babel_locale()
    )
    return gettext("You can ask for a new code in %(wait)s.") % {"wait": wait}
