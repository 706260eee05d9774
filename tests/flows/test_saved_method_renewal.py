"""Paying an order with a saved payment method, without the traveller (renewal_pay_saved,
which automatic renewal calls): through the real services, the sandbox gateway and the
simulated network."""

from datetime import timedelta

import pytest
from django.utils import timezone

from roamcard.cards.selectors import card_balance
from roamcard.ledger.selectors import unit_totals
from roamcard.orders.choices import OrderState, TransitionCause
from roamcard.orders.errors import OrderNotPayable
from roamcard.orders.services import order_create
from roamcard.payments.choices import PaymentState
from roamcard.payments.errors import SavedMethodNotUsable
from roamcard.payments.services import saved_method_remove
from roamcard.renewals.janitor import janitor_sweep
from roamcard.renewals.services import renewal_pay_saved, renewal_payment_sync
from roamcard.sandbox import services as sandbox
from roamcard.sandbox.models import SandboxCharge
from roamcard.testing import make_card, save_sandbox_method

GIB = 1024**3

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def order(renewal_setup):
    traveller, card, plan = renewal_setup
    return order_create(user=traveller, card_id=card.pk, plan_id=plan.pk, currency="CNY")


def test_a_saved_card_renews_the_card_without_the_traveller(order):
    method = save_sandbox_method(order.user)

    payment = renewal_pay_saved(order=order, saved_method=method)

    assert (payment.state, payment.off_session, payment.saved_method) == ("succeeded", True, method)
    order.refresh_from_db()
    assert order.state == OrderState.FULFILLED
    assert card_balance(card=order.card).bytes_remaining == 5 * GIB
    assert unit_totals() == {"BYTE": 0, "CNY": 0}


def test_paying_twice_charges_once(order):
    method = save_sandbox_method(order.user)

    first = renewal_pay_saved(order=order, saved_method=method)
    with pytest.raises(OrderNotPayable):  # paid: nothing more to pay
        renewal_pay_saved(order=order, saved_method=method)

    assert SandboxCharge.objects.count() == 1
    assert order.payments.get() == first


def test_a_declined_charge_fails_the_order_which_can_be_paid_again(order):
    declining = save_sandbox_method(order.user, behaviour="insufficient_funds")

    declined = renewal_pay_saved(order=order, saved_method=declining)

    assert (declined.state, declined.error_code) == ("failed", "insufficient_funds")
    order.refresh_from_db()
    assert order.state == OrderState.PAYMENT_FAILED
    retried = renewal_pay_saved(order=order, saved_method=save_sandbox_method(order.user))
    assert retried.state == PaymentState.SUCCEEDED
    order.refresh_from_db()
    assert order.state == OrderState.FULFILLED
    assert [e.to_state for e in order.events.all()] == [
        OrderState.PENDING_PAYMENT,
        OrderState.PAYMENT_FAILED,
        OrderState.PENDING_PAYMENT,
        OrderState.PAID,
        OrderState.FULFILLED,
    ]


def test_a_charge_the_bank_wants_confirmed_waits_for_the_traveller(order):
    asking = save_sandbox_method(order.user, behaviour="action")

    payment = renewal_pay_saved(order=order, saved_method=asking)

    assert payment.state == PaymentState.REQUIRES_ACTION
    assert "/sandbox/pay/" in payment.redirect_url and payment.redirect_url.endswith("/confirm/")
    order.refresh_from_db()
    assert order.state == OrderState.PENDING_PAYMENT
    # The traveller confirms on the bank's page and comes back to the order's result page.
    sandbox.sandbox_confirm_action(charge_id=payment.gateway_reference, approve=True)
    renewal_payment_sync(payment_id=payment.pk, cause=TransitionCause.RETURN)
    order.refresh_from_db()
    assert order.state == OrderState.FULFILLED


def test_a_charge_never_confirmed_is_closed_after_the_confirmation_window(order, settings):
    asking = save_sandbox_method(order.user, method="alipay", behaviour="action")
    payment = renewal_pay_saved(order=order, saved_method=asking)

    later = timezone.now() + timedelta(seconds=settings.PAYMENT_CONFIRM_WINDOW_SECONDS + 600)
    janitor_sweep(now=later)

    payment.refresh_from_db()
    assert payment.state == PaymentState.FAILED
    order.refresh_from_db()
    assert order.state == OrderState.PAYMENT_FAILED
    charge = SandboxCharge.objects.get()
    assert (charge.status, charge.failure_code) == ("failed", "closed")


def test_only_the_orders_traveller_can_be_charged(order, other_traveller):
    someone_elses = save_sandbox_method(other_traveller)

    with pytest.raises(OrderNotPayable):
        renewal_pay_saved(order=order, saved_method=someone_elses)

    assert not SandboxCharge.objects.exists()


def test_an_unbound_card_is_not_renewed(order):
    method = save_sandbox_method(order.user)
    order.card.owner = None
    order.card.save()

    with pytest.raises(OrderNotPayable):
        renewal_pay_saved(order=order, saved_method=method)


def test_a_removed_method_is_not_charged_and_the_order_is_left_as_it_was(order):
    renewal_pay_saved(
        order=order, saved_method=save_sandbox_method(order.user, behaviour="decline")
    )
    method = save_sandbox_method(order.user)
    saved_method_remove(saved_method_id=method.pk, actor=order.user)

    with pytest.raises(SavedMethodNotUsable):
        renewal_pay_saved(order=order, saved_method=method)

    assert SandboxCharge.objects.count() == 1  # the declined one
    order.refresh_from_db()
    assert order.state == OrderState.PAYMENT_FAILED


def test_each_card_of_the_traveller_can_be_renewed_with_the_same_method(renewal_setup):
    traveller, card, plan = renewal_setup
    other_card = make_card(region=card.region, owner=traveller)
    method = save_sandbox_method(traveller)

    for each in (card, other_card):
        order = order_create(user=traveller, card_id=each.pk, plan_id=plan.pk, currency="CNY")
        assert renewal_pay_saved(order=order, saved_method=method).state == "succeeded"

    assert SandboxCharge.objects.filter(status="succeeded").count() == 2
