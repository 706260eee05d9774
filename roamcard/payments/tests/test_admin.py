"""What staff see of webhook deliveries and payments in the back office."""

import hashlib

import pytest
from django.urls import reverse
from django.utils import timezone

from roamcard.payments.models import Payment, WebhookDelivery
from tests.flows.helpers import start_card_payment


@pytest.mark.django_db
def test_a_delivery_shows_the_size_and_hash_of_its_body(staff_client):
    body = b"x" * 60_000
    delivery = WebhookDelivery.objects.create(
        gateway="sandbox",
        body=body[:2048].decode(),
        body_size=len(body),
        body_sha256=hashlib.sha256(body).hexdigest(),
        outcome=WebhookDelivery.Outcome.REJECTED,
        reason="signature does not match",
    )

    page = staff_client.get(reverse("admin:payments_webhookdelivery_change", args=[delivery.pk]))

    assert page.status_code == 200
    assert "60000" in page.text.replace(",", "").replace("\u202f", "")
    assert hashlib.sha256(body).hexdigest() in page.text


@pytest.mark.django_db
def test_a_payment_shows_when_the_payers_session_ends(staff_client, renewal_setup):
    traveller, card, plan = renewal_setup
    _order, payment = start_card_payment(traveller, card, plan)
    Payment.objects.filter(pk=payment.pk).update(expires_at=timezone.now())

    page = staff_client.get(reverse("admin:payments_payment_change", args=[payment.pk]))

    assert page.status_code == 200
    assert "session ends" in page.text
