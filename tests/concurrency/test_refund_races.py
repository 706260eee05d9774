"""Refunds and cancellations racing payments and provisioning: money that is not kept is
given back once, and a refunded order keeps no data, on our side or on the network."""

from datetime import timedelta

import pytest
from django.utils import timezone

from roamcard.orders.choices import OrderState, TransitionCause
from roamcard.orders.services import order_cancel
from roamcard.payments.choices import PaymentState, RefundState
from roamcard.payments.models import Payment, Refund
from roamcard.provisioning.models import ProvisioningJob
from roamcard.renewals.janitor import janitor_sweep
from roamcard.renewals.services import renewal_pay, renewal_payment_sync, renewal_refund_by_staff
from roamcard.sandbox.models import SandboxEvent
from roamcard.simnet.models import SimAllowance
from roamcard.testing import make_user
from tests.flows.helpers import charge_for, pay_with, start_card_payment
from tests.simulation.invariants import assert_exactly_once

from .racing import deliver, race, raise_first_error

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def staff(db):
    return make_user(email="staff@example.com", is_staff=True)


def settle():
    """Whatever the race left for later (a refund to execute, a job to close)."""
    for minutes in (1, 5, 30):
        janitor_sweep(now=timezone.now() + timedelta(minutes=minutes))


def staff_refund(order, staff, *, key="form-1", amount_minor=None):
    return renewal_refund_by_staff(
        order=order,
        staff=staff,
        amount_minor=amount_minor,
        reason="not_used",
        idempotency_key=key,
    )


def test_staff_clicking_refund_five_times_at_once_refund_once(renewal_setup, staff):
    traveller, card, plan = renewal_setup
    order, payment = start_card_payment(traveller, card, plan)
    pay_with(payment)
    renewal_payment_sync(payment_id=payment.pk, cause=TransitionCause.RETURN)
    order.refresh_from_db()

    outcomes = race(*[lambda: staff_refund(order, staff) for _ in range(5)])

    raise_first_error(outcomes)
    assert Refund.objects.count() == 1
    assert {o.value.pk for o in outcomes} == {Refund.objects.get().pk}
    order.refresh_from_db()
    assert order.state == OrderState.REFUNDED
    assert_exactly_once()


def test_staff_refund_racing_the_provisioning_of_the_order(
    paid_with_job_never_run, slow_network, staff
):
    order, payment, card = paid_with_job_never_run

    outcomes = race(
        lambda: janitor_sweep(now=timezone.now() + timedelta(seconds=31)),
        lambda: staff_refund(order, staff),
    )

    raise_first_error(outcomes)
    settle()
    order.refresh_from_db()
    assert order.state == OrderState.REFUNDED
    assert Refund.objects.get().state == RefundState.SUCCEEDED
    assert not SimAllowance.objects.filter(card__iccid=card.iccid, withdrawn=False).exists()
    assert_exactly_once()


def test_cancelling_while_the_payment_notification_arrives(renewal_setup):
    traveller, card, plan = renewal_setup
    for _ in range(3):
        order, payment = start_card_payment(traveller, card, plan)
        pay_with(payment)
        event = SandboxEvent.objects.get(charge=charge_for(payment), type="payment.succeeded")

        raise_first_error(
            race(
                lambda o=order: order_cancel(user=traveller, order_id=o.pk),
                lambda e=event: deliver(e),
            )
        )

        order.refresh_from_db()
        payment.refresh_from_db()
        assert payment.state == PaymentState.SUCCEEDED
        if order.state == OrderState.CANCELLED:  # the cancel won: the money goes back
            assert payment.refunds.get().state == RefundState.SUCCEEDED
        else:  # the payment won: the cancel is refused
            assert order.state == OrderState.FULFILLED
    settle()
    assert_exactly_once()


def test_two_payments_of_one_order_succeeding_at_once_renew_once_and_refund_the_other(
    renewal_setup,
):
    traveller, card, plan = renewal_setup
    order, by_card = start_card_payment(traveller, card, plan)
    by_wallet = renewal_pay(user=traveller, order=order, method="alipay")  # a second tab
    pay_with(by_card)
    from roamcard.sandbox import services as sandbox

    sandbox.sandbox_wallet_answer(charge_id=charge_for(by_wallet).pk, approve=True)
    events = [
        SandboxEvent.objects.get(charge=charge_for(p), type="payment.succeeded")
        for p in (by_card, by_wallet)
    ]

    raise_first_error(race(*[lambda e=e: deliver(e) for e in events for _ in range(2)]))
    settle()

    order.refresh_from_db()
    assert order.state == OrderState.FULFILLED
    assert card.buckets.count() == 1
    payers = Payment.objects.filter(order=order, paid_order=True)
    assert payers.count() == 1
    other = Payment.objects.get(order=order, paid_order=False)
    assert (
        other.state == PaymentState.SUCCEEDED and other.refunds.get().state == RefundState.SUCCEEDED
    )
    assert_exactly_once()


def test_an_allowance_applied_before_provisioning_gave_up_is_taken_back(renewal_setup, settings):
    """The network applied the allowance but its answer was lost; every retry then fails;
    the order is refunded. The network must not keep granting what was refunded."""
    from roamcard.simnet.models import SimFault

    settings.PROVISIONING_MAX_ATTEMPTS = 2
    traveller, card, plan = renewal_setup
    SimFault.objects.create(iccid=card.iccid, mode=SimFault.Mode.TIMEOUT_AFTER_APPLY, remaining=1)
    SimFault.objects.create(iccid=card.iccid, mode=SimFault.Mode.REJECT, remaining=5)
    order, payment = start_card_payment(traveller, card, plan)
    pay_with(payment)
    renewal_payment_sync(payment_id=payment.pk, cause=TransitionCause.RETURN)
    settle()

    order.refresh_from_db()
    assert ProvisioningJob.objects.get(order=order).state == ProvisioningJob.State.FAILED
    assert order.state == OrderState.REFUNDED
    assert SimAllowance.objects.filter(card__iccid=card.iccid).count() == 1
    assert not SimAllowance.objects.filter(card__iccid=card.iccid, withdrawn=False).exists()
    assert_exactly_once()
