"""The back office's reports: one selector per report, each a few set-based queries over the
apps' own tables (the number each takes is fixed, and tested).

Days and months are the staff member's (see periods.py); money stays integer minor units
with its currency; times are compared in UTC."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from math import ceil, floor

from django.conf import settings
from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    DateField,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Trunc
from django.utils import timezone

from roamcard.cards.models import CardBindFailure
from roamcard.catalog.models import Plan
from roamcard.core.money import Money
from roamcard.orders.choices import OrderState
from roamcard.orders.models import Order, OrderEvent
from roamcard.payments.choices import PaymentState, RefundState
from roamcard.payments.models import Payment, Refund
from roamcard.renewals.forms import METHOD_LABELS

from .periods import Period

DAY, MONTH = "day", "month"

# The stuck orders listed on the page (all are counted).
STUCK_ORDERS_LISTED = 200


def _day(field_name: str, period: Period, kind: str = DAY) -> Trunc:
    """The staff member's calendar day (or month) of a stored UTC moment."""
    return Trunc(field_name, kind, output_field=DateField(), tzinfo=period.zone)


def _within(field_name: str, period: Period) -> Q:
    return Q(**{f"{field_name}__gte": period.start, f"{field_name}__lt": period.end})


# --- Revenue --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RevenueRow:
    """Money taken and money given back in one currency over one day or month."""

    when: date
    currency: str
    gross_minor: int
    refunds_minor: int

    @property
    def gross(self) -> Money:
        return Money(self.gross_minor, self.currency)

    @property
    def refunds(self) -> Money:
        return Money(self.refunds_minor, self.currency)

    @property
    def net(self) -> Money:
        return Money(self.gross_minor - self.refunds_minor, self.currency)


@dataclass(frozen=True)
class RevenueReport:
    period: Period
    by: str
    rows: list[RevenueRow]  # only days (months) with money, by currency then date
    totals: list[RevenueRow]  # one per currency, dated the period's first day

    @property
    def currencies(self) -> list[str]:
        return [total.currency for total in self.totals]

    def series(self, currency: str) -> list[RevenueRow]:
        """Every day (month) of the period in one currency, the empty ones as zeros."""
        known = {row.when: row for row in self.rows if row.currency == currency}
        slots = self.period.days if self.by == DAY else self.period.months
        return [known.get(when, RevenueRow(when, currency, 0, 0)) for when in slots]


def report_revenue(*, period: Period, by: str = DAY) -> RevenueReport:
    """Money taken (payments that succeeded, on the day the gateway said so) beside money
    given back (refunds that succeeded, on their day), per currency per day or month; net is
    the difference. A refund counts on its own day, whichever day its payment was: the
    report follows the money, not the orders. Two queries."""
    gross = (
        Payment.objects.filter(_within("completed_at", period), state=PaymentState.SUCCEEDED)
        .values("currency", when=_day("completed_at", period, by))
        .annotate(amount=Sum("amount_minor"))
        .order_by()
    )
    # Read from the refund's own rows (payment, amount, currency), so any number of refunds
    # per payment is counted, each for its amount.
    refunds = (
        Refund.objects.filter(_within("completed_at", period), state=RefundState.SUCCEEDED)
        .values("currency", when=_day("completed_at", period, by))
        .annotate(amount=Sum("amount_minor"))
        .order_by()
    )
    amounts: dict[tuple[str, date], list[int]] = defaultdict(lambda: [0, 0])
    for row in gross:
        amounts[row["currency"], row["when"]][0] += row["amount"]
    for row in refunds:
        amounts[row["currency"], row["when"]][1] += row["amount"]
    rows = [
        RevenueRow(when, currency, taken, given_back)
        for (currency, when), (taken, given_back) in sorted(amounts.items())
    ]
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        sums[row.currency][0] += row.gross_minor
        sums[row.currency][1] += row.refunds_minor
    totals = [
        RevenueRow(period.first, currency, taken, given_back)
        for currency, (taken, given_back) in sorted(sums.items())
    ]
    return RevenueReport(period=period, by=by, rows=rows, totals=totals)


# --- Renewals per plan and per method -------------------------------------------------------


@dataclass(frozen=True)
class RenewalCount:
    key: str  # a plan's id or a payment method
    label: str
    renewals: int
    automatic: int

    @property
    def by_traveller(self) -> int:
        return self.renewals - self.automatic


@dataclass(frozen=True)
class RenewalsReport:
    period: Period
    per_plan: list[RenewalCount]  # most renewals first
    per_method: list[RenewalCount]
    per_day: list[tuple[date, int, int]]  # every day: (day, by the traveller, automatic)

    @property
    def total(self) -> int:
        return sum(row.renewals for row in self.per_plan)


def report_renewals(*, period: Period) -> RenewalsReport:
    """Orders paid in the period (whatever happened to them later), counted per plan and per
    payment method of the payment that paid them; "automatic" ones were charged without the
    traveller (automatic renewal). Two queries: the counts, then the plans' names in the
    reader's language."""
    counts = (
        Payment.objects.filter(_within("order__paid_at", period), paid_order=True)
        .values(
            "method", "off_session", plan=F("order__plan_id"), day=_day("order__paid_at", period)
        )
        .annotate(n=Count("id"))
        .order_by()
    )
    per_plan: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    per_method: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    per_day: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    for row in counts:
        automatic = row["n"] if row["off_session"] else 0
        for bucket in (per_plan[row["plan"]], per_method[row["method"]]):
            bucket[0] += row["n"]
            bucket[1] += automatic
        per_day[row["day"]][1 if row["off_session"] else 0] += row["n"]
    names = dict(Plan.objects.filter(pk__in=per_plan).values_list("pk", "name")) if per_plan else {}

    def ranked(counted: dict, label) -> list[RenewalCount]:
        rows = [RenewalCount(str(key), label(key), n, auto) for key, (n, auto) in counted.items()]
        return sorted(rows, key=lambda row: (-row.renewals, row.label))

    return RenewalsReport(
        period=period,
        per_plan=ranked(per_plan, lambda pk: names.get(pk) or f"#{pk}"),
        per_method=ranked(per_method, lambda m: str(METHOD_LABELS.get(m, m))),
        per_day=[(day, *per_day.get(day, (0, 0))) for day in period.days],
    )


# --- Payment failure rate and refund rate ---------------------------------------------------


@dataclass(frozen=True)
class PaymentDay:
    day: date
    succeeded: int
    failed: int
    open: int  # still waiting for the payer or the gateway

    @property
    def failure_rate(self) -> float | None:
        """Failed among the payments that have an answer; None when none has."""
        answered = self.succeeded + self.failed
        return self.failed / answered if answered else None


@dataclass(frozen=True)
class RefundRate:
    currency: str
    payments: int  # succeeded payments made in the period
    refunded_payments: int  # of which refunded, wholly or in part
    paid_minor: int
    refunded_minor: int

    @property
    def paid(self) -> Money:
        return Money(self.paid_minor, self.currency)

    @property
    def refunded(self) -> Money:
        return Money(self.refunded_minor, self.currency)

    @property
    def rate(self) -> float | None:
        return self.refunded_payments / self.payments if self.payments else None

    @property
    def amount_rate(self) -> float | None:
        return self.refunded_minor / self.paid_minor if self.paid_minor else None


@dataclass(frozen=True)
class PaymentRatesReport:
    period: Period
    days: list[PaymentDay]  # every day of the period
    refunds: list[RefundRate]  # per currency
    total: PaymentDay = field(init=False)

    def __post_init__(self) -> None:
        total = PaymentDay(
            self.period.first,
            sum(d.succeeded for d in self.days),
            sum(d.failed for d in self.days),
            sum(d.open for d in self.days),
        )
        object.__setattr__(self, "total", total)

    @property
    def empty(self) -> bool:
        return not (self.total.succeeded or self.total.failed or self.total.open)


def report_payment_rates(*, period: Period) -> PaymentRatesReport:
    """Payment attempts started in the period (each try counts: a declined card then a
    successful one is one failure and one success): the share that failed among those the
    gateway has answered. The refund rate: of the payments that succeeded, how many have been
    refunded so far, and how much of their money, per currency. Two queries."""
    payments = (
        Payment.objects.filter(_within("created_at", period))
        .values("state", "currency", day=_day("created_at", period))
        .annotate(n=Count("id"), amount=Sum("amount_minor"))
        .order_by()
    )
    per_day: dict[date, list[int]] = defaultdict(lambda: [0, 0, 0])
    paid: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in payments:
        if row["state"] == PaymentState.SUCCEEDED:
            per_day[row["day"]][0] += row["n"]
            paid[row["currency"]][0] += row["n"]
            paid[row["currency"]][1] += row["amount"]
        elif row["state"] == PaymentState.FAILED:
            per_day[row["day"]][1] += row["n"]
        else:
            per_day[row["day"]][2] += row["n"]
    # From the refunds' side (payment, amount): right for one refund per payment or many.
    refunded = {
        row["payment__currency"]: row
        for row in Refund.objects.filter(
            _within("payment__created_at", period),
            state=RefundState.SUCCEEDED,
            payment__state=PaymentState.SUCCEEDED,
        )
        .values("payment__currency")
        .annotate(payments=Count("payment", distinct=True), amount=Sum("amount_minor"))
        .order_by()
    }
    refunds = [
        RefundRate(
            currency,
            n,
            refunded[currency]["payments"] if currency in refunded else 0,
            amount,
            refunded[currency]["amount"] if currency in refunded else 0,
        )
        for currency, (n, amount) in sorted(paid.items())
    ]
    return PaymentRatesReport(
        period=period,
        days=[PaymentDay(day, *per_day.get(day, (0, 0, 0))) for day in period.days],
        refunds=refunds,
    )


# --- Provisioning latency -------------------------------------------------------------------


class PercentileCont(Aggregate):
    """PostgreSQL's continuous percentile of an ordered set (interpolated between the two
    nearest values), over an interval it gives an interval."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()

    def __init__(self, expression, *, fraction: float, **extra) -> None:
        super().__init__(expression, fraction=float(fraction), **extra)


def percentile_cont(ordered: list[timedelta], fraction: float) -> timedelta:
    """What PostgreSQL's percentile_cont gives, for a sorted, non-empty list: the value at
    position fraction × (n − 1), interpolated linearly between its neighbours."""
    position = fraction * (len(ordered) - 1)
    below, above = ordered[floor(position)], ordered[ceil(position)]
    return below + (above - below) * (position - floor(position))


@dataclass(frozen=True)
class LatencyRow:
    day: date | None  # None: the whole period
    orders: int
    median: timedelta | None
    p99: timedelta | None


@dataclass(frozen=True)
class LatencyReport:
    period: Period
    days: list[LatencyRow]  # every day of the period
    total: LatencyRow


def _latencies(period: Period):
    """Each order fulfilled in the period, with the time from its "paid" transition to its
    "fulfilled" one (the order's recorded history)."""
    paid_at = (
        OrderEvent.objects.filter(order=OuterRef("order"), to_state=OrderState.PAID)
        .order_by("at", "id")
        .values("at")[:1]
    )
    return (
        OrderEvent.objects.filter(_within("at", period), to_state=OrderState.FULFILLED)
        .annotate(paid_at=Subquery(paid_at, output_field=DateTimeField()))
        .filter(paid_at__isnull=False)
        .annotate(
            latency=ExpressionWrapper(F("at") - F("paid_at"), output_field=DurationField()),
            day=_day("at", period),
        )
        .order_by()
    )


def report_provisioning_latency(*, period: Period) -> LatencyReport:
    """Median and 99th percentile of paid → fulfilled, per day and over the period.
    On PostgreSQL the database computes them (percentile_cont; two queries: per day, whole
    period); elsewhere one query reads the period's latencies (one number per fulfilled
    order) and the same interpolation runs here. Both give the same values."""
    per_day: dict[date, LatencyRow] = {}
    if connection.vendor == "postgresql":
        median, p99 = (
            PercentileCont("latency", fraction=0.5),
            PercentileCont("latency", fraction=0.99),
        )
        for row in _latencies(period).values("day").annotate(n=Count("id"), median=median, p99=p99):
            per_day[row["day"]] = LatencyRow(row["day"], row["n"], row["median"], row["p99"])
        whole = _latencies(period).aggregate(n=Count("id"), median=median, p99=p99)
        total = LatencyRow(None, whole["n"], whole["median"], whole["p99"])
    else:
        grouped: dict[date, list[timedelta]] = defaultdict(list)
        for day, latency in _latencies(period).values_list("day", "latency"):
            grouped[day].append(latency)
        for day, values in grouped.items():
            values.sort()
            per_day[day] = LatencyRow(
                day, len(values), percentile_cont(values, 0.5), percentile_cont(values, 0.99)
            )
        every = sorted(latency for values in grouped.values() for latency in values)
        total = LatencyRow(
            None,
            len(every),
            percentile_cont(every, 0.5) if every else None,
            percentile_cont(every, 0.99) if every else None,
        )
    return LatencyReport(
        period=period,
        days=[per_day.get(day, LatencyRow(day, 0, None, None)) for day in period.days],
        total=total,
    )


# --- Stuck orders ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StuckOrdersReport:
    period: Period
    older_than: timedelta
    per_day: list[tuple[date, int]]  # every day of the period: orders paid that day, stuck
    orders: list[Order]  # the longest-waiting first, at most STUCK_ORDERS_LISTED

    @property
    def total(self) -> int:
        return sum(n for _, n in self.per_day)


def report_stuck_orders(
    *, period: Period, older_than: timedelta, now: datetime | None = None
) -> StuckOrdersReport:
    """Orders paid in the period and still not fulfilled `older_than` after their payment
    (the janitor retries their provisioning; these are the ones it has not got through).
    Two queries: the count per day of payment, the longest-waiting orders with their cards
    and provisioning jobs."""
    stuck = Order.objects.filter(
        _within("paid_at", period),
        state=OrderState.PAID,
        paid_at__lt=(now or timezone.now()) - older_than,
    )
    counts = dict(
        stuck.values(day=_day("paid_at", period))
        .annotate(n=Count("id"))
        .order_by()
        .values_list("day", "n")
    )
    orders = list(
        stuck.select_related("card", "user", "provisioning_job").order_by("paid_at", "id")[
            :STUCK_ORDERS_LISTED
        ]
    )
    return StuckOrdersReport(
        period=period,
        older_than=older_than,
        per_day=[(day, counts.get(day, 0)) for day in period.days],
        orders=orders,
    )


# --- Bind lockouts --------------------------------------------------------------------------


@dataclass(frozen=True)
class LockoutDay:
    day: date
    lockouts: int
    cards: int  # distinct card numbers locked
    accounts: int  # distinct accounts whose wrong password locked one


@dataclass(frozen=True)
class LockoutsReport:
    period: Period
    days: list[LockoutDay]  # every day of the period

    @property
    def total(self) -> int:
        return sum(day.lockouts for day in self.days)


def report_bind_lockouts(*, period: Period) -> LockoutsReport:
    """Card numbers locked out of binding, per day. A lockout is not stored as such: binding
    a number is locked once CARD_BIND_MAX_FAILURES wrong passwords for it fall within
    CARD_BIND_LOCK_SECONDS (cards.services.card_bind), and no failure is recorded while it
    is locked; so each recorded failure that brings that count to the limit starts one
    lockout. (A successful bind removes that traveller's failures for the number and staff
    clearing a lockout removes them all; a lockout cleared so is no longer counted.) One
    query."""
    window = timedelta(seconds=settings.CARD_BIND_LOCK_SECONDS)
    failures_before = (
        CardBindFailure.objects.filter(
            iccid=OuterRef("iccid"),
            at__lte=OuterRef("at"),
            at__gte=ExpressionWrapper(OuterRef("at") - Value(window), output_field=DateTimeField()),
        )
        .values("iccid")
        .annotate(n=Count("id"))
        .values("n")
    )
    rows = (
        CardBindFailure.objects.filter(_within("at", period))
        .annotate(failures=Subquery(failures_before))
        .filter(failures=settings.CARD_BIND_MAX_FAILURES)
        .values(day=_day("at", period))
        .annotate(
            lockouts=Count("id"),
            cards=Count("iccid", distinct=True),
            accounts=Count("user", distinct=True),
        )
        .order_by()
    )
    per_day = {row["day"]: row for row in rows}
    return LockoutsReport(
        period=period,
        days=[
            LockoutDay(day, *(per_day[day][k] for k in ("lockouts", "cards", "accounts")))
            if day in per_day
            else LockoutDay(day, 0, 0, 0)
            for day in period.days
        ],
    )
