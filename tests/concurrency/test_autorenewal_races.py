"""Automatic renewal under real concurrency (PostgreSQL): however many jobs see the same
threshold crossed at once — usage batches, evaluation jobs, sweeps — one automatic
renewal, one order, one charge; a traveller switching it off while a retry is due stops
every later charge; the plan it queued starts when concurrent usage runs the current one
out."""

import time
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from roamcard.autorenewal.choices import RenewalState, SkipReason
from roamcard.autorenewal.evaluation import policies_evaluate
from roamcard.autorenewal.models import AutoRenewal, RenewalPolicy
from roamcard.autorenewal.services import auto_renewal_step
from roamcard.autorenewal.sweep import autorenewal_sweep
from roamcard.autorenewal.tests.helpers import GIB, MB, grant, saved_method, switch_on
from roamcard.cards.choices import BucketState
from roamcard.cards.models import Bucket
from roamcard.orders.choices import TransitionCause
from roamcard.orders.models import Order
from roamcard.payments.models import Payment
from roamcard.renewals.services import renewal_payment_sync
from roamcard.usage.ingest import usage_ingest
from roamcard.usage.models import UsageEvent
from tests.flows.helpers import pay_with, start_card_payment
from tests.simulation.invariants import assert_exactly_once

from .racing import race, raise_first_error

pytestmark = pytest.mark.django_db(transaction=True)

# PostgreSQL's default of 100 connections leaves no room for 100 threads beside the test's
# own: 50 threads cross the threshold twice each, back to back.
THREADS = 50


def usage(card, mb, n, *, at=None):
    at = at or timezone.now() - timedelta(seconds=30)
    return {
        "event_id": f"race-{card.pk}-{n}",
        "iccid": card.iccid,
        "bytes_up": 0,
        "bytes_down": mb * MB,
        "started_at": at.isoformat(),
        "ended_at": (at + timedelta(seconds=10)).isoformat(),
        "country": "FR",
    }


def bought(traveller, card, plan, *, left):
    """The plan bought by hand, paid and applied, then used down to `left` bytes: as the
    books see a real card (the exactly-once checks hold it to them)."""
    order, payment = start_card_payment(traveller, card, plan)
    pay_with(payment)
    renewal_payment_sync(payment_id=payment.pk, cause=TransitionCause.RETURN)
    order.refresh_from_db()
    used = plan.data_bytes - left
    event = usage(card, 0, "setup", at=timezone.now())
    event["bytes_down"] = used
    usage_ingest(events=[event], source="api")
    bucket = order.bucket
    bucket.refresh_from_db()
    assert bucket.bytes_remaining == left
    return bucket


def test_a_hundred_threshold_crossings_at_once_renew_once_and_charge_once(
    renewal_setup,
):
    traveller, card, plan = renewal_setup
    bought(traveller, card, plan, left=GIB)  # 20 %: every event below takes it under 10 %
    switch_on(traveller, card, plan, saved_method(traveller), notice_minutes=0)
    RenewalPolicy.objects.filter(pk=card.pk).update(due_at=timezone.now())
    assert AutoRenewal.objects.count() == 0

    def crossing(n):
        kind = n % 3
        if kind == 0:
            return usage_ingest(events=[usage(card, 600 + n, n, at=timezone.now())], source="api")
        if kind == 1:
            return policies_evaluate(card_ids=[card.pk])
        return autorenewal_sweep()

    def twice(n):
        return [crossing(2 * n), crossing(2 * n + 1)]

    raise_first_error(race(*[lambda n=n: twice(n) for n in range(THREADS)]))

    renewal = AutoRenewal.objects.get()
    assert renewal.state == RenewalState.SUCCEEDED
    assert Order.objects.count() == 2  # the one bought by hand, and this one
    assert Payment.objects.filter(order=renewal.order).count() == 1
    assert renewal.attempt_set.count() == 1
    assert_exactly_once()


def test_switched_off_while_a_retry_is_due_nothing_more_is_charged(renewal_setup):
    traveller, card, plan = renewal_setup
    grant(card, plan, remaining=GIB // 4)
    method = saved_method(traveller, behaviour="decline")
    switch_on(traveller, card, plan, method, notice_minutes=0)
    renewal = AutoRenewal.objects.get()
    assert renewal.state == RenewalState.RETRY_WAIT
    retry_at = renewal.charge_at

    with time_machine.travel(retry_at + timedelta(seconds=1), tick=False):
        outcomes = race(
            lambda: switch_on(traveller, card, plan, method, enabled=False),
            *[lambda: auto_renewal_step(renewal_id=renewal.pk)] * 6,
            *[lambda: autorenewal_sweep()] * 6,
        )
    raise_first_error(outcomes)

    renewal.refresh_from_db()
    attempts = renewal.attempt_set.count()
    # Whichever got the card's lock first: the retry was claimed before the switch (and
    # declined again), or the switch came first and nothing was charged.
    if attempts == 1:
        assert (renewal.state, renewal.skipped_reason) == ("skipped", SkipReason.POLICY_OFF)
    else:
        assert attempts == 2
    assert Payment.objects.count() == attempts
    # Off now: whatever runs later charges nothing more.
    with time_machine.travel(retry_at + timedelta(days=2), tick=False):
        raise_first_error(race(*[lambda: autorenewal_sweep()] * 6))
    renewal.refresh_from_db()
    assert renewal.state == RenewalState.SKIPPED
    assert renewal.attempt_set.count() == attempts
    assert Payment.objects.count() == attempts


def test_the_plan_it_queued_starts_when_concurrent_usage_runs_the_current_one_out(
    renewal_setup,
):
    traveller, card, plan = renewal_setup
    current = bought(traveller, card, plan, left=GIB // 4)
    switch_on(traveller, card, plan, saved_method(traveller), notice_minutes=0)
    renewal = AutoRenewal.objects.get()
    renewed = renewal.order.bucket
    assert renewed.state == BucketState.QUEUED
    start = renewed.created_at  # usage reported while the renewal was being applied
    time.sleep(0.1)

    outcomes = race(
        *[
            lambda n=n: usage_ingest(
                events=[usage(card, 100, 1000 + n, at=start + timedelta(milliseconds=n + 1))],
                source="api",
            )
            for n in range(4)
        ]
    )
    raise_first_error(outcomes)

    current.refresh_from_db()
    renewed.refresh_from_db()
    assert current.bytes_remaining == 0
    assert renewed.state == BucketState.LIVE
    assert renewed.valid_until - renewed.valid_from == timedelta(days=7)
    # What the current plan could not pay went to the new one, or (reported for a moment
    # before the new one had started, by a batch that came later) beyond the allowance.
    overage = sum(
        UsageEvent.objects.filter(card_id=card.pk).values_list("overage_bytes", flat=True)
    )
    assert (5 * GIB - renewed.bytes_remaining) + overage == 400 * MB - GIB // 4
    assert Bucket.objects.filter(card=card).count() == 2
    assert Order.objects.count() == 2
    assert AutoRenewal.objects.count() == 1  # the new plan is full: nothing fires
    assert_exactly_once()
