"""Receiving gateways' notifications: verify, store, acknowledge. What a notification
means is decided by whoever processes the stored delivery (roamcard.renewals)."""

from dataclasses import dataclass

from django.db import IntegrityError, transaction

from .gateways.base import InvalidWebhook, WebhookAck
from .gateways.registry import get_gateway
from .models import WebhookDelivery


@dataclass(frozen=True)
class WebhookReceipt:
    ack: WebhookAck  # what to answer the gateway
    delivery_id: int | None  # a newly accepted delivery to process; None: nothing to do


def webhook_receive(*, gateway_name: str, headers: dict[str, str], body: bytes) -> WebhookReceipt:
    """Every delivery is stored, rejected ones too; a repeated event id is stored as a
    duplicate and acknowledged (the vendor must stop retrying) but never processed again."""
    gateway = get_gateway(gateway_name)
    text = body.decode("utf-8", errors="replace")
    try:
        event = gateway.parse_webhook(headers=headers, body=body)
    except InvalidWebhook as exc:
        WebhookDelivery.objects.create(
            gateway=gateway_name,
            headers=headers,
            body=text,
            outcome=WebhookDelivery.Outcome.REJECTED,
            reason=exc.reason[:300],
        )
        return WebhookReceipt(ack=WebhookAck(status=400, body=b"rejected"), delivery_id=None)

    event_data = {
        "kind": str(event.kind),
        "payment_id": event.payment_id,
        "refund_id": event.refund_id,
        "reference": event.reference,
        "amount_minor": event.amount_minor,
        "currency": event.currency,
        "error_code": event.error_code,
        "error_message": event.error_message,
    }
    fields = {
        "gateway": gateway_name,
        "event_id": event.event_id,
        "headers": headers,
        "body": text,
        "event": event_data,
    }
    try:
        with transaction.atomic():
            delivery = WebhookDelivery.objects.create(**fields)
    except IntegrityError:
        WebhookDelivery.objects.create(**fields, outcome=WebhookDelivery.Outcome.DUPLICATE)
        return WebhookReceipt(ack=gateway.webhook_ack(event), delivery_id=None)
    return WebhookReceipt(ack=gateway.webhook_ack(event), delivery_id=delivery.pk)
