"""Reading a renewal for the traveller's pages and the API."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from roamcard.cards.choices import StartMode
from roamcard.cards.models import Card
from roamcard.cards.selectors import CardBalance, CoverageLine, card_balance
from roamcard.orders.models import Order
from roamcard.provisioning.validity import renewal_queue_end, renewal_window


@dataclass(frozen=True)
class OrderCard:
    """The card an order is for. After the traveller unbinds it, the order and its receipt
    stay theirs, but the card's balance is no longer theirs to see (`balance` is None)."""

    card: Card
    is_mine: bool
    balance: CardBalance | None


def card_view_for_order(*, order: Order) -> OrderCard:
    card = order.card
    is_mine = card.owner_id == order.user_id
    return OrderCard(
        card=card, is_mine=is_mine, balance=card_balance(card=card) if is_mine else None
    )


@dataclass(frozen=True)
class ValidityEstimate:
    """What the order will add if paid now (docs/decisions/0003)."""

    starts: str  # the order's start mode
    usable_from: datetime | None  # None: on first use
    valid_until: datetime | None  # None: on first use
    # The end of the coverage's current (and queued) allowance, None when there is none:
    # only then may the traveller choose between now and queued.
    current_end: datetime | None
    current: CoverageLine | None  # the coverage's balance now
    now_until: datetime  # the window's end if started now
    queued_from: datetime | None  # the window if queued
    queued_until: datetime | None

    @property
    def can_choose(self) -> bool:
        return self.starts != StartMode.FIRST_USE and self.current_end is not None


def validity_estimate(*, order: Order) -> ValidityEstimate:
    now = timezone.now()
    card, region_id, days = order.card, order.plan.region_id, order.validity_days
    current_end = renewal_queue_end(card=card, region_id=region_id, now=now)
    start, end = renewal_window(
        card=card, region_id=region_id, starts=order.starts, validity_days=days, now=now
    )
    lines = card_balance(card=card, now=now).lines
    queued_from = max(now, current_end) if current_end else None
    return ValidityEstimate(
        starts=order.starts,
        usable_from=start,
        valid_until=end,
        current_end=current_end,
        current=next((line for line in lines if line.region.pk == region_id), None),
        now_until=now + timedelta(days=days),
        queued_from=queued_from,
        queued_until=queued_from + timedelta(days=days) if queued_from else None,
    )
