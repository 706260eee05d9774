"""A hand-built week of business, the same on SQLite and PostgreSQL, whose numbers the
report tests know in advance. The staff member reads it in Seoul (UTC+9): a payment at
16:00 UTC on 1 November is Seoul's 2 November."""

import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from roamcard.cards.models import CardBindFailure
from roamcard.orders.models import Order, OrderEvent
from roamcard.payments.models import Payment, Refund
from roamcard.reports.periods import Period
from roamcard.testing import make_card, make_iccid, make_plan, make_region, make_user

SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")
WEEK = Period(first=date(2026, 11, 1), last=date(2026, 11, 7), zone=SEOUL)
# "Now" for the stuck orders: 5 November, 03:00 UTC.
NOW = datetime(2026, 11, 5, 3, 0, tzinfo=UTC)


def utc(day: int, hour: int, minute: int = 0, second: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=UTC)


@dataclass
class Business:
    plan_a: object
    plan_b: object
    stuck_order: Order
    traveller: object


class Builder:
    def __init__(self) -> None:
        region = make_region(code="japan", name="Japan", countries=("JP",))
        self.traveller = make_user()
        self.card = make_card(region=region, owner=self.traveller)
        self.plan_a = make_plan(region=region, name="Japan 5 GB", prices={"CNY": 6800})
        self.plan_b = make_plan(region=region, name="Japan 10 GB", prices={"USD": 949})

    def order(self, *, plan=None, state="pending_payment", currency="CNY", amount=6800, **times):
        plan = plan or self.plan_a
        return Order.objects.create(
            user=self.traveller,
            card=self.card,
            plan=plan,
            plan_name=plan.name,
            validity_days=plan.validity_days,
            currency=currency,
            amount_minor=amount,
            state=state,
            **times,
        )

    def payment(
        self,
        order: Order,
        *,
        state: str,
        created: datetime,
        completed: datetime | None = None,
        method: str = "card",
        paid_order: bool = False,
        off_session: bool = False,
    ) -> Payment:
        payment = Payment.objects.create(
            order=order,
            gateway="sandbox",
            method=method,
            amount_minor=order.amount_minor,
            currency=order.currency,
            state=state,
            paid_order=paid_order,
            off_session=off_session,
            completed_at=completed,
        )
        Payment.objects.filter(pk=payment.pk).update(created_at=created)
        return payment

    def refund(self, payment: Payment, *, state: str, completed: datetime | None) -> Refund:
        return Refund.objects.create(
            payment=payment,
            amount_minor=payment.amount_minor,
            currency=payment.currency,
            state=state,
            completed_at=completed,
        )

    def transitions(self, order: Order, *steps: tuple[str, str, datetime]) -> None:
        for from_state, to_state, at in steps:
            event = OrderEvent.objects.create(
                order=order, from_state=from_state, to_state=to_state, cause="system"
            )
            OrderEvent.objects.filter(pk=event.pk).update(at=at)

    def fulfilled_after(self, paid: datetime, latency: timedelta) -> Order:
        order = self.order(state="fulfilled", paid_at=paid, fulfilled_at=paid + latency)
        self.transitions(
            order,
            ("", "pending_payment", paid - timedelta(minutes=2)),
            ("pending_payment", "paid", paid),
            ("paid", "fulfilled", paid + latency),
        )
        return order

    def bind_failures(self, iccid: str, user, *moments: datetime) -> None:
        for at in moments:
            failure = CardBindFailure.objects.create(iccid=iccid, user=user)
            CardBindFailure.objects.filter(pk=failure.pk).update(at=at)


@pytest.fixture
def business(db) -> Business:
    b = Builder()

    # Money: two currencies, a refund, failed payments, one payment outside the week.
    p1_order = b.order(state="refunded", paid_at=utc(1, 16))
    p1 = b.payment(
        p1_order, state="succeeded", created=utc(1, 15, 59), completed=utc(1, 16), paid_order=True
    )
    b.refund(p1, state="succeeded", completed=utc(4, 1))
    p2_order = b.order(amount=3200, state="fulfilled", paid_at=utc(2, 3))
    b.payment(
        p2_order,
        state="succeeded",
        created=utc(2, 2, 58),
        completed=utc(2, 3),
        method="alipay",
        paid_order=True,
    )
    p3_order = b.order(
        plan=b.plan_b, currency="USD", amount=949, state="fulfilled", paid_at=utc(3, 2)
    )
    p3 = b.payment(
        p3_order,
        state="succeeded",
        created=utc(3, 1, 59),
        completed=utc(3, 2),
        paid_order=True,
        off_session=True,
    )
    b.refund(p3, state="failed", completed=utc(3, 5))
    b.payment(p3_order, state="failed", created=utc(3, 1, 50), completed=utc(3, 1, 51))
    b.payment(p2_order, state="failed", created=utc(2, 2, 50), completed=utc(2, 2, 51))
    b.payment(b.order(), state="pending", created=utc(5, 4))
    before = b.order(amount=1000, state="fulfilled", paid_at=utc(31, 14, month=10))
    b.payment(
        before,
        state="succeeded",
        created=utc(31, 13, 59, month=10),  # Seoul's 31 October, 22:59
        completed=utc(31, 14, month=10),
        paid_order=True,
    )

    # Provisioning latency: 1, 2, 3, 4 and 100 s on Seoul's 3 November, 10 s on the 4th,
    # and one order fulfilled before the week.
    for seconds in (1, 2, 3, 4, 100):
        b.fulfilled_after(utc(3, 3), timedelta(seconds=seconds))
    b.fulfilled_after(utc(4, 3), timedelta(seconds=10))
    b.fulfilled_after(utc(31, 10, month=10), timedelta(seconds=500))

    # Stuck: paid an hour before NOW and not fulfilled; one paid 10 minutes before NOW.
    stuck = b.order(state="paid", paid_at=NOW - timedelta(hours=1))
    b.order(state="paid", paid_at=NOW - timedelta(minutes=10))

    # Bind lockouts on Seoul's 6 November: one number locked twice (by two travellers), one
    # with four failures, one with five spread over two hours.
    locked, other_user = make_iccid(), make_user()
    b.bind_failures(locked, b.traveller, *(utc(6, 1, 10 * n) for n in range(5)))
    b.bind_failures(locked, other_user, *(utc(6, 4, 10 * n) for n in range(5)))
    b.bind_failures(make_iccid(), b.traveller, *(utc(6, 1, 10 * n) for n in range(4)))
    b.bind_failures(
        make_iccid(), b.traveller, *(utc(6, 1) + timedelta(minutes=30 * n) for n in range(5))
    )

    return Business(plan_a=b.plan_a, plan_b=b.plan_b, stuck_order=stuck, traveller=b.traveller)
