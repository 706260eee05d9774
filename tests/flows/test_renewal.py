"""The renewal journey through the real services, the sandbox gateway and the simulated
network: what the traveller ends up with, and what the books say."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from roamcard.cards.selectors import card_balance
from roamcard.ledger.selectors import card_data_balance, unit_totals
from roamcard.notifications.models import Message
from roamcard.orders.choices import OrderState, TransitionCause
from roamcard.orders.services import order_cancel
from roamcard.payments.choices import PaymentState, RefundState
from roamcard.payments.models import Payment, WebhookDelivery
from roamcard.provisioning.models import ProvisioningJob
from roamcard.renewals.janitor import janitor_sweep
from roamcard.renewals.services import renewal_pay, renewal_payment_sync
from roamcard.sandbox import services as sandbox
from roamcard.simnet.models import SimAllowance, SimFault

from .helpers import charge_for, pay_with, start_card_payment

GIB = 1024**3

pytestmark = pytest.mark.django_db(transaction=True)


def test_paying_by_card_and_returning_renews_the_card(renewal_setup):
    traveller, card, plan = renewal_setup
    order, payment = start_card_payment(traveller, card, plan)
    assert payment.state == PaymentState.PENDING
    assert "/sandbox/pay/" in payment.redirect_url

    pay_with(payment)  # the notification cannot reach us here: the return path must do it
    renewal_payment_sync(payment_id=payment.pk, cause=TransitionCause.RETURN)

    order.refresh_from_db()
    assert order.state == OrderState.FULFILLED
    balance = card_balance(card=card)
    assert balance.bytes_remaining == 5 * GIB
    assert card_data_balance(card_id=card.pk) == 5 * GIB
    assert SimAllowance.objects.filter(card__iccid=card.iccid).count() == 1
    sms = Message.objects.filter(kind="renewal_confirmed", channel="sms")
    assert [m.to for m in sms] == ["+85261234567"]
    assert "5 GB" in sms[0].body
    assert Message.objects.filter(kind="renewal_confirmed", channel="email").count() == 1
    assert unit_totals() == {"BYTE": 0, "CNY": 0}
    assert [e.to_state for e in order.events.all()] == [
        OrderState.PENDING_PAYMENT,
        OrderState.PAID,
        OrderState.FULFILLED,
    ]


def test_returning_twice_fulfils_once(renewal_setup):
    traveller, card, plan = renewal_setup
    order, payment = start_card_payment(traveller, card, plan)
    pay_with(payment)

    for _ in range(3):
        renewal_payment_sync(payment_id=payment.pk, cause=TransitionCause.RETURN)

    assert card.buckets.count() == 1
    assert Message.objects.filter(kind="renewal_confirmed", channel="sms").count() == 1


def test_a_declined_card_leaves_the_order_payable_and_alipay_then_succeeds(renewal_setup):
    traveller, card, plan = renewal_setup
    order, payment = start_card_payment(traveller, card, plan)
    pay_with(payment, "4000 0000 0000 0002")
    renewal_payment_sync(payment_id=payment.pk, cause=TransitionCause.RETURN)

    order.refresh_from_db()
    assert order.state == OrderState.PAYMENT_FAILED
    assert order.failure_message == "Your card was declined."

    retry = renewal_pay(user=traveller, order=order, method="alipay")
    sandbox.sandbox_wallet_answer(charge_id=charge_for(retry).pk, approve=True)
    renewal_payment_sync(payment_id=retry.pk, cause=TransitionCause.RETURN)

    order.refresh_from_db()
    assert order.state == OrderState.FULFILLED
    assert card.buckets.count() == 1


def test_the_extra_confirmation_step_must_be_approved(renewal_setup):
    traveller, card, plan = renewal_setup
    order, payment = start_card_payment(traveller, card, plan)
    charge = pay_with(payment, "4000 0000 0000 3220")
    renewal_payment_sync(payment_id=payment.pk, cause=TransitionCause.RETURN)
    order.refresh_from_db()
    assert order.state == OrderState.PENDING_PAYMENT

    sandbox.sandbox_confirm_action(charge_id=charge.pk, approve=True)
    renewal_payment_sync(payment_id=payment.pk, cause=TransitionCause.RETURN)
    order.refresh_from_db()
    assert order.state == OrderState.FULFILLED


def test_money_arriving_for_a_cancelled_order_is_refunded_and_grants_nothing(renewal_setup):
    traveller, card, plan = renewal_setup
    order, payment = start_card_payment(traveller, card, plan)
    order_cancel(user=traveller, order_id=order.pk)

    pay_with(payment)
    renewal_payment_sync(payment_id=payment.pk, cause=TransitionCause.RETURN)

    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.state == OrderState.CANCELLED
    assert payment.state == PaymentState.SUCCEEDED
    assert payment.refunds.get().state == RefundState.SUCCEEDED
    assert card.buckets.count() == 0
    assert unit_totals()["CNY"] == 0


@override_settings(PROVISIONING_MAX_ATTEMPTS=3, PROVISIONING_BACKOFF_SECONDS=[60])
def test_network_failures_are_retried_then_the_order_is_refunded_and_the_traveller_told(
    renewal_setup,
):
    traveller, card, plan = renewal_setup
    SimFault.objects.create(iccid=card.iccid, remaining=10)
    order, payment = start_card_payment(traveller, card, plan)
    pay_with(payment)
    renewal_payment_sync(payment_id=payment.pk, cause=TransitionCause.RETURN)

    job = ProvisioningJob.objects.get(order=order)
    assert job.state == ProvisioningJob.State.PENDING and job.attempts == 1
    assert janitor_sweep().jobs_run == 0  # not due yet
    janitor_sweep(now=timezone.now() + timedelta(minutes=2))
    janitor_sweep(now=timezone.now() + timedelta(minutes=4))

    job.refresh_from_db()
    order.refresh_from_db()
    assert job.state == ProvisioningJob.State.FAILED and job.attempts == 3
    assert order.state == OrderState.REFUNDED
    assert card.buckets.count() == 0
    assert Message.objects.filter(kind="renewal_refunded", channel="sms").count() == 1
    assert unit_totals()["CNY"] == 0


def test_a_network_that_applied_but_timed_out_is_not_applied_twice(renewal_setup):
    traveller, card, plan = renewal_setup
    SimFault.objects.create(iccid=card.iccid, mode=SimFault.Mode.TIMEOUT_AFTER_APPLY, remaining=1)
    order, payment = start_card_payment(traveller, card, plan)
    pay_with(payment)
    renewal_payment_sync(payment_id=payment.pk, cause=TransitionCause.RETURN)
    janitor_sweep(now=timezone.now() + timedelta(minutes=1))

    order.refresh_from_db()
    assert order.state == OrderState.FULFILLED
    assert SimAllowance.objects.filter(card__iccid=card.iccid).count() == 1
    assert card.buckets.count() == 1


def test_notifications_arrive_over_http_and_fulfil(renewal_setup, live_server, settings):
    settings.PUBLIC_BASE_URL = live_server.url
    traveller, card, plan = renewal_setup
    order, payment = start_card_payment(traveller, card, plan)

    pay_with(payment)  # the sandbox posts its signed notification to our webhook endpoint

    order.refresh_from_db()
    assert order.state == OrderState.FULFILLED
    delivery = WebhookDelivery.objects.get(gateway="sandbox")
    assert delivery.outcome == WebhookDelivery.Outcome.PROCESSED
    assert delivery.payment_id == payment.pk
    renewal_payment_sync(payment_id=payment.pk, cause=TransitionCause.RETURN)  # the return, later
    assert card.buckets.count() == 1


def test_the_staff_refund_of_a_renewed_order_takes_the_data_back(renewal_setup):
    from roamcard.renewals.services import renewal_refund

    traveller, card, plan = renewal_setup
    order, payment = start_card_payment(traveller, card, plan)
    pay_with(payment)
    renewal_payment_sync(payment_id=payment.pk, cause=TransitionCause.RETURN)

    renewal_refund(payment=Payment.objects.get(pk=payment.pk), reason="customer request")

    order.refresh_from_db()
    assert order.state == OrderState.REFUNDED
    assert card_balance(card=card).bytes_remaining == 0
    assert card_data_balance(card_id=card.pk) == 0
    assert unit_totals() == {"BYTE": 0, "CNY": 0}
