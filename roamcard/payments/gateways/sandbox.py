"""Adapter for the built-in sandbox gateway (roamcard.sandbox), the offline default.

It talks to the sandbox vendor the way the other adapters talk to theirs: start a hosted
checkout, query, refund, verify signed notifications. The sandbox runs inside this Django
project, so the "API calls" are function calls; its notifications still arrive over HTTP."""

import json

from django.conf import settings
from django.urls import reverse

from roamcard.sandbox import services as vendor
from roamcard.sandbox import signing
from roamcard.sandbox.models import SandboxCharge

from .base import (
    EventKind,
    GatewayResult,
    InvalidWebhook,
    PaymentMethod,
    ResultStatus,
    WebhookAck,
    WebhookEvent,
)

_STATUS = {
    SandboxCharge.Status.SUCCEEDED: ResultStatus.SUCCEEDED,
    SandboxCharge.Status.FAILED: ResultStatus.FAILED,
    SandboxCharge.Status.REQUIRES_PAYMENT: ResultStatus.PENDING,
    SandboxCharge.Status.REQUIRES_ACTION: ResultStatus.PENDING,
}
_EVENTS = {
    "payment.succeeded": EventKind.PAYMENT_SUCCEEDED,
    "payment.failed": EventKind.PAYMENT_FAILED,
    "refund.succeeded": EventKind.REFUND_SUCCEEDED,
}


def _header(headers: dict[str, str], name: str) -> str:
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), "")


class SandboxGateway:
    methods = (PaymentMethod.CARD, PaymentMethod.ALIPAY, PaymentMethod.WECHAT_PAY)

    def __init__(self, *, name: str, secret: str, tolerance: int | None = None):
        self.name = name
        self.secret = secret
        self.tolerance = tolerance if tolerance is not None else settings.WEBHOOK_TOLERANCE_SECONDS

    def _result(self, charge: SandboxCharge) -> GatewayResult:
        return GatewayResult(
            status=_STATUS[charge.status],
            reference=charge.id,
            redirect_url=settings.PUBLIC_BASE_URL.rstrip("/")
            + reverse("sandbox:pay", args=[charge.id]),
            amount_minor=charge.amount_minor,
            currency=charge.currency,
            error_code=charge.failure_code,
            error_message=charge.failure_message,
        )

    def start_payment(
        self,
        *,
        payment_id,
        amount_minor,
        currency,
        method,
        description,
        return_url,
        notify_url,
        language="en",
        expires_at=None,
        on_mobile=False,
    ) -> GatewayResult:
        try:
            charge = vendor.sandbox_charge_create(
                merchant_payment_id=payment_id,
                amount_minor=amount_minor,
                currency=currency,
                method=str(method),
                description=description,
                return_url=return_url,
                notify_url=notify_url,
                language=language,
            )
        except vendor.SandboxError as exc:
            return GatewayResult(
                status=ResultStatus.FAILED, error_code="rejected", error_message=str(exc)
            )
        return self._result(charge)

    def query_payment(self, *, payment_id, reference) -> GatewayResult:
        charge = vendor.sandbox_charge_get(merchant_payment_id=payment_id)
        if charge is None:
            return GatewayResult(
                status=ResultStatus.FAILED,
                error_code="not_found",
                error_message="The gateway has no such payment.",
            )
        return self._result(charge)

    def cancel_payment(self, *, payment_id, reference) -> GatewayResult:
        result = self.query_payment(payment_id=payment_id, reference=reference)
        if result.status in (ResultStatus.SUCCEEDED, ResultStatus.FAILED):
            return result
        return GatewayResult(status=ResultStatus.FAILED, reference=reference, error_code="closed")

    def refund(
        self, *, refund_id, payment_id, reference, amount_minor, currency, reason="", notify_url=""
    ) -> GatewayResult:
        try:
            refund = vendor.sandbox_refund_create(
                merchant_payment_id=payment_id,
                merchant_refund_id=refund_id,
                amount_minor=amount_minor,
            )
        except vendor.SandboxError as exc:
            return GatewayResult(
                status=ResultStatus.FAILED, error_code="refund_rejected", error_message=str(exc)
            )
        return GatewayResult(
            status=ResultStatus.SUCCEEDED,
            reference=refund.id,
            amount_minor=refund.amount_minor,
            currency=currency,
        )

    def parse_webhook(self, *, headers, body) -> WebhookEvent:
        try:
            signing.verify(
                secret=self.secret,
                body=body,
                header=_header(headers, signing.HEADER),
                tolerance=self.tolerance,
            )
        except signing.SignatureError as exc:
            raise InvalidWebhook(str(exc)) from exc
        try:
            payload = json.loads(body)
            data = payload["data"]
            event_id = str(payload["id"])
            event_type = str(payload["type"])
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidWebhook("malformed notification body") from exc
        return WebhookEvent(
            event_id=event_id,
            kind=_EVENTS.get(event_type, EventKind.IGNORED),
            payment_id=str(data.get("merchant_payment_id", "")),
            refund_id=str(data.get("merchant_refund_id", "")),
            reference=str(data.get("refund") or data.get("charge") or ""),
            amount_minor=data.get("amount"),
            currency=str(data.get("currency", "")),
            error_code=str(data.get("failure_code", "")),
            error_message=str(data.get("failure_message", "")),
            raw=payload,
        )

    def webhook_ack(self, event) -> WebhookAck:
        return WebhookAck(status=200, body=b'{"received":true}', content_type="application/json")
