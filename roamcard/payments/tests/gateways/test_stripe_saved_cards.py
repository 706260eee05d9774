"""StripeGateway's saved cards: what it sends to Stripe, and how it reads the events of the
PaymentIntents it creates off-session (the whole cycle is in test_contract.py)."""

import json
import secrets
from urllib.parse import parse_qs

import pytest
import responses

from roamcard.payments.gateways.base import EventKind, NotSupported, PaymentMethod, ResultStatus

from .test_stripe import API, PAYMENT_ID, event_body, form, make_gateway, signed

SETUP_ID = "6f1d2c3b-4a59-4e6f-8a7b-9c0d1e2f3a41"


@pytest.fixture
def webhook_secret():
    return "whsec_" + secrets.token_hex(24)


@pytest.fixture
def gateway(webhook_secret):
    return make_gateway(webhook_secret)


def setup_session(**fields):
    return {
        "id": "cs_test_setup1",
        "object": "checkout.session",
        "mode": "setup",
        "customer": "cus_Known",
        "status": "open",
        "url": "https://checkout.stripe.com/c/pay/cs_test_setup1",
        "expires_at": 1900000000,
        "setup_intent": "seti_1",
        **fields,
    }


def start(gateway, **overrides):
    kwargs = {
        "setup_id": SETUP_ID,
        "method": PaymentMethod.CARD,
        "customer_ref": "",
        "return_url": "https://roamcard.example/accounts/payment-methods/setups/x/",
        "notify_url": "https://roamcard.example/payments/webhooks/stripe/",
        "language": "ja",
    }
    return gateway.start_saving_method(**{**kwargs, **overrides})


@responses.activate
def test_saving_a_card_creates_a_customer_and_a_setup_session(gateway):
    responses.post(f"{API}/customers", json={"id": "cus_New", "object": "customer"})
    responses.post(f"{API}/checkout/sessions", json=setup_session(customer="cus_New"))

    started = start(gateway)

    assert (started.status, started.customer_ref) == (ResultStatus.PENDING, "cus_New")
    assert started.redirect_url == "https://checkout.stripe.com/c/pay/cs_test_setup1"
    assert responses.calls[0].request.headers["Idempotency-Key"] == f"customer-{SETUP_ID}"
    session = form(responses.calls[1])
    assert responses.calls[1].request.headers["Idempotency-Key"] == f"setup-{SETUP_ID}"
    assert session["mode"] == "setup"
    assert session["customer"] == "cus_New"
    assert session["payment_method_types[0]"] == "card"
    assert session["metadata[setup_id]"] == SETUP_ID
    assert session["locale"] == "ja"
    assert "line_items[0][quantity]" not in session  # nothing is charged


@responses.activate
def test_a_known_customer_gets_the_new_card(gateway):
    responses.post(f"{API}/checkout/sessions", json=setup_session())

    start(gateway, customer_ref="cus_Known")

    assert len(responses.calls) == 1
    assert form(responses.calls[0])["customer"] == "cus_Known"


def test_stripe_saves_cards_only(gateway):
    with pytest.raises(NotSupported):
        start(gateway, method=PaymentMethod.WECHAT_PAY)


@responses.activate
def test_a_completed_setup_is_the_card_as_stripe_describes_it(gateway):
    card = {"brand": "mastercard", "last4": "4444", "exp_month": 3, "exp_year": 2030}
    intent = {
        "id": "seti_1",
        "object": "setup_intent",
        "status": "succeeded",
        "payment_method": {"id": "pm_1", "object": "payment_method", "card": card},
    }
    responses.get(
        f"{API}/checkout/sessions/cs_test_setup1",
        json=setup_session(status="complete", setup_intent=intent),
    )

    saved = gateway.query_saved_method(setup_id=SETUP_ID, reference="cs_test_setup1")

    assert saved.status == ResultStatus.SUCCEEDED
    assert (saved.token, saved.customer_ref) == ("pm_1", "cus_Known")
    assert (saved.label, saved.brand) == ("Mastercard •••• 4444", "mastercard")
    assert (saved.expires_month, saved.expires_year) == (3, 2030)
    assert parse_qs(responses.calls[0].request.url.split("?", 1)[1])["expand[0]"] == [
        "setup_intent.payment_method"
    ]


@responses.activate
def test_an_expired_setup_failed(gateway):
    responses.get(
        f"{API}/checkout/sessions/cs_test_setup1", json=setup_session(status="expired", url=None)
    )

    saved = gateway.query_saved_method(setup_id=SETUP_ID, reference="cs_test_setup1")

    assert (saved.status, saved.error_code) == (ResultStatus.FAILED, "expired")


@responses.activate
def test_an_off_session_charge_is_a_confirmed_payment_intent_keyed_by_our_payment_id(gateway):
    intent = {
        "id": "pi_1",
        "object": "payment_intent",
        "status": "succeeded",
        "amount": 6800,
        "amount_received": 6800,
        "currency": "cny",
    }
    responses.post(f"{API}/payment_intents", json=intent)

    charged = gateway.charge_saved_method(
        payment_id=PAYMENT_ID,
        token="pm_1",
        customer_ref="cus_Known",
        amount_minor=6800,
        currency="CNY",
        description="roamcard Japan 5 GB",
        return_url="https://roamcard.example/orders/1/return/",
        notify_url="",
    )

    assert (charged.status, charged.reference, charged.amount_minor) == ("succeeded", "pi_1", 6800)
    assert responses.calls[0].request.headers["Idempotency-Key"] == PAYMENT_ID
    sent = form(responses.calls[0])
    assert (sent["off_session"], sent["confirm"]) == ("true", "true")
    assert (sent["customer"], sent["payment_method"]) == ("cus_Known", "pm_1")
    assert (sent["amount"], sent["currency"]) == ("6800", "cny")
    assert sent["metadata[payment_id]"] == PAYMENT_ID
    assert sent["metadata[off_session]"] == "true"


@responses.activate
def test_a_charge_whose_answer_was_lost_is_found_by_our_payment_id(gateway):
    found = {
        "object": "search_result",
        "data": [
            {
                "id": "pi_1",
                "object": "payment_intent",
                "status": "succeeded",
                "amount": 6800,
                "amount_received": 6800,
                "currency": "cny",
            }
        ],
        "has_more": False,
        "url": "/v1/payment_intents/search",
    }
    responses.get(f"{API}/payment_intents/search", json=found)

    result = gateway.query_payment(payment_id=PAYMENT_ID, reference="")

    assert (result.status, result.reference) == (ResultStatus.SUCCEEDED, "pi_1")
    query = parse_qs(responses.calls[0].request.url.split("?", 1)[1])["query"][0]
    assert query == f"metadata['payment_id']:'{PAYMENT_ID}'"


def off_session_intent(**fields):
    return {
        "id": "pi_1",
        "object": "payment_intent",
        "amount": 6800,
        "amount_received": 6800,
        "currency": "cny",
        "status": "succeeded",
        "metadata": {"payment_id": PAYMENT_ID, "off_session": "true"},
        **fields,
    }


def parse(gateway, webhook_secret, event_type, obj):
    body = event_body(event_type, obj)
    return gateway.parse_webhook(headers=signed(webhook_secret, body), body=body)


def test_an_off_session_charge_that_succeeds_is_a_payment_success(gateway, webhook_secret):
    event = parse(gateway, webhook_secret, "payment_intent.succeeded", off_session_intent())

    assert event.kind == EventKind.PAYMENT_SUCCEEDED
    assert (event.payment_id, event.reference) == (PAYMENT_ID, "pi_1")
    assert (event.amount_minor, event.currency) == (6800, "CNY")


def test_an_off_session_charge_declined_is_a_payment_failure(gateway, webhook_secret):
    error = {"type": "card_error", "code": "card_declined", "decline_code": "insufficient_funds"}
    intent = off_session_intent(status="requires_payment_method", last_payment_error=error)

    event = parse(gateway, webhook_secret, "payment_intent.payment_failed", intent)

    assert (event.kind, event.error_code) == (EventKind.PAYMENT_FAILED, "insufficient_funds")


def test_the_bank_asking_for_the_payer_does_not_fail_the_charge(gateway, webhook_secret):
    """The charge now waits for the payer (REQUIRES_ACTION): this event must not end it."""
    error = {"type": "card_error", "code": "authentication_required"}
    intent = off_session_intent(status="requires_payment_method", last_payment_error=error)

    event = parse(gateway, webhook_secret, "payment_intent.payment_failed", intent)

    assert event.kind == EventKind.IGNORED


def test_checkouts_own_payment_intents_are_left_to_the_session_events(gateway, webhook_secret):
    """A card declined on Checkout's page leaves the payer there to try another one."""
    error = {"type": "card_error", "code": "card_declined"}
    intent = off_session_intent(
        status="requires_payment_method", last_payment_error=error, metadata={"payment_id": "x"}
    )

    event = parse(gateway, webhook_secret, "payment_intent.payment_failed", intent)

    assert event.kind == EventKind.IGNORED


def test_setup_sessions_events_are_acknowledged_not_refused(gateway, webhook_secret):
    """They carry no payment id; refusing them would make Stripe send them for days."""
    for event_type in ("checkout.session.completed", "checkout.session.expired"):
        session = setup_session(status="complete", payment_status="no_payment_required")
        event = parse(gateway, webhook_secret, event_type, session)

        assert event.kind == EventKind.IGNORED
        assert json.loads(json.dumps(event.raw))["type"] == event_type
