"""The sandbox refunds a charge in parts, as a real vendor does: each part once by the
shop's refund id, never more than the charge took, each announced with its own amount."""

import pytest

from roamcard.payments.gateways.base import PaymentMethod, ResultStatus
from roamcard.payments.gateways.sandbox import SandboxGateway
from roamcard.sandbox.models import SandboxEvent
from roamcard.sandbox.services import sandbox_pay_by_card

pytestmark = pytest.mark.django_db

PAYMENT_ID = "7e0f4b8a-9f57-4f0c-8a1d-2b5c3d4e5f61"


@pytest.fixture
def gateway():
    return SandboxGateway(name="sandbox", secret="refund-test-secret")


@pytest.fixture
def paid(gateway):
    started = gateway.start_payment(
        payment_id=PAYMENT_ID,
        amount_minor=6800,
        currency="CNY",
        method=PaymentMethod.CARD,
        description="Europe 5 GB, 7 days",
        return_url="https://roamcard.example/orders/1/return",
        notify_url="https://roamcard.example/payments/webhooks/sandbox/",
    )
    sandbox_pay_by_card(charge_id=started.reference, number="4242424242424242")
    return started


def refund(gateway, refund_id, amount_minor):
    return gateway.refund(
        refund_id=refund_id,
        payment_id=PAYMENT_ID,
        reference="",
        amount_minor=amount_minor,
        currency="CNY",
        payment_amount_minor=6800,
    )


def test_a_charge_is_refunded_in_parts_never_beyond_what_it_took(gateway, paid):
    first = refund(gateway, "refund-1", 1700)
    second = refund(gateway, "refund-2", 3400)
    too_much = refund(gateway, "refund-3", 1701)  # 1,700 is left
    rest = refund(gateway, "refund-4", 1700)

    assert [r.status for r in (first, second, rest)] == [ResultStatus.SUCCEEDED] * 3
    assert [r.amount_minor for r in (first, second, rest)] == [1700, 3400, 1700]
    assert too_much.status == ResultStatus.FAILED and "1700 is left" in too_much.error_message
    events = SandboxEvent.objects.filter(type="refund.succeeded").order_by("created_at")
    assert [e.payload["data"]["refund_amount"] for e in events] == [1700, 3400, 1700]
    assert [e.payload["data"]["merchant_refund_id"] for e in events] == [
        "refund-1",
        "refund-2",
        "refund-4",
    ]


def test_the_same_refund_id_again_is_the_same_refund(gateway, paid):
    first = refund(gateway, "refund-1", 1700)
    again = refund(gateway, "refund-1", 1700)

    assert again.reference == first.reference
    assert SandboxEvent.objects.filter(type="refund.succeeded").count() == 1
