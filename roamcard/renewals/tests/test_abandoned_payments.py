"""Money the traveller did not mean to leave with us: a payment abandoned at the gateway is
closed there, a success that comes after all is refunded and the traveller told, and a lost
notification costs seconds."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from roamcard.core import tasks as core_tasks
from roamcard.notifications.models import Message
from roamcard.orders.choices import OrderState
from roamcard.orders.services import order_create
from roamcard.payments.choices import PaymentState, RefundState
from roamcard.payments.models import Payment
from roamcard.renewals.janitor import janitor_sweep
from roamcard.renewals.services import RECONCILE_JOB, renewal_pay, renewal_reconcile
from tests.simulation.invariants import money_violations

pytestmark = pytest.mark.django_db


def _pay(traveller, card, plan):
    order = order_create(user=traveller, card_id=card.pk, plan_id=plan.pk, currency="USD")
    return order, renewal_pay(user=traveller, order=order, method="card")


def _past_the_payers_time(payment, extra=timedelta(0)):
    window = timedelta(seconds=settings.PAYMENT_PAYER_WINDOW_SECONDS)
    grace = timedelta(seconds=settings.PAYMENT_CLOSE_GRACE_SECONDS)
    return payment.created_at + window + grace + timedelta(seconds=1) + extra


def test_an_abandoned_payment_is_closed_at_the_gateway(gateway, traveller, card, plan, committed):
    order, payment = _pay(traveller, card, plan)

    with committed(), time_machine.travel(_past_the_payers_time(payment)):
        janitor_sweep()

    assert str(payment.public_id) in gateway.closed
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.state == PaymentState.FAILED and payment.error_code == "abandoned"
    assert order.state == OrderState.PAYMENT_FAILED  # it can be paid again


def test_a_payment_still_open_is_not_closed_early(gateway, traveller, card, plan):
    _, payment = _pay(traveller, card, plan)

    janitor_sweep(now=timezone.now() + timedelta(minutes=5))

    assert gateway.closed == []
    payment.refresh_from_db()
    assert payment.state == PaymentState.PENDING


def test_paid_just_before_the_close_renews_the_card(gateway, traveller, card, plan, committed):
    order, payment = _pay(traveller, card, plan)
    gateway.will_succeed(payment)  # the payer got through; closing answers "already paid"

    with committed(), time_machine.travel(_past_the_payers_time(payment)):
        janitor_sweep()

    order.refresh_from_db()
    assert order.state == OrderState.FULFILLED
    assert gateway.refunded == []


def test_a_success_after_the_close_is_refunded_and_the_traveller_told(
    gateway, traveller, card, plan, committed
):
    traveller.preferred_language, traveller.phone = "ja", "+819012345678"
    traveller.save()
    order, payment = _pay(traveller, card, plan)
    with committed(), time_machine.travel(_past_the_payers_time(payment)):
        janitor_sweep()
    # The vendor took the money after all (the payer finished as we closed it).
    gateway.will_succeed(payment)

    with committed(), time_machine.travel(_past_the_payers_time(payment, timedelta(minutes=10))):
        janitor_sweep()

    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.state == PaymentState.SUCCEEDED and not payment.paid_order
    assert payment.refunds.get().state == RefundState.SUCCEEDED
    assert [r["payment_id"] for r in gateway.refunded] == [str(payment.public_id)]
    assert order.state == OrderState.PAYMENT_FAILED  # nothing renewed hours later
    notices = Message.objects.filter(kind="late_payment_refunded")
    assert {m.channel for m in notices} == {"sms", "email"}
    assert all(m.language == "ja" for m in notices)
    assert "返金" in notices.get(channel="sms").body
    assert money_violations() == []


def test_a_closed_payment_is_asked_once_more_then_left_alone(
    gateway, traveller, card, plan, committed
):
    _, payment = _pay(traveller, card, plan)
    with committed(), time_machine.travel(_past_the_payers_time(payment)):
        janitor_sweep()

    with committed(), time_machine.travel(_past_the_payers_time(payment, timedelta(minutes=10))):
        janitor_sweep()

    payment.refresh_from_db()
    assert payment.state == PaymentState.FAILED
    assert payment.next_reconcile_at is None  # watched until the vendor's session ended


def test_a_lost_notification_is_reconciled_within_seconds(
    gateway, traveller, card, plan, committed, monkeypatch
):
    scheduled = []

    class Recorder:
        @staticmethod
        def schedule(args, delay):
            scheduled.append((args, delay))

    monkeypatch.setitem(core_tasks._JOBS, RECONCILE_JOB, Recorder)
    with committed():
        order, payment = _pay(traveller, card, plan)

    # The first look at the gateway is due within seconds of starting the payment.
    [(args, delay)] = scheduled
    assert args == (payment.pk,) and delay <= 15
    gateway.will_succeed(payment)  # paid; its notification never arrives

    with committed(), time_machine.travel(timezone.now() + timedelta(seconds=delay)):
        renewal_reconcile(payment_id=payment.pk)

    order.refresh_from_db()
    assert order.state == OrderState.FULFILLED


def test_a_payment_still_waiting_keeps_being_asked(
    gateway, traveller, card, plan, committed, monkeypatch
):
    scheduled = []

    class Recorder:
        @staticmethod
        def schedule(args, delay):
            scheduled.append(delay)

    monkeypatch.setitem(core_tasks._JOBS, RECONCILE_JOB, Recorder)
    with committed():
        _, payment = _pay(traveller, card, plan)
    with committed():
        renewal_reconcile(payment_id=payment.pk)

    assert len(scheduled) == 2 and scheduled[1] > scheduled[0]  # backing off
    assert Payment.objects.get(pk=payment.pk).state == PaymentState.PENDING


def test_a_lost_withdrawal_job_is_driven_on_by_the_janitor(
    gateway, traveller, card, plan, committed, monkeypatch, staff
):
    from roamcard.provisioning.services import NETWORK_WITHDRAW_JOB
    from roamcard.renewals.services import renewal_payment_sync, renewal_refund_by_staff
    from roamcard.simnet.models import SimAllowance

    order, payment = _pay(traveller, card, plan)
    gateway.will_succeed(payment)
    with committed():
        renewal_payment_sync(payment_id=payment.pk, cause="return")
    monkeypatch.setitem(core_tasks._JOBS, NETWORK_WITHDRAW_JOB, lambda job_id: None)  # lost
    with committed():
        renewal_refund_by_staff(
            order=order,
            staff=staff,
            amount_minor=None,
            reason="not_used",
            idempotency_key="form-1",
        )
    order.refresh_from_db()
    assert order.state == OrderState.REFUNDED
    allowance = SimAllowance.objects.get(request_id=f"order-{order.public_id}")
    assert not allowance.withdrawn

    janitor_sweep(now=timezone.now() + timedelta(minutes=1))

    allowance.refresh_from_db()
    assert allowance.withdrawn
