"""What staff see of webhook deliveries and payments in the back office."""

import hashlib

import pytest
from django.urls import reverse
from django.utils import timezone

from roamcard.core.models import AuditEvent
from roamcard.payments.models import Payment, SavedPaymentMethod, WebhookDelivery
from roamcard.sandbox.models import SandboxMandate
from roamcard.testing import save_sandbox_method
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


@pytest.mark.django_db
def test_staff_see_saved_methods_and_setups_read_only(staff_client, traveller):
    method = save_sandbox_method(traveller)
    listing = reverse("admin:payments_savedpaymentmethod_changelist")

    found = staff_client.get(listing, {"q": "alice@example.com"})
    page = staff_client.get(reverse("admin:payments_savedpaymentmethod_change", args=[method.pk]))
    setup = staff_client.get(
        reverse("admin:payments_paymentsetup_change", args=[method.setups.get().pk])
    )

    assert "Visa •••• 4242" in found.text
    assert "12/2031" in page.text
    assert setup.status_code == 200
    assert staff_client.get(reverse("admin:payments_savedpaymentmethod_add")).status_code == 403
    assert SavedPaymentMethod.objects.get().state == SavedPaymentMethod.State.ACTIVE


@pytest.mark.django_db
def test_staff_remove_a_method_audited_as_staff(staff_client, staff, traveller):
    method = save_sandbox_method(traveller)

    response = staff_client.post(
        reverse("admin:payments_savedpaymentmethod_changelist"),
        {"action": "remove_methods", "_selected_action": [method.pk]},
        follow=True,
    )

    assert "1 payment method removed." in response.text
    method.refresh_from_db()
    assert method.state == SavedPaymentMethod.State.REMOVED
    assert SandboxMandate.objects.get(pk=method.token).status == SandboxMandate.Status.REVOKED
    removal = AuditEvent.objects.get(action="payment_method.remove")
    assert (removal.actor, removal.details["by"]) == (staff, "staff")
    assert AuditEvent.objects.filter(action="savedpaymentmethod.action.remove_methods").exists()
