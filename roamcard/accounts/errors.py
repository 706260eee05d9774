from django.utils.translation import gettext_lazy as _

from roamcard.core.errors import DomainError, NotFound


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
