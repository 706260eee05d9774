"""Reading cards: a traveller sees only their own."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import F, Prefetch, QuerySet
from django.utils import timezone

from roamcard.catalog.models import Region
from roamcard.catalog.selectors import region_fits

from .choices import BucketState
from .errors import CardNotFound
from .models import Bucket, Card, CardImport


def card_list_for(*, user: Any) -> QuerySet[Card]:
    return (
        Card.objects.filter(owner=user)
        .select_related("region")
        .prefetch_related(
            Prefetch(
                "buckets",
                queryset=Bucket.objects.select_related("region").order_by(
                    F("valid_until").asc(nulls_last=True), "id"
                ),
            )
        )
        .order_by("bound_at", "id")
    )


def card_get_for(*, user: Any, card_id: int) -> Card:
    """The traveller's card, or CardNotFound (also for someone else's card: a 404, so
    nobody learns which ids exist)."""
    card = card_list_for(user=user).filter(pk=card_id).first()
    if card is None:
        raise CardNotFound()
    return card


@dataclass(frozen=True)
class CoverageLine:
    """The balance of one coverage on a card: what is usable now, until when, and what
    comes next (queued buckets, then first-use ones), listed apart."""

    region: Region
    is_card_coverage: bool  # the card's own coverage (the "everywhere else" line)
    unlimited: bool
    bytes_remaining: int
    bytes_granted: int
    valid_until: datetime | None  # end of the latest live bucket
    live_buckets: list[Bucket]
    queued: list[Bucket]
    first_use: list[Bucket]


@dataclass(frozen=True)
class CardBalance:
    """What a traveller wants to know at a glance: the headline for one country (the live
    buckets that work there), and the balance per coverage."""

    unlimited: bool
    bytes_remaining: int
    bytes_granted: int
    valid_until: datetime | None
    as_of: datetime | None
    active_buckets: list[Bucket]  # the live buckets counted in the headline
    headline_country: str | None  # None: the card's whole coverage
    lines: list[CoverageLine]

    @property
    def percent_remaining(self) -> int | None:
        if self.unlimited or not self.bytes_granted:
            return None
        return round(100 * self.bytes_remaining / self.bytes_granted)


def card_headline_country(*, card: Card, country: str | None = None) -> str | None:
    """The country whose balance the headline shows: the one asked for when the card covers
    it, else the last country the card used data in, else None (the whole coverage)."""
    covered = card.region.country_set
    for code in (country, card.last_country):
        if code and code.upper() in covered:
            return code.upper()
    return None


def _sum(live: list[Bucket]) -> tuple[bool, int, int]:
    unlimited = any(b.is_unlimited for b in live)
    remaining = sum(b.bytes_remaining or 0 for b in live if not b.is_unlimited)
    granted = sum(b.bytes_granted or 0 for b in live if not b.is_unlimited)
    return unlimited, remaining, granted


_VALIDITY_STATES = (BucketState.LIVE, BucketState.QUEUED)


def card_balance(
    *, card: Card, now: datetime | None = None, country: str | None = None
) -> CardBalance:
    """The headline for `country` (card_headline_country) sums only the live buckets whose
    coverage includes it; lines give each coverage's balance. Card validity is the latest
    end among live and queued buckets. Uses the prefetched buckets when the card came from
    card_list_for or card_detail_for."""
    now = now or timezone.now()
    buckets = list(card.buckets.all())
    states = {b.pk: b.state_at(now) for b in buckets}
    live = [b for b in buckets if states[b.pk] == BucketState.LIVE]
    headline_country = card_headline_country(card=card, country=country)
    if headline_country is None:
        wanted = card.region.country_set
        counted = [b for b in live if wanted <= b.region.country_set]
    else:
        counted = [b for b in live if headline_country in b.region.country_set]
    unlimited, remaining, granted = _sum(counted)

    lines = []
    pending = {BucketState.LIVE, BucketState.QUEUED, BucketState.WAITING_FIRST_USE}
    regions = {b.region_id: b.region for b in buckets if states[b.pk] in pending}
    # Narrower coverages first; the card's own coverage ("everywhere else") last.
    for region in regions.values():
        mine = [b for b in buckets if b.region_id == region.pk]
        line_live = [b for b in mine if states[b.pk] == BucketState.LIVE]
        line_unlimited, line_remaining, line_granted = _sum(line_live)
        lines.append(
            CoverageLine(
                region=region,
                is_card_coverage=region.pk == card.region_id,
                unlimited=line_unlimited,
                bytes_remaining=line_remaining,
                bytes_granted=line_granted,
                valid_until=max((b.valid_until for b in line_live), default=None),
                live_buckets=line_live,
                queued=sorted(
                    (b for b in mine if states[b.pk] == BucketState.QUEUED),
                    key=lambda b: (b.valid_from, b.pk),
                ),
                first_use=[b for b in mine if states[b.pk] == BucketState.WAITING_FIRST_USE],
            )
        )
    lines.sort(key=lambda line: (line.is_card_coverage, len(line.region.country_set)))
    return CardBalance(
        unlimited=unlimited,
        bytes_remaining=remaining,
        bytes_granted=granted,
        valid_until=max(
            (
                b.valid_until
                for b in buckets
                if states[b.pk] in (BucketState.LIVE, BucketState.QUEUED)
            ),
            default=None,
        ),
        as_of=max((b.updated_at for b in buckets), default=None),
        active_buckets=counted,
        headline_country=headline_country,
        lines=lines,
    )


def bucket_queue_end(*, card_id: int, region_id: int, now: datetime) -> datetime | None:
    """Where a queued bucket of this coverage would start: the latest end among the
    coverage's live (not used up) and queued buckets; None when there is none."""
    ends = [
        b.valid_until
        for b in Bucket.objects.filter(
            card_id=card_id,
            region_id=region_id,
            withdrawn_at__isnull=True,
            valid_from__isnull=False,
            valid_until__gt=now,
        )
        if not b.is_used_up
    ]
    return max(ends, default=None)


def card_has_live_data(*, card_id: int, region_id: int, now: datetime) -> bool:
    """Live data of this coverage on the card now: bytes left or unlimited, window covering
    now. Decides whether a renewal queues by default."""
    return any(
        b.is_live_at(now)
        for b in Bucket.objects.filter(
            card_id=card_id, region_id=region_id, valid_from__lte=now, valid_until__gt=now
        )
    )


def card_detail_for(*, user: Any, card_id: int) -> Card:
    """Like card_get_for (coverage and buckets with theirs included, CardNotFound for
    anyone else's card), in two plain SQL queries: the API's card detail is its hottest
    read, and the ORM's query compilation would cost it more than everything else
    (bench/api.py)."""
    from roamcard.core.rawsql import reader, table

    cards, regions, buckets = reader(Card, "c"), reader(Region, "r"), reader(Bucket, "b")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {cards.columns}, {regions.columns} FROM {table(Card)} c "
            f"JOIN {table(Region)} r ON r.id = c.region_id WHERE c.id = %s AND c.owner_id = %s",
            [card_id, user.pk],
        )
        row = cursor.fetchone()
        if row is None:
            raise CardNotFound()
        card = cards.instance(row)
        card.region = regions.instance(row, offset=cards.width)
        bucket_regions = reader(Region, "br")
        cursor.execute(
            f"SELECT {buckets.columns}, {bucket_regions.columns} FROM {table(Bucket)} b "
            f"JOIN {table(Region)} br ON br.id = b.region_id WHERE b.card_id = %s "
            "ORDER BY b.valid_until IS NULL, b.valid_until, b.id",
            [card.pk],
        )
        rows = cursor.fetchall()
    instances = []
    for r in rows:
        bucket = buckets.instance(r)
        bucket.region = bucket_regions.instance(r, offset=buckets.width)
        instances.append(bucket)
    # What prefetch_related leaves behind, so that card.buckets.all() needs no query (a
    # fresh QuerySet: card.buckets.get_queryset() would clone a filtered query).
    prefetched = QuerySet(model=Bucket)
    prefetched._result_cache = instances
    prefetched._prefetch_done = True
    card._prefetched_objects_cache = {"buckets": prefetched}
    return card


def card_import_earlier_of_same_file(*, card_import: CardImport) -> QuerySet[CardImport]:
    """Earlier imports of a file with the same content (by SHA-256), newest first."""
    return (
        CardImport.objects.filter(
            file_sha256=card_import.file_sha256, created_at__lt=card_import.created_at
        )
        .exclude(pk=card_import.pk)
        .select_related("created_by")
        .order_by("-created_at")
    )


def card_list_fitting(*, user: Any, plan_region: Region) -> list[Card]:
    """The traveller's cards whose coverage takes a plan of `plan_region`."""
    return [
        card
        for card in card_list_for(user=user)
        if region_fits(plan_region=plan_region, coverage=card.region)
    ]
