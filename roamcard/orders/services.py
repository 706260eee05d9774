"""Writing orders: creating one, and moving it through its states (each move recorded)."""

import hashlib
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from roamcard.cards.choices import CardStatus, StartMode
from roamcard.cards.selectors import card_get_for, card_has_live_data
from roamcard.catalog.choices import PlanKind
from roamcard.catalog.models import Plan
from roamcard.catalog.selectors import plan_names, region_fits
from roamcard.core import metrics

from .choices import TRANSITIONS, OrderState, TransitionCause
from .errors import (
    CardNotRenewable,
    IdempotencyKeyReused,
    OrderNotCancellable,
    OrderNotChangeable,
    OrderNotFound,
    PlanNotAvailable,
    PriceNotAvailable,
    StartNotAvailable,
)
from .models import Order, OrderEvent

_STAMPS = {OrderState.PAID: "paid_at", OrderState.FULFILLED: "fulfilled_at"}


def _fingerprint(*, card_id: int, plan_id: int, currency: str, starts: str) -> str:
    return hashlib.sha256(f"{card_id}|{plan_id}|{currency}|{starts}".encode()).hexdigest()


def _existing_for_key(*, user: Any, key: str, fingerprint: str) -> Order | None:
    order = Order.objects.filter(user=user, idempotency_key=key).first()
    if order is not None and order.request_fingerprint != fingerprint:
        raise IdempotencyKeyReused()
    return order


def order_create(
    *,
    user: Any,
    card_id: int,
    plan_id: int,
    currency: str,
    idempotency_key: str = "",
    starts: str = "",
) -> Order:
    """A traveller's order of a plan for one of their cards, priced in `currency`.

    With an idempotency key, a retry returns the order the first call created; the same key
    with other parameters is refused. `starts` (now or queued) is when the allowance starts;
    empty: the default for the plan and the card (docs/decisions/0003)."""
    order, _created = order_create_or_replay(
        user=user,
        card_id=card_id,
        plan_id=plan_id,
        currency=currency,
        idempotency_key=idempotency_key,
        starts=starts,
    )
    return order


def order_create_or_replay(
    *,
    user: Any,
    card_id: int,
    plan_id: int,
    currency: str,
    idempotency_key: str = "",
    starts: str = "",
) -> tuple[Order, bool]:
    """order_create that also says whether this call created the order (False: a retry
    with the key of an earlier order). However many retries race, one creates: the unique
    key decides, in the database."""
    currency = (currency or "").upper()
    if starts and starts not in CHOOSABLE_STARTS:
        raise StartNotAvailable()
    fingerprint = _fingerprint(card_id=card_id, plan_id=plan_id, currency=currency, starts=starts)
    if idempotency_key:
        existing = _existing_for_key(user=user, key=idempotency_key, fingerprint=fingerprint)
        if existing is not None:
            return existing, False

    card = card_get_for(user=user, card_id=card_id)
    if card.status == CardStatus.SUSPENDED:
        raise CardNotRenewable()
    plan = Plan.objects.select_related("region").filter(pk=plan_id, active=True).first()
    if plan is None or not region_fits(plan_region=plan.region, coverage=card.region):
        raise PlanNotAvailable()
    price = plan.prices.filter(currency=currency).first()
    if price is None:
        raise PriceNotAvailable()
    starts = order_start_for(card=card, plan=plan, chosen=starts)

    try:
        with transaction.atomic():
            order = Order.objects.create(
                user=user,
                card=card,
                plan=plan,
                plan_name=plan.name,
                plan_names=plan_names(plan=plan),
                data_bytes=plan.data_bytes,
                validity_days=plan.validity_days,
                currency=currency,
                amount_minor=price.amount_minor,
                idempotency_key=idempotency_key,
                request_fingerprint=fingerprint,
                starts=starts,
            )
            OrderEvent.objects.create(
                order=order, from_state="", to_state=order.state, cause=TransitionCause.TRAVELLER
            )
    except IntegrityError:
        # The same key raced us; the first order stands.
        existing = _existing_for_key(user=user, key=idempotency_key, fingerprint=fingerprint)
        if existing is None:
            raise
        return existing, False
    return order, True


# What a traveller may choose; a plan that starts on first use is not a choice.
CHOOSABLE_STARTS = (StartMode.NOW, StartMode.QUEUED)


def order_start_for(*, card: Any, plan: Plan, chosen: str = "", now: Any = None) -> str:
    """When the order's allowance starts: first use for a plan kind that starts then (not
    a choice); else the traveller's choice of now or queued; else the default (queued when
    the card has live data of the plan's coverage, now otherwise)."""
    if PlanKind(plan.kind).starts_on_first_use:
        return StartMode.FIRST_USE
    if chosen:
        return chosen
    live = card_has_live_data(card_id=card.pk, region_id=plan.region_id, now=now or timezone.now())
    return StartMode.QUEUED if live else StartMode.NOW


def order_set_start(*, user: Any, order_id: int, starts: str) -> Order:
    """The traveller changes when an unpaid order's allowance starts (now or queued), on
    the order's summary page. A first-use plan keeps starting on first use."""
    if starts not in CHOOSABLE_STARTS:
        raise StartNotAvailable()
    with transaction.atomic():
        order = (
            Order.objects.select_for_update(of=("self",))
            .select_related("plan")
            .filter(pk=order_id, user=user)
            .first()
        )
        if order is None:
            raise OrderNotFound()
        if order.state not in (OrderState.PENDING_PAYMENT, OrderState.PAYMENT_FAILED):
            raise OrderNotChangeable()
        if order.starts != StartMode.FIRST_USE and order.starts != starts:
            order.starts = starts
            order.save(update_fields=["starts", "updated_at"])
    return order


def order_lock(*, order_id: int) -> Order:
    """The order's row, locked until the caller's transaction ends."""
    return (
        Order.objects.select_for_update(of=("self",))
        .select_related("plan", "user", "card")
        .get(pk=order_id)
    )


def order_attach_bucket(*, order: Order, bucket: Any) -> None:
    """The allowance a fulfilled order put on its card."""
    order.bucket = bucket
    order.save(update_fields=["bucket", "updated_at"])


def order_transition(
    *,
    order_id: int,
    to_state: str,
    cause: str,
    details: dict[str, Any] | None = None,
    only_from: set[str] | None = None,
    failure_message: str = "",
) -> bool:
    """Move an order to `to_state` if the state machine allows it from where it is now
    (and, with `only_from`, only from those states). Returns False, changing nothing, when
    it does not: that is how a second webhook, a racing return and a retried job become
    no-ops. Runs in the caller's transaction (or its own) with the order row locked."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        allowed = to_state in TRANSITIONS[order.state]
        if not allowed or (only_from is not None and order.state not in only_from):
            return False
        from_state = order.state
        order.state = to_state
        fields = ["state", "updated_at"]
        if to_state in _STAMPS:
            setattr(order, _STAMPS[to_state], timezone.now())
            fields.append(_STAMPS[to_state])
        if failure_message or to_state == OrderState.PENDING_PAYMENT:
            order.failure_message = failure_message[:300]
            fields.append("failure_message")
        order.save(update_fields=fields)
        OrderEvent.objects.create(
            order=order,
            from_state=from_state,
            to_state=to_state,
            cause=cause,
            details=details or {},
        )
        _count_transition(order)
    return True


def _count_transition(order: Order) -> None:
    fulfilled_after = (
        (order.fulfilled_at - order.paid_at).total_seconds()
        if order.state == OrderState.FULFILLED and order.paid_at and order.fulfilled_at
        else None
    )

    def record() -> None:
        metrics.order_transitions.labels(order.state).inc()
        if fulfilled_after is not None:
            metrics.renewal_paid_to_fulfilled.observe(fulfilled_after)

    metrics.on_commit(record)


def order_cancel(*, user: Any, order_id: int) -> Order:
    """The traveller gives up an unpaid order. A payment that still completes later is
    refunded automatically, never applied. Cancelling twice is fine; cancelling a paid or
    closed order raises OrderNotCancellable."""
    order = Order.objects.filter(pk=order_id, user=user).first()
    if order is None:
        raise OrderNotFound()
    order_transition(
        order_id=order.pk,
        to_state=OrderState.CANCELLED,
        cause=TransitionCause.TRAVELLER,
        only_from={OrderState.PENDING_PAYMENT, OrderState.PAYMENT_FAILED},
    )
    order.refresh_from_db()
    if order.state != OrderState.CANCELLED:
        raise OrderNotCancellable()
    return order
