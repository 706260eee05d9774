"""Refunds and cancellations racing payments and provisioning: money that is not kept is
given back once, and a refunded order keeps no data, on our side or on the network."""

from datetime import timedelta

import pytest
from django.utils import timezone

from roamcard.cards.models import Bucket
from roamcard.ledger.selectors import account_balance, card_data_balance, unit_totals
from roamcard.orders.choices import OrderState, TransitionCause
from roamcard.orders.services import order_cancel
from roamcard.payments.choices import PaymentState, RefundState
from roamcard.payments.errors import NothingLeftToRefund, RefundTooLarge
from roamcard.payments.models import Payment, Refund
from roamcard.provisioning.models import ProvisioningJob
from roamcard.renewals.janitor import janitor_sweep
from roamcard.renewals.services import renewal_pay, renewal_payment_sync, renewal_refund_by_staff
from roamcard.sandbox.models import SandboxEvent, SandboxRefund
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


def test_staff_refunding_parts_at_once_never_give_back_more_than_was_paid(renewal_setup, staff):
    """Eight members of staff each refund 30 % of the same order at the same instant: three
    parts fit (90 %), the others are refused with what is left; the gateway is asked for
    exactly those three, and the data taken back matches them."""
    traveller, card, plan = renewal_setup
    order, payment = start_card_payment(traveller, card, plan)
    pay_with(payment)
    renewal_payment_sync(payment_id=payment.pk, cause=TransitionCause.RETURN)
    order.refresh_from_db()
    assert order.state == OrderState.FULFILLED
    part = payment.amount_minor * 3 // 10

    outcomes = race(
        *[
            lambda n=n: staff_refund(order, staff, key=f"desk-{n}", amount_minor=part)
            for n in range(8)
        ]
    )
    settle()

    made = [o.value for o in outcomes if o.error is None]
    refused = [o.error for o in outcomes if o.error is not None]
    assert len(made) == 3 and len(refused) == 5
    assert all(isinstance(error, RefundTooLarge) for error in refused)
    refunds = Refund.objects.filter(payment=payment)
    assert sum(r.amount_minor for r in refunds) == 3 * part <= payment.amount_minor
    assert all(r.state == RefundState.SUCCEEDED for r in refunds)
    assert sum(SandboxRefund.objects.values_list("amount_minor", flat=True)) == 3 * part
    order.refresh_from_db()
    assert order.state == OrderState.FULFILLED
    bucket = Bucket.objects.get(order=order)
    assert bucket.bytes_remaining == plan.data_bytes - sum(r.bytes_withdrawn for r in refunds)
    assert card_data_balance(card_id=card.pk) == bucket.bytes_remaining
    assert set(unit_totals().values()) == {0}
    assert account_balance(code="gateway:sandbox:CNY") == payment.amount_minor - 3 * part
    assert_exactly_once()


def test_a_partial_and_a_full_refund_at_once_give_back_what_was_paid_once(renewal_setup, staff):
    traveller, card, plan = renewal_setup
    order, payment = start_card_payment(traveller, card, plan)
    pay_with(payment)
    renewal_payment_sync(payment_id=payment.pk, cause=TransitionCause.RETURN)
    order.refresh_from_db()

    outcomes = race(
        lambda: staff_refund(order, staff, key="desk-a", amount_minor=1000),
        lambda: staff_refund(order, staff, key="desk-b"),  # all that is left
    )
    settle()

    # Whichever locks the payment first: the part and then the rest, or all of it and the
    # part refused because nothing is left.
    partial, full = outcomes
    assert full.error is None
    assert partial.error is None or isinstance(partial.error, NothingLeftToRefund)
    refunds = Refund.objects.filter(payment=payment)
    assert sum(r.amount_minor for r in refunds) == payment.amount_minor
    order.refresh_from_db()
    assert order.state == OrderState.REFUNDED
    assert_exactly_once()
