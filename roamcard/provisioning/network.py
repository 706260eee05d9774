"""The interface to the mobile network. A real integration (an operator's provisioning API)
implements NetworkAdapter; the built-in simulated network (roamcard.simnet) is the default.

Every call carries our request id; the network applies a request id once, so a repeated
call after a timeout or a crash cannot grant twice, nor replay an old suspension after a
newer resumption.

Each call has one of three outcomes: it returns a NetworkResult (done); it raises a
NetworkError with retryable=False (refused for good); or it raises a retryable NetworkError
(not done, or done but the answer was lost: the outcome is unknown until the same request
id is sent again, which the network answers without applying it twice).

The adapter is built from the NETWORK setting: {"ADAPTER": dotted path of the class,
"OPTIONS": {...}}, the options passed to the class as keyword arguments (an operator's
endpoint and credentials)."""

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, Protocol

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

    def suspend(self, *, iccid: str, request_id: str, reason: str) -> NetworkResult:
        """Stop the card's data service. Idempotent by request_id."""

    def resume(self, *, iccid: str, request_id: str) -> NetworkResult:
        """Restore a suspended card's data service. Idempotent by request_id."""

    def throttle(self, *, iccid: str, request_id: str, kbps: int | None) -> NetworkResult:
        """Limit the card's speed to `kbps`; None lifts the limit. Idempotent by request_id."""


DEFAULT_ADAPTER = "roamcard.simnet.adapter.SimulatedNetwork"


def network_config() -> tuple[str, dict[str, Any]]:
    """The adapter's dotted path and its options, from the NETWORK setting."""
    config = getattr(settings, "NETWORK", None) or {}
    return config.get("ADAPTER") or DEFAULT_ADAPTER, dict(config.get("OPTIONS") or {})


def network_build(path: str, options: dict[str, Any]) -> NetworkAdapter:
    return import_string(path)(**options)


@cache
def get_network() -> NetworkAdapter:
    return network_build(*network_config())
