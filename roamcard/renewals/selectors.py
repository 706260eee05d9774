"""Reading a renewal for the traveller's pages and the API."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from roamcard.cards.choices import StartMode
from roamcard.cards.models import Card
from roamcard.cards.selectors import CardBalance, CoverageLine, card_balance
from roamcard.core.money import Money
from roamcard.orders.choices import OrderState
from roamcard.orders.models import Order
from roamcard.orders.selectors import order_list_for
from roamcard.payments.choices import RefundReason, RefundState
from roamcard.payments.gateways.base import PaymentMethod
from roamcard.payments.models import Payment, Refund
from roamcard.payments.selectors import (
    payment_refundable_minor,
    payment_refunded_minor,
    payment_that_paid,
    refunds_of_order,
    saved_method_display,
)
from roamcard.provisioning.validity import renewal_queue_end, renewal_window

from .forms import METHOD_LABELS


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


# --- refunds ---------------------------------------------------------------------------------


def refund_data_share(*, order: Order, amount_minor: int) -> int | None:
    """The data a refund of `amount_minor` takes back (docs/decisions/0011): the same share
    of what the order granted as the money is of what was paid, rounded half up to a whole
    byte — before "at most what is left", which only the bucket knows when the refund
    succeeds. None for an unlimited plan: a share of it cannot be counted."""
    if order.data_bytes is None or order.amount_minor <= 0:
        return None
    return (2 * amount_minor * order.data_bytes + order.amount_minor) // (2 * order.amount_minor)


@dataclass(frozen=True)
class OrderRefundable:
    """What staff can still refund on an order, and what refunding it would do."""

    payment: Payment | None  # the payment that paid it (None: nothing to refund)
    refundable: Money  # what is left to give back, in the order's currency
    refunded: Money  # what the gateway has confirmed giving back
    full_only: bool  # the plan is not on the card yet: only all of it can go back

    @property
    def can_refund(self) -> bool:
        return self.refundable.amount_minor > 0


def order_refundable(*, order: Order) -> OrderRefundable:
    """The selector for "refundable remaining": the back office's refund page and the
    support app's "refund from a ticket" read it before calling renewal_refund_by_staff."""
    payment = payment_that_paid(order_id=order.pk)
    left = payment_refundable_minor(payment=payment) if payment else 0
    if order.state not in (OrderState.PAID, OrderState.FULFILLED):
        left = 0
    return OrderRefundable(
        payment=payment,
        refundable=Money(left, order.currency),
        refunded=Money(payment_refunded_minor(payment=payment) if payment else 0, order.currency),
        full_only=order.state == OrderState.PAID,
    )


@dataclass(frozen=True)
class RefundPreview:
    """What a refund of an amount would take off the card, as things stand now."""

    amount: Money
    full: bool  # gives back all that is left: the order becomes refunded
    bytes_withdrawn: int | None  # None: nothing countable (unlimited, or not on the card yet)
    unlimited: bool


def refund_preview(*, order: Order, amount_minor: int) -> RefundPreview:
    """The data staff will take back by refunding `amount_minor` now: in full, whatever is
    left of the order's data; in part, its share, at most what is left."""
    refundable = order_refundable(order=order)
    full = amount_minor >= refundable.refundable.amount_minor
    bucket = order.bucket
    left = None if bucket is None or bucket.withdrawn_at else bucket.bytes_remaining
    if order.data_bytes is None or bucket is None:
        withdrawn = None
    elif full:
        withdrawn = left or 0
    else:
        withdrawn = min(left or 0, refund_data_share(order=order, amount_minor=amount_minor) or 0)
    return RefundPreview(
        amount=Money(amount_minor, order.currency),
        full=full,
        bytes_withdrawn=withdrawn,
        unlimited=order.data_bytes is None,
    )


# How long money takes to reach the payer once the gateway has confirmed the refund, in
# business days (the low and high ends the payer is told; the high one gives "expected by").
# Card refunds go through the card's bank; wallets credit the balance or the bank card
# behind it; the sandbox is a simulation and pays back at once.
REFUND_BUSINESS_DAYS = {
    PaymentMethod.CARD: (5, 10),
    PaymentMethod.ALIPAY: (1, 3),
    PaymentMethod.WECHAT_PAY: (1, 3),
}
_REFUND_TIMING_TEXT = {
    PaymentMethod.CARD: _("Card refunds usually reach your account within 5–10 business days."),
    PaymentMethod.ALIPAY: _("Alipay refunds usually arrive within 1–3 business days."),
    PaymentMethod.WECHAT_PAY: _("WeChat Pay refunds usually arrive within 1–3 business days."),
}
_SANDBOX_TIMING_TEXT = _("This is a test payment: the refund is made at once.")


def refund_method_label(*, payment: Payment) -> str:
    """Where the money goes back, in the reader's language: the saved card or agreement it
    was charged to ("Visa •••• 4242"), else the method ("Card", "Alipay", "WeChat Pay")."""
    if payment.saved_method_id and payment.saved_method.label:
        return saved_method_display(payment.saved_method)
    try:
        return str(METHOD_LABELS[PaymentMethod(payment.method)])
    except (KeyError, ValueError):
        return payment.method


def _add_business_days(moment: datetime, days: int) -> datetime:
    while days > 0:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            days -= 1
    return moment


def refund_expected_by(*, refund: Refund) -> datetime | None:
    """When the traveller should see the money at the latest: the gateway's confirmation
    plus the method's business days (None until it is confirmed; at once for the sandbox)."""
    if refund.completed_at is None:
        return None
    if refund.payment.gateway == "sandbox":
        return refund.completed_at
    _low, high = REFUND_BUSINESS_DAYS.get(refund.payment.method, (5, 10))
    return _add_business_days(refund.completed_at, high)


def refund_timing_text(*, refund: Refund) -> str:
    """How long the money takes to arrive, for this refund's method, in the reader's
    language."""
    if refund.payment.gateway == "sandbox":
        return str(_SANDBOX_TIMING_TEXT)
    text = _REFUND_TIMING_TEXT.get(refund.payment.method, _REFUND_TIMING_TEXT[PaymentMethod.CARD])
    return str(text)


# --- refunds as the traveller sees them ----------------------------------------------------


def order_list_with_refunds(*, user: Any) -> QuerySet[Order]:
    """The traveller's orders, each with `refunded_minor`: what the gateway has given back
    of the payment that paid it (a fulfilled order with some is partially refunded)."""
    return order_list_for(user=user).annotate(
        refunded_minor=Sum(
            "payments__refunds__amount_minor",
            filter=Q(payments__paid_order=True, payments__refunds__state=RefundState.SUCCEEDED),
        )
    )


@dataclass(frozen=True)
class RefundView:
    """One refund as the traveller reads it, in their language."""

    refund: Refund
    amount: Money
    state: str
    state_label: str
    reason_label: str
    method_label: str
    timing: str
    expected_by: datetime | None
    bytes_withdrawn: int | None


@dataclass(frozen=True)
class OrderRefunds:
    refunds: list[RefundView]
    refunded: Money  # given back (confirmed) of the payment that paid the order
    partially_refunded: bool


def order_refunds(*, order: Order) -> OrderRefunds:
    """An order's refunds for its page and the API: amount, state, where the money goes,
    when to expect it, the data taken back and why (the reason's label, never staff's
    note)."""
    views = [
        RefundView(
            refund=refund,
            amount=refund.money,
            state=refund.state,
            state_label=str(refund.get_state_display()),
            reason_label=str(RefundReason(refund.reason_code).label) if refund.reason_code else "",
            method_label=refund_method_label(payment=refund.payment),
            timing=refund_timing_text(refund=refund),
            expected_by=refund_expected_by(refund=refund),
            bytes_withdrawn=refund.bytes_withdrawn,
        )
        for refund in refunds_of_order(order_id=order.pk)
    ]
    refunded = sum(
        view.amount.amount_minor
        for view in views
        if view.state == RefundState.SUCCEEDED and view.refund.payment.paid_order
    )
    return OrderRefunds(
        refunds=views,
        refunded=Money(refunded, order.currency),
        partially_refunded=order_is_partially_refunded(order=order, refunded_minor=refunded),
    )


def order_is_partially_refunded(*, order: Order, refunded_minor: int | None) -> bool:
    """Fulfilled, with part of its price given back: the plan stays on the card."""
    return order.state == OrderState.FULFILLED and bool(refunded_minor)
