"""Orders left stuck (a lost notification, a job nobody ran, a worker that died holding a
job) while several janitors and the traveller's returns go at them at once: one
fulfilment."""

from datetime import timedelta

import pytest
from django.utils import timezone

from roamcard.notifications.models import Message
from roamcard.orders.choices import OrderState, TransitionCause
from roamcard.payments.choices import PaymentState
from roamcard.payments.models import PaymentEvent
from roamcard.provisioning.models import ProvisioningJob
from roamcard.renewals.janitor import janitor_sweep
from roamcard.renewals.services import renewal_payment_sync, renewal_provision
from roamcard.sandbox.models import SandboxEvent
from roamcard.simnet.models import SimAllowance
from tests.flows.helpers import charge_for, pay_with, start_card_payment
from tests.simulation.invariants import assert_exactly_once

from .racing import Killed, deliver, race, raise_first_error

pytestmark = pytest.mark.django_db(transaction=True)

LOST = "4000000000000259"  # succeeds at the gateway; its notification never reaches us


def fulfilled_once(order, card):
    order.refresh_from_db()
    assert order.state == OrderState.FULFILLED
    assert card.buckets.count() == 1
    assert SimAllowance.objects.filter(card__iccid=card.iccid).count() == 1
    assert Message.objects.filter(kind="renewal_confirmed", channel="sms").count() == 1
    assert_exactly_once()


def later(**delta):
    return timezone.now() + timedelta(**delta)


def test_a_lost_notification_is_reconciled_by_the_janitor(renewal_setup):
    traveller, card, plan = renewal_setup
    order, payment = start_card_payment(traveller, card, plan)
    pay_with(payment, LOST)  # and the traveller closes the browser: no return either
    assert not SandboxEvent.objects.filter(
        charge=charge_for(payment), delivered_at__isnull=False
    ).exists()
    payment.refresh_from_db()
    assert payment.state == PaymentState.PENDING

    assert janitor_sweep().payments_reconciled == 0  # too early to ask
    assert janitor_sweep(now=later(minutes=3)).payments_reconciled == 1

    fulfilled_once(order, card)
    assert (
        PaymentEvent.objects.get(payment=payment, kind="succeeded").data["cause"]
        == TransitionCause.RECONCILE
    )


def test_janitors_and_returns_racing_on_a_lost_notification_fulfil_once(
    renewal_setup, slow_network
):
    traveller, card, plan = renewal_setup
    order, payment = start_card_payment(traveller, card, plan)
    pay_with(payment, LOST)

    outcomes = race(
        *[lambda: janitor_sweep(now=later(minutes=3)) for _ in range(3)],
        *[
            lambda: renewal_payment_sync(payment_id=payment.pk, cause=TransitionCause.RETURN)
            for _ in range(3)
        ],
    )

    raise_first_error(outcomes)
    assert PaymentEvent.objects.filter(payment=payment, kind="succeeded").count() == 1
    assert slow_network.calls == 1
    fulfilled_once(order, card)


def test_janitors_returns_and_a_late_webhook_racing_on_a_job_nobody_ran(
    paid_with_job_never_run, slow_network
):
    order, payment, card = paid_with_job_never_run
    event = SandboxEvent.objects.get(charge=charge_for(payment), type="payment.succeeded")

    outcomes = race(
        *[lambda: janitor_sweep(now=later(seconds=31)) for _ in range(4)],
        *[
            lambda: renewal_payment_sync(payment_id=payment.pk, cause=TransitionCause.RETURN)
            for _ in range(2)
        ],
        lambda: deliver(event),
    )

    raise_first_error(outcomes)
    job = ProvisioningJob.objects.get(order=order)
    assert (job.state, job.attempts) == (ProvisioningJob.State.SUCCEEDED, 1)  # claimed once
    assert slow_network.calls == 1
    fulfilled_once(order, card)


def test_janitors_racing_on_a_job_whose_worker_died_after_the_network_applied(
    paid_with_job_never_run, slow_network
):
    order, payment, card = paid_with_job_never_run
    job = ProvisioningJob.objects.get(order=order)
    slow_network.die_after_applying = True
    with pytest.raises(Killed):
        renewal_provision(job_id=job.pk)
    slow_network.die_after_applying = False
    job.refresh_from_db()
    assert job.state == ProvisioningJob.State.RUNNING
    assert SimAllowance.objects.filter(card__iccid=card.iccid).count() == 1
    # Time passes: the dead worker's lease runs out.
    ProvisioningJob.objects.filter(pk=job.pk).update(
        lease_until=timezone.now() - timedelta(seconds=1)
    )

    raise_first_error(race(*[lambda: janitor_sweep(now=later(seconds=1)) for _ in range(4)]))

    job.refresh_from_db()
    assert (job.state, job.attempts) == (ProvisioningJob.State.SUCCEEDED, 2)  # reclaimed once
    assert slow_network.calls == 2
    fulfilled_once(order, card)


def test_a_lease_too_short_lets_workers_overlap_and_still_one_bucket(
    paid_with_job_never_run, slow_network, settings
):
    """The second line of defence: even if several workers call the network for the same
    job at once (a lease shorter than the call), the network applies the request id once
    and the completion locks the job and the order and creates the bucket once."""
    order, payment, card = paid_with_job_never_run
    settings.PROVISIONING_LEASE_SECONDS = 0
    job = ProvisioningJob.objects.get(order=order)

    raise_first_error(race(*[lambda: renewal_provision(job_id=job.pk) for _ in range(4)]))

    assert slow_network.calls >= 2  # they really overlapped
    fulfilled_once(order, card)
