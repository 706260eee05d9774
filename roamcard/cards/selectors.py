"""Reading cards: a traveller sees only their own."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from roamcard.catalog.models import Region
from roamcard.catalog.selectors import region_fits

from .errors import CardNotFound
from .models import Bucket, Card, CardImport


def card_list_for(*, user: Any) -> QuerySet[Card]:
    return (
        Card.objects.filter(owner=user)
        .select_related("region")
        .prefetch_related(
            Prefetch(
                "buckets", queryset=Bucket.objects.select_related("region").order_by("valid_until")
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
class CardBalance:
    """What a traveller wants to know at a glance."""

    unlimited: bool
    bytes_remaining: int
    bytes_granted: int
    valid_until: datetime | None
    as_of: datetime | None
    active_buckets: list[Bucket]

    @property
    def percent_remaining(self) -> int | None:
        if self.unlimited or not self.bytes_granted:
            return None
        return round(100 * self.bytes_remaining / self.bytes_granted)


def card_balance(*, card: Card, now: datetime | None = None) -> CardBalance:
    """Sum the buckets still valid now. Validity is the latest bucket end. Uses the
    prefetched buckets when the card came from card_list_for."""
    now = now or timezone.now()
    buckets = list(card.buckets.all())
    live = [b for b in buckets if b.valid_from <= now < b.valid_until]
    unlimited = any(b.is_unlimited for b in live)
    return CardBalance(
        unlimited=unlimited,
        bytes_remaining=sum(b.bytes_remaining or 0 for b in live if not b.is_unlimited),
        bytes_granted=sum(b.bytes_granted or 0 for b in live if not b.is_unlimited),
        valid_until=max((b.valid_until for b in buckets if b.valid_until > now), default=None),
        as_of=max((b.updated_at for b in buckets), default=None),
        active_buckets=live,
    )


def card_detail_for(*, user: Any, card_id: int) -> Card:
    """Like card_get_for (coverage and buckets included, CardNotFound for anyone else's
    card), in two plain SQL queries: the API's card detail is its hottest read, and the
    ORM's query compilation would cost it more than everything else (bench/api.py)."""
    from roamcard.catalog.models import Region
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
        cursor.execute(
            f"SELECT {buckets.columns} FROM {table(Bucket)} b WHERE b.card_id = %s "
            "ORDER BY b.valid_until, b.id",
            [card.pk],
        )
        rows = cursor.fetchall()
    # What prefetch_related leaves behind, so that card.buckets.all() needs no query (a
    # fresh QuerySet: card.buckets.get_queryset() would clone a filtered query).
    prefetched = QuerySet(model=Bucket)
    prefetched._result_cache = [buckets.instance(r) for r in rows]
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
