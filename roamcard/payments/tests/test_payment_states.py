"""A payment's states follow a table, like an order's: a final answer is not undone by a
late or repeated one, except that the gateway's word that money was taken always counts."""

import pytest

from roamcard.orders.services import order_create
from roamcard.payments.choices import PAYMENT_TRANSITIONS, PaymentState
from roamcard.payments.errors import AmountMismatch
from roamcard.payments.gateways.base import GatewayResult, ResultStatus
from roamcard.payments.services import (
    payment_mark_failed,
    payment_mark_open,
    payment_mark_succeeded,
    payment_record,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def payment(renewal_setup):
    traveller, card, plan = renewal_setup
    order = order_create(user=traveller, card_id=card.pk, plan_id=plan.pk, currency="USD")
    return payment_record(
        order_id=order.pk, method="card", amount_minor=order.amount_minor, currency="USD"
    )


def test_the_table_lets_a_failed_payment_only_succeed_and_a_succeeded_one_never_move():
    assert PAYMENT_TRANSITIONS[PaymentState.FAILED] == {PaymentState.SUCCEEDED}
    assert PAYMENT_TRANSITIONS[PaymentState.SUCCEEDED] == frozenset()


def test_a_failed_payment_is_not_reopened_by_a_late_pending_answer(payment):
    assert payment_mark_failed(payment_id=payment.pk, cause="webhook")

    assert not payment_mark_open(
        payment_id=payment.pk, result=GatewayResult(status=ResultStatus.PENDING)
    )
    payment.refresh_from_db()
    assert payment.state == PaymentState.FAILED


def test_a_succeeded_payment_does_not_fail_afterwards(payment):
    assert (
        payment_mark_succeeded(
            payment_id=payment.pk, amount_minor=949, currency="USD", reference="r", cause="webhook"
        )
        == PaymentState.CREATED
    )

    assert not payment_mark_failed(payment_id=payment.pk, cause="webhook")
    payment.refresh_from_db()
    assert payment.state == PaymentState.SUCCEEDED


@pytest.mark.parametrize("amount, currency", [(None, "USD"), (949, ""), (1000, "USD")])
def test_a_success_without_the_right_amount_and_currency_is_never_applied(
    payment, amount, currency
):
    with pytest.raises(AmountMismatch):
        payment_mark_succeeded(
            payment_id=payment.pk, amount_minor=amount, currency=currency, reference="", cause="x"
        )
    payment.refresh_from_db()
    assert payment.state == PaymentState.CREATED
