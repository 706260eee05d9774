"""Reading a renewal for the traveller's pages and the API."""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from roamcard.cards.models import Card
from roamcard.cards.selectors import CardBalance, card_balance
from roamcard.orders.models import Order
from roamcard.provisioning.validity import renewal_window


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
    usable_from: datetime
    valid_until: datetime
    extends_current: bool  # the days start after the card's current validity


def validity_estimate(*, order: Order) -> ValidityEstimate:
    """What the order will add if paid now (docs/decisions/0003)."""
    now = timezone.now()
    start, end = renewal_window(card=order.card, validity_days=order.validity_days, now=now)
    current_end = card_balance(card=order.card, now=now).valid_until
    return ValidityEstimate(usable_from=start, valid_until=end, extends_current=bool(current_end))
