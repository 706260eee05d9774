"""Charging under real concurrency on PostgreSQL (issue 8, item 8): batches for one card at
the same instant, in threads with their own connections, lose no update and store each
event once; a batch racing a renewal landing, a refund taking data back and a staff
adjustment on the same card ends in no deadlock and books that add up.

Skipped on SQLite, which lets one writer in at a time (our transactions are BEGIN
IMMEDIATE), so these interleavings cannot happen there. CI's PostgreSQL run
(DATABASE_URL=postgres://...) runs them."""

import random
import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from roamcard.cards.choices import BucketAdjustReason, StartMode
from roamcard.cards.models import Bucket
from roamcard.cards.services import bucket_adjust, bucket_grant
from roamcard.core import tasks as core_tasks
from roamcard.ledger.selectors import card_data_balance
from roamcard.ledger.services import ledger_post_data_grant
from roamcard.orders.choices import OrderState, TransitionCause
from roamcard.provisioning.models import ProvisioningJob
from roamcard.renewals.janitor import janitor_sweep
from roamcard.renewals.services import (
    PROVISION_JOB,
    renewal_payment_sync,
    renewal_provision,
    renewal_refund_by_staff,
)
from roamcard.testing import make_card, make_plan, make_region, make_user
from roamcard.usage.ingest import usage_ingest
from roamcard.usage.models import UsageBatch, UsageEvent
from tests.concurrency.racing import race, raise_first_error
from tests.flows.helpers import pay_with, start_card_payment
from tests.simulation.invariants import assert_exactly_once, usage_violations

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason=(
            "needs PostgreSQL: SQLite serialises writers (one BEGIN IMMEDIATE transaction at "
            "a time), so concurrent batches cannot race there; set DATABASE_URL=postgres://... "
            "to run these"
        ),
    ),
]

MB = 1024 * 1024
THREADS = 8


def grant(card, plan, *, at):
    """A purchase booked as the renewal flow books it: in one transaction."""
    with transaction.atomic():
        bucket = bucket_grant(
            card_id=card.pk,
            plan=plan,
            bytes_granted=plan.data_bytes,
            validity_days=plan.validity_days,
            starts=StartMode.NOW,
            valid_from=at,
            valid_until=at + timedelta(days=plan.validity_days),
            now=at,
        )
        ledger_post_data_grant(
            key=f"grant:{bucket.pk}", card_id=card.pk, bytes_granted=plan.data_bytes
        )
    return bucket


def event(card, event_id, *, at, mb=1):
    return {
        "event_id": event_id,
        "iccid": card.iccid,
        "bytes_up": MB // 4 * mb,
        "bytes_down": (MB - MB // 4) * mb,
        "started_at": at.isoformat(),
        "ended_at": at.isoformat(),
        "country": "FR",
    }


def send(events):
    return lambda: usage_ingest(events=events, source=UsageBatch.Source.API)


def test_batches_for_one_card_at_once_lose_no_update_and_store_each_event_once():
    europe = make_region(code="europe", name="Europe", countries=("FR", "DE", "IT"))
    card = make_card(region=europe, status="active")
    start = timezone.now() - timedelta(hours=1)
    week = grant(card, make_plan(region=europe, data_bytes=500 * MB, days=7), at=start)
    month = grant(card, make_plan(region=europe, data_bytes=2048 * MB, days=30), at=start)
    at = start + timedelta(minutes=30)
    shared = [event(card, f"shared-{n}", at=at) for n in range(100)]
    batches = []
    for thread in range(THREADS):
        own = [event(card, f"t{thread}-{n}", at=at + timedelta(seconds=n)) for n in range(200)]
        batch = own + shared  # every batch also carries the same 100 events
        random.Random(thread).shuffle(batch)
        batches.append(batch)

    outcomes = race(*[send(batch) for batch in batches])

    raise_first_error(outcomes)
    distinct = THREADS * 200 + len(shared)
    assert sum(o.value.accepted for o in outcomes) == distinct
    assert sum(o.value.duplicates for o in outcomes) == (THREADS - 1) * len(shared)
    assert UsageEvent.objects.count() == distinct
    # 1,700 MB used: the week (ending first) paid 500, the month the rest; nothing over.
    week.refresh_from_db()
    month.refresh_from_db()
    assert (week.bytes_remaining, month.bytes_remaining) == (0, (2048 + 500 - distinct) * MB)
    assert card_data_balance(card_id=card.pk) == month.bytes_remaining
    assert not usage_violations()


def test_batches_naming_several_cards_in_any_order_do_not_deadlock():
    europe = make_region(code="europe", name="Europe", countries=("FR", "DE", "IT"))
    cards = [make_card(region=europe, status="active") for _ in range(4)]
    start = timezone.now() - timedelta(hours=1)
    plan = make_plan(region=europe, data_bytes=1024 * MB, days=7)
    buckets = [grant(card, plan, at=start) for card in cards]
    at = start + timedelta(minutes=30)
    batches = []
    for thread in range(THREADS):
        batch = [
            event(card, f"t{thread}-c{card.pk}-{n}", at=at) for card in cards for n in range(25)
        ]
        random.Random(thread).shuffle(batch)
        batches.append(batch)

    raise_first_error(race(*[send(batch) for batch in batches]))

    for bucket in buckets:
        bucket.refresh_from_db()
        assert bucket.bytes_remaining == (1024 - THREADS * 25) * MB
    assert not usage_violations()


def test_a_batch_racing_a_renewal_a_refund_and_a_staff_adjustment_on_one_card(
    renewal_setup, monkeypatch
):
    """The real flows on one card: the order in use is refunded (staff ask; the refund's
    job withdraws its data once the gateway answers), a paid order's provisioning job
    lands its bucket, staff top up a queued order's bucket; meanwhile the network's
    batches for the card arrive. No deadlock; then the exactly-once invariants hold, usage
    books included, and each event was stored and charged once."""
    traveller, card, plan = renewal_setup  # 5 GB for 7 days
    staff = make_user(email="racing-staff@example.com", is_staff=True)

    def paid_order():
        order, payment = start_card_payment(traveller, card, plan)
        pay_with(payment)
        renewal_payment_sync(payment_id=payment.pk, cause=TransitionCause.RETURN)
        order.refresh_from_db()
        return order

    in_use, queued = paid_order(), paid_order()  # now, then queued after it
    with monkeypatch.context() as patch:  # no worker takes this one's provisioning job
        patch.setitem(core_tasks._JOBS, PROVISION_JOB, lambda job_id: None)
        landing = paid_order()
    assert (in_use.state, queued.state, landing.state) == (
        OrderState.FULFILLED,
        OrderState.FULFILLED,
        OrderState.PAID,
    )
    job = ProvisioningJob.objects.get(order=landing)
    at = timezone.now()
    batches = [
        [event(card, f"t{thread}-{n}", at=at, mb=10) for n in range(100)] for thread in range(4)
    ]
    batches.append(batches[0][:50] + batches[1][50:])  # sent again, in part

    outcomes = race(
        *[send(batch) for batch in batches],
        lambda: renewal_refund_by_staff(
            order=in_use,
            staff=staff,
            amount_minor=None,
            reason="not_used",
            idempotency_key="form-1",
        ),
        lambda: renewal_provision(job_id=job.pk),
        lambda: bucket_adjust(
            bucket_id=queued.bucket_id,
            staff=staff,
            request_id="goodwill-1",
            reason=BucketAdjustReason.GOODWILL,
            bytes_remaining=plan.data_bytes + 1024 * MB,
        ),
    )

    raise_first_error(outcomes)
    for minutes in (1, 5, 30):  # whatever the race left for later
        janitor_sweep(now=timezone.now() + timedelta(minutes=minutes))
    assert sum(o.value.accepted for o in outcomes[:5]) == UsageEvent.objects.count() == 400
    for order in (in_use, landing):
        order.refresh_from_db()
    assert (in_use.state, landing.state) == (OrderState.REFUNDED, OrderState.FULFILLED)
    withdrawn = Bucket.objects.get(pk=in_use.bucket_id)
    assert withdrawn.withdrawn_at is not None and withdrawn.bytes_remaining == 0
    assert Bucket.objects.get(pk=queued.bucket_id).bytes_granted == plan.data_bytes + 1024 * MB
    assert_exactly_once()


def test_an_event_id_another_batch_stores_first_for_another_card_is_a_duplicate():
    """Two cards' batches do not wait for each other, so the same event id sent for both
    at once meets at the unique index: the batch that loses is run again and answers
    duplicate, instead of failing whole."""
    region = make_region(code="europe", countries=("FR", "DE"))
    plan = make_plan(region=region, data_bytes=100 * MB, days=7)
    now = timezone.now()
    first, second = (make_card(region=region, owner=make_user()) for _ in range(2))
    for card in (first, second):
        grant(card, plan, at=now - timedelta(hours=2))
    at = now - timedelta(minutes=30)
    holding, release = threading.Event(), threading.Event()
    answers = {}

    def first_batch():
        try:
            with transaction.atomic():
                answers["first"] = usage_ingest(
                    events=[event(first, "shared-id", at=at)], source=UsageBatch.Source.API
                )
                holding.set()
                release.wait(10)
        finally:
            connection.close()

    def second_batch():
        try:
            answers["second"] = usage_ingest(
                events=[event(second, "shared-id", at=at), event(second, "own-id", at=at)],
                source=UsageBatch.Source.API,
            )
        finally:
            connection.close()

    one = threading.Thread(target=first_batch)
    one.start()
    assert holding.wait(10)
    two = threading.Thread(target=second_batch)
    two.start()
    two.join(0.5)  # it waits at the unique index for the first batch to end
    release.set()
    one.join(10)
    two.join(10)

    assert [r.result for r in answers["first"].results] == ["accepted"]
    assert [r.result for r in answers["second"].results] == ["duplicate", "accepted"]
    assert UsageEvent.objects.get(event_id="shared-id").card_id == first.pk
    assert Bucket.objects.get(card=second).bytes_remaining == 99 * MB
