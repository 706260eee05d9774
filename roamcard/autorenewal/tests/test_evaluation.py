"""Policies evaluated from the charging path and by the sweep: one automatic renewal per
trigger, a next check that stays right, a handful of statements whatever the number of
cards."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from roamcard.autorenewal.choices import RenewalState
from roamcard.autorenewal.evaluation import STEP_JOB, policies_evaluate
from roamcard.autorenewal.models import AutoRenewal, RenewalPolicy
from roamcard.autorenewal.sweep import autorenewal_sweep
from roamcard.cards.choices import BucketState
from roamcard.cards.services import bucket_adjust
from roamcard.core import tasks as core_tasks
from roamcard.orders.choices import TransitionCause
from roamcard.renewals.services import renewal_payment_sync
from roamcard.testing import make_card
from roamcard.usage.ingest import usage_ingest
from tests.flows.helpers import pay_with, start_card_payment

from .helpers import GIB, MB, grant, saved_method, switch_on

pytestmark = pytest.mark.django_db(transaction=True)


def usage(card, mb, *, minutes_ago=10, n=1):
    at = timezone.now() - timedelta(minutes=minutes_ago)
    return {
        "event_id": f"ev-{card.pk}-{n}-{at.timestamp()}",
        "iccid": card.iccid,
        "bytes_up": 0,
        "bytes_down": mb * MB,
        "started_at": at.isoformat(),
        "ended_at": (at + timedelta(minutes=1)).isoformat(),
        "country": "FR",
    }


def test_usage_crossing_the_threshold_renews_once(traveller, card, plan):
    grant(card, plan, remaining=GIB)  # 20 %
    switch_on(traveller, card, plan, saved_method(traveller))
    assert AutoRenewal.objects.count() == 0

    usage_ingest(events=[usage(card, 300)], source="api")  # 14 %: not yet
    assert AutoRenewal.objects.count() == 0
    usage_ingest(events=[usage(card, 300, n=2)], source="api")  # 8 %
    usage_ingest(events=[usage(card, 100, n=3)], source="api")  # 6 %: the same trigger

    renewal = AutoRenewal.objects.get()
    assert renewal.trigger == "data" and renewal.state == RenewalState.SCHEDULED
    assert renewal.bytes_remaining == GIB - 600 * MB


def test_a_queued_automatic_renewal_starts_when_usage_runs_the_current_plan_out(
    traveller, card, plan
):
    current = grant(card, plan, remaining=GIB // 4)
    switch_on(traveller, card, plan, saved_method(traveller), notice_minutes=0)
    renewal = AutoRenewal.objects.get()
    assert renewal.state == RenewalState.SUCCEEDED
    renewed = renewal.order.bucket
    assert renewed.state == BucketState.QUEUED

    usage_ingest(events=[usage(card, 300, minutes_ago=0)], source="api")

    current.refresh_from_db()
    renewed.refresh_from_db()
    assert current.state == BucketState.USED_UP
    assert renewed.state == BucketState.LIVE
    assert renewed.bytes_remaining == 5 * GIB - (300 * MB - GIB // 4)
    assert renewed.valid_until - renewed.valid_from == timedelta(days=7)
    # The new plan is full: nothing fires, the next check is a day before it ends.
    assert AutoRenewal.objects.count() == 1
    assert RenewalPolicy.objects.get().due_at == renewed.valid_until - timedelta(hours=24)


def test_policies_off_and_cards_without_one_are_left_alone(traveller, card, plan):
    grant(card, plan, remaining=GIB // 4)
    switch_on(traveller, card, plan, saved_method(traveller), enabled=False)
    other = make_card(region=card.region, owner=traveller)
    grant(other, plan, remaining=0)

    assert policies_evaluate(card_ids=[card.pk, other.pk]) == []
    assert RenewalPolicy.objects.get().due_at is None


def test_evaluating_many_cards_costs_a_few_statements_per_chunk(
    traveller, plan, europe, monkeypatch
):
    method = saved_method(traveller)
    cards = []
    for _ in range(30):
        card = make_card(region=europe, owner=traveller)
        grant(card, plan)
        switch_on(traveller, card, plan, method)
        cards.append(card)
    few, many = cards[:3], cards

    later = timezone.now() + timedelta(days=6)  # every validity trigger has fired
    # The evaluation alone: the renewals' first steps are jobs of their own.
    monkeypatch.setitem(core_tasks._JOBS, STEP_JOB, lambda renewal_id: None)
    with time_machine.travel(later, tick=False):
        with CaptureQueriesContext(connection) as for_few:
            policies_evaluate(card_ids=[c.pk for c in few])
        AutoRenewal.objects.all().delete()
        with CaptureQueriesContext(connection) as for_many:
            created = policies_evaluate(card_ids=[c.pk for c in many])

    assert len(created) == 30
    assert len(for_many.captured_queries) == len(for_few.captured_queries) <= 14


def test_the_sweep_claims_only_what_is_due_through_its_indexes(traveller, plan, europe):
    method = saved_method(traveller)
    due_card = make_card(region=europe, owner=traveller)
    bucket = grant(due_card, plan)
    switch_on(traveller, due_card, plan, method)
    later_card = make_card(region=europe, owner=traveller)
    grant(later_card, plan, start=timezone.now())
    switch_on(traveller, later_card, plan, method)
    fires_at = bucket.valid_until - timedelta(hours=24)

    with (
        time_machine.travel(fires_at + timedelta(seconds=1), tick=False),
        CaptureQueriesContext(connection) as claimed,
    ):
        report = autorenewal_sweep()
    sweeping = [q["sql"] for q in claimed.captured_queries]
    assert sum(sql.startswith("UPDATE") for sql in sweeping[:2]) == 2  # one per kind of row
    assert report.policies == 1  # the other is due an hour later
    renewal = AutoRenewal.objects.get()
    assert renewal.card_id == due_card.pk and renewal.trigger == "validity"
    # The notice has been sent: the renewal waits for its charge, off the sweep's hands.
    assert renewal.next_step_at == renewal.charge_at


def test_a_claimed_policy_whose_job_was_lost_comes_back_after_the_lease(
    traveller, card, plan, settings, monkeypatch
):
    bucket = grant(card, plan)
    switch_on(traveller, card, plan, saved_method(traveller))
    fires_at = bucket.valid_until - timedelta(hours=24)
    monkeypatch.setattr("roamcard.autorenewal.sweep.enqueue", lambda *args, **kwargs: None)
    with time_machine.travel(fires_at + timedelta(seconds=1), tick=False):
        assert autorenewal_sweep().policies == 1  # its job is lost
        assert autorenewal_sweep().policies == 0  # claimed: not handed out twice
    lease = timedelta(seconds=settings.AUTORENEWAL_SWEEP_LEASE_SECONDS)
    with time_machine.travel(fires_at + lease + timedelta(seconds=2), tick=False):
        assert autorenewal_sweep().policies == 1


def test_staff_adjusting_a_bucket_makes_the_policy_look_again(traveller, card, plan, staff):
    bucket = grant(card, plan)
    switch_on(traveller, card, plan, saved_method(traveller))
    assert AutoRenewal.objects.count() == 0

    bucket_adjust(
        bucket_id=bucket.pk,
        staff=staff,
        request_id="adjust-1",
        reason="correction",
        bytes_remaining=100 * MB,
    )

    renewal = AutoRenewal.objects.get()
    assert (renewal.trigger, renewal.bucket_id) == ("data", bucket.pk)


def test_a_plan_bought_by_hand_moves_the_next_check(traveller, card, plan):
    current = grant(card, plan)
    switch_on(traveller, card, plan, saved_method(traveller))
    assert RenewalPolicy.objects.get().due_at == current.valid_until - timedelta(hours=24)

    order, payment = start_card_payment(traveller, card, plan)
    pay_with(payment)
    renewal_payment_sync(payment_id=payment.pk, cause=TransitionCause.RETURN)

    order.refresh_from_db()
    assert order.bucket.starts == "queued"
    assert RenewalPolicy.objects.get().due_at == order.bucket.valid_until - timedelta(hours=24)
