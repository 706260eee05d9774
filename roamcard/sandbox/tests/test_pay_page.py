"""The sandbox's hosted pages refuse a payment the shop closed or whose time ran out: the
payer sees why, and nothing they submit takes money."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from roamcard.payments.gateways.base import PaymentMethod, ResultStatus
from roamcard.payments.gateways.sandbox import SandboxGateway
from roamcard.sandbox.models import SandboxCharge, SandboxEvent

pytestmark = pytest.mark.django_db

PAYMENT_ID = "7e0f4b8a-9f57-4f0c-8a1d-2b5c3d4e5f60"
SUCCEEDS = "4242424242424242"
CLOSED = "The shop closed this payment"
EXPIRED = "The time to pay has run out"


@pytest.fixture
def gateway():
    return SandboxGateway(name="sandbox", secret="page-test-secret")


def start(gateway, *, method=PaymentMethod.CARD, expires_at=None):
    return gateway.start_payment(
        payment_id=PAYMENT_ID,
        amount_minor=6800,
        currency="CNY",
        method=method,
        description="Europe 5 GB, 7 days",
        return_url="https://roamcard.example/orders/1/return",
        notify_url="https://roamcard.example/payments/webhooks/sandbox/",
        expires_at=expires_at,
    )


def pay_url(started) -> str:
    return reverse("sandbox:pay", args=[started.reference])


def charge_of(started) -> SandboxCharge:
    return SandboxCharge.objects.get(pk=started.reference)


def test_the_deadline_is_kept_and_answered(gateway):
    deadline = timezone.now() + timedelta(hours=2)

    started = start(gateway, expires_at=deadline)

    assert started.expires_at == deadline
    assert charge_of(started).expires_at == deadline


def test_without_a_deadline_the_payer_has_thirty_minutes(gateway):
    started = start(gateway)

    left = started.expires_at - timezone.now()
    assert timedelta(minutes=29) < left <= timedelta(minutes=30)


def test_a_closed_payment_is_refused_on_its_pay_page(client, gateway):
    started = start(gateway)
    gateway.cancel_payment(payment_id=PAYMENT_ID, reference=started.reference)

    page = client.get(pay_url(started))
    submitted = client.post(pay_url(started), {"number": SUCCEEDS})

    assert page.status_code == submitted.status_code == 410
    assert CLOSED in page.content.decode()
    assert CLOSED in submitted.content.decode()
    assert charge_of(started).status == SandboxCharge.Status.FAILED
    assert not SandboxEvent.objects.filter(type="payment.succeeded").exists()
    query = gateway.query_payment(payment_id=PAYMENT_ID, reference=started.reference)
    assert (query.status, query.error_code) == (ResultStatus.FAILED, "closed")


def test_a_closed_wallet_payment_cannot_be_confirmed_in_the_wallet(client, gateway):
    started = start(gateway, method=PaymentMethod.WECHAT_PAY)
    gateway.cancel_payment(payment_id=PAYMENT_ID, reference=started.reference)

    answer = client.post(reverse("sandbox:wallet", args=[started.reference]), {"answer": "approve"})

    assert answer.status_code == 410
    assert CLOSED in answer.content.decode()
    assert charge_of(started).status == SandboxCharge.Status.FAILED


def test_a_payment_waiting_for_the_bank_can_be_closed_and_not_confirmed_after(client, gateway):
    started = start(gateway)
    client.post(pay_url(started), {"number": "4000000000003220"})  # asks the bank
    assert charge_of(started).status == SandboxCharge.Status.REQUIRES_ACTION

    closed = gateway.cancel_payment(payment_id=PAYMENT_ID, reference=started.reference)
    confirmed = client.post(
        reverse("sandbox:confirm", args=[started.reference]), {"answer": "approve"}
    )

    assert closed.status == ResultStatus.FAILED
    assert confirmed.status_code == 410
    assert charge_of(started).status == SandboxCharge.Status.FAILED


def test_an_expired_payment_is_refused_on_its_pay_page(client, gateway):
    started = start(gateway, expires_at=timezone.now() + timedelta(minutes=30))
    SandboxCharge.objects.filter(pk=started.reference).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )

    page = client.get(pay_url(started))
    submitted = client.post(pay_url(started), {"number": SUCCEEDS})

    assert page.status_code == submitted.status_code == 410
    assert EXPIRED in page.content.decode()
    assert not SandboxEvent.objects.filter(type="payment.succeeded").exists()
    query = gateway.query_payment(payment_id=PAYMENT_ID, reference=started.reference)
    assert (query.status, query.error_code) == (ResultStatus.FAILED, "expired")


def test_the_refusal_reads_in_the_payers_language(client, gateway):
    started = gateway.start_payment(
        payment_id=PAYMENT_ID,
        amount_minor=6800,
        currency="CNY",
        method=PaymentMethod.CARD,
        description="Europe",
        return_url="https://roamcard.example/orders/1/return",
        notify_url="https://roamcard.example/payments/webhooks/sandbox/",
        language="ja",
    )
    gateway.cancel_payment(payment_id=PAYMENT_ID, reference=started.reference)

    page = client.get(pay_url(started))

    assert page.status_code == 410
    assert CLOSED not in page.content.decode()


def test_a_payment_paid_in_time_stays_paid_when_closed(client, gateway):
    started = start(gateway)
    client.post(pay_url(started), {"number": SUCCEEDS})

    closed = gateway.cancel_payment(payment_id=PAYMENT_ID, reference=started.reference)

    assert (closed.status, closed.amount_minor, closed.currency) == (
        ResultStatus.SUCCEEDED,
        6800,
        "CNY",
    )
    assert client.get(pay_url(started)).status_code == 200
