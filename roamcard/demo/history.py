"""Past business for the demo's back-office reports: sixty days of renewals by other
travellers (two currencies and more, card, Alipay and WeChat Pay, some automatic, some
declined before they paid, a few refunded), each with its order history and its money in
the ledger, and one card number locked out of binding. Generated from a fixed seed, once."""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from roamcard.cards.choices import CardStatus
from roamcard.cards.iccid import iccid_with_check_digit
from roamcard.cards.models import Card, CardBindFailure
from roamcard.cards.passwords import hash_card_password
from roamcard.catalog.models import Plan
from roamcard.ledger.services import ledger_post_payment, ledger_post_refund
from roamcard.orders.choices import OrderState
from roamcard.orders.models import Order, OrderEvent
from roamcard.payments.choices import PaymentState, RefundReason, RefundState
from roamcard.payments.gateways.base import PaymentMethod
from roamcard.payments.models import Payment, Refund

HISTORY_DAYS = 60
HISTORY_KEY = "demo-history"
HISTORY_EMAIL = "past.travellers@roamcard.test"
SEED = 20261129
CURRENCIES = ("CNY", "HKD", "USD", "JPY")


@dataclass
class _Renewal:
    order: Order
    paid_at: datetime
    latency: timedelta
    method: str
    automatic: bool
    declined_first: bool
    refunded_at: datetime | None


def _history_cards(user) -> list[Card]:
    cards = []
    for n, plan_region in enumerate(Plan.objects.values_list("region", flat=True).distinct()):
        iccid = iccid_with_check_digit(f"898520{2025_0000_0000 + n:012d}")
        card, _ = Card.objects.get_or_create(
            iccid=iccid,
            defaults={
                "password_hash": hash_card_password(iccid=iccid, password="000000"),
                "region_id": plan_region,
                "owner": user,
                "bound_at": timezone.now() - timedelta(days=HISTORY_DAYS + 1),
                "status": CardStatus.ACTIVE,
            },
        )
        cards.append(card)
    return cards


def _latency(rng: random.Random) -> timedelta:
    """Seconds, mostly; now and then the network is slow."""
    if rng.random() < 0.03:
        return timedelta(seconds=rng.uniform(60, 600))
    return timedelta(seconds=rng.lognormvariate(1.0, 0.5))


def demo_seed_history(*, now: datetime | None = None) -> int:
    """Creates the history unless it is there; returns how many orders it created."""
    if Order.objects.filter(idempotency_key__startswith=HISTORY_KEY).exists():
        return 0
    now = now or timezone.now()
    rng = random.Random(SEED)
    user, _ = get_user_model().objects.get_or_create(
        email=HISTORY_EMAIL, defaults={"username": "past-travellers"}
    )
    if user.has_usable_password():
        user.set_unusable_password()
        user.save(update_fields=["password"])
    cards = _history_cards(user)
    plans = {
        card.pk: list(Plan.objects.filter(region_id=card.region_id).prefetch_related("prices"))
        for card in cards
    }

    renewals: list[_Renewal] = []
    for days_ago in range(HISTORY_DAYS, 0, -1):
        for _ in range(rng.randint(1, 6)):
            card = rng.choice(cards)
            plan = rng.choice(plans[card.pk])
            prices = {p.currency: p.amount_minor for p in plan.prices.all()}
            currency = rng.choice([c for c in CURRENCIES if c in prices] or list(prices))
            paid_at = now - timedelta(days=days_ago, seconds=rng.randrange(86_400))
            latency = _latency(rng)
            refunded_at = None
            if rng.random() < 0.06 and paid_at + timedelta(days=1) < now:
                refunded_at = paid_at + timedelta(hours=rng.uniform(1, 24))
            order = Order(
                user=user,
                card=card,
                plan=plan,
                plan_name=plan.name,
                plan_names={},
                data_bytes=plan.data_bytes,
                validity_days=plan.validity_days,
                currency=currency,
                amount_minor=prices[currency],
                state=OrderState.REFUNDED if refunded_at else OrderState.FULFILLED,
                idempotency_key=f"{HISTORY_KEY}-{len(renewals)}",
                paid_at=paid_at,
                fulfilled_at=paid_at + latency,
            )
            method = rng.choice(list(PaymentMethod))
            renewals.append(
                _Renewal(
                    order=order,
                    paid_at=paid_at,
                    latency=latency,
                    method=method,
                    automatic=method == PaymentMethod.CARD and rng.random() < 0.25,
                    declined_first=rng.random() < 0.12,
                    refunded_at=refunded_at,
                )
            )
    Order.objects.bulk_create([r.order for r in renewals])
    for r in renewals:
        r.order.created_at = r.order.updated_at = r.paid_at - timedelta(minutes=3)
    Order.objects.bulk_update([r.order for r in renewals], ["created_at", "updated_at"])

    payments, paying = [], {}
    for r in renewals:
        if r.declined_first:
            payments.append(
                Payment(
                    order=r.order,
                    gateway="sandbox",
                    method=r.method,
                    amount_minor=r.order.amount_minor,
                    currency=r.order.currency,
                    state=PaymentState.FAILED,
                    error_code="declined",
                    completed_at=r.paid_at - timedelta(minutes=2),
                    off_session=r.automatic,
                )
            )
        paying[r.order.pk] = Payment(
            order=r.order,
            gateway="sandbox",
            method=r.method,
            amount_minor=r.order.amount_minor,
            currency=r.order.currency,
            state=PaymentState.SUCCEEDED,
            paid_order=True,
            off_session=r.automatic,
            completed_at=r.paid_at,
        )
        payments.append(paying[r.order.pk])
    Payment.objects.bulk_create(payments)
    for payment in payments:
        payment.created_at = payment.completed_at - timedelta(minutes=1)
    Payment.objects.bulk_update(payments, ["created_at"])

    refunds = [
        Refund(
            payment=paying[r.order.pk],
            amount_minor=r.order.amount_minor,
            currency=r.order.currency,
            state=RefundState.SUCCEEDED,
            reason_code=RefundReason.NOT_USED,
            reason="refunded by staff",
            completed_at=r.refunded_at,
        )
        for r in renewals
        if r.refunded_at
    ]
    Refund.objects.bulk_create(refunds)

    events, moments = [], []
    for r in renewals:
        steps = [
            ("", OrderState.PENDING_PAYMENT, "traveller", r.order.created_at),
            (OrderState.PENDING_PAYMENT, OrderState.PAID, "webhook", r.paid_at),
            (OrderState.PAID, OrderState.FULFILLED, "provisioning", r.paid_at + r.latency),
        ]
        if r.refunded_at:
            steps.append((OrderState.FULFILLED, OrderState.REFUNDED, "staff", r.refunded_at))
        for from_state, to_state, cause, at in steps:
            events.append(
                OrderEvent(order=r.order, from_state=from_state, to_state=to_state, cause=cause)
            )
            moments.append(at)
    OrderEvent.objects.bulk_create(events)
    for event, at in zip(events, moments, strict=True):
        event.at = at
    OrderEvent.objects.bulk_update(events, ["at"])

    for payment in paying.values():
        ledger_post_payment(
            key=f"payment:{payment.public_id}",
            gateway=payment.gateway,
            amount_minor=payment.amount_minor,
            currency=payment.currency,
            memo=f"order {payment.order.public_id}",
        )
    for refund in refunds:
        ledger_post_refund(
            key=f"refund:{refund.public_id}",
            gateway=refund.payment.gateway,
            amount_minor=refund.amount_minor,
            currency=refund.currency,
            memo=f"order {refund.payment.order.public_id}",
        )

    # Someone guessing a card number's password, three days ago: five tries, then locked.
    guessed = iccid_with_check_digit(f"898520{2025_0000_9999:012d}")
    failures = [CardBindFailure(iccid=guessed, user=user) for _ in range(5)]
    CardBindFailure.objects.bulk_create(failures)
    for n, failure in enumerate(failures):
        failure.at = now - timedelta(days=3, minutes=10 - 2 * n)
    CardBindFailure.objects.bulk_update(failures, ["at"])
    return len(renewals)
