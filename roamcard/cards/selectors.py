"""Reading cards: a traveller sees only their own."""

import json
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import F, Prefetch, QuerySet
from django.utils import timezone

from roamcard.catalog.models import Plan, Region
from roamcard.catalog.selectors import region_fits
from roamcard.core.rawsql import db_datetime, py_datetime, select_datetime, table

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
                queryset=Bucket.objects.select_related("region", "plan").order_by(
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

    region: "Region | CoverageRow"
    is_card_coverage: bool  # the card's own coverage (the "everywhere else" line)
    unlimited: bool
    bytes_remaining: int
    bytes_granted: int
    valid_until: datetime | None  # end of the latest live bucket
    live_buckets: list["Bucket | BucketRow"]
    queued: list["Bucket | BucketRow"]
    first_use: list["Bucket | BucketRow"]


@dataclass(frozen=True)
class CardBalance:
    """What a traveller wants to know at a glance: the headline for one country (the live
    buckets that work there), and the balance per coverage."""

    unlimited: bool
    bytes_remaining: int
    bytes_granted: int
    valid_until: datetime | None
    as_of: datetime | None
    active_buckets: list["Bucket | BucketRow"]  # the live buckets counted in the headline
    headline_country: str | None  # None: the card's whole coverage
    lines: list[CoverageLine]

    @property
    def percent_remaining(self) -> int | None:
        if self.unlimited or not self.bytes_granted:
            return None
        return round(100 * self.bytes_remaining / self.bytes_granted)


def card_headline_country(*, card: "Card | CardRow", country: str | None = None) -> str | None:
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
    *, card: "Card | CardRow", now: datetime | None = None, country: str | None = None
) -> CardBalance:
    """The headline for `country` (card_headline_country) sums only the live buckets whose
    coverage includes it; lines give each coverage's balance. Card validity is the latest
    end among live and queued buckets. Uses the prefetched buckets when the card came from
    card_list_for, the buckets read with it when it is card_detail_for's CardRow."""
    now = now or timezone.now()
    if isinstance(card, CardRow):
        buckets, as_of = card.current_buckets, card.as_of
    else:
        buckets = list(card.buckets.all())
        as_of = max((b.updated_at for b in buckets), default=None)
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
        as_of=as_of,
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


@dataclass(slots=True)
class CoverageRow:
    """A coverage as the card detail reads it: the Region fields the API shows."""

    pk: int
    code: str
    name: str
    countries: list[str]
    country_set: frozenset[str]


@dataclass(slots=True)
class BucketRow:
    """A bucket as the card detail reads it: the Bucket fields its balance needs, with the
    model's own rules for its state."""

    pk: int
    region_id: int
    region: CoverageRow
    plan_name: str
    bytes_granted: int | None
    bytes_remaining: int | None
    starts: str
    validity_days: int | None
    valid_from: datetime | None
    valid_until: datetime | None
    activate_by: datetime | None
    updated_at: datetime
    withdrawn_at: None = None  # withdrawn buckets are not read

    is_unlimited = Bucket.is_unlimited
    is_used_up = Bucket.is_used_up
    state_at = Bucket.state_at


@dataclass(slots=True)
class CardRow:
    """A card as the card detail reads it: the Card fields the API shows, its coverage, the
    buckets that have not ended (the only ones a balance counts) and `as_of`, the latest
    change to any of its buckets, ended ones included."""

    pk: int
    iccid: str
    form: str
    status: str
    label: str
    msisdn: str
    activation_code: str
    bound_at: datetime | None
    last_country: str | None
    region_id: int
    region: CoverageRow
    current_buckets: list[BucketRow]
    as_of: datetime | None


@cache
def _card_detail_sql(vendor: str) -> str:
    """card_detail_for's statement, written once per process (per database vendor)."""
    buckets = table(Bucket)
    return (
        "SELECT c.id, c.iccid, c.form, c.status, c.label, c.msisdn, c.activation_code, "
        f"{select_datetime('c.bound_at')}, c.last_country, c.region_id, "
        "r.code, r.name, r.countries, "
        f"(SELECT {select_datetime('MAX(a.updated_at)')} FROM {buckets} a "
        "WHERE a.card_id = c.id), "
        "b.id, b.region_id, b.bytes_granted, b.bytes_remaining, b.starts, b.validity_days, "
        f"{select_datetime('b.valid_from')}, {select_datetime('b.valid_until')}, "
        f"{select_datetime('b.activate_by')}, {select_datetime('b.updated_at')}, "
        "br.code, br.name, br.countries, p.name "
        f"FROM {table(Card)} c JOIN {table(Region)} r ON r.id = c.region_id "
        f"LEFT JOIN {buckets} b ON b.card_id = c.id AND b.withdrawn_at IS NULL "
        "AND (b.valid_until IS NULL OR b.valid_until > %s) "
        f"LEFT JOIN {table(Region)} br ON br.id = b.region_id "
        f"LEFT JOIN {table(Plan)} p ON p.id = b.plan_id "
        "WHERE c.id = %s AND c.owner_id = %s "
        "ORDER BY b.valid_until IS NULL, b.valid_until, b.id"
    )


def card_detail_for(*, user: Any, card_id: int, now: datetime | None = None) -> CardRow:
    """Like card_get_for (CardNotFound for anyone else's card), in one plain SQL query
    straight into rows: the API's card detail is its hottest read, and the ORM's query
    compilation and model instances would cost it more than everything else
    (bench/api.py). Buckets that ended before `now` are left in the database, except for
    `as_of`; card_balance takes a CardRow as it takes a Card."""
    now = now or timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(_card_detail_sql(connection.vendor), [db_datetime(now), card_id, user.pk])
        rows = cursor.fetchall()
    if not rows:
        raise CardNotFound()
    first = rows[0]
    coverages: dict[int, CoverageRow] = {}

    def coverage(pk: int, code: str, name: str, countries: Any) -> CoverageRow:
        if pk not in coverages:
            listed = json.loads(countries) if isinstance(countries, str) else countries
            coverages[pk] = CoverageRow(pk, code, name, listed, frozenset(listed))
        return coverages[pk]

    buckets = [
        BucketRow(
            pk=row[14],
            region_id=row[15],
            region=coverage(row[15], *row[24:27]),
            plan_name=row[27] or "",
            bytes_granted=row[16],
            bytes_remaining=row[17],
            starts=row[18],
            validity_days=row[19],
            valid_from=py_datetime(row[20]),
            valid_until=py_datetime(row[21]),
            activate_by=py_datetime(row[22]),
            updated_at=py_datetime(row[23]),
        )
        for row in rows
        if row[14] is not None
    ]
    return CardRow(
        pk=first[0],
        iccid=first[1],
        form=first[2],
        status=first[3],
        label=first[4],
        msisdn=first[5],
        activation_code=first[6],
        bound_at=py_datetime(first[7]),
        last_country=first[8],
        region_id=first[9],
        region=coverage(first[9], *first[10:13]),
        current_buckets=buckets,
        as_of=py_datetime(first[13]),
    )


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
