from django.utils.translation import gettext_lazy as _

from roamcard.core.errors import DomainError, NotFound


class NetworkApiKeyNotFound(NotFound):
    code = "network_api_key_not_found"
    message = _("Network API key not found.")


class NetworkKeyInvalid(DomainError):
    """No key, an unknown or revoked one, or one without the scope the endpoint needs."""

    code = "not_authenticated"
    status = 401
    message = _("Send a valid network API key: Authorization: Bearer rcn_…")


class BatchTooLarge(DomainError):
    code = "batch_too_large"
    status = 413
    message = _("Send at most 10,000 usage events per request.")


class UsageBodyInvalid(DomainError):
    code = "invalid_input"
    status = 422
    message = _('The body must be JSON: {"events": [...]}.')
