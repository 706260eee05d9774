"""Data alerts: when a coverage's data left falls to 50 %, 20 %, 10 % and 0 % of what its
live buckets granted, once per bucket and threshold, only the lowest of several passed at
once. Usage is applied as the charging path leaves it (the bucket's remaining bytes); the
end-to-end path through usage_ingest is in test_alerts_ingest.py."""

from datetime import timedelta

import pytest
from django.utils import timezone

from roamcard.cards.models import Bucket
from roamcard.core.tasks import enqueue
from roamcard.testing import make_bucket, make_card
from roamcard.usage.alerts import DATA_LOW, DATA_OUT, usage_alerts_check
from roamcard.usage.ingest import CHARGED_JOB

from .alerting import (
    GIB,
    MIB,
    alerts_of,
    charge,
    make_coverage,
    make_traveller_card,
    notices_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def card():
    return make_traveller_card()[1]


def test_each_threshold_is_alerted_once(card):
    bucket = make_bucket(card=card, bytes_granted=10 * GIB)

    sent = [
        charge(bucket, remaining=remaining)
        for remaining in (6 * GIB, 5 * GIB, 5 * GIB, 4 * GIB, 2 * GIB, GIB, 500 * MIB, 0, 0)
    ]

    assert sent == [0, 1, 0, 0, 1, 1, 0, 1, 0]
    assert alerts_of(bucket) == {50: True, 20: True, 10: True, 0: True}
    assert [n.kind for n in notices_of(card.owner)] == [DATA_LOW, DATA_LOW, DATA_LOW, DATA_OUT]
    assert [n.title for n in notices_of(card.owner)] == [
        "Japan: 5 GB left on your card 8985 •••• 1234",
        "Japan: 2 GB left on your card 8985 •••• 1234",
        "Japan: 1 GB left on your card 8985 •••• 1234",
        "Japan: no data left on your card 8985 •••• 1234",
    ]


def test_several_thresholds_passed_in_one_batch_send_only_the_lowest(card):
    bucket = make_bucket(card=card, bytes_granted=10 * GIB)

    assert charge(bucket, remaining=900 * MIB) == 1

    assert alerts_of(bucket) == {50: False, 20: False, 10: True}
    (notice,) = notices_of(card.owner)
    assert notice.body == (
        "Japan: 900 MB left (8%) on your card 8985 •••• 1234. Renew before it runs out."
    )
    assert notice.link == f"/cards/{card.pk}/plans/"
    # The thresholds passed unsent are never sent later.
    assert charge(bucket, remaining=800 * MIB) == 0
    assert len(notices_of(card.owner)) == 1


def test_running_out_at_once_sends_only_the_out_of_data_alert(card):
    bucket = make_bucket(card=card, bytes_granted=10 * GIB)

    assert charge(bucket, remaining=0) == 1

    assert alerts_of(bucket) == {50: False, 20: False, 10: False, 0: True}
    assert [n.kind for n in notices_of(card.owner)] == [DATA_OUT]


def test_the_share_is_of_what_the_coverages_live_buckets_granted(card):
    """Two live Japan buckets: usage goes to the one ending first, and the alert names the
    coverage's data left and is recorded on that bucket."""
    first = make_bucket(card=card, bytes_granted=4 * GIB, days=3)
    second = make_bucket(card=card, bytes_granted=6 * GIB, days=7)

    assert charge(first, remaining=GIB) == 0  # 1 + 6 of 10 GB: 70 %
    Bucket.objects.filter(pk=second.pk).update(bytes_remaining=3 * GIB)
    assert charge(first, remaining=GIB) == 1  # 1 + 3 of 10 GB: 40 %

    assert alerts_of(first) == {50: True} and alerts_of(second) == {}
    assert notices_of(card.owner)[0].title == "Japan: 4 GB left on your card 8985 •••• 1234"


def test_a_used_up_bucket_leaves_the_share_to_the_next_one(card):
    first = make_bucket(card=card, bytes_granted=GIB, days=3)
    second = make_bucket(card=card, bytes_granted=10 * GIB, days=7)

    # The first runs out: the second, untouched, is all the coverage has, 100 % of it.
    assert usage_alerts_check(bucket_ids=[first.pk]) == 0
    charge(first, remaining=0)
    charge(second, remaining=4 * GIB)

    assert alerts_of(first) == {}
    assert alerts_of(second) == {50: True}


def test_the_share_rising_and_falling_again_says_nothing_new_on_the_same_bucket(card):
    """A renewal started now raises the share; falling past 50 % again while the same
    bucket is in use says nothing new after its 10 % alert."""
    first = make_bucket(card=card, bytes_granted=10 * GIB, days=3)
    charge(first, remaining=GIB)  # the 10 % alert
    make_bucket(card=card, bytes_granted=10 * GIB, days=30)  # 11 of 20 GB: 55 %

    assert charge(first, remaining=500 * MIB) == 0  # 10.5 of 20 GB: 52 %
    assert charge(first, remaining=100 * MIB) == 0  # 10.1 of 20 GB: 50 %

    assert alerts_of(first) == {50: False, 20: False, 10: True}
    assert len(notices_of(card.owner)) == 1


def test_a_threshold_above_one_already_sent_is_recorded_unsent(card, settings):
    bucket = make_bucket(card=card, bytes_granted=10 * GIB)
    charge(bucket, remaining=2 * GIB)  # the 20 % alert
    settings.USAGE_ALERT_THRESHOLDS = [50, 30, 20, 10, 0]

    assert charge(bucket, remaining=2 * GIB) == 0

    assert alerts_of(bucket) == {50: False, 30: False, 20: True}


def test_a_renewal_bucket_gets_alerts_of_its_own(card):
    first = make_bucket(card=card, bytes_granted=GIB, days=3)
    charge(first, remaining=0)
    renewal = make_bucket(card=card, bytes_granted=10 * GIB, days=7)

    assert charge(renewal, remaining=5 * GIB) == 1
    assert charge(renewal, remaining=0) == 1

    assert alerts_of(first) == {50: False, 20: False, 10: False, 0: True}
    assert alerts_of(renewal) == {50: True, 20: False, 10: False, 0: True}


def test_a_queued_renewal_that_takes_over_means_no_out_of_data_alert(card):
    """The charging path starts the queued bucket the moment the current one runs out."""
    now = timezone.now()
    current = make_bucket(card=card, bytes_granted=GIB, days=3)
    queued = make_bucket(card=card, bytes_granted=5 * GIB, days=7)
    Bucket.objects.filter(pk=queued.pk).update(
        starts="queued", valid_from=now, valid_until=now + timedelta(days=7)
    )
    Bucket.objects.filter(pk=current.pk).update(bytes_remaining=0)

    assert usage_alerts_check(bucket_ids=[current.pk, queued.pk], now=now) == 0
    assert alerts_of(current) == {} and notices_of(card.owner) == []


def test_a_coverage_with_unlimited_data_live_never_runs_low(card):
    limited = make_bucket(card=card, bytes_granted=GIB, days=3)
    make_bucket(card=card, bytes_granted=None, days=1)

    assert charge(limited, remaining=0) == 0
    assert notices_of(card.owner) == []


def test_each_coverage_is_alerted_on_its_own():
    global_coverage = make_coverage("global", countries=("JP", "KR", "FR"))
    owner, card = make_traveller_card(region=global_coverage)
    japan = make_bucket(card=card, bytes_granted=10 * GIB, region=make_coverage())
    everywhere = make_bucket(card=card, bytes_granted=4 * GIB)

    Bucket.objects.filter(pk=everywhere.pk).update(bytes_remaining=GIB)
    Bucket.objects.filter(pk=japan.pk).update(bytes_remaining=4 * GIB)
    assert usage_alerts_check(bucket_ids=[japan.pk, everywhere.pk]) == 2

    assert sorted(n.title for n in notices_of(owner)) == [
        "Global: 1 GB left on your card 8985 •••• 1234",
        "Japan: 4 GB left on your card 8985 •••• 1234",
    ]


def test_a_card_with_its_label_is_named_by_it():
    owner, card = make_traveller_card()
    card.label = "Kim's eSIM"
    card.save()
    bucket = make_bucket(card=card, bytes_granted=10 * GIB)

    charge(bucket, remaining=5 * GIB)

    assert notices_of(owner)[0].title == "Japan: 5 GB left on your card Kim's eSIM"


def test_an_unbound_card_gets_no_alert():
    card = make_card(region=make_coverage())
    bucket = make_bucket(card=card, bytes_granted=10 * GIB)

    assert charge(bucket, remaining=0) == 0
    assert alerts_of(bucket) == {}


def test_a_bucket_charged_after_it_ended_gets_no_alert(card):
    """A late event charged to a bucket whose window is over."""
    bucket = make_bucket(card=card, bytes_granted=10 * GIB)
    now = timezone.now()
    Bucket.objects.filter(pk=bucket.pk).update(
        valid_from=now - timedelta(days=8), valid_until=now - timedelta(days=1)
    )

    assert charge(bucket, remaining=0, now=now) == 0


def test_the_usage_charged_job_runs_the_check(card):
    """usage_ingest enqueues this job with the cards and buckets each batch changed."""
    bucket = make_bucket(card=card, bytes_granted=10 * GIB)
    Bucket.objects.filter(pk=bucket.pk).update(bytes_remaining=GIB)

    enqueue(CHARGED_JOB, [card.pk], [bucket.pk])

    assert alerts_of(bucket) == {50: False, 20: False, 10: True}
