"""The webhook endpoint as a gateway meets it: verify first, store everything, acknowledge,
apply once."""

import json
import time

import pytest

from roamcard.cards.models import Bucket
from roamcard.orders.choices import OrderState
from roamcard.payments.models import WebhookDelivery
from roamcard.sandbox import signing

from .helpers import SECRET
from .helpers import post_signed as _post
from .helpers import succeeded_event_body as _succeeded_event_body

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_signed_notification_is_acknowledged_and_renews_the_card(client, renewal_setup):
    body, order = _succeeded_event_body(renewal_setup)

    response = _post(client, body)

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.state == OrderState.FULFILLED
    assert WebhookDelivery.objects.get().outcome == WebhookDelivery.Outcome.PROCESSED


def test_the_same_event_delivered_again_is_stored_as_a_duplicate_and_applied_once(
    client, renewal_setup
):
    body, order = _succeeded_event_body(renewal_setup)

    responses = [_post(client, body) for _ in range(3)]

    assert [r.status_code for r in responses] == [200, 200, 200]
    outcomes = sorted(WebhookDelivery.objects.values_list("outcome", flat=True))
    assert outcomes == ["duplicate", "duplicate", "processed"]
    assert Bucket.objects.filter(card_id=order.card_id).count() == 1


@pytest.mark.parametrize(
    "tamper",
    ["bad_signature", "mutated_body", "too_old", "in_the_future", "missing_header", "wrong_secret"],
)
def test_a_notification_failing_verification_is_rejected_and_nothing_is_applied(
    client, renewal_setup, tamper
):
    body, order = _succeeded_event_body(renewal_setup)
    now = int(time.time())
    if tamper == "bad_signature":
        response = _post(client, body, header=f"t={now},v1={'0' * 64}")
    elif tamper == "mutated_body":
        header = signing.sign(secret=SECRET, body=body)
        mutated = json.loads(body)
        mutated["data"]["amount"] = 1
        response = _post(client, json.dumps(mutated).encode(), header=header)
    elif tamper == "too_old":
        response = _post(client, body, timestamp=now - 3600)
    elif tamper == "in_the_future":
        response = _post(client, body, timestamp=now + 3600)
    elif tamper == "missing_header":
        response = _post(client, body, header="")
    else:
        response = _post(client, body, secret="someone-else")

    assert response.status_code == 400
    delivery = WebhookDelivery.objects.get()
    assert delivery.outcome == WebhookDelivery.Outcome.REJECTED
    assert delivery.body == body.decode() or tamper == "mutated_body"
    order.refresh_from_db()
    assert order.state == OrderState.PENDING_PAYMENT
    assert not Bucket.objects.filter(card_id=order.card_id).exists()


def test_an_amount_that_does_not_match_the_order_is_flagged_and_not_applied(client, renewal_setup):
    body, order = _succeeded_event_body(renewal_setup)
    payload = json.loads(body)
    payload["id"] = "evt_forged_amount"
    payload["data"]["amount"] = 1
    forged = json.dumps(payload).encode()

    response = _post(client, forged)

    assert response.status_code == 200  # acknowledged: the vendor must not retry it forever
    delivery = WebhookDelivery.objects.get(event_id="evt_forged_amount")
    assert delivery.outcome == WebhookDelivery.Outcome.FLAGGED
    assert "6800" in delivery.reason
    order.refresh_from_db()
    assert order.state == OrderState.PENDING_PAYMENT
    assert order.payments.get().events.filter(kind="flagged").exists()


def test_a_currency_that_does_not_match_is_flagged(client, renewal_setup):
    body, order = _succeeded_event_body(renewal_setup)
    payload = json.loads(body)
    payload["id"] = "evt_forged_currency"
    payload["data"]["currency"] = "USD"

    _post(client, json.dumps(payload).encode())

    assert WebhookDelivery.objects.get(event_id="evt_forged_currency").outcome == "flagged"
    order.refresh_from_db()
    assert order.state == OrderState.PENDING_PAYMENT


def test_an_unknown_gateway_is_a_404(client):
    response = client.post("/payments/webhooks/nope/", data=b"{}", content_type="application/json")
    assert response.status_code == 404


def test_an_acknowledged_notification_whose_job_was_lost_is_processed_by_the_janitor(
    renewal_setup,
):
    from datetime import timedelta

    from django.utils import timezone

    from roamcard.payments.gateways.registry import get_gateway
    from roamcard.renewals.janitor import janitor_sweep

    body, order = _succeeded_event_body(renewal_setup)
    event = get_gateway("sandbox").parse_webhook(
        headers={"Sandbox-Signature": signing.sign(secret=SECRET, body=body)}, body=body
    )
    # Stored and acknowledged as webhook_receive does, but the worker never ran its job.
    WebhookDelivery.objects.create(
        gateway="sandbox",
        event_id=event.event_id,
        body=body.decode(),
        event={
            "kind": str(event.kind),
            "payment_id": event.payment_id,
            "amount_minor": event.amount_minor,
            "currency": event.currency,
            "reference": event.reference,
        },
    )

    report = janitor_sweep(now=timezone.now() + timedelta(minutes=2))

    assert report.webhooks_processed == 1
    order.refresh_from_db()
    assert order.state == OrderState.FULFILLED
