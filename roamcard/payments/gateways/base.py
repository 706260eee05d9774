"""The interface every payment gateway adapter implements.

Design (after Saleor's gateway functions and Kill Bill's plugin API):
- the core passes its own ids (payment id, refund id) into every call, and adapters use
  them as the vendor's idempotency key / merchant order number, so a retried call can never
  charge or refund twice;
- a call answers with a GatewayResult whose status may be UNKNOWN ("may or may not have
  happened": a timeout, a 5xx); the core records that and a reconcile job asks again;
- every payment has a deadline at the vendor (`expires_at`): after it the payer can no
  longer pay, so the core can close an abandoned payment (`cancel_payment`) and know that a
  later success is a late one;
- webhooks are verified (signature and timestamp) and parsed into a WebhookEvent before the
  core trusts anything in them; anything that fails, whatever its shape, is InvalidWebhook
  and is answered with `webhook_reject`.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

# How long the payer has when the core names no deadline.
DEFAULT_PAYMENT_WINDOW = timedelta(minutes=30)


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
    # When the payer's session at the vendor ends: after it the payer can no longer pay.
    expires_at: datetime | None = None


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
    """What the vendor expects back for a notification, accepted or refused."""

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
        """Create the payment at the vendor; usually answers PENDING with a redirect_url.

        `expires_at` is the payment's deadline at the vendor (None: DEFAULT_PAYMENT_WINDOW
        from now); the answer's `expires_at` is the deadline the vendor really holds, which
        may differ when the vendor bounds it. `on_mobile` says the payer is on a phone's
        browser, where some vendors have a better page than a QR code."""

    def query_payment(self, *, payment_id: str, reference: str) -> GatewayResult:
        """Ask the vendor what became of a payment."""

    def cancel_payment(self, *, payment_id: str, reference: str) -> GatewayResult:
        """Close the payment at the vendor so that the payer can no longer pay.

        FAILED: closed (or never payable); SUCCEEDED, with amount_minor, currency and
        reference: the payer paid before it could be closed; PENDING or UNKNOWN: it could not
        be closed now, ask again later. Closing twice answers the same."""

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
        """Refund (all of) a payment. `refund_id` is the idempotency key; `notify_url` is
        where the vendor reports the refund's outcome, for vendors that take one."""

    def parse_webhook(self, *, headers: dict[str, str], body: bytes) -> WebhookEvent:
        """Verify and parse one notification; raise InvalidWebhook when it must be rejected."""

    def webhook_ack(self, event: WebhookEvent | None) -> WebhookAck:
        """The response the vendor expects for an accepted notification."""

    def webhook_reject(self, reason: str) -> WebhookAck:
        """The response the vendor expects for a refused notification (an error status, in
        the vendor's format, so that it sends the notification again)."""
