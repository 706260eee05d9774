"""Receiving gateways' notifications: verify, store, acknowledge. Applying an accepted one
happens later, in a job (roamcard.renewals); this module does not know who runs it,
it only says which stored delivery must be processed.

Anyone on the internet can post to the webhook endpoint, so what an unverified caller can
make us keep is bounded: bodies over a size limit are refused before they are read, and a
rejected delivery keeps only its first bytes, its size and its hash."""

import hashlib
import logging
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from .gateways.base import EventKind, InvalidWebhook, PaymentGateway, WebhookAck, WebhookEvent
from .gateways.registry import get_gateway
from .models import WebhookDelivery

logger = logging.getLogger(__name__)

# Real notifications are a few KiB (Stripe's largest events stay well below this); the
# setting WEBHOOK_MAX_BODY_BYTES overrides it.
MAX_BODY_BYTES = 64 * 1024
# What a rejected delivery keeps: enough for staff to see what was tried.
MAX_KEPT_BODY_BYTES = 2 * 1024
MAX_KEPT_HEADER_BYTES = 4 * 1024
MAX_KEPT_HEADER_VALUE = 512
_CURRENCY = re.compile(r"[A-Za-z]{3}")


@dataclass(frozen=True)
class WebhookReceipt:
    """What to answer the gateway, and the delivery to process, if one was newly accepted."""

    ack: WebhookAck
    delivery_id: int | None = None


def webhook_max_body_bytes() -> int:
    return getattr(settings, "WEBHOOK_MAX_BODY_BYTES", MAX_BODY_BYTES)


def webhook_receive(*, gateway_name: str, headers: dict[str, str], body: bytes) -> WebhookReceipt:
    """Verify and store one notification; answer what the gateway expects.

    - A notification the adapter cannot verify or parse is rejected (400, or the vendor's own
      rejection format) and stored truncated. Any exception from the parser counts: an
      unforeseen one is logged as an adapter bug, never answered with a 500.
    - A repeated event id is stored as a duplicate and acknowledged, never processed again.
    - A verified `payment.succeeded` without a whole amount and a currency is stored as
      flagged and acknowledged, never applied. We acknowledge rather than reject because the
      signature proves the vendor sent it: a rejection would only make the vendor re-send
      the same body for a day (WeChat Pay and Alipay retry for ~24 h), which cannot make it
      whole; a person must look at it, and the flagged row is their work item."""
    gateway = get_gateway(gateway_name)
    try:
        event = gateway.parse_webhook(headers=headers, body=body)
    except InvalidWebhook as exc:
        return _reject(gateway, headers=headers, body=body, reason=exc.reason)
    except Exception as exc:  # an adapter that did not foresee this shape
        logger.exception("The %s gateway could not parse a notification", gateway_name)
        return _reject(
            gateway,
            headers=headers,
            body=body,
            reason=f"malformed notification ({type(exc).__name__}: {exc})",
            public_reason="malformed notification",
        )

    unsettled = _unsettled_amount(event)
    record = {
        "gateway": gateway_name,
        "event_id": event.event_id,
        "headers": headers,
        "body": _text(body),
        "body_size": len(body),
        "body_sha256": hashlib.sha256(body).hexdigest(),
        "event": _event_data(event),
    }
    try:
        with transaction.atomic():
            delivery = WebhookDelivery.objects.create(
                **record,
                outcome=(
                    WebhookDelivery.Outcome.FLAGGED
                    if unsettled
                    else WebhookDelivery.Outcome.RECEIVED
                ),
                reason=unsettled,
            )
    except IntegrityError:
        WebhookDelivery.objects.create(**record, outcome=WebhookDelivery.Outcome.DUPLICATE)
        return WebhookReceipt(ack=gateway.webhook_ack(event))
    if unsettled:
        logger.error(
            "Webhook delivery %s (%s %s) flagged for staff: %s",
            delivery.pk,
            gateway_name,
            event.event_id,
            unsettled,
        )
        return WebhookReceipt(ack=gateway.webhook_ack(event))
    return WebhookReceipt(ack=gateway.webhook_ack(event), delivery_id=delivery.pk)


def webhook_refuse_oversize(
    *, gateway_name: str, headers: dict[str, str], body_size: int
) -> WebhookReceipt:
    """A body over the limit, refused unread (or read only up to the limit): the record
    keeps its size and trimmed headers, none of the body."""
    limit = webhook_max_body_bytes()
    WebhookDelivery.objects.create(
        gateway=gateway_name,
        headers=_trimmed_headers(headers),
        body="",
        body_size=min(body_size, 2**63 - 1),
        outcome=WebhookDelivery.Outcome.REJECTED,
        reason=f"body over {limit} bytes, not read",
    )
    return WebhookReceipt(ack=WebhookAck(status=413, body=b"payload too large"))


def _reject(
    gateway: PaymentGateway,
    *,
    headers: dict[str, str],
    body: bytes,
    reason: str,
    public_reason: str = "",
) -> WebhookReceipt:
    WebhookDelivery.objects.create(
        gateway=gateway.name,
        headers=_trimmed_headers(headers),
        body=_text(body[:MAX_KEPT_BODY_BYTES], max_bytes=MAX_KEPT_BODY_BYTES),
        body_size=len(body),
        body_sha256=hashlib.sha256(body).hexdigest(),
        outcome=WebhookDelivery.Outcome.REJECTED,
        reason=reason[:300],
    )
    # Adapters that know their vendor's rejection format offer webhook_reject.
    vendor_reject = getattr(gateway, "webhook_reject", None)
    if vendor_reject is None:
        return WebhookReceipt(ack=WebhookAck(status=400, body=b"rejected"))
    return WebhookReceipt(ack=vendor_reject(public_reason or reason))


def _unsettled_amount(event: WebhookEvent) -> str:
    """Why a success cannot be applied as it stands ("" if it can): we only ever confirm a
    payment against the amount and currency the vendor says it took."""
    if event.kind != EventKind.PAYMENT_SUCCEEDED:
        return ""
    amount = event.amount_minor
    whole_amount = isinstance(amount, int) and not isinstance(amount, bool) and amount >= 0
    currency = isinstance(event.currency, str) and _CURRENCY.fullmatch(event.currency)
    if whole_amount and currency:
        return ""
    return (
        f"payment.succeeded without a whole amount and a currency "
        f"(amount {amount!r}, currency {event.currency!r}): not applied"
    )[:300]


def _event_data(event: WebhookEvent) -> dict[str, Any]:
    return {
        "kind": str(event.kind),
        "payment_id": event.payment_id,
        "refund_id": event.refund_id,
        "reference": event.reference,
        "amount_minor": event.amount_minor,
        "currency": event.currency,
        "error_code": event.error_code,
        "error_message": event.error_message,
    }


def _text(body: bytes, *, max_bytes: int | None = None) -> str:
    """The body as storable text: undecodable bytes and NULs (PostgreSQL refuses them in
    text) become U+FFFD; cut at a character boundary within max_bytes of UTF-8."""
    text = body.decode("utf-8", errors="replace").replace("\x00", "\ufffd")
    if max_bytes is None:
        return text
    return text.encode()[:max_bytes].decode("utf-8", errors="ignore")


def _trimmed_headers(headers: dict[str, str]) -> dict[str, str]:
    """Headers of an unverified caller, within a small budget."""
    kept: dict[str, str] = {}
    budget = MAX_KEPT_HEADER_BYTES - 2  # the braces
    for name, value in headers.items():
        name, value = name[:100], _text(str(value).encode(), max_bytes=MAX_KEPT_HEADER_VALUE)
        cost = len(name.encode()) + len(value.encode()) + 8  # quotes, colon, comma in JSON
        if cost > budget:
            break
        kept[name] = value
        budget -= cost
    return kept
