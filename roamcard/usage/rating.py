"""Rating: which buckets pay for each usage event (docs/decisions/0007). Pure: it works on
a snapshot of one card's buckets, taken under the card's lock, and says what changed; the
caller (usage_ingest) writes it.

An event is charged by when it happened (its start), whenever it arrives: to the live
bucket covering its country that ends first and still has bytes, then the next, and so on;
what no bucket covers is overage. A country outside everything the card covers is charged
to nothing and flagged. The first event in a country a waiting first-use bucket (a day
pass) covers starts that bucket, when nothing of its coverage is live then. A bucket used up
moves the queued buckets of its coverage earlier, to start when it ran out (as
cards.services.bucket_activate_next does for the present)."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from roamcard.cards.choices import StartMode

from .events import Event


@dataclass(slots=True)
class BucketSlot:
    """A bucket as rating sees it; `remaining` None is unlimited."""

    id: int
    region_id: int
    countries: frozenset[str]
    starts: str
    validity_days: int | None
    valid_from: datetime | None
    valid_until: datetime | None
    activate_by: datetime | None
    remaining: int | None
    # False for an unlimited bucket (remaining None), whose usage the ledger never books.
    limited: bool
    created_at: datetime
    # Started by the time of rating, or already paid for usage: a queued bucket in use keeps
    # its window when a late event finds the one before it ran out early (moving it would
    # leave its charges outside it, and end a bucket the traveller is using).
    in_use: bool = False
    charged: int = 0
    # The window was set (first use) or moved (queued) by this rating.
    window_changed: bool = False

    def live_at(self, at: datetime) -> bool:
        return (
            self.valid_from is not None
            and self.valid_from <= at < self.valid_until
            and (self.remaining is None or self.remaining > 0)
        )

    def waiting_at(self, at: datetime) -> bool:
        return (
            self.valid_from is None
            and self.starts == StartMode.FIRST_USE
            and self.created_at <= at
            and (self.activate_by is None or at < self.activate_by)
            and self.validity_days is not None
        )

    def start_at(self, at: datetime) -> None:
        self.valid_from = at
        self.valid_until = at + timedelta(days=self.validity_days)
        self.window_changed = True


@dataclass(slots=True)
class Charge:
    """What rating decided for one event."""

    charged: int = 0
    overage: int = 0
    out_of_coverage: bool = False
    # (bucket id, bytes) in the order the buckets paid.
    parts: list[tuple[int, int]] = field(default_factory=list)


def rate_card(
    events: list[Event], buckets: list[BucketSlot], coverage: frozenset[str]
) -> list[Charge]:
    """Charge one card's events (any order; charged in the order they happened) against its
    buckets, which this changes in place. Returns one Charge per event, in the given order."""
    charges = [Charge() for _ in events]
    order = sorted(range(len(events)), key=lambda i: (events[i].started_at, events[i].index))
    for i in order:
        event = events[i]
        charge = charges[i]
        at = event.started_at
        # Covered by the card, or by a bucket not ended when the event started: the same
        # answer whatever else the batch holds (older events make it load older buckets).
        if event.country not in coverage and not any(
            event.country in b.countries and (b.valid_until is None or b.valid_until > at)
            for b in buckets
        ):
            charge.out_of_coverage = True
            continue
        covering = [b for b in buckets if event.country in b.countries]
        _start_first_use(covering, at)
        need = event.total
        while need > 0:
            live = [b for b in covering if b.live_at(at)]
            if not live:
                break
            bucket = min(live, key=lambda b: (b.valid_until, b.id))
            take = need if bucket.remaining is None else min(need, bucket.remaining)
            need -= take
            bucket.charged += take
            charge.parts.append((bucket.id, take))
            if bucket.remaining is not None:
                bucket.remaining -= take
                if bucket.remaining == 0:
                    _activate_queued(buckets, bucket.region_id, at)
        charge.charged = event.total - need
        charge.overage = need
    return charges


def _start_first_use(covering: list[BucketSlot], at: datetime) -> None:
    """Start the oldest waiting first-use bucket of each coverage that has nothing live."""
    for bucket in sorted(covering, key=lambda b: (b.created_at, b.id)):
        if bucket.waiting_at(at) and not any(
            other.region_id == bucket.region_id and other.live_at(at) for other in covering
        ):
            bucket.start_at(at)


def _activate_queued(buckets: list[BucketSlot], region_id: int, at: datetime) -> None:
    """A bucket of this coverage ran out at `at`: its queued successors not yet in use move
    earlier, each to start at the end of what is still usable and of the queued ones before
    it (moved or in use), never before it was bought."""
    same = [b for b in buckets if b.region_id == region_id and b.valid_from is not None]
    anchor = max(
        (b.valid_until for b in same if b.valid_from <= at < b.valid_until and b.live_at(at)),
        default=at,
    )
    for bucket in sorted(same, key=lambda b: (b.valid_from, b.id)):
        if (
            bucket.valid_from <= at
            or bucket.starts != StartMode.QUEUED
            or bucket.validity_days is None
        ):
            continue
        if bucket.in_use:
            # It stays; while it has data, the ones queued after it still wait for it.
            if bucket.remaining != 0:
                anchor = max(anchor, bucket.valid_until)
            continue
        start = min(bucket.valid_from, max(anchor, bucket.created_at))
        if start < bucket.valid_from:
            bucket.valid_from = start
            bucket.valid_until = start + timedelta(days=bucket.validity_days)
            bucket.window_changed = True
        anchor = max(anchor, bucket.valid_until)
