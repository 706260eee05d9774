"""Posting notifications to the webhook endpoint the way the sandbox vendor signs them."""

import json

from django.urls import reverse

from roamcard.sandbox import signing
from roamcard.sandbox.models import SandboxEvent
from tests.flows.helpers import pay_with, start_card_payment

SANDBOX_URL = reverse("payments:webhook", kwargs={"gateway": "sandbox"})
SECRET = "sandbox-webhook-secret-for-development"


def post_signed(client, body: bytes, *, timestamp=None, secret=SECRET, header=None, url=None):
    signature = (
        header
        if header is not None
        else signing.sign(secret=secret, body=body, timestamp=timestamp)
    )
    return client.post(
        url or SANDBOX_URL,
        data=body,
        content_type="application/json",
        headers={"Sandbox-Signature": signature},
    )


def succeeded_event_body(renewal_setup) -> tuple[bytes, object]:
    """The body of the sandbox's real payment.succeeded notification for a new order."""
    traveller, card, plan = renewal_setup
    order, payment = start_card_payment(traveller, card, plan)
    pay_with(payment)  # the sandbox's own delivery fails: nothing listens in tests
    event = SandboxEvent.objects.get(
        charge__merchant_payment_id=str(payment.public_id), type="payment.succeeded"
    )
    return json.dumps(event.payload).encode(), order
