"""Two renewals of one card provisioned at the same time: each adds its days after the
other's (docs/decisions/0003), and neither blocks the other for ever."""

import time
from datetime import timedelta

import pytest

from roamcard.orders.choices import OrderState, TransitionCause
from roamcard.payments.services import payment_sync
from roamcard.provisioning import tasks as provisioning_tasks
from roamcard.provisioning.models import ProvisioningJob
from roamcard.provisioning.network import get_network
from roamcard.provisioning.services import provisioning_run
from roamcard.simnet.adapter import SimulatedNetwork
from tests.flows.helpers import pay_with, start_card_payment
from tests.simulation.invariants import assert_exactly_once

from .racing import race, raise_first_error

pytestmark = pytest.mark.django_db(transaction=True)


class SlowNetwork(SimulatedNetwork):
    """The simulated network, taking its time to answer (as a real one does)."""

    def apply_allowance(self, request):
        time.sleep(0.3)
        return super().apply_allowance(request)


@pytest.fixture
def slow_network(settings):
    settings.NETWORK_ADAPTER = f"{__name__}.SlowNetwork"
    get_network.cache_clear()
    yield
    get_network.cache_clear()


@pytest.fixture
def paid_but_not_provisioned(monkeypatch):
    """Pay orders while no worker takes the provisioning jobs: they stay recorded, pending."""

    def pay(traveller, card, plan):
        with monkeypatch.context() as patch:
            patch.setattr(provisioning_tasks, "provisioning_run_task", lambda job_id: None)
            order, payment = start_card_payment(traveller, card, plan)
            pay_with(payment)
            payment_sync(payment_id=payment.pk, cause=TransitionCause.RETURN)
        order.refresh_from_db()
        assert order.state == OrderState.PAID
        return order

    return pay


def test_two_renewals_of_one_card_provisioned_together_stack_their_days(
    renewal_setup, slow_network, paid_but_not_provisioned
):
    traveller, card, plan = renewal_setup
    first = paid_but_not_provisioned(traveller, card, plan)
    second = paid_but_not_provisioned(traveller, card, plan)
    jobs = [ProvisioningJob.objects.get(order=order).pk for order in (first, second)]

    raise_first_error(race(*[lambda job_id=job_id: provisioning_run(job_id=job_id) for job_id in jobs]))

    ends = sorted(card.buckets.values_list("valid_until", flat=True))
    assert len(ends) == 2
    # 7 days from now, then 7 more days after that: no day of either renewal is lost.
    assert ends[1] - ends[0] >= timedelta(days=7) - timedelta(seconds=5), ends
    assert_exactly_once()
