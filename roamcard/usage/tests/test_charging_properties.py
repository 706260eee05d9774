"""Charging, tried by hypothesis (issue 8, item 8). Any sequence of usage batches (cards
among a few and one unknown, countries in and out of coverage, sizes from 0 to the largest
event accepted, times from before any bucket to after every one, too old and in the future,
duplicates within and across batches, batches sent again in another order), renewals that
start now, queued or on first use (bucket_grant and the ledger's grant, as the renewal flow
books them), refunds (bucket_withdraw and the ledger's reversal) and staff adjustments,
with the clock moving forward between steps. After every step the books add up
(tests/simulation/invariants.py: usage_violations, window_violations) and what was stored
is what this test sent and expected.

Below the property, the cases it found, kept as examples."""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings as django_settings
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from roamcard.cards.choices import BucketAdjustReason, StartMode
from roamcard.cards.models import Bucket, Card
from roamcard.cards.services import bucket_adjust, bucket_grant, bucket_withdraw
from roamcard.catalog.choices import PlanKind
from roamcard.core.errors import InvalidInput
from roamcard.ledger.services import ledger_post_data_grant, ledger_post_data_reversal
from roamcard.provisioning.services import card_network_lift_limit
from roamcard.provisioning.validity import renewal_window
from roamcard.testing import make_card, make_iccid, make_plan, make_region, make_user
from roamcard.usage.events import EVENT_BYTES_MAX
from roamcard.usage.ingest import usage_ingest
from roamcard.usage.models import UsageBatch, UsageCharge, UsageEvent
from tests.simulation.invariants import (
    staff_data_adjustments,
    usage_violations,
    window_violations,
)

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
MAX_AGE = timedelta(days=django_settings.USAGE_MAX_AGE_DAYS)
SKEW = timedelta(seconds=django_settings.USAGE_MAX_CLOCK_SKEW_SECONDS)

# The cards' own coverage is Europe (FR, DE, IT); JP is covered only by Global and Japan
# buckets, US by nothing. Two countries are sent as MCC-MNC (France, Japan).
COUNTRIES = ["FR", "DE", "20801", "JP", "44010", "US"]
# (coverage, bytes or None for unlimited, days, kind): short plans, so buckets end.
PLANS = [
    ("europe", 100 * MB, 1, PlanKind.WEEK),
    ("europe", 50 * MB, 3, PlanKind.WEEK),
    ("europe", None, 2, PlanKind.WEEK),
    ("global", 200 * MB, 2, PlanKind.MONTH),
    ("japan", None, 1, PlanKind.DAY_PASS),
    ("japan", 30 * MB, 1, PlanKind.DAY_PASS),
]
CARDS = 2
UNKNOWN_CARD = CARDS  # an ICCID no card has

MAX_AGE_MINUTES = MAX_AGE // timedelta(minutes=1)
events = st.fixed_dictionaries(
    {
        # Mostly the first card, so its buckets meet many events.
        "card": st.sampled_from([0, 0, 0, *range(1, UNKNOWN_CARD + 1)]),
        "id": st.integers(0, 24),  # a small pool: ids come again, in a batch and across
        "country": st.sampled_from(COUNTRIES),
        "bytes": st.one_of(
            st.just(0),
            st.integers(1, 40 * MB),
            st.integers(40 * MB, 400 * MB),
            st.just(EVENT_BYTES_MAX),
        ),
        "up_quarters": st.integers(0, 4),
        # When it started, in minutes before the clock: mostly the last hours, also the
        # last days, a few minutes ahead (within the skew allowed or not), and around the
        # oldest accepted.
        "minutes_ago": st.one_of(
            st.integers(0, 3 * 60),
            st.integers(0, 3 * 60),
            st.integers(0, 3 * 24 * 60),
            st.integers(-10, 0),
            st.integers(MAX_AGE_MINUTES - 30, MAX_AGE_MINUTES + 30),
        ),
        "minutes": st.integers(0, 30),
    }
)
renewals = st.fixed_dictionaries(
    {
        "card": st.sampled_from([0, 0, *range(1, CARDS)]),
        "plan": st.integers(0, len(PLANS) - 1),
        "queued": st.booleans(),
    }
)


@dataclass
class Sent:
    """An event this test sent and expects stored."""

    card_id: int
    started_at: datetime
    bytes_up: int
    bytes_down: int


@dataclass
class World:
    """What the test knows of the past, independently of the engine."""

    stored: dict[str, Sent] = field(default_factory=dict)  # event id -> the one accepted
    batches: list[list[dict]] = field(default_factory=list)
    withdrawn: dict[int, int] = field(default_factory=dict)  # bucket id -> bytes taken back


class Charging(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        # Each run in a savepoint of the test's transaction, rolled back by teardown.
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.now = T0
        self.world = World()
        self.forms = 0
        with self.clock():
            europe = make_region(code="europe", name="Europe", countries=("FR", "DE", "IT"))
            regions = {
                "europe": europe,
                "global": make_region(code="global", name="Global", countries=("FR", "DE", "JP")),
                "japan": make_region(code="japan", name="Japan", countries=("JP",)),
            }
            self.plans = [
                make_plan(region=regions[code], data_bytes=data, days=days, kind=kind)
                for code, data, days, kind in PLANS
            ]
            self.cards = [make_card(region=europe, status="active") for _ in range(CARDS)]
            self.unknown_iccid = make_iccid()
            self.staff = make_user(is_staff=True)

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    def clock(self):
        return time_machine.travel(self.now, tick=False)

    # --- what happens -------------------------------------------------------------------

    @initialize(renewals=st.lists(st.tuples(renewals, st.integers(0, 36)), max_size=5))
    def renewals_landed_before(self, renewals):
        """Renewals landed in the hours before the clock starts, so usage finds data."""
        for renewal, hours_ago in sorted(renewals, key=lambda r: -r[1]):
            self.now = T0 - timedelta(hours=hours_ago)
            self.renew(**renewal)
        self.now = T0

    @rule(hours=st.integers(0, 40), minutes=st.integers(0, 59))
    def time_passes(self, hours, minutes):
        self.now += timedelta(hours=hours, minutes=minutes)

    @rule(renewal=renewals)
    def renewal_lands(self, renewal):
        self.renew(**renewal)

    def renew(self, card, plan, queued):
        """A paid renewal lands as renewals' _fulfil books it: the window fixed as at the
        first attempt, the bucket, the card's limit lifted, the grant in the ledger."""
        card, plan = self.cards[card], self.plans[plan]
        if PlanKind(plan.kind).starts_on_first_use:
            starts = StartMode.FIRST_USE
        else:
            starts = StartMode.QUEUED if queued else StartMode.NOW
        with self.clock(), transaction.atomic():
            valid_from, valid_until = renewal_window(
                card=card,
                region_id=plan.region_id,
                starts=starts,
                validity_days=plan.validity_days,
                now=self.now,
            )
            bucket = bucket_grant(
                card_id=card.pk,
                plan=plan,
                bytes_granted=plan.data_bytes,
                validity_days=plan.validity_days,
                starts=starts,
                valid_from=valid_from,
                valid_until=valid_until,
            )
            card_network_lift_limit(card_id=card.pk)
            if plan.data_bytes:
                ledger_post_data_grant(
                    key=f"order:{bucket.pk}:grant", card_id=card.pk, bytes_granted=plan.data_bytes
                )

    @precondition(lambda self: Bucket.objects.filter(withdrawn_at__isnull=True).exists())
    @rule(pick=st.integers(0, 50))
    def refund(self, pick):
        """A refund succeeds: what is left of the bucket leaves the card, as renewals'
        _withdraw books it."""
        bucket = self._pick(pick, withdrawn_at__isnull=True)
        with self.clock(), transaction.atomic():
            removed = bucket_withdraw(bucket_id=bucket.pk, now=self.now)
            if removed:
                ledger_post_data_reversal(
                    key=f"order:{bucket.pk}:reversal",
                    card_id=bucket.card_id,
                    bytes_removed=removed,
                )
        self.world.withdrawn[bucket.pk] = removed

    @precondition(lambda self: Bucket.objects.exists())
    @rule(
        pick=st.integers(0, 50),
        remaining_quarters=st.sampled_from([None, 0, 1, 2, 4, 6]),
        move_end_hours=st.sampled_from([None, -6, 12, 48]),
    )
    def staff_adjust(self, pick, remaining_quarters, move_end_hours):
        """Staff set a bucket's remaining data (in quarters of its grant; above the grant is
        a goodwill top-up) and/or move its end. What the service refuses changes nothing."""
        bucket = self._pick(pick)
        remaining = valid_until = None
        if remaining_quarters is not None and bucket.bytes_granted is not None:
            remaining = bucket.bytes_granted * remaining_quarters // 4
        if move_end_hours is not None and bucket.valid_until is not None:
            valid_until = bucket.valid_until + timedelta(hours=move_end_hours)
        top_up = remaining is not None and remaining > bucket.bytes_granted
        self.forms += 1
        with self.clock():
            try:
                bucket_adjust(
                    bucket_id=bucket.pk,
                    staff=self.staff,
                    request_id=f"form-{self.forms}",
                    reason=BucketAdjustReason.GOODWILL if top_up else BucketAdjustReason.CORRECTION,
                    bytes_remaining=remaining,
                    valid_until=valid_until,
                )
            except InvalidInput:
                assert Bucket.objects.get(pk=bucket.pk).updated_at == bucket.updated_at

    @rule(batch=st.lists(events, max_size=8))
    def send(self, batch):
        self._ingest([self._event(spec) for spec in batch])

    @precondition(lambda self: self.world.batches)
    @rule(data=st.data())
    def send_again_reordered(self, data):
        """The network sends a batch again (a retry) in another order, maybe with new
        events among it."""
        again = data.draw(st.sampled_from(self.world.batches), label="batch")
        extra = [self._event(spec) for spec in data.draw(st.lists(events, max_size=3))]
        self._ingest(data.draw(st.permutations(again + extra), label="order"))

    # --- helpers ------------------------------------------------------------------------

    def _pick(self, pick, **filters):
        buckets = list(Bucket.objects.filter(**filters).order_by("pk"))
        return buckets[pick % len(buckets)]

    def _event(self, spec):
        start = self.now - timedelta(minutes=spec["minutes_ago"])
        up = spec["bytes"] * spec["up_quarters"] // 4
        card = spec["card"]
        return {
            "event_id": f"ev-{spec['id']}",
            "iccid": self.unknown_iccid if card == UNKNOWN_CARD else self.cards[card].iccid,
            "bytes_up": up,
            "bytes_down": spec["bytes"] - up,
            "started_at": start.isoformat(),
            "ended_at": (start + timedelta(minutes=spec["minutes"])).isoformat(),
            "country": spec["country"],
        }

    def _expected(self, batch):
        """Each event's (result, reason) by the contract: its first reason, else a
        duplicate when its id came earlier in the batch (among events that passed the
        checks; an unknown card shows later) or was stored before. And the events to be
        stored."""
        cards = {card.iccid: card.pk for card in self.cards}
        expected, in_batch, accepted = [], set(), {}
        for event in batch:
            start = datetime.fromisoformat(event["started_at"])
            if start < self.now - MAX_AGE:
                expected.append(("rejected", "too_old"))
                continue
            if datetime.fromisoformat(event["ended_at"]) > self.now + SKEW:
                expected.append(("rejected", "in_future"))
                continue
            event_id = event["event_id"]
            if event_id in in_batch:
                expected.append(("duplicate", None))
                continue
            in_batch.add(event_id)
            if event["iccid"] not in cards:
                expected.append(("rejected", "unknown_card"))
            elif event_id in self.world.stored:
                expected.append(("duplicate", None))
            else:
                expected.append(("accepted", None))
                accepted[event_id] = Sent(
                    cards[event["iccid"]], start, event["bytes_up"], event["bytes_down"]
                )
        return expected, accepted

    def _ingest(self, batch):
        expected, accepted = self._expected(batch)
        limited_before = {card.pk: card.data_limited_at for card in Card.objects.all()}
        with self.clock():
            outcome = usage_ingest(events=batch, source=UsageBatch.Source.API)
        assert [(r.result, r.reason) for r in outcome.results] == expected
        assert outcome.accepted == len(accepted)
        self.world.stored.update(accepted)
        self.world.batches.append(batch)
        self._check_rating(outcome.batch_id)
        self._check_limits(outcome.batch_id, limited_before)

    def _check_rating(self, batch_id):
        """Right after the batch, with the buckets as it left them: an event that went over
        found every bucket covering its country live at its start used up (none
        unlimited); an event is outside coverage exactly when neither the card's coverage
        nor any of its buckets not ended by the event's start covers its country."""
        for event in UsageEvent.objects.filter(batch_id=batch_id).select_related("card__region"):
            at = event.started_at
            covering = [
                b
                for b in Bucket.objects.filter(
                    card_id=event.card_id, withdrawn_at__isnull=True
                ).select_related("region")
                if event.country in b.region.countries
            ]
            if event.overage_bytes:
                with_data = [
                    b
                    for b in covering
                    if b.valid_from is not None
                    and b.valid_from <= at < b.valid_until
                    and b.bytes_remaining != 0
                ]
                assert not with_data, f"{event.event_id} went over while {with_data} had data"
            not_ended = [b for b in covering if b.valid_until is None or b.valid_until > at]
            covered = event.country in event.card.region.countries or bool(not_ended)
            assert event.out_of_coverage != covered, (
                f"{event.event_id} in {event.country} at {at}: outside coverage is "
                f"{event.out_of_coverage}; buckets covering it not ended then: {not_ended}"
            )

    def _check_limits(self, batch_id, limited_before):
        """A card is limited for lack of data when the batch went over in a country where
        nothing covering it is live now, and only then (a renewal lifts it)."""
        for card in Card.objects.all():
            live = [
                b
                for b in Bucket.objects.filter(card=card).select_related("region")
                if b.is_live_at(self.now)
            ]
            over_now = [
                e.event_id
                for e in UsageEvent.objects.filter(
                    batch_id=batch_id, card=card, overage_bytes__gt=0
                )
                if not any(e.country in b.region.countries for b in live)
            ]
            if over_now:
                assert card.data_limited_at is not None, f"card {card.pk} went over: {over_now}"
            elif limited_before[card.pk] is None:
                assert card.data_limited_at is None, f"card {card.pk} limited, with data now"

    # --- what always holds ----------------------------------------------------------------

    @invariant()
    def the_books_add_up(self):
        with self.clock():
            problems = usage_violations() + window_violations()
        assert not problems, "\n".join(problems)
        # The days a window lasts are its plan's (window_violations checks the window).
        for bucket in Bucket.objects.select_related("plan"):
            assert bucket.validity_days == bucket.plan.validity_days, bucket
        # A refund took back exactly what was left: charged + remaining + taken back ==
        # granted + staff adjustments, for withdrawn buckets too.
        staff = staff_data_adjustments()
        for bucket in Bucket.objects.filter(
            pk__in=self.world.withdrawn, bytes_granted__isnull=False
        ):
            charged = sum(UsageCharge.objects.filter(bucket=bucket).values_list("bytes", flat=True))
            owed = bucket.bytes_granted + staff.get(bucket.pk, 0)
            kept = bucket.bytes_remaining + self.world.withdrawn[bucket.pk]
            assert charged + kept == owed, bucket

    @invariant()
    def every_event_is_stored_once_as_first_accepted(self):
        stored = {
            e.event_id: Sent(e.card_id, e.started_at, e.bytes_up, e.bytes_down)
            for e in UsageEvent.objects.only(
                "event_id", "card_id", "started_at", "bytes_up", "bytes_down"
            )
        }
        assert stored == self.world.stored


def test_any_sequence_of_usage_renewals_refunds_and_adjustments_keeps_the_books():
    run_state_machine_as_test(
        Charging,
        settings=settings(
            max_examples=50,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )


# --- what the property found, kept as examples --------------------------------------------


def grant(card, plan, *, at, starts=StartMode.NOW):
    with time_machine.travel(at, tick=False):
        valid_from = None if starts == StartMode.FIRST_USE else at
        bucket = bucket_grant(
            card_id=card.pk,
            plan=plan,
            bytes_granted=plan.data_bytes,
            validity_days=plan.validity_days,
            starts=starts,
            valid_from=valid_from,
            valid_until=valid_from and valid_from + timedelta(days=plan.validity_days),
        )
        if plan.data_bytes:
            ledger_post_data_grant(
                key=f"grant:{bucket.pk}", card_id=card.pk, bytes_granted=plan.data_bytes
            )
    return bucket


def event(card, event_id, *, at, mb=10, country="FR"):
    return {
        "event_id": event_id,
        "iccid": card.iccid,
        "bytes_up": 0,
        "bytes_down": mb * MB,
        "started_at": at.isoformat(),
        "ended_at": (at + timedelta(minutes=5)).isoformat(),
        "country": country,
    }


def ingest(*events):
    return usage_ingest(events=list(events), source=UsageBatch.Source.API)


@pytest.fixture
def europe():
    return make_region(code="europe", name="Europe", countries=("FR", "DE", "IT"))


@pytest.fixture
def card(europe):
    return make_card(region=europe, status="active")


def test_a_bucket_whose_end_staff_moved_is_still_charged(card, europe):
    """The batch used to fail whole: saving the charge re-checked the bucket's window
    against its plan's days, which staff may change (decision 0003)."""
    now = timezone.now()
    bucket = grant(card, make_plan(region=europe, data_bytes=100 * MB), at=now - timedelta(hours=2))
    bucket_adjust(
        bucket_id=bucket.pk,
        staff=make_user(is_staff=True),
        request_id="goodwill-1",
        reason=BucketAdjustReason.GOODWILL,
        valid_until=bucket.valid_until + timedelta(days=2),
    )

    assert ingest(event(card, "e1", at=now - timedelta(minutes=30))).accepted == 1

    bucket.refresh_from_db()
    assert bucket.bytes_remaining == 90 * MB
    assert not usage_violations()


def test_staff_cannot_put_data_back_on_a_refunded_bucket(card, europe):
    """Data on a withdrawn bucket can never be used, yet the ledger would count it."""
    now = timezone.now()
    bucket = grant(card, make_plan(region=europe, data_bytes=100 * MB), at=now - timedelta(hours=2))
    bucket_withdraw(bucket_id=bucket.pk, now=now)
    ledger_post_data_reversal(key="refund", card_id=card.pk, bytes_removed=100 * MB)

    with pytest.raises(InvalidInput):
        bucket_adjust(
            bucket_id=bucket.pk,
            staff=make_user(is_staff=True),
            request_id="oops",
            reason=BucketAdjustReason.CORRECTION,
            bytes_remaining=25 * MB,
        )

    bucket.refresh_from_db()
    assert bucket.bytes_remaining == 0
    assert not usage_violations()


def test_outside_coverage_does_not_depend_on_what_else_the_batch_holds(card, europe):
    """A Japan event after the card's Japan bucket ended is outside coverage, whether or
    not its batch also holds an event old enough to load that bucket (it was overage then,
    and the card suspended)."""
    now = timezone.now()
    japan = make_region(code="japan", name="Japan", countries=("JP",))
    grant(card, make_plan(region=japan, data_bytes=100 * MB, days=1), at=now - timedelta(days=3))
    grant(card, make_plan(region=europe, data_bytes=100 * MB, days=7), at=now - timedelta(days=3))
    hour_ago = now - timedelta(hours=1)

    ingest(event(card, "alone", at=hour_ago, country="JP"))
    ingest(
        event(card, "with-an-old-one", at=hour_ago, country="JP"),
        event(card, "old", at=now - timedelta(days=2, hours=12)),
    )

    alone, together = (
        UsageEvent.objects.get(event_id=event_id) for event_id in ("alone", "with-an-old-one")
    )
    assert (alone.out_of_coverage, alone.overage_bytes) == (True, 0)
    assert (together.out_of_coverage, together.overage_bytes) == (True, 0)
    card.refresh_from_db()
    assert card.data_limited_at is None


def test_a_late_event_does_not_move_a_queued_bucket_already_in_use(card, europe):
    """A late event that runs the previous bucket out used to move the queued one, live and
    paying for hours, to start back then: its charges fell outside its window and it ended
    in the past, with data left."""
    now = timezone.now()
    plan = make_plan(region=europe, data_bytes=100 * MB, days=1)
    first = grant(card, plan, at=now - timedelta(hours=36))
    queued = grant(card, plan, starts=StartMode.QUEUED, at=now - timedelta(hours=35))
    after_it = grant(card, plan, starts=StartMode.QUEUED, at=now - timedelta(hours=35))
    assert queued.valid_from == first.valid_until == now - timedelta(hours=12)
    ingest(event(card, "today", at=now - timedelta(hours=1)))

    ingest(event(card, "late", mb=100, at=now - timedelta(hours=34)))

    first.refresh_from_db()
    queued.refresh_from_db()
    after_it.refresh_from_db()
    assert first.bytes_remaining == 0
    assert (queued.valid_from, queued.bytes_remaining) == (first.valid_until, 90 * MB)
    assert queued.is_live_at(now)
    # The one queued behind it still waits for it.
    assert after_it.valid_from == queued.valid_until
    assert not usage_violations() + window_violations()


def test_a_late_event_that_went_over_back_then_does_not_cut_a_card_with_data_now(card, europe):
    """Usage from a day with no data (between two plans) is overage, as it was; but the
    card has data now, so the network is not asked to suspend it (it used to be, until the
    next renewal)."""
    now = timezone.now()
    grant(card, make_plan(region=europe, data_bytes=100 * MB, days=1), at=now - timedelta(days=3))
    grant(card, make_plan(region=europe, data_bytes=100 * MB, days=7), at=now - timedelta(hours=1))

    ingest(event(card, "late", at=now - timedelta(days=1, hours=12)))

    assert UsageEvent.objects.get().overage_bytes == 10 * MB
    card.refresh_from_db()
    assert card.data_limited_at is None
