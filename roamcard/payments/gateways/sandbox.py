"""Adapter for the built-in sandbox gateway (roamcard.sandbox), the offline default.

It talks to the sandbox vendor the way the other adapters talk to theirs: start a hosted
checkout, query, refund, save a payment method and charge it off-session, verify signed
notifications. The sandbox runs inside this Django project, so the "API calls" are function
calls; its notifications still arrive over HTTP."""

import json
from datetime import datetime

from django.conf import settings
from django.urls import reverse

from roamcard.sandbox import services as vendor
from roamcard.sandbox import signing
from roamcard.sandbox.models import SandboxCharge, SandboxMandate

from ._support import card_label, deadline, required_text, whole_number
from .base import (
    EventKind,
    GatewayResult,
    InvalidWebhook,
    PaymentMethod,
    ResultStatus,
    SetupResult,
    WebhookAck,
    WebhookEvent,
)

_STATUS = {
    SandboxCharge.Status.SUCCEEDED: ResultStatus.SUCCEEDED,
    SandboxCharge.Status.FAILED: ResultStatus.FAILED,
    SandboxCharge.Status.REQUIRES_PAYMENT: ResultStatus.PENDING,
    SandboxCharge.Status.REQUIRES_ACTION: ResultStatus.PENDING,
}
_SETUP_STATUS = {
    SandboxMandate.Status.REQUIRES_PAYER: ResultStatus.PENDING,
    SandboxMandate.Status.ACTIVE: ResultStatus.SUCCEEDED,
    SandboxMandate.Status.FAILED: ResultStatus.FAILED,
    # Set up, then removed: nothing can be charged to it.
    SandboxMandate.Status.REVOKED: ResultStatus.FAILED,
}

_EVENTS = {
    "payment.succeeded": EventKind.PAYMENT_SUCCEEDED,
    "payment.failed": EventKind.PAYMENT_FAILED,
    "refund.succeeded": EventKind.REFUND_SUCCEEDED,
}


def _absolute(path: str) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + path


def _header(headers: dict[str, str], name: str) -> str:
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), "")


class SandboxGateway:
    methods = (PaymentMethod.CARD, PaymentMethod.ALIPAY, PaymentMethod.WECHAT_PAY)
    saves = methods

    def __init__(self, *, name: str, secret: str, tolerance: int | None = None):
        self.name = name
        self.secret = secret
        self.tolerance = tolerance if tolerance is not None else settings.WEBHOOK_TOLERANCE_SECONDS

    def _result(self, charge: SandboxCharge) -> GatewayResult:
        status = _STATUS[charge.status]
        page = "sandbox:pay"
        if charge.mandate_id and charge.status == SandboxCharge.Status.REQUIRES_ACTION:
            # Charged without the payer, who must now confirm it.
            status, page = ResultStatus.REQUIRES_ACTION, "sandbox:confirm"
        return GatewayResult(
            status=status,
            reference=charge.id,
            redirect_url=_absolute(reverse(page, args=[charge.id])),
            amount_minor=charge.amount_minor,
            currency=charge.currency,
            error_code=charge.failure_code,
            error_message=charge.failure_message,
            expires_at=charge.expires_at,
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
        expires_at: datetime | None = None,
        on_mobile: bool = False,
    ) -> GatewayResult:
        # One hosted page serves every screen: on_mobile changes nothing here.
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
                expires_at=deadline(expires_at),
            )
        except vendor.SandboxError as exc:
            return GatewayResult(
                status=ResultStatus.FAILED, error_code="rejected", error_message=str(exc)
            )
        return self._result(charge)

    def query_payment(self, *, payment_id, reference) -> GatewayResult:
        return self._result_or_not_found(vendor.sandbox_charge_get(merchant_payment_id=payment_id))

    def cancel_payment(self, *, payment_id, reference) -> GatewayResult:
        return self._result_or_not_found(
            vendor.sandbox_charge_close(merchant_payment_id=payment_id)
        )

    def _result_or_not_found(self, charge: SandboxCharge | None) -> GatewayResult:
        if charge is None:
            return GatewayResult(
                status=ResultStatus.FAILED,
                error_code="not_found",
                error_message="The gateway has no such payment.",
            )
        return self._result(charge)

    def refund(
        self,
        *,
        refund_id,
        payment_id,
        reference,
        amount_minor,
        currency,
        payment_amount_minor,
        reason="",
        notify_url="",
    ) -> GatewayResult:
        # The sandbox reports refunds to the payment's notify_url, as it always has.
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

    # -- saved payment methods ---------------------------------------------------------

    def start_saving_method(
        self, *, setup_id, method, customer_ref, return_url, notify_url, language="en"
    ) -> SetupResult:
        # The sandbox reports setups only when asked (query_saved_method): notify_url unused.
        mandate = vendor.sandbox_mandate_create(
            merchant_setup_id=setup_id,
            customer=customer_ref,
            method=str(PaymentMethod(method)),
            return_url=return_url,
            language=language,
            expires_at=deadline(None),
        )
        return self._setup_result(mandate)

    def query_saved_method(self, *, setup_id, reference) -> SetupResult:
        mandate = vendor.sandbox_mandate_get(merchant_setup_id=setup_id)
        if mandate is None:
            return SetupResult(
                status=ResultStatus.FAILED,
                error_code="not_found",
                error_message="The gateway has no such setup.",
            )
        return self._setup_result(mandate)

    def _setup_result(self, mandate: SandboxMandate) -> SetupResult:
        where = {
            "reference": mandate.id,
            "redirect_url": _absolute(reverse("sandbox:setup", args=[mandate.id])),
            "customer_ref": mandate.customer,
            "expires_at": mandate.expires_at,
        }
        if mandate.status != SandboxMandate.Status.ACTIVE:
            revoked = mandate.status == SandboxMandate.Status.REVOKED
            return SetupResult(
                status=_SETUP_STATUS[mandate.status],
                error_code="revoked" if revoked else mandate.failure_code,
                error_message=mandate.failure_message,
                **where,
            )
        if mandate.method == PaymentMethod.CARD:
            brand, label = mandate.card_brand, card_label(mandate.card_brand, mandate.card_last4)
        else:
            # An agreement is known by its number, as a masked account is at a real wallet.
            brand, label = mandate.method, f"•••• {mandate.id[-4:]}"
        return SetupResult(
            status=ResultStatus.SUCCEEDED,
            token=mandate.id,
            label=label,
            brand=brand,
            expires_month=mandate.exp_month,
            expires_year=mandate.exp_year,
            **where,
        )

    def charge_saved_method(
        self,
        *,
        payment_id,
        token,
        customer_ref,
        amount_minor,
        currency,
        description,
        return_url,
        notify_url,
    ) -> GatewayResult:
        try:
            charge = vendor.sandbox_charge_saved(
                merchant_payment_id=payment_id,
                mandate_id=token,
                customer=customer_ref,
                amount_minor=amount_minor,
                currency=currency,
                description=description,
                return_url=return_url,
                notify_url=notify_url,
            )
        except vendor.SandboxError as exc:
            return GatewayResult(
                status=ResultStatus.FAILED, error_code="rejected", error_message=str(exc)
            )
        return self._result(charge)

    def remove_saved_method(self, *, token, customer_ref) -> None:
        vendor.sandbox_mandate_revoke(mandate_id=token, customer=customer_ref)

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
        except ValueError as exc:
            raise InvalidWebhook("body is not JSON") from exc
        data = payload.get("data") if isinstance(payload, dict) else None
        if not isinstance(data, dict):
            raise InvalidWebhook("notification without a `data` object")
        amount = data.get("amount")
        return WebhookEvent(
            event_id=required_text(payload.get("id"), "an event id"),
            kind=_EVENTS.get(required_text(payload.get("type"), "a type"), EventKind.IGNORED),
            payment_id=required_text(data.get("merchant_payment_id"), "merchant_payment_id"),
            refund_id=str(data.get("merchant_refund_id") or ""),
            reference=str(data.get("refund") or data.get("charge") or ""),
            amount_minor=None if amount is None else whole_number(amount, "amount"),
            currency=str(data.get("currency") or ""),
            error_code=str(data.get("failure_code") or ""),
            error_message=str(data.get("failure_message") or ""),
            raw=payload,
        )

    def webhook_ack(self, event) -> WebhookAck:
        return WebhookAck(status=200, body=b'{"received":true}', content_type="application/json")

    def webhook_reject(self, reason: str) -> WebhookAck:
        return WebhookAck(status=400, body=reason.encode(), content_type="text/plain")
