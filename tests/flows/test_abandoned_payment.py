"""The journey of a payment the traveller walks away from, through the real sandbox: the
janitor closes it at the gateway, the order can be paid again, and a payer coming back to
the old pay page cannot hand over money we would keep."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings

from roamcard.orders.choices import OrderState
from roamcard.payments.choices import PaymentState
from roamcard.renewals.janitor import janitor_sweep
from roamcard.sandbox.models import SandboxCharge
from tests.flows.helpers import charge_for, start_card_payment
from tests.simulation.invariants import assert_exactly_once

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_abandoned_sandbox_payment_is_closed_and_cannot_be_paid_late(client, renewal_setup):
    traveller, card, plan = renewal_setup
    order, payment = start_card_payment(traveller, card, plan)
    later = payment.expires_at + timedelta(seconds=settings.PAYMENT_CLOSE_GRACE_SECONDS + 1)

    with time_machine.travel(later):
        janitor_sweep()
        payment.refresh_from_db()
        order.refresh_from_db()
        assert payment.state == PaymentState.FAILED and payment.error_code == "abandoned"
        assert order.state == OrderState.PAYMENT_FAILED

        # The traveller finds the old tab and tries to pay there.
        charge = charge_for(payment)
        page = client.post(
            f"/sandbox/pay/{charge.pk}/",
            {"number": "4242 4242 4242 4242", "expiry": "12/30", "cvc": "123", "name": "A"},
        )
        assert page.status_code == 410
        charge.refresh_from_db()
        assert charge.status != SandboxCharge.Status.SUCCEEDED

    with time_machine.travel(later + timedelta(minutes=10)):
        janitor_sweep()
    payment.refresh_from_db()
    assert payment.state == PaymentState.FAILED and payment.next_reconcile_at is None
    assert_exactly_once()
