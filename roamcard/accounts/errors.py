from django.utils.translation import gettext_lazy as _

from roamcard.core.errors import DomainError


class OneTimeCodeInvalid(DomainError):
    """Wrong, expired, used up or never sent: one answer for all, so that a guesser
    learns nothing about the code or about whether the account exists."""

    code = "code_invalid"
    status = 400
    message = _("This code is wrong or has expired. Check it, or ask for a new code.")
