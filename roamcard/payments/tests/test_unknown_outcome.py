"""When we cannot learn what a gateway did (a timeout, a 5xx), the payment is recorded as
unknown and the reconcile job asks again until it knows."""

from datetime import timedelta

import pytest
import requests
from django.utils import timezone

from roamcard.orders.choices import OrderState
from roamcard.payments.choices import PaymentState
from roamcard.payments.gateways.registry import reset_gateway_cache
from roamcard.payments.gateways.sandbox import SandboxGateway
from roamcard.renewals.janitor import janitor_sweep
from tests.flows.helpers import pay_with, start_card_payment

pytestmark = pytest.mark.django_db(transaction=True)


class UnreachableSandbox(SandboxGateway):
    """The sandbox vendor behind a network that loses its answers: the vendor does the
    work, the reply never arrives. Stands in for the network, not for our code."""

    failures_left = 0

    def _maybe_time_out(self):
        if UnreachableSandbox.failures_left > 0:
            UnreachableSandbox.failures_left -= 1
            raise requests.Timeout("read timed out")

    def start_payment(self, **kwargs):
        result = super().start_payment(**kwargs)
        self._maybe_time_out()
        return result

    def query_payment(self, **kwargs):
        result = super().query_payment(**kwargs)
        self._maybe_time_out()
        return result


@pytest.fixture
def unreachable_sandbox(settings):
    settings.PAYMENT_GATEWAYS = {
        "sandbox": {
            **settings.PAYMENT_GATEWAYS["sandbox"],
            "BACKEND": f"{__name__}.UnreachableSandbox",
        }
    }
    reset_gateway_cache()
    yield UnreachableSandbox
    UnreachableSandbox.failures_left = 0
    reset_gateway_cache()


def later(minutes: int):
    return timezone.now() + timedelta(minutes=minutes)


def test_a_start_that_times_out_is_unknown_then_reconciled_to_pending(
    renewal_setup, unreachable_sandbox
):
    traveller, card, plan = renewal_setup
    unreachable_sandbox.failures_left = 1

    order, payment = start_card_payment(traveller, card, plan)

    assert payment.state == PaymentState.UNKNOWN
    assert payment.next_reconcile_at is not None
    janitor_sweep(now=later(1))
    payment.refresh_from_db()
    assert payment.state == PaymentState.PENDING
    assert "/sandbox/pay/" in payment.redirect_url


def test_a_paid_charge_whose_notification_is_lost_and_whose_query_times_out_is_fulfilled_later(
    renewal_setup, unreachable_sandbox
):
    traveller, card, plan = renewal_setup
    order, payment = start_card_payment(traveller, card, plan)
    pay_with(payment, "4000 0000 0000 0259")  # paid; the notification is lost

    unreachable_sandbox.failures_left = 1
    janitor_sweep(now=later(3))  # the query times out: still unknown
    payment.refresh_from_db()
    assert payment.state == PaymentState.UNKNOWN
    order.refresh_from_db()
    assert order.state == OrderState.PENDING_PAYMENT

    janitor_sweep(now=later(10))  # asks again, learns it succeeded
    order.refresh_from_db()
    assert order.state == OrderState.FULFILLED
    assert card.buckets.count() == 1
