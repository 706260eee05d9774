"""A bucket's window is exactly its plan's validity, starting now, queued after the
current bucket of the same coverage, or at first use (docs/decisions/0003); the balance is
shown per coverage, with a headline for one country."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roamcard.cards.choices import BucketState, StartMode
from roamcard.cards.models import Bucket
from roamcard.cards.selectors import card_balance
from roamcard.cards.services import (
    BucketWindowError,
    bucket_activate_next,
    bucket_first_use,
    bucket_grant,
    bucket_queue_catch_up,
    bucket_withdraw,
)
from roamcard.provisioning.validity import renewal_window
from roamcard.testing import GIB, make_card, make_plan, make_region

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


@pytest.fixture
def regions():
    world = make_region(code="global", name="Global", countries=("FR", "DE", "JP", "US"))
    japan = make_region(code="japan", name="Japan", countries=("JP",))
    return world, japan


@pytest.fixture
def card(regions):
    return make_card(region=regions[0], status="active")


def grant(card, plan, *, starts, now):
    """What fulfilling an order does: the window fixed as at the first attempt."""
    valid_from, valid_until = renewal_window(
        card=card,
        region_id=plan.region_id,
        starts=starts,
        validity_days=plan.validity_days,
        now=now,
    )
    return bucket_grant(
        card_id=card.pk,
        plan=plan,
        bytes_granted=plan.data_bytes,
        validity_days=plan.validity_days,
        starts=starts,
        valid_from=valid_from,
        valid_until=valid_until,
        now=now,
    )


def test_a_day_pass_lasts_24_hours_from_its_first_use_not_the_cards_remaining_days(card, regions):
    world, japan = regions
    month = make_plan(region=world, data_bytes=10 * GIB, days=14, kind="month")
    day_pass = make_plan(region=japan, data_bytes=None, days=1, kind="day_pass")
    grant(card, month, starts=StartMode.NOW, now=T0)

    bucket = grant(card, day_pass, starts=StartMode.FIRST_USE, now=T0)

    assert (bucket.valid_from, bucket.valid_until) == (None, None)
    assert bucket.activate_by == T0 + timedelta(days=180)
    assert bucket.state_at(T0) == BucketState.WAITING_FIRST_USE
    first_use = T0 + timedelta(days=3, hours=5)
    bucket = bucket_first_use(bucket=bucket, at=first_use)
    assert (bucket.valid_from, bucket.valid_until) == (first_use, first_use + DAY)
    # Only the first use counts.
    bucket = bucket_first_use(bucket=bucket, at=first_use + timedelta(hours=2))
    assert bucket.valid_from == first_use
    assert bucket.state_at(first_use + DAY) == BucketState.ENDED


def test_a_first_use_bucket_not_started_by_its_deadline_ends_unused(card, regions):
    day_pass = make_plan(region=regions[1], data_bytes=None, days=1, kind="day_pass")
    bucket = grant(card, day_pass, starts=StartMode.FIRST_USE, now=T0)

    late = bucket.activate_by + timedelta(minutes=1)
    bucket = bucket_first_use(bucket=bucket, at=late)

    assert bucket.valid_from is None
    assert bucket.state_at(late) == BucketState.ENDED


def test_a_queued_plan_starts_when_the_current_one_ends_and_lasts_its_days(card, regions):
    world = regions[0]
    current = grant(card, make_plan(region=world, days=30), starts=StartMode.NOW, now=T0)

    queued = grant(card, make_plan(region=world, days=7), starts=StartMode.QUEUED, now=T0 + DAY)

    assert queued.valid_from == current.valid_until
    assert queued.valid_until == current.valid_until + timedelta(days=7)
    assert queued.state_at(T0 + DAY) == BucketState.QUEUED
    assert queued.state_at(current.valid_until) == BucketState.LIVE


def test_a_used_up_predecessor_moves_the_queue_earlier(card, regions):
    world = regions[0]
    current = grant(card, make_plan(region=world, days=30), starts=StartMode.NOW, now=T0)
    first = grant(card, make_plan(region=world, days=7), starts=StartMode.QUEUED, now=T0)
    second = grant(card, make_plan(region=world, days=3), starts=StartMode.QUEUED, now=T0)
    assert second.valid_from == first.valid_until

    ran_out = T0 + timedelta(days=2)
    Bucket.objects.filter(pk=current.pk).update(bytes_remaining=0)
    moved = bucket_activate_next(card=card, region=world, now=ran_out)

    assert {b.pk for b in moved} == {first.pk, second.pk}
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.valid_from, first.valid_until) == (ran_out, ran_out + timedelta(days=7))
    assert (second.valid_from, second.valid_until) == (
        first.valid_until,
        first.valid_until + 3 * DAY,
    )
    assert first.state_at(ran_out) == BucketState.LIVE


def test_the_periodic_catch_up_starts_a_queued_bucket_whose_predecessor_ran_out(card, regions):
    world = regions[0]
    current = grant(card, make_plan(region=world, days=30), starts=StartMode.NOW, now=T0)
    queued = grant(card, make_plan(region=world, days=7), starts=StartMode.QUEUED, now=T0)

    assert bucket_queue_catch_up(now=T0 + DAY) == 0  # the current one still has data
    Bucket.objects.filter(pk=current.pk).update(bytes_remaining=0)
    assert bucket_queue_catch_up(now=T0 + 2 * DAY) == 1

    queued.refresh_from_db()
    assert queued.valid_from == T0 + 2 * DAY


def test_withdrawing_the_current_bucket_moves_the_queued_one_up(card, regions):
    world = regions[0]
    current = grant(card, make_plan(region=world, days=30), starts=StartMode.NOW, now=T0)
    queued = grant(card, make_plan(region=world, days=7), starts=StartMode.QUEUED, now=T0)

    bucket_withdraw(bucket_id=current.pk, now=T0 + DAY)

    queued.refresh_from_db()
    assert (queued.valid_from, queued.valid_until) == (T0 + DAY, T0 + 8 * DAY)


def test_a_queued_bucket_landing_after_a_later_purchase_never_overlaps_it(card, regions):
    """Two queued renewals whose windows were predicted in order, the second landing first
    (the first one's provisioning was retried): neither overlaps the other."""
    world = regions[0]
    current = grant(card, make_plan(region=world, days=30), starts=StartMode.NOW, now=T0)
    end = current.valid_until
    week = make_plan(region=world, days=7)

    def land(valid_from):
        return bucket_grant(
            card_id=card.pk,
            plan=week,
            bytes_granted=GIB,
            validity_days=7,
            starts=StartMode.QUEUED,
            valid_from=valid_from,
            valid_until=valid_from + timedelta(days=7),
            now=T0 + DAY,
        )

    second = land(end + timedelta(days=7))  # predicted after the first, landed first
    first = land(end)
    second.refresh_from_db()

    windows = sorted(
        [(first.valid_from, first.valid_until), (second.valid_from, second.valid_until)]
    )
    assert windows == [
        (end, end + timedelta(days=7)),
        (end + timedelta(days=7), end + timedelta(days=14)),
    ]


def test_a_queued_bucket_of_another_coverage_does_not_wait_for_this_one(card, regions):
    world, japan = regions
    grant(card, make_plan(region=world, days=30), starts=StartMode.NOW, now=T0)

    japan_bucket = grant(card, make_plan(region=japan, days=7), starts=StartMode.QUEUED, now=T0)

    assert japan_bucket.valid_from == T0  # nothing of Japan's coverage to wait for


def test_a_window_that_is_not_the_plans_validity_is_refused(card, regions):
    plan = make_plan(region=regions[0], days=7)

    with pytest.raises(BucketWindowError):
        bucket_grant(
            card_id=card.pk,
            plan=plan,
            bytes_granted=GIB,
            validity_days=7,
            starts=StartMode.NOW,
            valid_from=T0,
            valid_until=T0 + timedelta(days=15),
            now=T0,
        )
    assert not Bucket.objects.exists()


# --- the balance per coverage -------------------------------------------------------------


@pytest.fixture
def global_and_japan(card, regions):
    world, japan = regions
    now = datetime.now(UTC)
    grant(card, make_plan(region=world, data_bytes=3 * GIB, days=30), starts="now", now=now)
    grant(card, make_plan(region=japan, data_bytes=10 * GIB, days=7), starts="now", now=now)
    return card


def test_a_japan_bucket_is_not_in_the_global_headline_for_france(global_and_japan):
    balance = card_balance(card=global_and_japan, country="FR")

    assert balance.headline_country == "FR"
    assert balance.bytes_remaining == 3 * GIB


def test_a_japan_bucket_is_in_the_headline_for_japan(global_and_japan):
    assert card_balance(card=global_and_japan, country="jp").bytes_remaining == 13 * GIB


def test_without_a_country_the_headline_is_what_works_everywhere_on_the_card(global_and_japan):
    balance = card_balance(card=global_and_japan)

    assert balance.headline_country is None
    assert balance.bytes_remaining == 3 * GIB


def test_the_headline_defaults_to_the_last_country_seen(global_and_japan):
    global_and_japan.last_country = "JP"

    assert card_balance(card=global_and_japan).bytes_remaining == 13 * GIB
    # A country the card does not cover is ignored.
    assert card_balance(card=global_and_japan, country="BR").headline_country == "JP"


def test_the_balance_has_one_line_per_coverage_the_cards_own_last(global_and_japan, regions):
    lines = card_balance(card=global_and_japan).lines

    assert [(line.region.code, line.bytes_remaining) for line in lines] == [
        ("japan", 10 * GIB),
        ("global", 3 * GIB),
    ]
    assert [line.is_card_coverage for line in lines] == [False, True]


def test_queued_and_first_use_allowances_are_listed_apart_and_not_counted(card, regions):
    world, japan = regions
    now = datetime.now(UTC)
    current = grant(
        card, make_plan(region=world, data_bytes=3 * GIB, days=30), starts="now", now=now
    )
    queued = grant(
        card, make_plan(region=world, data_bytes=5 * GIB, days=7), starts="queued", now=now
    )
    day_pass = make_plan(region=japan, data_bytes=None, days=1, kind="day_pass")
    waiting = grant(card, day_pass, starts="first_use", now=now)

    balance = card_balance(card=card, country="JP")

    assert balance.bytes_remaining == 3 * GIB and not balance.unlimited
    assert balance.valid_until == queued.valid_until  # the latest end, queued included
    by_code = {line.region.code: line for line in balance.lines}
    assert by_code["global"].queued == [queued]
    assert by_code["global"].valid_until == current.valid_until
    assert by_code["japan"].first_use == [waiting]
    assert by_code["japan"].live_buckets == []


# --- the property: any sequence of purchases --------------------------------------------------

purchases = st.lists(
    st.tuples(
        st.sampled_from(["global", "japan"]),
        st.sampled_from([StartMode.NOW, StartMode.QUEUED, StartMode.FIRST_USE]),
        st.integers(min_value=1, max_value=30),  # plan days
        st.integers(min_value=0, max_value=72),  # hours since the previous event
        st.sampled_from(["none", "use_up", "first_use", "catch_up"]),
    ),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=purchases)
def test_every_window_is_its_plans_validity_and_a_coverages_queue_never_overlaps(regions, steps):
    by_code = {region.code: region for region in regions}
    card = make_card(region=by_code["global"], status="active")
    now = T0
    for code, starts, days, hours, then in steps:
        now += timedelta(hours=hours)
        region = by_code[code]
        plan = make_plan(region=region, days=days, data_bytes=GIB)
        bucket = grant(card, plan, starts=starts, now=now)
        if then == "use_up" and bucket.is_live_at(now):
            Bucket.objects.filter(pk=bucket.pk).update(bytes_remaining=0)
            bucket_activate_next(card=card, region=region, now=now)
        elif then == "first_use":
            for waiting in Bucket.objects.filter(card=card, valid_from__isnull=True):
                bucket_first_use(bucket=waiting, at=now)
        elif then == "catch_up":
            bucket_queue_catch_up(now=now)

    buckets = list(Bucket.objects.filter(card=card))
    for bucket in buckets:
        if bucket.valid_from is None:
            assert bucket.starts == StartMode.FIRST_USE
            continue
        assert bucket.valid_until - bucket.valid_from == timedelta(days=bucket.validity_days)
    for region in regions:
        queue = sorted(
            (b for b in buckets if b.region_id == region.pk and b.starts == StartMode.QUEUED),
            key=lambda b: (b.valid_from, b.pk),
        )
        # One after the other; the next one moves up only when the one before ran out.
        for before, after in zip(queue, queue[1:], strict=False):
            assert after.valid_from >= before.valid_until or before.is_used_up, (before, after)
        # A queued bucket never waits for nothing: something usable of its coverage, or a
        # queued bucket before it, ends when it starts.
        for bucket in queue:
            if bucket.valid_from > now:
                ends = [
                    b.valid_until
                    for b in buckets
                    if b.region_id == region.pk
                    and b.pk != bucket.pk
                    and b.valid_from is not None
                    and b.valid_from < bucket.valid_from
                    and not b.is_used_up
                ]
                assert bucket.valid_from in ends, bucket
    Bucket.objects.filter(card=card).delete()
