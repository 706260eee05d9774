from django.utils.translation import gettext_lazy as _

from roamcard.core.errors import DomainError, NotFound


class AutoRenewalNotFound(NotFound):
    code = "auto_renewal_not_found"
    message = _("Automatic renewal not found.")


class AutoRenewalNotSkippable(DomainError):
    code = "auto_renewal_not_skippable"
    status = 409
    message = _("This automatic renewal can no longer be skipped: it is being charged or is over.")
