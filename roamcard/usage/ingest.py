"""Taking in usage the network reports: one batch (an API request, a chunk of a CDR file)
is checked event by event, then stored, rated and booked in one transaction, set-based:
one statement per table, whatever the batch's size (docs/decisions/0007).

Concurrency: the batch locks its cards (in id order), then their buckets, so two batches
for one card run one after the other and neither loses the other's charge; a batch for
other cards does not wait. Every other writer of buckets takes the card's lock first."""

import gc
import json
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone

from roamcard.cards.choices import StartMode
from roamcard.cards.services import bucket_rating_save, card_usage_seen_save
from roamcard.core import metrics, rawsql
from roamcard.core.tasks import enqueue_on_commit
from roamcard.ledger.services import ledger_post_data_usage_batch

from .errors import BatchTooLarge
from .events import REASON_MESSAGES, Event, Reason, Rejected, event_check, event_id_of, event_window
from .models import UsageBatch
from .rating import BucketSlot, Charge, rate_card

ACCEPTED, DUPLICATE, REJECTED = "accepted", "duplicate", "rejected"
# Named, not imported: provisioning tells the network (roamcard.provisioning.tasks).
LIMIT_CARDS_JOB = "provisioning.limit_for_no_data"
# What a batch changed, for whoever acts on it (the usage alerts: roamcard.usage.tasks).
CHARGED_JOB = "usage.charged"
# Named, not imported: automatic renewal evaluates the cards charged (roamcard.autorenewal).
AUTORENEWAL_JOB = "autorenewal.evaluate"
SEEN_RESOLUTION = timedelta(minutes=10)
# A batch that lost a race with another one (below) is run again, whole, this many times.
RACE_ATTEMPTS = 5
# PostgreSQL's codes for the races a batch may lose: a unique event id another batch stored
# first for another card (its lock did not cover ours), a deadlock, a serialisation failure.
_RACE_SQLSTATES = frozenset({"23505", "40P01", "40001"})


@dataclass(slots=True)
class EventResult:
    event_id: str | None
    result: str
    reason: str | None = None

    @property
    def message(self) -> str | None:
        return str(REASON_MESSAGES[self.reason]) if self.reason else None


@dataclass(slots=True)
class IngestOutcome:
    batch_id: int | None
    accepted: int
    duplicates: int
    rejected: int
    results: list[EventResult]
    # For whoever acts on what changed (alerts, automatic renewal).
    card_ids: list[int]
    bucket_ids: list[int]


@dataclass(slots=True)
class _Card:
    id: int
    region_id: int
    last_country: str | None
    last_usage_at: datetime | None
    data_limited_at: datetime | None


def usage_ingest(
    *,
    events: Sequence[Mapping[str, Any]],
    source: str,
    api_key: Any = None,
    file_name: str = "",
    first_line: int | None = None,
    now: datetime | None = None,
) -> IngestOutcome:
    """Check, store, rate and book one batch of usage events; say for each event whether it
    was accepted, a duplicate (its event id was seen before, in this batch or earlier) or
    rejected and why. A bad event never blocks the good ones; a batch is applied whole or
    not at all."""
    if len(events) > settings.USAGE_BATCH_MAX_EVENTS:
        raise BatchTooLarge()
    started = time.perf_counter()
    now = now or timezone.now()
    oldest, latest = event_window(
        now=now,
        max_age_days=settings.USAGE_MAX_AGE_DAYS,
        skew_seconds=settings.USAGE_MAX_CLOCK_SKEW_SECONDS,
    )
    results: list[EventResult] = [None] * len(events)  # type: ignore[list-item]
    checked: dict[str, Event] = {}
    for index, raw in enumerate(events):
        try:
            event = event_check(raw, index=index, oldest=oldest, latest=latest)
        except Rejected as rejected:
            results[index] = EventResult(event_id_of(raw), REJECTED, rejected.reason)
            continue
        if event.event_id in checked:
            results[index] = EventResult(event.event_id, DUPLICATE)
        else:
            checked[event.event_id] = event
    # A batch makes a few hundred thousand short-lived objects, all freed at its end: the
    # cyclic garbage collector, run over and over meanwhile, would find nothing to collect.
    collecting = gc.isenabled()
    gc.disable()
    try:
        for attempt in range(1, RACE_ATTEMPTS + 1):
            try:
                with transaction.atomic():
                    batch_id, card_ids, bucket_ids = _store(
                        checked, results, source, api_key, file_name, first_line, now
                    )
                break
            except (IntegrityError, OperationalError) as exc:
                if attempt == RACE_ATTEMPTS or not _lost_a_race(exc):
                    raise
    finally:
        if collecting:
            gc.enable()
    counts = defaultdict(int)
    for result in results:
        counts[result.result] += 1
    _count_batch(counts, time.perf_counter() - started)
    return IngestOutcome(
        batch_id=batch_id,
        accepted=counts[ACCEPTED],
        duplicates=counts[DUPLICATE],
        rejected=counts[REJECTED],
        results=results,
        card_ids=card_ids,
        bucket_ids=bucket_ids,
    )


def _count_batch(counts: Mapping[str, int], seconds: float) -> None:
    def record() -> None:
        for result, count in counts.items():
            metrics.usage_events.labels(result).inc(count)
        metrics.usage_batch_duration.observe(seconds)

    metrics.on_commit(record)


def _lost_a_race(exc: Exception) -> bool:
    """Whether the batch failed only because another transaction got there first: run
    again, it sees what that one committed (its events then duplicates)."""
    return getattr(exc.__cause__, "sqlstate", None) in _RACE_SQLSTATES


def _store(
    checked: dict[str, Event],
    results: list[EventResult],
    source: str,
    api_key: Any,
    file_name: str,
    first_line: int | None,
    now: datetime,
) -> tuple[int, list[int], list[int]]:
    """In the caller's transaction: sort out unknown cards and duplicates, then store,
    rate and book what is left. Returns the batch, the cards charged and the buckets
    changed."""
    # Before the locks, to hold them for less: an event another batch stores meanwhile is
    # caught by the unique constraint, and the batch runs again (usage_ingest).
    seen = {
        row[0]
        for row in rawsql.values_in(
            "SELECT event_id FROM usage_usageevent WHERE event_id {in}", list(checked)
        )
    }
    cards = _lock_cards(sorted({e.iccid for e in checked.values()}))
    by_card: dict[int, list[Event]] = defaultdict(list)
    for event in checked.values():
        card = cards.get(event.iccid)
        if card is None:
            results[event.index] = EventResult(event.event_id, REJECTED, Reason.UNKNOWN_CARD)
        elif event.event_id in seen:
            results[event.index] = EventResult(event.event_id, DUPLICATE)
        else:
            results[event.index] = EventResult(event.event_id, ACCEPTED)
            by_card[card.id].append(event)
    batch = UsageBatch.objects.create(
        source=source,
        api_key=api_key,
        file_name=file_name[:255],
        first_line=first_line,
        received_at=now,
        events=len(results),
        accepted=sum(len(v) for v in by_card.values()),
        duplicates=sum(1 for r in results if r.result == DUPLICATE),
        rejected=sum(1 for r in results if r.result == REJECTED),
    )
    if not by_card:
        return batch.pk, [], []
    countries = _region_countries()
    since = min(e.started_at for events in by_card.values() for e in events)
    slots = _lock_buckets(list(by_card), countries, since, now)
    card_by_id = {card.id: card for card in cards.values()}
    charges = {
        card_id: rate_card(
            events, slots[card_id], countries.get(card_by_id[card_id].region_id, frozenset())
        )
        for card_id, events in by_card.items()
    }
    _insert_events(batch.pk, by_card, charges)
    changed = [
        b for card_slots in slots.values() for b in card_slots if b.charged or b.window_changed
    ]
    # Only the windows rating set are checked: one it left alone may be one whose end staff
    # moved (decision 0003, "the one exception"), and charging it must still work.
    bucket_rating_save(
        rows=[
            (
                b.id,
                b.remaining,
                b.valid_from,
                b.valid_until,
                b.validity_days if b.window_changed else None,
            )
            for b in changed
        ],
        now=now,
    )
    charged = [
        (card_id, b) for card_id, card_slots in slots.items() for b in card_slots if b.charged
    ]
    rawsql.rows_insert(
        "usage_usagecharge",
        ["batch_id", "bucket_id", "bytes"],
        [(batch.pk, b.id, b.charged) for _card_id, b in charged],
    )
    ledger_post_data_usage_batch(
        batch_id=batch.pk,
        charges=[(card_id, b.id, b.charged) for card_id, b in charged if b.limited],
    )
    _upsert_days(by_card, charges, now)
    limited = _note_cards(card_by_id, by_card, charges, slots, now)
    if limited:
        enqueue_on_commit(LIMIT_CARDS_JOB, limited)
    changed_ids = sorted(b.id for b in changed)
    if changed_ids:
        enqueue_on_commit(CHARGED_JOB, sorted(by_card), changed_ids)
    enqueue_on_commit(AUTORENEWAL_JOB, sorted(by_card))
    return batch.pk, sorted(by_card), changed_ids


def _lock_cards(iccids: list[str]) -> dict[str, _Card]:
    """The batch's cards by ICCID, locked in id order (PostgreSQL; SQLite writes one
    transaction at a time anyway)."""
    # NO KEY UPDATE: as exclusive as FOR UPDATE for other writers, lighter on the rows.
    lock = " FOR NO KEY UPDATE" if rawsql.is_postgres() else ""
    when = rawsql.select_datetime
    rows = rawsql.values_in(
        f"SELECT id, iccid, region_id, last_country, {when('last_usage_at')}, "
        f"{when('data_limited_at')} FROM cards_card WHERE iccid {{in}} ORDER BY id" + lock,
        iccids,
    )
    return {
        iccid: _Card(pk, region_id, country, rawsql.py_datetime(seen), rawsql.py_datetime(limited))
        for pk, iccid, region_id, country, seen, limited in rows
    }


def _region_countries() -> dict[int, frozenset[str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, countries FROM catalog_region")
        rows = cursor.fetchall()
    return {
        pk: frozenset(json.loads(countries) if isinstance(countries, str) else countries)
        for pk, countries in rows
    }


def _lock_buckets(
    card_ids: list[int], countries: dict[int, frozenset[str]], since: datetime, now: datetime
) -> dict[int, list[BucketSlot]]:
    """The buckets that may pay for usage since `since`, per card: not withdrawn, not
    ended before then. The cards' locks guard them: every writer of buckets takes its
    card's lock first. Each says whether it is in use: started by `now`, or paid for usage."""
    when = rawsql.select_datetime
    rows = rawsql.values_in(
        f"SELECT id, card_id, region_id, starts, validity_days, {when('valid_from')}, "
        f"{when('valid_until')}, {when('activate_by')}, bytes_remaining, "
        f"{when('created_at')} FROM cards_bucket WHERE card_id {{in}} "
        "AND withdrawn_at IS NULL AND (valid_until IS NULL OR valid_until > %s) ORDER BY id",
        card_ids,
        params=(rawsql.db_datetime(since),),
    )
    slots: dict[int, list[BucketSlot]] = {card_id: [] for card_id in card_ids}
    for pk, card_id, region_id, starts, days, start, end, activate_by, remaining, created in rows:
        valid_from = rawsql.py_datetime(start)
        slots[card_id].append(
            BucketSlot(
                id=pk,
                region_id=region_id,
                countries=countries.get(region_id, frozenset()),
                starts=starts,
                validity_days=days,
                valid_from=valid_from,
                valid_until=rawsql.py_datetime(end),
                activate_by=rawsql.py_datetime(activate_by),
                remaining=remaining,
                limited=remaining is not None,
                created_at=rawsql.py_datetime(created),
                in_use=valid_from is not None and valid_from <= now,
            )
        )
    # One that has not may have paid already, for an event a little ahead of our clock.
    ahead = [
        b.id
        for card_slots in slots.values()
        for b in card_slots
        if b.starts == StartMode.QUEUED and not b.in_use
    ]
    paid = {
        row[0]
        for row in rawsql.values_in(
            "SELECT DISTINCT bucket_id FROM usage_usagecharge WHERE bucket_id {in}", ahead
        )
    }
    for card_slots in slots.values():
        for b in card_slots:
            b.in_use = b.in_use or b.id in paid
    return slots


def _insert_events(
    batch_id: int, by_card: dict[int, list[Event]], charges: dict[int, list[Charge]]
) -> None:
    when = rawsql.datetime_writer()
    rawsql.rows_insert(
        "usage_usageevent",
        [
            "event_id", "batch_id", "card_id", "started_at", "ended_at", "bytes_up",
            "bytes_down", "country", "network", "charged_bytes", "overage_bytes",
            "out_of_coverage",
        ],
        [
            (
                e.event_id, batch_id, card_id, when(e.started_at), when(e.ended_at),
                e.bytes_up, e.bytes_down, e.country, e.network, c.charged, c.overage,
                c.out_of_coverage,
            )
            for card_id, events in by_card.items()
            for e, c in zip(events, charges[card_id], strict=True)
        ],
    )  # fmt: skip


def _upsert_days(
    by_card: dict[int, list[Event]], charges: dict[int, list[Charge]], now: datetime
) -> None:
    """Add the batch to each card's daily usage per country (UTC days)."""
    is_pg = rawsql.is_postgres()
    days: dict[tuple[int, date, str], list[int]] = {}
    for card_id, events in by_card.items():
        for event, charge in zip(events, charges[card_id], strict=True):
            key = (card_id, event.started_at.date(), event.country)
            figures = days.setdefault(key, [0, 0, 0, 0, 0])
            figures[0] += event.total
            figures[1] += charge.charged
            figures[2] += charge.overage
            figures[3] += event.total if charge.out_of_coverage else 0
            figures[4] += 1
    when = rawsql.db_datetime(now)
    rawsql.rows_upsert_add(
        "usage_usageday",
        keys=["card_id", "day", "country"],
        sums=["bytes", "charged_bytes", "overage_bytes", "uncovered_bytes", "events"],
        latest=["updated_at"],
        rows=[
            (card_id, day if is_pg else day.isoformat(), country, *figures, when)
            for (card_id, day, country), figures in days.items()
        ],
    )


def _note_cards(
    cards: dict[int, _Card],
    by_card: dict[int, list[Event]],
    charges: dict[int, list[Charge]],
    slots: dict[int, list[BucketSlot]],
    now: datetime,
) -> list[int]:
    """Remember each card's latest country (a late event never overrides a newer one; the
    time it was seen is kept to SEEN_RESOLUTION while the country stays the same, so a
    busy card is not rewritten by every batch) and mark the cards that went beyond every
    bucket where nothing covering that country is live now (a late event that went over
    back then does not cut a card that has data). Returns those, newly limited."""
    rows = []
    limited = []
    for card_id, events in by_card.items():
        card = cards[card_id]
        latest = max(events, key=lambda e: e.started_at)
        country, seen = card.last_country, card.last_usage_at
        if seen is None or (
            latest.started_at > seen
            and (latest.country != country or latest.started_at - seen > SEEN_RESOLUTION)
        ):
            country, seen = latest.country, latest.started_at
        limited_at = card.data_limited_at
        if limited_at is None and any(
            charge.overage
            and not any(b.live_at(now) and event.country in b.countries for b in slots[card_id])
            for event, charge in zip(events, charges[card_id], strict=True)
        ):
            limited_at = now
            limited.append(card_id)
        if (country, seen, limited_at) != (
            card.last_country,
            card.last_usage_at,
            card.data_limited_at,
        ):
            rows.append((card_id, country, seen, limited_at))
    card_usage_seen_save(rows=rows)
    return limited
