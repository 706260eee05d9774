"""How the network authenticates to the API: `Authorization: Bearer rcn_…`, a key staff
issued in the back office for one scope. A traveller's token does not pass it, and a
network key does not pass the traveller's authentication (roamcard.accounts.api_auth)."""

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from .errors import NetworkKeyInvalid
from .models import NetworkApiKey
from .selectors import network_api_key_authenticate


class NetworkKeyAuth(HttpBearer):
    """Returns the key (also as `request.network_api_key`); anything else is a 401
    `not_authenticated` in the API's error shape."""

    def __init__(self, *, scope: str) -> None:
        if scope not in NetworkApiKey.Scope.values:
            raise ValueError(f"unknown network API key scope: {scope!r}")
        self.scope = scope
        super().__init__()

    def __call__(self, request: HttpRequest) -> Any:
        key = super().__call__(request)
        if key is None:
            raise NetworkKeyInvalid()
        return key

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        key = network_api_key_authenticate(secret=token, scope=self.scope)
        if key is not None:
            request.network_api_key = key  # type: ignore[attr-defined]
        return key
