"""The contract the core relies on, run against every adapter: the built-in sandbox (the real
thing, in this process) and Stripe, Alipay and WeChat Pay with their HTTP APIs stood in for
(vendors.py).

- a payment is started with a deadline and answers it;
- closing an unpaid payment means the payer can no longer pay, and a later query agrees;
- closing a payment the payer already paid answers SUCCEEDED with what was paid;
- closing twice answers the same;
- a signed notification of a malformed shape is refused with InvalidWebhook, nothing else;
- a refused notification is answered as the vendor expects, with an error status."""

import json
from datetime import UTC, datetime, timedelta

import pytest
import responses

from roamcard.payments.gateways.base import InvalidWebhook, ResultStatus

from .vendors import AMOUNT, PAYMENT_ID, VENDORS

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
