"""Stripe, through hosted Checkout Sessions (cards; Alipay and WeChat Pay where the Stripe
account has them enabled); cards saved through Checkout in setup mode and charged with
off-session PaymentIntents."""

import dataclasses
import json
import logging
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import stripe

from roamcard.core.money import minor_digits

from ._support import card_label, deadline, header, required_text, whole_number
from .base import (
    EventKind,
    GatewayResult,
    InvalidWebhook,
    NotSupported,
    PaymentMethod,
    ResultStatus,
    SetupResult,
    WebhookAck,
    WebhookEvent,
)

# Stripe's own unit per currency (docs.stripe.com/currencies). It follows ISO 4217 for all
# but ISK, so our minor units pass through unchanged (JPY and KRW are whole yen and won on
# both sides). ISK has no minor unit in ISO 4217, but Stripe keeps it two-decimal and wants
# whole krónur, i.e. multiples of 100.
STRIPE_ZERO_DECIMAL = frozenset(
    ["BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA"]
    + ["PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"]
)
STRIPE_THREE_DECIMAL = frozenset(["BHD", "JOD", "KWD", "OMR", "TND"])

# The Stripe API version this adapter is written and tested against. Every call sends it,
# so an SDK upgrade cannot change the shapes we read; the webhook endpoint must be set to
# the same version (its events carry it), or its events are refused.
STRIPE_API_VERSION = "2026-10-28.endive"

# Checkout takes an expires_at from 30 minutes to 24 hours after the session is created;
# a minute's margin each way absorbs the request's travel time and clock differences.
CHECKOUT_MIN_WINDOW = timedelta(minutes=31)
CHECKOUT_MAX_WINDOW = timedelta(hours=24) - timedelta(minutes=1)

logger = logging.getLogger(__name__)

STRIPE_PAYMENT_METHOD_TYPES = {
    PaymentMethod.CARD: "card",
    PaymentMethod.ALIPAY: "alipay",
    PaymentMethod.WECHAT_PAY: "wechat_pay",
}

# Checkout's locales for our language codes; anything else lets Checkout pick ("auto").
CHECKOUT_LOCALES = {
    "en": "en",
    "zh-hans": "zh",
    "zh-cn": "zh",
    "zh": "zh",
    "zh-hant": "zh-TW",
    "zh-tw": "zh-TW",
    "zh-hk": "zh-HK",
    "ja": "ja",
    "ko": "ko",
}


def _stripe_digits(currency: str) -> int:
    if currency in STRIPE_ZERO_DECIMAL:
        return 0
    if currency in STRIPE_THREE_DECIMAL:
        return 3
    return 2


def to_stripe_amount(amount_minor: int, currency: str) -> int:
    """Our minor units (ISO 4217 digits) -> the integer Stripe expects for `currency`."""
    shift = _stripe_digits(currency) - minor_digits(currency)
    if shift >= 0:
        return amount_minor * 10**shift
    amount, remainder = divmod(amount_minor, 10**-shift)
    if remainder:
        raise ValueError(f"{amount_minor} {currency} cannot be expressed in Stripe's unit")
    return amount


def from_stripe_amount(amount: int, currency: str) -> int:
    shift = _stripe_digits(currency) - minor_digits(currency)
    if shift >= 0:
        return amount // 10**shift
    return amount * 10**-shift


class StripeGateway:
    """Stripe Checkout.

    Options (PAYMENT_GATEWAYS[...]["OPTIONS"]):
        secret_key: the account's secret (or restricted) API key, ``sk_live_...`` / ``sk_test_...``.
        webhook_secret: the signing secret of the webhook endpoint, ``whsec_...``.
        publishable_key: ``pk_...``; not needed by Checkout, kept for pages that embed Stripe.js.
        webhook_tolerance: seconds a webhook's signed timestamp may be off from our clock,
            either way (default 300).
        api_base: another API address (stripe-mock in tests); default Stripe's.
        methods: payment methods routed to this gateway (default ``("card",)``; add
            ``"alipay"`` / ``"wechat_pay"`` when they are enabled on the Stripe account).
        timeout: seconds per HTTP request to Stripe (default 30).
        max_network_retries: Stripe's own retries of a failed connection, made safe by our
            idempotency keys (default 2).
        api_version: the Stripe API version sent with every call and required of every
            webhook event (default STRIPE_API_VERSION). Change it only together with the
            webhook endpoint's version, after checking the shapes this adapter reads.

    The gateway reference of a payment is the Checkout Session id (``cs_...``); our payment
    id is its idempotency key, ``client_reference_id`` and ``metadata.payment_id`` (also on
    the PaymentIntent and so on the charge). Refunds carry ``metadata.refund_id``.

    Saving a card: a Customer (``cus_...``, the customer_ref) and a Checkout Session in setup
    mode, whose SetupIntent leaves a PaymentMethod (``pm_...``, the token) on the Customer.
    Charging it: a PaymentIntent with ``off_session`` and ``confirm`` (reference ``pi_...``,
    ``metadata.off_session``). When the bank wants the payer (``authentication_required``)
    the PaymentIntent is confirmed again with a return_url, and Stripe's page for the
    payer's confirmation is the answer's redirect_url.
    """

    def __init__(
        self,
        *,
        name: str,
        secret_key: str,
        webhook_secret: str,
        publishable_key: str = "",
        webhook_tolerance: int = 300,
        api_base: str | None = None,
        methods: tuple[str, ...] | list[str] = ("card",),
        timeout: float = 30,
        max_network_retries: int = 2,
        api_version: str = STRIPE_API_VERSION,
    ):
        if not secret_key or not webhook_secret:
            raise ValueError("StripeGateway needs secret_key and webhook_secret")
        self.name = name
        self.api_version = api_version
        self.methods = tuple(PaymentMethod(m) for m in methods)
        # Cards only: Stripe cannot charge WeChat Pay off-session, nor Alipay for merchants
        # outside a few regions.
        self.saves = tuple(m for m in self.methods if m == PaymentMethod.CARD)
        self.publishable_key = publishable_key
        self._webhook_secret = webhook_secret
        self._tolerance = int(webhook_tolerance)
        self._client = stripe.StripeClient(
            secret_key,
            base_addresses={"api": api_base} if api_base else None,
            http_client=stripe.RequestsClient(timeout=timeout),
            max_network_retries=max_network_retries,
            stripe_version=api_version,
        )

    # -- calls -------------------------------------------------------------------------

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
        # notify_url is unused: Stripe sends webhooks to the endpoint registered in its
        # dashboard (see docs/payments-going-live.md). Checkout's page is the same on every
        # screen, so on_mobile changes nothing.
        method = PaymentMethod(method)
        expires = _checkout_deadline(deadline(expires_at), payment_id)
        params: dict[str, Any] = {
            "mode": "payment",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": currency.lower(),
                        "unit_amount": to_stripe_amount(amount_minor, currency),
                        "product_data": {"name": description},
                    },
                }
            ],
            "payment_method_types": [STRIPE_PAYMENT_METHOD_TYPES[method]],
            "client_reference_id": payment_id,
            "metadata": {"payment_id": payment_id},
            "payment_intent_data": {"metadata": {"payment_id": payment_id}},
            "success_url": return_url,
            "cancel_url": return_url,
            "locale": CHECKOUT_LOCALES.get(language.lower(), "auto"),
            "expires_at": int(expires.timestamp()),
        }
        if method == PaymentMethod.WECHAT_PAY:
            params["payment_method_options"] = {"wechat_pay": {"client": "web"}}
        try:
            session = self._client.v1.checkout.sessions.create(
                params, {"idempotency_key": payment_id}
            )
        except stripe.StripeError as exc:
            return _error_result(exc)
        data = session.to_dict()
        return GatewayResult(
            status=ResultStatus.PENDING,
            reference=session.id,
            redirect_url=session.url or "",
            amount_minor=amount_minor,
            currency=currency,
            raw=data,
            expires_at=_from_epoch(data.get("expires_at")) or expires,
        )

    def query_payment(self, *, payment_id: str, reference: str) -> GatewayResult:
        if not reference:
            return self._find_off_session_charge(payment_id)
        try:
            if reference.startswith("pi_"):
                return _intent_result(self._client.v1.payment_intents.retrieve(reference))
            session = self._client.v1.checkout.sessions.retrieve(
                reference, {"expand": ["payment_intent"]}
            )
        except stripe.StripeError as exc:
            # Whatever went wrong, we did not learn what became of the payment.
            return _error_result(exc, status=ResultStatus.UNKNOWN)
        return _session_result(session)

    def cancel_payment(self, *, payment_id: str, reference: str) -> GatewayResult:
        """Expire the Checkout Session (or cancel a bare PaymentIntent). Stripe refuses both
        once the payment is no longer open (paid, expired, a delayed method in flight):
        then the query says which."""
        if not reference:
            return _NOT_STARTED
        try:
            if reference.startswith("pi_"):
                closed = _intent_result(self._client.v1.payment_intents.cancel(reference))
            else:
                closed = _session_result(self._client.v1.checkout.sessions.expire(reference))
        except stripe.StripeError as exc:
            refused = _error_result(exc)
            if refused.status != ResultStatus.FAILED:
                return refused  # no answer: it may or may not be closed
            return self.query_payment(payment_id=payment_id, reference=reference)
        return closed

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
        # notify_url is unused: refunds are reported to the dashboard's webhook endpoint.
        try:
            payment_intent = self._payment_intent_id(reference)
            if not payment_intent:
                return GatewayResult(
                    status=ResultStatus.FAILED,
                    error_code="not_paid",
                    error_message="The Checkout Session has no payment to refund.",
                )
            refund = self._client.v1.refunds.create(
                {
                    "payment_intent": payment_intent,
                    "amount": to_stripe_amount(amount_minor, currency),
                    "metadata": {
                        "refund_id": refund_id,
                        "payment_id": payment_id,
                        "reason": reason[:500],
                    },
                },
                {"idempotency_key": refund_id},
            )
        except stripe.StripeError as exc:
            return _error_result(exc)
        status = {
            "succeeded": ResultStatus.SUCCEEDED,
            "failed": ResultStatus.FAILED,
            "canceled": ResultStatus.FAILED,
        }.get(refund.status or "", ResultStatus.PENDING)  # pending, requires_action
        return GatewayResult(
            status=status,
            reference=refund.id,
            amount_minor=from_stripe_amount(refund.amount, currency),
            currency=refund.currency.upper(),
            error_code=getattr(refund, "failure_reason", None) or "",
            raw=refund.to_dict(),
        )

    def _find_off_session_charge(self, payment_id: str) -> GatewayResult:
        """A payment whose reference we never learnt. A Checkout Session nobody learnt the
        id of had no payer, but an off-session charge may have gone through with its answer
        lost: look for it by our payment id. (Stripe's search lags writes by up to a minute;
        the core asks about such a payment no sooner than that.)"""
        try:
            found = self._client.v1.payment_intents.search(
                {"query": f"metadata['payment_id']:'{payment_id}'", "limit": 1}
            )
        except stripe.StripeError as exc:
            return _error_result(exc, status=ResultStatus.UNKNOWN)
        return _intent_result(found.data[0]) if found.data else _NOT_STARTED

    def _payment_intent_id(self, reference: str) -> str:
        if reference.startswith("pi_"):
            return reference
        session = self._client.v1.checkout.sessions.retrieve(reference)
        intent = session.payment_intent
        return intent if isinstance(intent, str) else (intent.id if intent else "")

    # -- saved cards -------------------------------------------------------------------

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
        # notify_url is unused: setups are learnt by asking (query_saved_method).
        if PaymentMethod(method) not in self.saves:
            raise NotSupported(
                f"Stripe gateway {self.name!r} saves cards only: Stripe cannot charge "
                f"{method} without the payer."
            )
        expires = _checkout_deadline(deadline(None), setup_id)
        try:
            customer = (
                customer_ref
                or self._client.v1.customers.create(
                    {"metadata": {"setup_id": setup_id}},
                    {"idempotency_key": f"customer-{setup_id}"},
                ).id
            )
            session = self._client.v1.checkout.sessions.create(
                {
                    "mode": "setup",
                    "customer": customer,
                    "payment_method_types": ["card"],
                    "metadata": {"setup_id": setup_id},
                    "setup_intent_data": {"metadata": {"setup_id": setup_id}},
                    "success_url": return_url,
                    "cancel_url": return_url,
                    "locale": CHECKOUT_LOCALES.get(language.lower(), "auto"),
                    "expires_at": int(expires.timestamp()),
                },
                {"idempotency_key": f"setup-{setup_id}"},
            )
        except stripe.StripeError as exc:
            return _setup_error(_error_result(exc))
        data = session.to_dict()
        return SetupResult(
            status=ResultStatus.PENDING,
            reference=session.id,
            redirect_url=session.url or "",
            customer_ref=customer,
            raw=data,
            expires_at=_from_epoch(data.get("expires_at")) or expires,
        )

    def query_saved_method(self, *, setup_id: str, reference: str) -> SetupResult:
        if not reference:
            return SetupResult(
                status=ResultStatus.FAILED,
                error_code="not_started",
                error_message="No Checkout Session was created for this setup.",
            )
        try:
            session = self._client.v1.checkout.sessions.retrieve(
                reference, {"expand": ["setup_intent.payment_method"]}
            )
        except stripe.StripeError as exc:
            return _setup_error(_error_result(exc, status=ResultStatus.UNKNOWN))
        return _setup_session_result(session)

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
        # notify_url is unused: PaymentIntents are reported to the dashboard's endpoint.
        params = {
            "amount": to_stripe_amount(amount_minor, currency),
            "currency": currency.lower(),
            "customer": customer_ref,
            "payment_method": token,
            "payment_method_types": ["card"],
            "off_session": True,
            "confirm": True,
            "description": description[:1000],
            "metadata": {"payment_id": payment_id, "off_session": "true"},
        }
        try:
            intent = self._client.v1.payment_intents.create(params, {"idempotency_key": payment_id})
        except stripe.CardError as exc:
            error = (exc.json_body or {}).get("error") or {}
            intent_id = (error.get("payment_intent") or {}).get("id", "")
            if error.get("code") == "authentication_required" and intent_id:
                return self._ask_payer_to_confirm(intent_id, token, return_url, payment_id)
            return dataclasses.replace(_error_result(exc), reference=intent_id)
        except stripe.StripeError as exc:
            return _error_result(exc)
        return _intent_result(intent)

    def _ask_payer_to_confirm(
        self, intent_id: str, token: str, return_url: str, payment_id: str
    ) -> GatewayResult:
        """The bank wants the payer for this charge: confirm the PaymentIntent again, now
        for a payer who will be there, so that Stripe answers with its page for them."""
        try:
            intent = self._client.v1.payment_intents.confirm(
                intent_id,
                {"payment_method": token, "return_url": return_url},
                {"idempotency_key": f"{payment_id}-confirm"},
            )
        except stripe.StripeError as exc:
            return dataclasses.replace(_error_result(exc), reference=intent_id)
        return _intent_result(intent)

    def remove_saved_method(self, *, token: str, customer_ref: str) -> None:
        try:
            self._client.v1.payment_methods.detach(token)
        except stripe.InvalidRequestError as exc:
            if exc.code == "resource_missing":
                return
            # Stripe refuses to detach a card that is on no customer any more.
            if self._client.v1.payment_methods.retrieve(token).customer is None:
                return
            raise

    # -- webhooks ----------------------------------------------------------------------

    def parse_webhook(self, *, headers: dict[str, str], body: bytes) -> WebhookEvent:
        signature = header(headers, "Stripe-Signature")
        if not signature:
            raise InvalidWebhook("missing Stripe-Signature header")
        # Stripe's check rejects old timestamps only; a signed timestamp from the future is
        # as suspicious (a wrong clock or a replay window pushed forward).
        timestamp = _signed_timestamp(signature)
        if timestamp > time.time() + self._tolerance:
            raise InvalidWebhook("timestamp in the future")
        try:
            stripe.WebhookSignature.verify_header(
                body, signature, self._webhook_secret, tolerance=self._tolerance
            )
        except stripe.SignatureVerificationError as exc:
            raise InvalidWebhook(f"bad signature: {exc.user_message or exc}") from exc
        except UnicodeDecodeError as exc:
            raise InvalidWebhook("body is not UTF-8") from exc
        try:
            data = json.loads(body)
        except ValueError as exc:
            raise InvalidWebhook("body is not JSON") from exc
        if not isinstance(data, dict):
            raise InvalidWebhook("the event is not a JSON object")
        event_id = required_text(data.get("id"), "an event id")
        event_type = required_text(data.get("type"), "an event type")
        if data.get("api_version") != self.api_version:
            raise InvalidWebhook(
                f"event {event_id} is in Stripe API version {data.get('api_version')!r}, "
                f"not {self.api_version!r}: set the webhook endpoint's API version to "
                f"{self.api_version}"
            )
        obj = data.get("data")
        obj = obj.get("object") if isinstance(obj, dict) else None
        if not isinstance(obj, dict):
            raise InvalidWebhook("event without a data.object")
        kind = _event_kind(event_type, obj)
        metadata = _mapping(obj.get("metadata"), "metadata")
        error_code, error_message = str(obj.get("failure_reason") or ""), ""
        currency = obj.get("currency") or ""
        if not isinstance(currency, str):
            raise InvalidWebhook(f"currency is not a code: {currency!r}")
        currency = currency.upper()
        if obj.get("object") == "checkout.session":
            payment_id = metadata.get("payment_id") or obj.get("client_reference_id") or ""
            amount = obj.get("amount_total")
            reference = obj.get("id", "")
            refund_id = ""
        elif obj.get("object") == "charge":
            payment_id = metadata.get("payment_id", "")
            amount = obj.get("amount_refunded")
            # Recent API versions leave the charge's refund list out: then the core finds
            # the refund by our payment id.
            refunds = _mapping(obj.get("refunds"), "refunds").get("data") or [{}]
            if not isinstance(refunds, list):
                raise InvalidWebhook("refunds.data is not a list")
            first = _mapping(refunds[0], "refunds.data[0]")
            reference = first.get("id", "")
            refund_id = _mapping(first.get("metadata"), "refund metadata").get("refund_id", "")
        elif obj.get("object") == "refund":
            payment_id = metadata.get("payment_id", "")
            amount = obj.get("amount")
            reference = obj.get("id", "")
            refund_id = metadata.get("refund_id", "")
        elif obj.get("object") == "payment_intent":
            payment_id = metadata.get("payment_id", "")
            amount = obj.get("amount_received") if kind == EventKind.PAYMENT_SUCCEEDED else None
            reference = obj.get("id", "")
            refund_id = ""
            error = _mapping(obj.get("last_payment_error"), "last_payment_error")
            error_code = str(error.get("decline_code") or error.get("code") or "")
            error_message = str(error.get("message") or "")
        else:
            payment_id, amount, reference, refund_id = (
                metadata.get("payment_id", ""),
                None,
                obj.get("id", ""),
                "",
            )
        if kind != EventKind.IGNORED:
            payment_id = required_text(payment_id, "our payment id")
        if amount is not None:
            amount = whole_number(amount, "amount")
        return WebhookEvent(
            event_id=event_id,
            kind=kind,
            payment_id=str(payment_id),
            refund_id=str(refund_id or ""),
            reference=str(reference or ""),
            amount_minor=from_stripe_amount(amount, currency)
            if amount is not None and currency
            else None,
            currency=currency,
            error_code=error_code,
            error_message=error_message,
            raw=data,
        )

    def webhook_ack(self, event: WebhookEvent | None) -> WebhookAck:
        return WebhookAck(status=200, body=b'{"received": true}', content_type="application/json")

    def webhook_reject(self, reason: str) -> WebhookAck:
        # Any status but 2xx makes Stripe retry (for up to three days) and shows as failed
        # in the dashboard.
        return WebhookAck(status=400, body=reason.encode(), content_type="text/plain")


def _signed_timestamp(signature_header: str) -> int:
    for item in signature_header.split(","):
        key, _, value = item.strip().partition("=")
        if key == "t":
            try:
                return int(value)
            except ValueError:
                break
    raise InvalidWebhook("no timestamp in Stripe-Signature header")


def _event_kind(event_type: str, obj: dict[str, Any]) -> EventKind:
    if obj.get("mode") == "setup":
        return EventKind.IGNORED  # saving a card: learnt by asking (query_saved_method)
    if event_type.startswith("payment_intent."):
        return _off_session_event_kind(event_type, obj)
    if event_type == "checkout.session.completed":
        # "unpaid" here is a delayed method still in flight: its async_payment_* follows.
        return (
            EventKind.PAYMENT_SUCCEEDED
            if obj.get("payment_status") == "paid"
            else EventKind.IGNORED
        )
    if event_type == "checkout.session.async_payment_succeeded":
        return EventKind.PAYMENT_SUCCEEDED
    if event_type in ("checkout.session.async_payment_failed", "checkout.session.expired"):
        return EventKind.PAYMENT_FAILED
    if event_type == "charge.refunded":
        return EventKind.REFUND_SUCCEEDED
    if event_type in ("refund.updated", "charge.refund.updated"):
        if obj.get("status") == "succeeded":
            return EventKind.REFUND_SUCCEEDED
        if obj.get("status") in ("failed", "canceled"):
            return EventKind.REFUND_FAILED
    return EventKind.IGNORED


def _off_session_event_kind(event_type: str, obj: dict[str, Any]) -> EventKind:
    """Events of the PaymentIntents we create off-session. A Checkout payment's own
    PaymentIntent is reported through its session's events: its failed attempts leave the
    payer on Checkout's page to try another card, they do not fail the payment."""
    metadata = obj.get("metadata")
    if not isinstance(metadata, dict) or metadata.get("off_session") != "true":
        return EventKind.IGNORED
    if event_type == "payment_intent.succeeded":
        return EventKind.PAYMENT_SUCCEEDED
    if event_type != "payment_intent.payment_failed":
        return EventKind.IGNORED
    error = obj.get("last_payment_error")
    if isinstance(error, dict) and error.get("code") == "authentication_required":
        # The off-session attempt of a charge the bank wants the payer for: the charge now
        # waits for them (REQUIRES_ACTION), it has not failed.
        return EventKind.IGNORED
    return EventKind.PAYMENT_FAILED


def _error_result(exc: stripe.StripeError, *, status: ResultStatus | None = None) -> GatewayResult:
    """A connection failure, a 5xx or a rate limit may or may not have done the thing:
    UNKNOWN. Any other error from Stripe (a 4xx: declined, invalid, not allowed) did not."""
    if status is None:
        transient = isinstance(exc, stripe.APIConnectionError | stripe.RateLimitError) or (
            isinstance(exc, stripe.APIError) or (exc.http_status or 0) >= 500
        )
        status = ResultStatus.UNKNOWN if transient else ResultStatus.FAILED
    body = exc.json_body if isinstance(exc.json_body, dict) else {}
    error = body.get("error") or {}
    return GatewayResult(
        status=status,
        error_code=error.get("decline_code") or error.get("code") or exc.code or type(exc).__name__,
        error_message=(exc.user_message or str(exc))[:300],
        raw=body,
    )


_NOT_STARTED = GatewayResult(
    # Only start_payment learns the session id. Without one no payer ever saw a Checkout
    # page for this payment, so no money can have been taken through it.
    status=ResultStatus.FAILED,
    error_code="not_started",
    error_message="No Checkout Session was created for this payment.",
)


def _session_result(session: Any) -> GatewayResult:
    data = session.to_dict()
    currency = (data.get("currency") or "").upper()
    amount = data.get("amount_total")
    intent = data.get("payment_intent")
    intent = intent if isinstance(intent, dict) else {}
    if data.get("payment_status") == "paid":
        status = ResultStatus.SUCCEEDED
    elif data.get("status") == "expired":
        status = ResultStatus.FAILED
    elif data.get("status") == "complete" and intent.get("status") in (
        "canceled",
        "requires_payment_method",
    ):
        status = ResultStatus.FAILED  # a delayed method (bank debit, voucher) failed
    else:
        status = ResultStatus.PENDING
    error = intent.get("last_payment_error") or {}
    return GatewayResult(
        status=status,
        reference=data.get("id", ""),
        redirect_url=data.get("url") or "",
        amount_minor=from_stripe_amount(amount, currency) if amount is not None else None,
        currency=currency,
        error_code=error.get("decline_code") or error.get("code") or "",
        error_message=error.get("message") or "",
        raw=data,
        expires_at=_from_epoch(data.get("expires_at")),
    )


def _intent_result(intent: Any) -> GatewayResult:
    """A PaymentIntent made without Checkout (reference ``pi_...``): an off-session charge.
    One waiting for a new payment method failed: the payer is not there to give another."""
    data = intent.to_dict()
    currency = (data.get("currency") or "").upper()
    error = data.get("last_payment_error") or {}
    status = {
        "succeeded": ResultStatus.SUCCEEDED,
        "canceled": ResultStatus.FAILED,
        "requires_action": ResultStatus.REQUIRES_ACTION,
        "requires_payment_method": ResultStatus.FAILED if error else ResultStatus.PENDING,
    }.get(data.get("status", ""), ResultStatus.PENDING)
    amount = data.get("amount_received") if status == ResultStatus.SUCCEEDED else data.get("amount")
    next_action = data.get("next_action") or {}
    return GatewayResult(
        status=status,
        reference=data.get("id", ""),
        redirect_url=(next_action.get("redirect_to_url") or {}).get("url") or "",
        amount_minor=from_stripe_amount(amount, currency) if amount is not None else None,
        currency=currency,
        error_code=error.get("decline_code") or error.get("code") or "",
        error_message=error.get("message") or "",
        raw=data,
    )


def _setup_error(result: GatewayResult) -> SetupResult:
    return SetupResult(
        status=result.status,
        error_code=result.error_code,
        error_message=result.error_message,
        raw=result.raw,
    )


def _setup_session_result(session: Any) -> SetupResult:
    """A Checkout Session in setup mode: complete once its SetupIntent succeeded, which
    leaves the card (a PaymentMethod) on the customer."""
    data = session.to_dict()
    intent = data.get("setup_intent")
    intent = intent if isinstance(intent, dict) else {}
    customer = data.get("customer") or ""
    customer = customer.get("id", "") if isinstance(customer, dict) else customer
    where = {
        "reference": data.get("id", ""),
        "redirect_url": data.get("url") or "",
        "customer_ref": customer,
        "raw": data,
        "expires_at": _from_epoch(data.get("expires_at")),
    }
    method = intent.get("payment_method")
    if intent.get("status") == "succeeded" and isinstance(method, dict):
        card = method.get("card") or {}
        return SetupResult(
            status=ResultStatus.SUCCEEDED,
            token=method.get("id", ""),
            label=card_label(card.get("brand", ""), card.get("last4", "")),
            brand=card.get("brand", ""),
            expires_month=card.get("exp_month"),
            expires_year=card.get("exp_year"),
            **where,
        )
    error = intent.get("last_setup_error") or {}
    failed = data.get("status") == "expired" or intent.get("status") == "canceled"
    return SetupResult(
        status=ResultStatus.FAILED if failed else ResultStatus.PENDING,
        error_code=error.get("decline_code") or error.get("code") or ("expired" if failed else ""),
        error_message=error.get("message") or "",
        **where,
    )


def _checkout_deadline(wanted: datetime, payment_id: str) -> datetime:
    """The deadline Checkout accepts nearest to the one wanted, in whole seconds as sent."""
    now = datetime.now(UTC)
    earliest, latest = now + CHECKOUT_MIN_WINDOW, now + CHECKOUT_MAX_WINDOW
    if earliest <= wanted <= latest:
        return wanted.replace(microsecond=0)
    bounded = min(max(wanted, earliest), latest)
    logger.warning(
        "Payment %s: Checkout sessions expire 30 minutes to 24 hours after creation; "
        "deadline %s moved to %s",
        payment_id,
        wanted.isoformat(),
        bounded.isoformat(),
    )
    return bounded.replace(microsecond=0)


def _from_epoch(value: Any) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if isinstance(value, int) else None


def _mapping(value: Any, what: str) -> dict[str, Any]:
    """A JSON object from the event (absent: empty); anything else is a malformed event."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidWebhook(f"{what} is not an object")
    return value
