"""Two renewals of one card provisioned at the same time: each adds its days after the
other's (docs/decisions/0003), and neither blocks the other for ever."""

from datetime import timedelta

import pytest

from roamcard.provisioning.models import ProvisioningJob
from roamcard.renewals.services import renewal_provision
from tests.simulation.invariants import assert_exactly_once

from .racing import race, raise_first_error

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_renewals_of_one_card_provisioned_together_stack_their_days(
    renewal_setup, slow_network, pay_without_provisioning
):
    traveller, card, plan = renewal_setup
    first, _ = pay_without_provisioning(traveller, card, plan)
    second, _ = pay_without_provisioning(traveller, card, plan)
    jobs = [ProvisioningJob.objects.get(order=order).pk for order in (first, second)]

    raise_first_error(
        race(*[lambda job_id=job_id: renewal_provision(job_id=job_id) for job_id in jobs])
    )

    ends = sorted(card.buckets.values_list("valid_until", flat=True))
    assert len(ends) == 2
    # 7 days from now, then 7 more days after that: no day of either renewal is lost.
    assert ends[1] - ends[0] >= timedelta(days=7) - timedelta(seconds=5), ends
    assert_exactly_once()
