"""StripeGateway against Stripe's HTTP API, mocked with `responses` under stripe's own
requests-based client, and webhooks signed the way Stripe signs them."""

import hashlib
import hmac
import json
import secrets
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import pytest
import requests
import responses

from roamcard.payments.gateways.base import EventKind, InvalidWebhook, PaymentMethod, ResultStatus
from roamcard.payments.gateways.stripe_gateway import (
    STRIPE_API_VERSION,
    StripeGateway,
    to_stripe_amount,
)

API = "https://api.stripe.com/v1"
PAYMENT_ID = "0b9f4f5e-7c1a-4d7e-9a59-4f1c2f3e8a10"
REFUND_ID = "5d2c8a44-1f0e-4a4b-8c11-9d3e0f6b7a21"
SESSION_ID = "cs_test_a1B2c3D4e5F6g7H8"
INTENT_ID = "pi_3PqRsT2eZvKYlo2C0a1b2c3d"


@pytest.fixture
def webhook_secret():
    return "whsec_" + secrets.token_hex(24)


def make_gateway(webhook_secret: str) -> StripeGateway:
    return StripeGateway(
        name="stripe",
        secret_key="sk_test_" + secrets.token_hex(12),
        webhook_secret=webhook_secret,
        max_network_retries=0,
    )


@pytest.fixture
def gateway(webhook_secret):
    return make_gateway(webhook_secret)


def session_json(**fields):
    session = {
        "id": SESSION_ID,
        "object": "checkout.session",
        "amount_total": 1999,
        "currency": "usd",
        "client_reference_id": PAYMENT_ID,
        "metadata": {"payment_id": PAYMENT_ID},
        "mode": "payment",
        "payment_intent": None,
        "payment_status": "unpaid",
        "status": "open",
        "url": f"https://checkout.stripe.com/c/pay/{SESSION_ID}",
    }
    return {**session, **fields}


def form(call) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(call.request.body).items()}


def start(gateway, **overrides):
    kwargs = {
        "payment_id": PAYMENT_ID,
        "amount_minor": 1999,
        "currency": "USD",
        "method": PaymentMethod.CARD,
        "description": "Europe 33 — 10 GB, 30 days",
        "return_url": "https://roamcard.example/orders/42/return",
        "notify_url": "https://roamcard.example/payments/webhooks/stripe/",
        "language": "zh-hans",
    }
    return gateway.start_payment(**{**kwargs, **overrides})


# -- start_payment -------------------------------------------------------------------------


@responses.activate
def test_start_payment_creates_a_checkout_session_keyed_by_our_payment_id(gateway):
    responses.post(f"{API}/checkout/sessions", json=session_json())

    result = start(gateway)

    assert result.status == ResultStatus.PENDING
    assert result.reference == SESSION_ID
    assert result.redirect_url == f"https://checkout.stripe.com/c/pay/{SESSION_ID}"
    request = responses.calls[0].request
    assert request.headers["Idempotency-Key"] == PAYMENT_ID
    sent = form(responses.calls[0])
    assert sent["mode"] == "payment"
    assert sent["line_items[0][price_data][currency]"] == "usd"
    assert sent["line_items[0][price_data][unit_amount]"] == "1999"
    assert sent["line_items[0][quantity]"] == "1"
    assert sent["client_reference_id"] == PAYMENT_ID
    assert sent["metadata[payment_id]"] == PAYMENT_ID
    assert sent["payment_intent_data[metadata][payment_id]"] == PAYMENT_ID
    assert sent["success_url"] == sent["cancel_url"] == "https://roamcard.example/orders/42/return"
    assert sent["payment_method_types[0]"] == "card"
    assert sent["locale"] == "zh"


@responses.activate
def test_zero_decimal_currencies_are_sent_as_they_are(gateway):
    responses.post(f"{API}/checkout/sessions", json=session_json(currency="jpy", amount_total=1500))

    start(gateway, amount_minor=1500, currency="JPY")

    assert form(responses.calls[0])["line_items[0][price_data][unit_amount]"] == "1500"


def test_stripe_units_per_currency():
    assert to_stripe_amount(1500, "JPY") == 1500  # yen: zero-decimal on both sides
    assert to_stripe_amount(9900, "KRW") == 9900
    assert to_stripe_amount(1999, "CNY") == 1999  # fen
    assert to_stripe_amount(500, "ISK") == 50000  # Stripe keeps two zero decimals for ISK
    assert to_stripe_amount(12340, "KWD") == 12340  # three-decimal on both sides


@responses.activate
def test_alipay_through_stripe_asks_checkout_for_alipay(gateway):
    responses.post(f"{API}/checkout/sessions", json=session_json(currency="cny"))

    start(gateway, currency="CNY", method=PaymentMethod.ALIPAY)

    assert form(responses.calls[0])["payment_method_types[0]"] == "alipay"


@responses.activate
def test_timeout_answers_unknown(gateway):
    responses.post(
        f"{API}/checkout/sessions", body=requests.exceptions.ReadTimeout("read timed out")
    )

    result = start(gateway)

    assert result.status == ResultStatus.UNKNOWN


@responses.activate
def test_server_error_answers_unknown(gateway):
    responses.post(
        f"{API}/checkout/sessions",
        status=500,
        json={"error": {"type": "api_error", "message": "Something went wrong on Stripe's end."}},
    )

    result = start(gateway)

    assert result.status == ResultStatus.UNKNOWN
    assert "Stripe's end" in result.error_message


@responses.activate
def test_card_error_answers_failed_with_stripes_code_and_message(gateway):
    responses.post(
        f"{API}/checkout/sessions",
        status=402,
        json={
            "error": {
                "type": "card_error",
                "code": "card_declined",
                "decline_code": "insufficient_funds",
                "message": "Your card has insufficient funds.",
            }
        },
    )

    result = start(gateway)

    assert result.status == ResultStatus.FAILED
    assert result.error_code == "insufficient_funds"
    assert result.error_message == "Your card has insufficient funds."


# -- query_payment -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {
                "status": "complete",
                "payment_status": "paid",
                "payment_intent": {"id": INTENT_ID, "status": "succeeded"},
            },
            ResultStatus.SUCCEEDED,
        ),
        ({"status": "expired", "payment_status": "unpaid", "url": None}, ResultStatus.FAILED),
        ({"status": "open", "payment_status": "unpaid"}, ResultStatus.PENDING),
        (
            {
                "status": "complete",
                "payment_status": "unpaid",
                "payment_intent": {"id": INTENT_ID, "status": "processing"},
            },
            ResultStatus.PENDING,
        ),
        (
            {
                "status": "complete",
                "payment_status": "unpaid",
                "payment_intent": {
                    "id": INTENT_ID,
                    "status": "requires_payment_method",
                    "last_payment_error": {
                        "code": "payment_method_provider_decline",
                        "message": "The payment was declined.",
                    },
                },
            },
            ResultStatus.FAILED,
        ),
    ],
)
@responses.activate
def test_query_payment_maps_the_session(gateway, fields, expected):
    responses.get(f"{API}/checkout/sessions/{SESSION_ID}", json=session_json(**fields))

    result = gateway.query_payment(payment_id=PAYMENT_ID, reference=SESSION_ID)

    assert result.status == expected
    assert (result.amount_minor, result.currency) == (1999, "USD")
    assert "expand[0]=payment_intent" in responses.calls[0].request.url.replace("%5B", "[").replace(
        "%5D", "]"
    )


@responses.activate
def test_query_payment_network_failure_answers_unknown(gateway):
    responses.get(
        f"{API}/checkout/sessions/{SESSION_ID}", body=requests.exceptions.ConnectionError("reset")
    )

    assert (
        gateway.query_payment(payment_id=PAYMENT_ID, reference=SESSION_ID).status
        == ResultStatus.UNKNOWN
    )


# -- refund --------------------------------------------------------------------------------


@responses.activate
def test_refund_refunds_the_payment_intent_keyed_by_our_refund_id(gateway):
    responses.get(
        f"{API}/checkout/sessions/{SESSION_ID}",
        json=session_json(payment_intent=INTENT_ID, payment_status="paid"),
    )
    responses.post(
        f"{API}/refunds",
        json={
            "id": "re_3PqRsT",
            "object": "refund",
            "amount": 1999,
            "currency": "usd",
            "status": "succeeded",
            "payment_intent": INTENT_ID,
        },
    )

    result = gateway.refund(
        refund_id=REFUND_ID,
        payment_id=PAYMENT_ID,
        reference=SESSION_ID,
        amount_minor=1999,
        currency="USD",
        payment_amount_minor=1999,
        reason="provisioning failed",
    )

    assert result.status == ResultStatus.SUCCEEDED
    assert result.reference == "re_3PqRsT"
    refund_call = responses.calls[1]
    assert refund_call.request.headers["Idempotency-Key"] == REFUND_ID
    sent = form(refund_call)
    assert sent["payment_intent"] == INTENT_ID
    assert sent["amount"] == "1999"
    assert sent["metadata[refund_id]"] == REFUND_ID


@responses.activate
def test_a_partial_refund_sends_the_amount_keyed_by_our_refund_id(gateway):
    responses.post(
        f"{API}/refunds",
        json={
            "id": "re_3PqRsU",
            "object": "refund",
            "amount": 500,
            "currency": "usd",
            "status": "pending",
            "payment_intent": INTENT_ID,
        },
    )

    result = gateway.refund(
        refund_id=REFUND_ID,
        payment_id=PAYMENT_ID,
        reference=INTENT_ID,
        amount_minor=500,
        currency="USD",
        payment_amount_minor=1999,
        reason="service quality",
    )

    assert (result.status, result.amount_minor, result.currency) == (
        ResultStatus.PENDING,
        500,
        "USD",
    )
    [call] = responses.calls
    assert call.request.headers["Idempotency-Key"] == REFUND_ID
    sent = form(call)
    assert (sent["payment_intent"], sent["amount"]) == (INTENT_ID, "500")
    assert sent["metadata[refund_id]"] == REFUND_ID


@responses.activate
def test_refund_timeout_answers_unknown(gateway):
    responses.post(f"{API}/refunds", body=requests.exceptions.ConnectTimeout())

    result = gateway.refund(
        refund_id=REFUND_ID,
        payment_id=PAYMENT_ID,
        reference=INTENT_ID,
        amount_minor=1999,
        currency="USD",
        payment_amount_minor=1999,
    )

    assert result.status == ResultStatus.UNKNOWN


# -- webhooks ------------------------------------------------------------------------------


def signed(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return {"Stripe-Signature": f"t={timestamp},v1={mac}"}


def event_body(event_type: str, obj: dict) -> bytes:
    return json.dumps(
        {
            "id": "evt_1PqRsT2eZvKYlo2C",
            "object": "event",
            "api_version": STRIPE_API_VERSION,
            "created": int(time.time()),
            "type": event_type,
            "livemode": False,
            "data": {"object": obj},
        }
    ).encode()


def test_paid_checkout_session_completed_is_a_payment_success(gateway, webhook_secret):
    body = event_body(
        "checkout.session.completed",
        session_json(status="complete", payment_status="paid", payment_intent=INTENT_ID),
    )

    event = gateway.parse_webhook(headers=signed(webhook_secret, body), body=body)

    assert event.event_id == "evt_1PqRsT2eZvKYlo2C"
    assert event.kind == EventKind.PAYMENT_SUCCEEDED
    assert event.payment_id == PAYMENT_ID
    assert event.reference == SESSION_ID
    assert (event.amount_minor, event.currency) == (1999, "USD")


@pytest.mark.parametrize(
    ("event_type", "fields", "kind"),
    [
        (
            "checkout.session.completed",
            {"status": "complete", "payment_status": "unpaid"},
            EventKind.IGNORED,
        ),
        (
            "checkout.session.async_payment_succeeded",
            {"status": "complete", "payment_status": "paid"},
            EventKind.PAYMENT_SUCCEEDED,
        ),
        (
            "checkout.session.async_payment_failed",
            {"status": "complete", "payment_status": "unpaid"},
            EventKind.PAYMENT_FAILED,
        ),
        ("checkout.session.expired", {"status": "expired"}, EventKind.PAYMENT_FAILED),
    ],
)
def test_checkout_session_events(gateway, webhook_secret, event_type, fields, kind):
    body = event_body(event_type, session_json(**fields))

    assert gateway.parse_webhook(headers=signed(webhook_secret, body), body=body).kind == kind


def test_payment_id_falls_back_to_client_reference_id(gateway, webhook_secret):
    body = event_body(
        "checkout.session.completed", session_json(payment_status="paid", metadata={})
    )

    assert (
        gateway.parse_webhook(headers=signed(webhook_secret, body), body=body).payment_id
        == PAYMENT_ID
    )


def test_charge_refunded_is_a_refund_success(gateway, webhook_secret):
    charge = {
        "id": "ch_3PqRsT",
        "object": "charge",
        "amount": 1500,
        "amount_refunded": 1500,
        "currency": "jpy",
        "payment_intent": INTENT_ID,
        "refunded": True,
        "metadata": {"payment_id": PAYMENT_ID},
    }
    body = event_body("charge.refunded", charge)

    event = gateway.parse_webhook(headers=signed(webhook_secret, body), body=body)

    assert event.kind == EventKind.REFUND_SUCCEEDED
    assert (event.payment_id, event.refund_id) == (PAYMENT_ID, "")
    assert (event.amount_minor, event.currency) == (1500, "JPY")

    # Older API versions list the refunds on the charge: then our refund id comes along.
    refund = {"id": "re_3PqRsT", "object": "refund", "metadata": {"refund_id": REFUND_ID}}
    body = event_body(
        "charge.refunded", {**charge, "refunds": {"object": "list", "data": [refund]}}
    )

    event = gateway.parse_webhook(headers=signed(webhook_secret, body), body=body)

    assert (event.refund_id, event.reference) == (REFUND_ID, "re_3PqRsT")


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        ("succeeded", EventKind.REFUND_SUCCEEDED),
        ("failed", EventKind.REFUND_FAILED),
        ("pending", EventKind.IGNORED),
    ],
)
def test_refund_updated(gateway, webhook_secret, status, kind):
    refund = {
        "id": "re_3PqRsT",
        "object": "refund",
        "amount": 1999,
        "currency": "usd",
        "status": status,
        "payment_intent": INTENT_ID,
        "metadata": {"payment_id": PAYMENT_ID, "refund_id": REFUND_ID},
    }
    body = event_body("refund.updated", refund)

    event = gateway.parse_webhook(headers=signed(webhook_secret, body), body=body)

    assert event.kind == kind
    assert (event.payment_id, event.refund_id, event.reference) == (
        PAYMENT_ID,
        REFUND_ID,
        "re_3PqRsT",
    )


def test_other_events_are_ignored(gateway, webhook_secret):
    body = event_body("customer.created", {"id": "cus_1", "object": "customer", "metadata": {}})

    assert (
        gateway.parse_webhook(headers=signed(webhook_secret, body), body=body).kind
        == EventKind.IGNORED
    )


def test_wrong_secret_is_rejected(gateway):
    body = event_body("checkout.session.completed", session_json(payment_status="paid"))

    with pytest.raises(InvalidWebhook):
        gateway.parse_webhook(headers=signed("whsec_" + secrets.token_hex(24), body), body=body)


def test_mutated_body_is_rejected(gateway, webhook_secret):
    body = event_body("checkout.session.completed", session_json(payment_status="paid"))
    headers = signed(webhook_secret, body)

    with pytest.raises(InvalidWebhook):
        gateway.parse_webhook(headers=headers, body=body.replace(b"1999", b"1"))


def test_missing_signature_is_rejected(gateway):
    with pytest.raises(InvalidWebhook):
        gateway.parse_webhook(
            headers={}, body=event_body("checkout.session.completed", session_json())
        )


@pytest.mark.parametrize("offset", [-301, +301])
def test_timestamp_too_old_or_in_the_future_is_rejected(gateway, webhook_secret, offset):
    body = event_body("checkout.session.completed", session_json(payment_status="paid"))

    with pytest.raises(InvalidWebhook):
        gateway.parse_webhook(
            headers=signed(webhook_secret, body, int(time.time()) + offset), body=body
        )


def test_headers_as_django_meta_keys(gateway, webhook_secret):
    body = event_body("checkout.session.completed", session_json(payment_status="paid"))
    headers = {"HTTP_STRIPE_SIGNATURE": signed(webhook_secret, body)["Stripe-Signature"]}

    assert gateway.parse_webhook(headers=headers, body=body).kind == EventKind.PAYMENT_SUCCEEDED


def test_ack_is_a_plain_200(gateway):
    assert gateway.webhook_ack(None).status == 200


# -- the API version -----------------------------------------------------------------------


@responses.activate
def test_every_call_sends_the_pinned_api_version(gateway):
    responses.post(f"{API}/checkout/sessions", json=session_json())
    responses.get(f"{API}/checkout/sessions/{SESSION_ID}", json=session_json())
    responses.post(
        f"{API}/checkout/sessions/{SESSION_ID}/expire", json=session_json(status="expired")
    )

    start(gateway)
    gateway.query_payment(payment_id=PAYMENT_ID, reference=SESSION_ID)
    gateway.cancel_payment(payment_id=PAYMENT_ID, reference=SESSION_ID)

    assert [call.request.headers["Stripe-Version"] for call in responses.calls] == [
        STRIPE_API_VERSION
    ] * 3


@responses.activate
def test_the_api_version_is_an_option(webhook_secret):
    gateway = StripeGateway(
        name="stripe",
        secret_key="sk_test_x",
        webhook_secret=webhook_secret,
        api_version="2025-03-31.basil",
    )
    responses.post(f"{API}/checkout/sessions", json=session_json())
    start(gateway)
    body = event_body("checkout.session.completed", session_json(payment_status="paid"))

    assert responses.calls[0].request.headers["Stripe-Version"] == "2025-03-31.basil"
    with pytest.raises(InvalidWebhook, match="2025-03-31.basil"):
        gateway.parse_webhook(headers=signed(webhook_secret, body), body=body)


def test_an_event_in_another_api_version_is_refused_naming_both(gateway, webhook_secret):
    event = json.loads(event_body("checkout.session.completed", session_json()))
    body = json.dumps({**event, "api_version": "2024-06-20"}).encode()

    with pytest.raises(InvalidWebhook) as refused:
        gateway.parse_webhook(headers=signed(webhook_secret, body), body=body)

    assert "2024-06-20" in refused.value.reason
    assert STRIPE_API_VERSION in refused.value.reason


# -- the payment's deadline ----------------------------------------------------------------


@responses.activate
def test_the_deadline_is_the_sessions_expires_at(gateway):
    wanted = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=2)
    responses.post(
        f"{API}/checkout/sessions", json=session_json(expires_at=int(wanted.timestamp()))
    )

    result = start(gateway, expires_at=wanted)

    assert form(responses.calls[0])["expires_at"] == str(int(wanted.timestamp()))
    assert result.expires_at == wanted


@pytest.mark.parametrize(
    ("wanted", "sent"),
    [
        (timedelta(minutes=5), timedelta(minutes=31)),
        (None, timedelta(minutes=31)),
        (timedelta(hours=48), timedelta(hours=24) - timedelta(minutes=1)),
    ],
    ids=["too-soon", "default-window", "too-late"],
)
@responses.activate
def test_a_deadline_checkout_cannot_take_is_moved_within_its_bounds(gateway, wanted, sent):
    responses.post(f"{API}/checkout/sessions", json=session_json())
    now = datetime.now(UTC)

    result = start(gateway, expires_at=None if wanted is None else now + wanted)

    expires_at = datetime.fromtimestamp(int(form(responses.calls[0])["expires_at"]), UTC)
    assert abs(expires_at - (now + sent)) < timedelta(seconds=5)
    assert result.expires_at == expires_at


# -- closing -------------------------------------------------------------------------------


@responses.activate
def test_cancel_expires_the_checkout_session(gateway):
    responses.post(
        f"{API}/checkout/sessions/{SESSION_ID}/expire",
        json=session_json(status="expired", url=None),
    )

    result = gateway.cancel_payment(payment_id=PAYMENT_ID, reference=SESSION_ID)

    assert result.status == ResultStatus.FAILED
    assert len(responses.calls) == 1


@responses.activate
def test_cancel_of_a_session_paid_meanwhile_answers_the_payment(gateway):
    responses.post(
        f"{API}/checkout/sessions/{SESSION_ID}/expire",
        status=400,
        json={"error": {"type": "invalid_request_error", "message": "not in an expirable state"}},
    )
    responses.get(
        f"{API}/checkout/sessions/{SESSION_ID}",
        json=session_json(status="complete", payment_status="paid", payment_intent=INTENT_ID),
    )

    result = gateway.cancel_payment(payment_id=PAYMENT_ID, reference=SESSION_ID)

    assert (result.status, result.amount_minor, result.currency, result.reference) == (
        ResultStatus.SUCCEEDED,
        1999,
        "USD",
        SESSION_ID,
    )


@responses.activate
def test_cancel_while_a_delayed_method_is_in_flight_is_pending(gateway):
    responses.post(
        f"{API}/checkout/sessions/{SESSION_ID}/expire",
        status=400,
        json={"error": {"type": "invalid_request_error", "message": "not in an expirable state"}},
    )
    responses.get(
        f"{API}/checkout/sessions/{SESSION_ID}",
        json=session_json(
            status="complete",
            payment_status="unpaid",
            payment_intent={"id": INTENT_ID, "status": "processing"},
        ),
    )

    result = gateway.cancel_payment(payment_id=PAYMENT_ID, reference=SESSION_ID)

    assert result.status == ResultStatus.PENDING


@pytest.mark.parametrize(
    "mock",
    [
        {"body": requests.exceptions.ConnectTimeout()},
        {"status": 500, "json": {"error": {"type": "api_error", "message": "Try again"}}},
    ],
    ids=["timeout", "http-500"],
)
@responses.activate
def test_cancel_without_an_answer_is_unknown(gateway, mock):
    responses.post(f"{API}/checkout/sessions/{SESSION_ID}/expire", **mock)

    result = gateway.cancel_payment(payment_id=PAYMENT_ID, reference=SESSION_ID)

    assert result.status == ResultStatus.UNKNOWN


@pytest.mark.parametrize(
    ("cancel", "retrieve", "expected"),
    [
        (
            {"json": {"id": INTENT_ID, "object": "payment_intent", "status": "canceled"}},
            None,
            "failed",
        ),
        (
            {"status": 400, "json": {"error": {"type": "invalid_request_error"}}},
            {
                "id": INTENT_ID,
                "object": "payment_intent",
                "status": "succeeded",
                "amount": 1999,
                "amount_received": 1999,
                "currency": "usd",
            },
            "succeeded",
        ),
    ],
    ids=["cancelled", "already-paid"],
)
@responses.activate
def test_cancel_of_a_bare_payment_intent(gateway, cancel, retrieve, expected):
    responses.post(f"{API}/payment_intents/{INTENT_ID}/cancel", **cancel)
    if retrieve:
        responses.get(f"{API}/payment_intents/{INTENT_ID}", json=retrieve)

    result = gateway.cancel_payment(payment_id=PAYMENT_ID, reference=INTENT_ID)

    assert result.status == expected
    if expected == "succeeded":
        assert (result.amount_minor, result.currency) == (1999, "USD")


def test_cancel_of_a_payment_never_started_is_closed_without_a_call(gateway):
    with responses.RequestsMock():
        result = gateway.cancel_payment(payment_id=PAYMENT_ID, reference="")

    assert result.status == ResultStatus.FAILED


def test_a_refused_notification_is_a_400(gateway):
    reject = gateway.webhook_reject("bad signature")

    assert (reject.status, reject.body, reject.content_type) == (
        400,
        b"bad signature",
        "text/plain",
    )
