"""The interface every payment gateway adapter implements.

Design (after Saleor's gateway functions and Kill Bill's plugin API):
- the core passes its own ids (payment id, refund id) into every call, and adapters use
  them as the vendor's idempotency key / merchant order number, so a retried call can never
  charge or refund twice;
- a call answers with a GatewayResult whose status may be UNKNOWN ("may or may not have
  happened": a timeout, a 5xx); the core records that and a reconcile job asks again;
- webhooks are verified (signature and timestamp) and parsed into a WebhookEvent before the
  core trusts anything in them.
"""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol


class PaymentMethod(StrEnum):
    CARD = "card"
    ALIPAY = "alipay"
    WECHAT_PAY = "wechat_pay"


class ResultStatus(StrEnum):
    SUCCEEDED = "succeeded"  # money taken (or refunded)
    FAILED = "failed"  # definitely not taken: declined, cancelled, expired
    PENDING = (
        "pending"  # the payer still has to act (hosted page, QR code) or the vendor is processing
    )
    UNKNOWN = "unknown"  # we could not learn the outcome: ask again later


class EventKind(StrEnum):
    PAYMENT_SUCCEEDED = "payment.succeeded"
    PAYMENT_FAILED = "payment.failed"
    REFUND_SUCCEEDED = "refund.succeeded"
    REFUND_FAILED = "refund.failed"
    IGNORED = "ignored"  # a vendor event we do not act on (acknowledged, stored)


@dataclass(frozen=True)
class GatewayResult:
    status: ResultStatus
    reference: str = ""  # the vendor's id for the payment or refund
    redirect_url: str = ""  # where to send the payer (hosted page, QR page)
    qr_code: str = ""  # for scan-to-pay methods: the content to render as a QR code
    amount_minor: int | None = None
    currency: str = ""
    error_code: str = ""
    error_message: str = ""
    raw: dict[str, Any] = field(default_factory=dict)
    expires_at: datetime | None = None  # when the payer's session at the vendor ends


@dataclass(frozen=True)
class WebhookEvent:
    event_id: str  # the vendor's unique id for this notification: the de-duplication key
    kind: EventKind
    payment_id: str = ""  # OUR payment id, as we passed it when starting the payment
    refund_id: str = ""  # OUR refund id, for refund events
    reference: str = ""  # the vendor's id
    amount_minor: int | None = None
    currency: str = ""
    error_code: str = ""
    error_message: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class WebhookAck:
    """What the vendor expects back when a notification was accepted."""

    status: int = 200
    body: bytes = b""
    content_type: str = "text/plain"


class InvalidWebhook(Exception):
    """The notification failed verification (signature, timestamp, shape): reject it."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


class PaymentGateway(Protocol):
    name: str
    methods: tuple[PaymentMethod, ...]

    def start_payment(
        self,
        *,
        payment_id: str,
        amount_minor: int,
        currency: str,
        method: PaymentMethod,
        description: str,
        return_url: str,
        notify_url: str,
        language: str = "en",
        expires_at: datetime | None = None,
        on_mobile: bool = False,
    ) -> GatewayResult:
        """Create the payment at the vendor; usually answers PENDING with a redirect_url."""

    def query_payment(self, *, payment_id: str, reference: str) -> GatewayResult:
        """Ask the vendor what became of a payment."""

    def refund(
        self,
        *,
        refund_id: str,
        payment_id: str,
        reference: str,
        amount_minor: int,
        currency: str,
        reason: str = "",
        notify_url: str = "",
    ) -> GatewayResult:
        """Refund (all of) a payment. `refund_id` is the idempotency key."""

    def cancel_payment(self, *, payment_id: str, reference: str) -> GatewayResult:
        """Close a payment the payer abandoned. FAILED: closed, nobody can pay it any more;
        SUCCEEDED (with the amount): the payer paid first; anything else: ask again later."""

    def parse_webhook(self, *, headers: dict[str, str], body: bytes) -> WebhookEvent:
        """Verify and parse one notification; raise InvalidWebhook when it must be rejected."""

    def webhook_ack(self, event: WebhookEvent | None) -> WebhookAck:
        """The response the vendor expects for an accepted notification."""
