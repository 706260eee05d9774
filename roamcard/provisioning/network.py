"""The interface to the mobile network. A real integration (an operator's provisioning API)
implements NetworkAdapter; the built-in simulated network (roamcard.simnet) is the default.

Every call carries our request id; the network applies a request id once, so a repeated
call after a timeout or a crash cannot grant twice."""

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


class NetworkError(Exception):
    """The network refused or did not answer. `retryable` says whether trying later may help."""

    def __init__(self, message: str, *, retryable: bool = True):
        self.retryable = retryable
        super().__init__(message)


@dataclass(frozen=True)
class AllowanceRequest:
    request_id: str
    iccid: str
    data_bytes: int | None  # None: unlimited with a fair-use speed
    fair_use_kbps: int | None
    countries: list[str]
    # When it starts (docs/decisions/0003): "now" or "queued" with its window (a queued
    # window is predicted: it moves earlier when the allowance before it runs out), or
    # "first_use" with no window yet, only the date it must be started by.
    valid_from: datetime | None
    valid_until: datetime | None
    starts: str = "now"
    validity_days: int | None = None
    activate_by: datetime | None = None


@dataclass(frozen=True)
class NetworkResult:
    reference: str


class NetworkAdapter(Protocol):
    def apply_allowance(self, request: AllowanceRequest) -> NetworkResult:
        """Put an allowance on the card. Idempotent by request.request_id."""

    def withdraw_allowance(self, *, request_id: str, iccid: str) -> NetworkResult:
        """Remove an allowance applied under request_id (a refunded purchase). Idempotent."""


@cache
def get_network() -> NetworkAdapter:
    return import_string(settings.NETWORK_ADAPTER)()
