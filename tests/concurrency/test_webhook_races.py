"""One notification delivered many times at once, and the notification racing the
traveller's return: the order is paid, provisioned and confirmed once."""

import time

import pytest

from roamcard.cards.selectors import card_balance
from roamcard.notifications.models import Message
from roamcard.orders.choices import OrderState, TransitionCause
from roamcard.payments import services as payment_services
from roamcard.payments.models import Payment, PaymentEvent, WebhookDelivery
from roamcard.renewals import services as renewal_services
from roamcard.renewals.services import renewal_payment_sync
from roamcard.sandbox.models import SandboxEvent
from roamcard.simnet.models import SimAllowance
from tests.flows.helpers import charge_for, pay_with, start_card_payment
from tests.simulation.invariants import assert_exactly_once

from .conftest import GIB
from .racing import deliver, race, raise_first_error

pytestmark = pytest.mark.django_db(transaction=True)

COPIES = 20


def succeeded_event(payment: Payment) -> SandboxEvent:
    return SandboxEvent.objects.get(charge=charge_for(payment), type="payment.succeeded")


def test_twenty_copies_of_one_webhook_at_once_renew_once(renewal_setup):
    traveller, card, plan = renewal_setup
    order, payment = start_card_payment(traveller, card, plan)
    pay_with(payment)  # the sandbox's own delivery cannot reach us in tests
    event = succeeded_event(payment)

    outcomes = race(*[lambda: deliver(event) for _ in range(COPIES)])

    raise_first_error(outcomes)
    assert [o.value for o in outcomes] == [200] * COPIES  # every copy is acknowledged
    deliveries = WebhookDelivery.objects.filter(event_id=event.pk)
    assert deliveries.count() == COPIES
    assert deliveries.filter(outcome=WebhookDelivery.Outcome.PROCESSED).count() == 1
    assert deliveries.filter(outcome=WebhookDelivery.Outcome.DUPLICATE).count() == COPIES - 1
    order.refresh_from_db()
    assert order.state == OrderState.FULFILLED
    assert card.buckets.count() == 1
    assert card_balance(card=card).bytes_remaining == 5 * GIB
    assert SimAllowance.objects.filter(card__iccid=card.iccid).count() == 1
    assert Message.objects.filter(kind="renewal_confirmed", channel="sms").count() == 1
    assert PaymentEvent.objects.filter(payment=payment, kind="succeeded").count() == 1
    assert_exactly_once()


@pytest.fixture
def confirm_calls(monkeypatch):
    """Counts the calls that mark a payment succeeded and whether each did, and holds the
    confirming
    transaction open a little (between posting the money and marking the order paid), so
    that a racing path reliably arrives while the first one is inside."""
    calls: list[tuple[str, bool]] = []
    real_confirm = renewal_services.payment_mark_succeeded
    real_post = payment_services.ledger_post_payment

    def counted_confirm(**kwargs):
        answer = real_confirm(**kwargs)
        calls.append((kwargs["cause"], answer is not None))
        return answer

    def slow_post(**kwargs):
        posted = real_post(**kwargs)
        time.sleep(0.2)
        return posted

    monkeypatch.setattr(renewal_services, "payment_mark_succeeded", counted_confirm)
    monkeypatch.setattr(payment_services, "ledger_post_payment", slow_post)
    return calls


@pytest.mark.parametrize("round_", range(3))
def test_webhook_and_return_racing_fulfil_once(renewal_setup, confirm_calls, round_):
    traveller, card, plan = renewal_setup
    order, payment = start_card_payment(traveller, card, plan)
    pay_with(payment)
    event = succeeded_event(payment)

    outcomes = race(
        lambda: deliver(event),
        lambda: renewal_payment_sync(payment_id=payment.pk, cause=TransitionCause.RETURN),
        lambda: deliver(event),  # and the gateway's retry of the same notification
        lambda: renewal_payment_sync(
            payment_id=payment.pk, cause=TransitionCause.RETURN
        ),  # a reload
    )

    raise_first_error(outcomes)
    # The webhook and at least one return reached the confirmation together; one won.
    causes = {cause for cause, _ in confirm_calls}
    assert {TransitionCause.WEBHOOK, TransitionCause.RETURN} <= causes, confirm_calls
    assert [answer for _, answer in confirm_calls].count(True) == 1, confirm_calls
    order.refresh_from_db()
    assert order.state == OrderState.FULFILLED
    assert card.buckets.count() == 1
    assert Message.objects.filter(kind="renewal_confirmed", channel="sms").count() == 1
    assert_exactly_once()


def test_many_orders_paid_at_once_with_duplicated_webhooks_each_renew_once(renewal_setup):
    """Eight orders for the same card (its buckets, its ledger account, the plan's rows all
    shared), each notified three times and returned to once, all at the same instant."""
    traveller, card, plan = renewal_setup
    events, payments = [], []
    for _ in range(8):
        _, payment = start_card_payment(traveller, card, plan)
        pay_with(payment)
        payments.append(payment)
        events.append(succeeded_event(payment))
    actions = [lambda e=e: deliver(e) for e in events for _ in range(3)]
    actions += [
        lambda p=p: renewal_payment_sync(payment_id=p.pk, cause=TransitionCause.RETURN)
        for p in payments
    ]

    raise_first_error(race(*actions))

    assert card.buckets.count() == 8
    assert card_balance(card=card).bytes_remaining == 8 * 5 * GIB
    assert Message.objects.filter(kind="renewal_confirmed", channel="sms").count() == 8
    # Renewals pile up their days: each one starts where the previous one ends.
    ends = sorted(card.buckets.values_list("valid_until", flat=True))
    assert len(set(ends)) == 8
    assert_exactly_once()
