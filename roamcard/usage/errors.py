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
