"""API: the traveller's orders — create (idempotently), list, detail, pay, cancel, history."""

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language
from ninja import Header, Path, Router, Schema, Status
from pydantic import Field

from roamcard.cards.choices import StartMode
from roamcard.core.api import InSchema, error_responses
from roamcard.core.formatting import format_bytes
from roamcard.core.money import Money, format_money
from roamcard.orders.choices import OrderState
from roamcard.orders.models import Order
from roamcard.orders.selectors import order_events, order_get_for
from roamcard.orders.services import order_cancel, order_create_or_replay
from roamcard.payments.choices import PaymentState, RefundReason, RefundState
from roamcard.payments.gateways.base import PaymentMethod
from roamcard.payments.models import Payment
from roamcard.payments.selectors import payments_of_order

from .selectors import (
    RefundView,
    card_view_for_order,
    order_is_partially_refunded,
    order_list_with_refunds,
    order_refunds,
)
from .services import renewal_pay, renewal_sync_while_waiting

router = Router(tags=["orders"])

OrderId = Annotated[UUID, Path(description="The order's public id (`id` in its representation).")]
DbId = Annotated[int, Field(ge=1, le=2**63 - 1)]
IdempotencyKey = Annotated[
    str | None,
    Header(
        None,
        alias="Idempotency-Key",
        max_length=128,
        description=(
            "Any unique string (a UUID is best). A retry with the same key returns the order "
            "the first request created (200 instead of 201); the same key with different "
            "parameters is refused with 422 `idempotency_key_reused`."
        ),
    ),
]


class OrderCreateIn(InSchema):
    card_id: DbId = Field(description="One of my cards (`id` from `GET /cards`).")
    plan_id: DbId = Field(description="A plan that fits the card (`id` from the card's plans).")
    currency: str = Field(
        min_length=3,
        max_length=3,
        pattern=r"^[A-Za-z]{3}$",
        description="ISO 4217 code of one of the plan's prices, e.g. `CNY`.",
    )
    starts: Literal["now", "queued"] | None = Field(
        default=None,
        description="When the allowance starts: `now`, or `queued` (when the card's current "
        "allowance of the same coverage ends or runs out). Default: `queued` when the card has "
        "live data of the plan's coverage, else `now`. Ignored for plans that start on first "
        "use (day passes): their `starts` is `first_use`.",
    )


class PaymentCreateIn(InSchema):
    method: PaymentMethod = Field(
        description="How to pay; only the methods this site has enabled are accepted."
    )


class MoneyOut(Schema):
    amount_minor: int = Field(
        description="Integer amount in the currency's minor unit (cents, fen; whole yen)."
    )
    currency: str
    formatted: str = Field(description="E.g. `CN¥138.00`, for the caller's language.")


class PaymentOut(Schema):
    id: UUID
    method: PaymentMethod
    state: PaymentState = Field(
        description="`created`, `pending` (the payer has to act at `redirect_url`), `unknown` "
        "(we are still finding out), `succeeded` or `failed`."
    )
    amount: MoneyOut
    redirect_url: str = Field(description="Where to send the payer: the gateway's hosted page.")
    qr_code: str = Field(description="For Alipay / WeChat Pay: the content to show as a QR code.")
    reference: str = Field(description="The gateway's reference for the payment.")
    error_code: str
    error_message: str
    created_at: datetime
    completed_at: datetime | None


class RefundOut(Schema):
    id: UUID
    state: RefundState = Field(
        description="`created`, `pending` and `unknown` (on its way), `succeeded` (the payment "
        "provider has confirmed it) or `failed` (no money was returned)."
    )
    state_label: str = Field(description="The state, in the caller's language.")
    amount: MoneyOut = Field(description="Given back, in the currency that was paid.")
    reason: RefundReason | None = Field(description="Why, as a code; null when not recorded.")
    reason_label: str = Field(description="Why, in the caller's language.")
    method_label: str = Field(
        description="Where the money goes back, in the caller's language: the saved card "
        "(`Visa •••• 4242`) or the method (`Card`, `Alipay`, `WeChat Pay`)."
    )
    timing: str = Field(description="How long the money usually takes, for this method.")
    expected_by: datetime | None = Field(
        description="When the money should have arrived at the latest; null until it succeeds."
    )
    data_withdrawn_bytes: int | None = Field(
        description="Data this refund took off the card once it succeeded (a partial refund "
        "takes the same share of the plan's data, at most what was left); null when none."
    )
    data_withdrawn_formatted: str = Field(description="The same, e.g. `1.25 GB`; empty for none.")
    created_at: datetime
    completed_at: datetime | None


class RenewalOut(Schema):
    """The card after a fulfilled order."""

    unlimited: bool
    bytes_remaining: int | None = Field(description="Null when unlimited.")
    remaining_formatted: str
    valid_until: datetime | None = Field(description="The card's validity now.")
    order_valid_from: datetime | None = Field(
        description="Start of the allowance this order added (predicted while queued); null "
        "until first use for a plan that starts then."
    )
    order_valid_until: datetime | None = Field(
        description="End of the allowance this order added; null until first use."
    )


class OrderOut(Schema):
    id: UUID
    number: str = Field(description="Short order number, as on receipts.")
    state: OrderState
    state_label: str = Field(description="The state, in the caller's language.")
    card_id: int
    plan_id: int
    plan_name: str
    data_bytes: int | None = Field(description="Null for an unlimited plan.")
    validity_days: int
    starts: StartMode = Field(
        description="`now`, `queued` (after the current allowance of the same coverage) or "
        "`first_use` (the first time the card uses data in a covered country)."
    )
    amount: MoneyOut
    failure_message: str = Field(description="Why the last payment failed, if it did.")
    created_at: datetime
    paid_at: datetime | None
    fulfilled_at: datetime | None
    refunded: MoneyOut = Field(
        description="What the payment provider has given back of the payment that paid it."
    )
    partially_refunded: bool = Field(
        description="`fulfilled` with part of the price given back: the rest of the plan "
        "stays on the card."
    )


class OrderDetailOut(OrderOut):
    payments: list[PaymentOut] = Field(description="Every payment attempt, newest first.")
    refund: RefundOut | None = Field(description="The latest of `refunds`, or null.")
    refunds: list[RefundOut] = Field(
        description="Every refund: of the payment that paid the order first, newest first."
    )
    renewal: RenewalOut | None = Field(description="Present once the order is fulfilled.")


class OrderListOut(Schema):
    orders: list[OrderOut]


class OrderEventOut(Schema):
    from_state: OrderState | None = Field(description="Null for the order's creation.")
    to_state: OrderState
    cause: str = Field(
        description="`traveller`, `webhook`, `return`, `reconcile`, `provisioning`, `janitor`, "
        "`staff` or `system`."
    )
    at: datetime


class OrderEventListOut(Schema):
    events: list[OrderEventOut]


def _money(amount_minor: int, currency: str) -> dict:
    return {
        "amount_minor": amount_minor,
        "currency": currency,
        "formatted": format_money(Money(amount_minor, currency), language=get_language()),
    }


def _order(order: Order, refunded_minor: int | None = None) -> dict:
    """`refunded_minor`: given back of the paying payment (else the order's annotation)."""
    if refunded_minor is None:
        refunded_minor = getattr(order, "refunded_minor", None) or 0
    return {
        "id": order.public_id,
        "number": order.short_id,
        "state": order.state,
        "state_label": str(order.get_state_display()),
        "card_id": order.card_id,
        "plan_id": order.plan_id,
        "plan_name": order.plan_title,
        "data_bytes": order.data_bytes,
        "validity_days": order.validity_days,
        "starts": order.starts,
        "amount": _money(order.amount_minor, order.currency),
        "failure_message": order.failure_message,
        "created_at": order.created_at,
        "paid_at": order.paid_at,
        "fulfilled_at": order.fulfilled_at,
        "refunded": _money(refunded_minor, order.currency),
        "partially_refunded": order_is_partially_refunded(
            order=order, refunded_minor=refunded_minor
        ),
    }


def _payment(payment: Payment) -> dict:
    return {
        "id": payment.public_id,
        "method": payment.method,
        "state": payment.state,
        "amount": _money(payment.amount_minor, payment.currency),
        "redirect_url": payment.redirect_url,
        "qr_code": payment.qr_code,
        "reference": payment.gateway_reference,
        "error_code": payment.error_code,
        "error_message": payment.error_message,
        "created_at": payment.created_at,
        "completed_at": payment.completed_at,
    }


def _refund(view: RefundView) -> dict:
    refund = view.refund
    return {
        "id": refund.public_id,
        "state": refund.state,
        "state_label": view.state_label,
        "amount": _money(refund.amount_minor, refund.currency),
        "reason": refund.reason_code or None,
        "reason_label": view.reason_label,
        "method_label": view.method_label,
        "timing": view.timing,
        "expected_by": view.expected_by,
        "data_withdrawn_bytes": view.bytes_withdrawn or None,
        "data_withdrawn_formatted": format_bytes(view.bytes_withdrawn, language=get_language())
        if view.bytes_withdrawn
        else "",
        "created_at": refund.created_at,
        "completed_at": refund.completed_at,
    }


def _renewal(order: Order) -> dict | None:
    if order.state != OrderState.FULFILLED:
        return None
    balance = card_view_for_order(order=order).balance
    if balance is None:  # the card was unbound since: its balance is no longer theirs
        return None
    return {
        "unlimited": balance.unlimited,
        "bytes_remaining": None if balance.unlimited else balance.bytes_remaining,
        "remaining_formatted": format_bytes(
            None if balance.unlimited else balance.bytes_remaining, language=get_language()
        ),
        "valid_until": balance.valid_until,
        "order_valid_from": order.bucket.valid_from if order.bucket else None,
        "order_valid_until": order.bucket.valid_until if order.bucket else None,
    }


def _order_detail(order: Order) -> dict:
    refunds = order_refunds(order=order)
    listed = [_refund(view) for view in refunds.refunds]
    return {
        **_order(order, refunded_minor=refunds.refunded.amount_minor),
        "payments": [_payment(p) for p in payments_of_order(order_id=order.pk)],
        "refund": listed[0] if listed else None,
        "refunds": listed,
        "renewal": _renewal(order),
    }


@router.post(
    "",
    response={
        200: OrderDetailOut,
        201: OrderDetailOut,
        **error_responses(400, 401, 403, 404, 409, 422),
    },
    summary="Order a plan for one of my cards",
)
def order_create_endpoint(
    request: HttpRequest,
    response: HttpResponse,
    payload: OrderCreateIn,
    idempotency_key: IdempotencyKey = None,
):
    """Creates an order waiting for payment; pay it with `POST /orders/{id}/payments`.

    Send an `Idempotency-Key` header so that a retry (after a timeout, say) cannot create a
    second order: the retry answers 200 with the first order and the header
    `Idempotency-Replayed: true`. Errors: 404 `card_not_found` (also for another
    traveller's card), 409 `plan_not_available`, `price_not_available`,
    `card_not_renewable`, 422 `idempotency_key_reused` (the key with other parameters,
    `starts` included)."""
    order, created = order_create_or_replay(
        user=request.auth,
        card_id=payload.card_id,
        plan_id=payload.plan_id,
        currency=payload.currency,
        idempotency_key=idempotency_key or "",
        starts=payload.starts or "",
    )
    order = order_get_for(user=request.auth, public_id=order.public_id)
    if not created:
        response["Idempotency-Replayed"] = "true"
        return Status(200, _order_detail(order))
    return Status(201, _order_detail(order))


@router.get("", response={200: OrderListOut, **error_responses(401)}, summary="My orders")
def order_list_endpoint(request: HttpRequest):
    """Newest first."""
    return {"orders": [_order(order) for order in order_list_with_refunds(user=request.auth)]}


@router.get(
    "/{public_id}",
    response={200: OrderDetailOut, **error_responses(401, 404, 422)},
    summary="An order",
)
def order_detail_endpoint(request: HttpRequest, public_id: OrderId):
    """State, amount, every payment attempt and every refund (amount, state, where the
    money goes, when to expect it, the data it took back); once the order is `fulfilled`,
    `renewal` has the card's new balance and validity. Poll this after the payer comes
    back from the gateway: `paid` turns `fulfilled` within seconds."""
    order = order_get_for(user=request.auth, public_id=public_id)
    renewal_sync_while_waiting(order_id=order.pk)
    return _order_detail(order_get_for(user=request.auth, public_id=public_id))


@router.post(
    "/{public_id}/payments",
    response={201: PaymentOut, **error_responses(400, 401, 403, 404, 409, 422)},
    summary="Pay an order",
)
def order_pay_endpoint(request: HttpRequest, public_id: OrderId, payload: PaymentCreateIn):
    """Starts a payment at the gateway for `method`. Send the payer to `redirect_url` (or
    show `qr_code` for a scan-to-pay method); the gateway brings them back to our site,
    and the order moves on by itself. A `payment_failed` order can be paid again, with any
    method. Errors: 400 `payment_method_not_available`, 409 `order_not_payable`."""
    order = order_get_for(user=request.auth, public_id=public_id)
    payment = renewal_pay(
        user=request.auth, order=order, method=payload.method, language=get_language()
    )
    return Status(201, _payment(payment))


@router.post(
    "/{public_id}/cancel",
    response={200: OrderOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Cancel an unpaid order",
)
def order_cancel_endpoint(request: HttpRequest, public_id: OrderId):
    """Only an order waiting for payment (or whose payment failed) can be cancelled: 409
    `order_not_cancellable` otherwise. Cancelling twice is fine. A payment that still
    completes afterwards is refunded automatically, never applied."""
    order = order_get_for(user=request.auth, public_id=public_id)
    return _order(order_cancel(user=request.auth, order_id=order.pk))


@router.get(
    "/{public_id}/events",
    response={200: OrderEventListOut, **error_responses(401, 404, 422)},
    summary="An order's history",
)
def order_events_endpoint(request: HttpRequest, public_id: OrderId):
    """Every state change, oldest first, with its time and cause."""
    order = order_get_for(user=request.auth, public_id=public_id)
    return {
        "events": [
            {
                "from_state": e.from_state or None,
                "to_state": e.to_state,
                "cause": e.cause,
                "at": e.at,
            }
            for e in order_events(order=order)
        ]
    }
