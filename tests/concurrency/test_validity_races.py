"""Two queued renewals of one card provisioned at the same time: one starts when the other
ends, each lasting exactly its plan's days (docs/decisions/0003), and neither blocks the
other for ever."""

from datetime import timedelta

import pytest

from roamcard.cards.choices import StartMode
from roamcard.orders.models import Order
from roamcard.provisioning.models import ProvisioningJob
from roamcard.renewals.services import renewal_provision
from tests.simulation.invariants import assert_exactly_once

from .racing import race, raise_first_error

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_queued_renewals_of_one_card_provisioned_together_follow_each_other(
    renewal_setup, slow_network, pay_without_provisioning
):
    traveller, card, plan = renewal_setup
    first, _ = pay_without_provisioning(traveller, card, plan)
    second, _ = pay_without_provisioning(traveller, card, plan)
    # Both chosen to start when the card's current allowance ends or runs out.
    Order.objects.filter(pk__in=[first.pk, second.pk]).update(starts=StartMode.QUEUED)
    jobs = [ProvisioningJob.objects.get(order=order).pk for order in (first, second)]

    raise_first_error(
        race(*[lambda job_id=job_id: renewal_provision(job_id=job_id) for job_id in jobs])
    )

    windows = sorted(card.buckets.values_list("valid_from", "valid_until"))
    assert len(windows) == 2
    # 7 days from now, then the next 7 days: no day of either renewal is lost or shared.
    (first_from, first_until), (second_from, second_until) = windows
    assert first_until - first_from == second_until - second_from == timedelta(days=7)
    assert second_from == first_until, windows
    assert_exactly_once()
