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
  and is answered with `webhook_reject`;
- a payer may save a method for later charges without them (automatic renewal): the payer
  completes a setup at the vendor (a card form, an agreement to sign), the vendor keeps the
  method and gives us a token for it (never a card number), and we charge that token
  "off-session". The vendor may still want the payer to confirm one such charge (3-D
  Secure, a changed agreement): it answers REQUIRES_ACTION with where the payer confirms.
  A gateway that cannot save a method says so: `saves` is empty and the calls raise
  NotSupported, with the reason (docs/decisions/0009).
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
    # An off-session charge the payer must confirm at redirect_url (3-D Secure, a changed
    # agreement); it stays open until they do, or until it is closed.
    REQUIRES_ACTION = "requires_action"


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
class SetupResult:
    """What a vendor says about saving a payment method: PENDING while the payer has still
    to complete it at redirect_url, SUCCEEDED with the saved method, FAILED (declined,
    cancelled, expired), or UNKNOWN (ask again later)."""

    status: ResultStatus
    reference: str = ""  # the vendor's id for the setup (a Checkout Session, a sign request)
    redirect_url: str = ""  # where the payer completes it
    # The vendor's customer the method belongs to (Stripe's cus_...), "" where the vendor
    # has none; later calls for the same payer pass it back.
    customer_ref: str = ""
    # Once SUCCEEDED: the vendor's handle for the method (a PaymentMethod id, an agreement
    # number), how the payer recognises it ("Visa •••• 4242", a masked account), its brand
    # ("visa", "alipay") and, for a card, its expiry.
    token: str = ""
    label: str = ""
    brand: str = ""
    expires_month: int | None = None
    expires_year: int | None = None
    error_code: str = ""
    error_message: str = ""
    raw: dict[str, Any] = field(default_factory=dict)
    # When the payer's setup session at the vendor ends.
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


class NotSupported(Exception):
    """The gateway cannot do this (with its vendor, or with the library we reach it through);
    the reason says why, for the people who configure gateways."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


class PaymentGateway(Protocol):
    name: str
    methods: tuple[PaymentMethod, ...]
    # The methods this gateway can save for off-session charges; empty when it can save none.
    saves: tuple[PaymentMethod, ...]

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
        payment_amount_minor: int,
        reason: str = "",
        notify_url: str = "",
    ) -> GatewayResult:
        """Refund `amount_minor` of a payment that took `payment_amount_minor`: all of it, or
        a part (a payment may be refunded in several parts; the core never asks for more
        than is left). `refund_id` is the idempotency key, one per refund; `notify_url` is
        where the vendor reports the refund's outcome, for vendors that take one."""

    def start_saving_method(
        self,
        *,
        setup_id: str,
        method: PaymentMethod,
        customer_ref: str,
        return_url: str,
        notify_url: str,
        language: str = "en",
    ) -> SetupResult:
        """Start saving a method: usually PENDING with the redirect_url where the payer
        enters a card or signs an agreement, then comes back to return_url. `setup_id` (our
        id) is the idempotency key; `customer_ref` is the vendor's customer from an earlier
        setup of the same payer at this gateway ("" for none: the adapter creates one where
        its vendor needs one, and answers it). Raises NotSupported for a method it cannot
        save."""

    def query_saved_method(self, *, setup_id: str, reference: str) -> SetupResult:
        """Ask the vendor what became of a setup: SUCCEEDED carries the saved method."""

    def charge_saved_method(
        self,
        *,
        payment_id: str,
        token: str,
        customer_ref: str,
        amount_minor: int,
        currency: str,
        description: str,
        return_url: str,
        notify_url: str,
    ) -> GatewayResult:
        """Charge a saved method without the payer ("off-session"). SUCCEEDED, FAILED with
        the vendor's decline code and message, PENDING or UNKNOWN (reconciled as any
        payment: query_payment and cancel_payment take the same payment id), or
        REQUIRES_ACTION with the redirect_url where the payer confirms, after which the
        vendor sends them to return_url. `payment_id` is the idempotency key: charging the
        same payment twice charges once."""

    def remove_saved_method(self, *, token: str, customer_ref: str) -> None:
        """Tell the vendor to forget the method (detach the card, end the agreement), so
        that nothing can be charged to it any more. Removing a method the vendor no longer
        has is not an error; anything else that fails raises, and the core asks again."""

    def parse_webhook(self, *, headers: dict[str, str], body: bytes) -> WebhookEvent:
        """Verify and parse one notification; raise InvalidWebhook when it must be rejected."""

    def webhook_ack(self, event: WebhookEvent | None) -> WebhookAck:
        """The response the vendor expects for an accepted notification."""

    def webhook_reject(self, reason: str) -> WebhookAck:
        """The response the vendor expects for a refused notification (an error status, in
        the vendor's format, so that it sends the notification again)."""
