"""Reading cards: a traveller sees only their own."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from .errors import CardNotFound
from .models import Bucket, Card


def card_list_for(*, user: Any) -> QuerySet[Card]:
    return (
        Card.objects.filter(owner=user)
        .select_related("region")
        .prefetch_related(
            Prefetch("buckets", queryset=Bucket.objects.select_related("region").order_by("valid_until"))
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
