"""The contract the core relies on, run against every adapter: the built-in sandbox (the real
thing, in this process) and Stripe, Alipay and WeChat Pay with their HTTP APIs stood in for
(vendors.py).

- a payment is started with a deadline and answers it;
- closing an unpaid payment means the payer can no longer pay, and a later query agrees;
- closing a payment the payer already paid answers SUCCEEDED with what was paid;
- closing twice answers the same;
- a signed notification of a malformed shape is refused with InvalidWebhook, nothing else;
- a refused notification is answered as the vendor expects, with an error status;
- a payment method is saved at the vendor's page and charged without the payer, once per
  payment id; a declined charge fails with the vendor's code; a charge the bank wants the
  payer for waits for them at a page of the vendor (where the vendor has such a step); a
  removed method can no longer be charged. A gateway that cannot save says so, with why."""

import dataclasses
import json
from datetime import UTC, datetime, timedelta

import pytest
import responses

from roamcard.payments.gateways.base import (
    InvalidWebhook,
    NotSupported,
    ResultStatus,
    SetupResult,
)

from .vendors import AMOUNT, CARD_NUMBERS, PAYMENT_ID, VENDORS

pytestmark = pytest.mark.django_db


@pytest.fixture(params=VENDORS, ids=lambda vendor: vendor.name)
def vendor(request):
    responses.start()
    try:
        yield request.param()
    finally:
        responses.stop()
        responses.reset()


def test_a_closed_payment_can_no_longer_be_paid(vendor):
    gateway = vendor.gateway()
    before = datetime.now(UTC)

    started = vendor.start(gateway)

    assert started.status == ResultStatus.PENDING
    assert started.expires_at is not None
    assert timedelta(minutes=29) < started.expires_at - before <= timedelta(minutes=32)
    vendor.payer_opens(gateway, started)
    query = gateway.query_payment(payment_id=PAYMENT_ID, reference=started.reference)
    assert query.status == ResultStatus.PENDING

    closed = gateway.cancel_payment(payment_id=PAYMENT_ID, reference=started.reference)

    assert closed.status == ResultStatus.FAILED
    query = gateway.query_payment(payment_id=PAYMENT_ID, reference=started.reference)
    assert query.status == ResultStatus.FAILED
    again = gateway.cancel_payment(payment_id=PAYMENT_ID, reference=started.reference)
    assert again.status == ResultStatus.FAILED


def test_closing_a_payment_already_paid_answers_what_was_paid(vendor):
    gateway = vendor.gateway()
    started = vendor.start(gateway)
    vendor.payer_opens(gateway, started)
    vendor.payer_pays(gateway, started)

    answers = [
        gateway.cancel_payment(payment_id=PAYMENT_ID, reference=started.reference) for _ in range(2)
    ]

    for answer in answers:
        assert answer.status == ResultStatus.SUCCEEDED
        assert (answer.amount_minor, answer.currency) == (AMOUNT, vendor.currency)
        assert answer.reference
    assert (
        gateway.query_payment(payment_id=PAYMENT_ID, reference=started.reference).status
        == ResultStatus.SUCCEEDED
    )


def test_signed_notifications_of_a_malformed_shape_are_refused(vendor):
    gateway = vendor.gateway()
    headers, body = vendor.signed(gateway, vendor.well_formed())
    assert gateway.parse_webhook(headers=headers, body=body).payment_id == PAYMENT_ID

    wrong = {}
    for shape, payload in vendor.malformed().items():
        headers, body = vendor.signed(gateway, payload)
        try:
            gateway.parse_webhook(headers=headers, body=body)
        except InvalidWebhook as exc:
            if "signature" in exc.reason:
                wrong[shape] = f"refused for its signature, not its shape: {exc.reason}"
        except Exception as exc:  # noqa: BLE001 - any other exception is the defect
            wrong[shape] = f"raised {type(exc).__name__}: {exc}"
        else:
            wrong[shape] = "accepted"

    assert wrong == {}


def test_a_refused_notification_is_answered_in_the_vendors_format(vendor):
    gateway = vendor.gateway()

    reject = gateway.webhook_reject("bad signature")
    ack = gateway.webhook_ack(None)

    assert 400 <= reject.status < 600
    assert ack.status == 200
    if vendor.name == "wechatpay":
        # API v3: an error status with {"code": "FAIL", "message": ...}; success is SUCCESS
        assert reject.content_type == "application/json"
        assert json.loads(reject.body) == {"code": "FAIL", "message": "bad signature"}
        assert json.loads(ack.body)["code"] == "SUCCESS"
    elif vendor.name == "alipay":
        # Alipay reads the body: anything but the seven characters `success` is a retry
        assert (reject.body, reject.content_type) == (b"fail", "text/plain")
        assert (ack.body, ack.content_type) == (b"success", "text/plain")
    else:
        assert reject.content_type == "text/plain"
        assert b"bad signature" in reject.body


# -- saved payment methods ------------------------------------------------------------------

SETUP_IDS = {
    "succeed": "6f1d2c3b-4a59-4e6f-8a7b-9c0d1e2f3a41",
    "decline": "6f1d2c3b-4a59-4e6f-8a7b-9c0d1e2f3a42",
    "action": "6f1d2c3b-4a59-4e6f-8a7b-9c0d1e2f3a43",
}
CHARGE_IDS = {
    "succeed": "7a2e3d4c-5b6a-4f70-9b8c-0d1e2f3a4b51",
    "decline": "7a2e3d4c-5b6a-4f70-9b8c-0d1e2f3a4b52",
    "action": "7a2e3d4c-5b6a-4f70-9b8c-0d1e2f3a4b53",
    "after removal": "7a2e3d4c-5b6a-4f70-9b8c-0d1e2f3a4b54",
}
RETURN_URL = "https://roamcard.example/accounts/payment-methods/setups/x/"


def _save(gateway, vendor, behaviour, customer_ref=""):
    started = gateway.start_saving_method(
        setup_id=SETUP_IDS[behaviour],
        method=vendor.method,
        customer_ref=customer_ref,
        return_url=RETURN_URL,
        notify_url="https://roamcard.example/payments/webhooks/x/",
        language="zh-hans",
    )
    assert started.status == ResultStatus.PENDING
    assert started.redirect_url
    assert started.expires_at is not None
    waiting = gateway.query_saved_method(setup_id=SETUP_IDS[behaviour], reference=started.reference)
    assert waiting.status == ResultStatus.PENDING
    assert not waiting.token
    vendor.payer_saves(gateway, started, behaviour)
    return gateway.query_saved_method(setup_id=SETUP_IDS[behaviour], reference=started.reference)


def _charge(gateway, saved, payment_id):
    return gateway.charge_saved_method(
        payment_id=payment_id,
        token=saved.token,
        customer_ref=saved.customer_ref,
        amount_minor=AMOUNT,
        currency="CNY",
        description="Japan 5 GB, 7 days (automatic renewal)",
        return_url="https://roamcard.example/orders/42/return/",
        notify_url="https://roamcard.example/payments/webhooks/x/",
    )


def test_a_saved_method_is_charged_without_the_payer_and_removed(vendor):
    """save -> charge -> decline -> requires action -> remove."""
    gateway = vendor.gateway()
    if not vendor.saves:
        _cannot_save(gateway, vendor)
        return
    assert vendor.method in gateway.saves

    saved = _save(gateway, vendor, "succeed")

    assert saved.status == ResultStatus.SUCCEEDED
    assert saved.token and saved.label and saved.brand
    # What we keep of a method is never its card number.
    kept = json.dumps(dataclasses.asdict(saved), default=str)
    assert not any(number in kept for number in CARD_NUMBERS.values())

    charged = _charge(gateway, saved, CHARGE_IDS["succeed"])
    again = _charge(gateway, saved, CHARGE_IDS["succeed"])

    assert charged.status == again.status == ResultStatus.SUCCEEDED
    assert (charged.amount_minor, charged.currency) == (AMOUNT, "CNY")
    assert charged.reference and again.reference == charged.reference
    assert vendor.charges(CHARGE_IDS["succeed"]) == 1
    queried = gateway.query_payment(payment_id=CHARGE_IDS["succeed"], reference=charged.reference)
    assert (queried.status, queried.amount_minor) == (ResultStatus.SUCCEEDED, AMOUNT)

    declining = _save(gateway, vendor, "decline", customer_ref=saved.customer_ref)
    declined = _charge(gateway, declining, CHARGE_IDS["decline"])

    assert declined.status == ResultStatus.FAILED
    assert declined.error_code

    asking = _save(gateway, vendor, "action", customer_ref=saved.customer_ref)
    asked = _charge(gateway, asking, CHARGE_IDS["action"])

    if vendor.confirms:
        assert asked.status == ResultStatus.REQUIRES_ACTION
        assert asked.redirect_url
        query = gateway.query_payment(payment_id=CHARGE_IDS["action"], reference=asked.reference)
        assert query.status == ResultStatus.REQUIRES_ACTION
        vendor.payer_confirms(gateway, asked)
        query = gateway.query_payment(payment_id=CHARGE_IDS["action"], reference=asked.reference)
        assert (query.status, query.amount_minor) == (ResultStatus.SUCCEEDED, AMOUNT)
    else:
        # No step where the payer confirms: a deduction the agreement refuses fails.
        assert asked.status == ResultStatus.FAILED
        assert asked.error_code

    gateway.remove_saved_method(token=saved.token, customer_ref=saved.customer_ref)
    gateway.remove_saved_method(token=saved.token, customer_ref=saved.customer_ref)

    after = _charge(gateway, saved, CHARGE_IDS["after removal"])
    assert after.status == ResultStatus.FAILED


def _cannot_save(gateway, vendor):
    assert gateway.saves == ()
    calls = {
        "start": lambda: gateway.start_saving_method(
            setup_id=SETUP_IDS["succeed"],
            method=vendor.method,
            customer_ref="",
            return_url=RETURN_URL,
            notify_url="https://roamcard.example/payments/webhooks/x/",
        ),
        "query": lambda: gateway.query_saved_method(setup_id=SETUP_IDS["succeed"], reference=""),
        "charge": lambda: _charge(
            gateway, SetupResult(status=ResultStatus.SUCCEEDED, token="t"), PAYMENT_ID
        ),
        "remove": lambda: gateway.remove_saved_method(token="t", customer_ref=""),
    }
    for name, call in calls.items():
        with pytest.raises(NotSupported) as refused:
            call()
        assert "wechatpayv3" in refused.value.reason, name
