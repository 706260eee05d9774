"""What each report page shows: its charts and tables, built from one selector's result, in
the reader's language. Every table has a CSV form too: the same columns, with ISO dates,
amounts as decimal strings beside a currency column, rates as fractions, durations in
seconds (what a spreadsheet computes with)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from babel.dates import format_skeleton
from babel.numbers import format_currency, format_percent
from babel.units import format_unit
from django import forms
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy
from unfold.widgets import UnfoldAdminIntegerFieldWidget, UnfoldAdminSelectWidget

from roamcard.core.formatting import format_local_datetime, format_number
from roamcard.core.money import Money, babel_locale

from .charts import Chart, Series
from .periods import Period, PeriodForm
from .selectors import (
    DAY,
    MONTH,
    report_bind_lockouts,
    report_payment_rates,
    report_provisioning_latency,
    report_renewals,
    report_revenue,
    report_stuck_orders,
)


@dataclass(frozen=True)
class Link:
    text: str
    url: str


Cell = str | Link


@dataclass
class Table:
    slug: str  # names its CSV file
    caption: str
    columns: list[str]
    rows: list[list[Cell]]
    csv_columns: list[str]
    csv_rows: list[list[str]]
    numeric: set[int] = field(default_factory=set)  # columns aligned right
    footer: list[Cell] | None = None


@dataclass
class Page:
    charts: list[Chart]
    tables: list[Table]
    empty: bool
    notes: list[str] = field(default_factory=list)


# --- Formatting in the reader's language ---------------------------------------------------


def day_label(day: date) -> str:
    return format_skeleton("MMMd", day, locale=babel_locale())


def long_day_label(day: date) -> str:
    return format_skeleton("yMMMd", day, locale=babel_locale())


def month_label(month: date) -> str:
    return format_skeleton("yMMM", month, locale=babel_locale())


def percent(rate: float | None) -> str:
    return "—" if rate is None else format_percent(rate, "#,##0.0%", locale=babel_locale())


def seconds(value: timedelta | Decimal | float | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, timedelta):
        value = Decimal(value.total_seconds())
    return format_unit(
        value, "duration-second", length="short", format="#,##0.##", locale=babel_locale()
    )


def amount_formatter(currency: str) -> Callable[[Decimal | int | float], str]:
    return lambda value: format_currency(
        Decimal(str(value)), currency, locale=babel_locale(), format_type="standard"
    )


def csv_amount(money: Money) -> str:
    return str(money.decimal)


def csv_rate(rate: float | None) -> str:
    return "" if rate is None else f"{rate:.4f}"


def csv_seconds(value: timedelta | None) -> str:
    return "" if value is None else f"{value.total_seconds():.3f}"


def number(value: int) -> str:
    return format_number(value)


# --- Forms: the period, and each report's own choices --------------------------------------


class RevenueForm(PeriodForm):
    by = forms.ChoiceField(
        label=_("Per"),
        choices=[(DAY, pgettext_lazy("per", "day")), (MONTH, pgettext_lazy("per", "month"))],
        required=False,
        widget=UnfoldAdminSelectWidget,
    )


class StuckOrdersForm(PeriodForm):
    DEFAULT_MINUTES = 30

    minutes = forms.IntegerField(
        label=_("Paid more than (minutes) ago"),
        min_value=1,
        max_value=7 * 24 * 60,
        required=False,
        widget=UnfoldAdminIntegerFieldWidget,
    )


def _option(form: forms.Form, name: str, default):
    if form.is_bound and form.is_valid() and form.cleaned_data.get(name):
        return form.cleaned_data[name]
    return default


# --- The reports ---------------------------------------------------------------------------


def revenue_page(period: Period, form: forms.Form) -> Page:
    by = _option(form, "by", DAY)
    report = report_revenue(period=period, by=by)
    label = day_label if by == DAY else month_label
    slots = period.days if by == DAY else period.months
    charts = [
        Chart(
            title=str(_("Revenue in %(currency)s") % {"currency": currency}),
            kind="bar",
            x_labels=[label(when) for when in slots],
            series=[
                Series(str(_("Payments")), [row.gross.decimal for row in report.series(currency)]),
                Series(str(_("Refunds")), [row.refunds.decimal for row in report.series(currency)]),
            ],
            format_value=amount_formatter(currency),
        )
        for currency in report.currencies
    ]
    when_column = _("Day") if by == DAY else _("Month")
    long_label = long_day_label if by == DAY else month_label
    columns = [
        str(when_column),
        str(_("Currency")),
        str(_("Payments")),
        str(_("Refunds")),
        str(_("Net")),
    ]
    csv_columns = [
        str(when_column),
        str(_("Currency")),
        str(_("Payments")),
        str(_("Refunds")),
        str(_("Net")),
    ]
    return Page(
        charts=charts,
        tables=[
            Table(
                slug="revenue-totals",
                caption=str(_("Totals per currency")),
                columns=columns[1:],
                rows=[
                    [t.currency, t.gross.format(), t.refunds.format(), t.net.format()]
                    for t in report.totals
                ],
                csv_columns=csv_columns[1:],
                csv_rows=[
                    [t.currency, csv_amount(t.gross), csv_amount(t.refunds), csv_amount(t.net)]
                    for t in report.totals
                ],
                numeric={1, 2, 3},
            ),
            Table(
                slug=f"revenue-per-{by}",
                caption=str(_("Per day") if by == DAY else _("Per month")),
                columns=columns,
                rows=[
                    [
                        long_label(r.when),
                        r.currency,
                        r.gross.format(),
                        r.refunds.format(),
                        r.net.format(),
                    ]
                    for r in report.rows
                ],
                csv_columns=csv_columns,
                csv_rows=[
                    [
                        r.when.isoformat() if by == DAY else r.when.strftime("%Y-%m"),
                        r.currency,
                        csv_amount(r.gross),
                        csv_amount(r.refunds),
                        csv_amount(r.net),
                    ]
                    for r in report.rows
                ],
                numeric={2, 3, 4},
            ),
        ],
        empty=not report.rows,
        notes=[
            str(
                _(
                    "Payments are counted on the day the gateway confirmed them, refunds on the "
                    "day they were refunded; net is payments less refunds."
                )
            )
        ],
    )


def renewals_page(period: Period, form: forms.Form) -> Page:
    report = report_renewals(period=period)
    by_traveller, automatic = str(_("By the traveller")), str(_("Automatic"))
    chart = Chart(
        title=str(_("Renewals per day")),
        kind="bar",
        x_labels=[day_label(day) for day, _a, _b in report.per_day],
        series=[
            Series(by_traveller, [hand for _day, hand, _auto in report.per_day]),
            Series(automatic, [auto for _day, _hand, auto in report.per_day]),
        ],
        format_value=lambda v: format_number(v),
    )
    counts = [str(_("Renewals")), by_traveller, automatic]

    def table(slug: str, caption: str, name: str, rows) -> Table:
        return Table(
            slug=slug,
            caption=caption,
            columns=[name, *counts],
            rows=[
                [r.label, number(r.renewals), number(r.by_traveller), number(r.automatic)]
                for r in rows
            ],
            csv_columns=[name, *counts],
            csv_rows=[
                [r.label, str(r.renewals), str(r.by_traveller), str(r.automatic)] for r in rows
            ],
            numeric={1, 2, 3},
        )

    day_table = Table(
        slug="renewals-per-day",
        caption=str(_("Renewals per day")),
        columns=[str(_("Day")), by_traveller, automatic],
        rows=[
            [long_day_label(day), number(hand), number(auto)] for day, hand, auto in report.per_day
        ],
        csv_columns=[str(_("Day")), by_traveller, automatic],
        csv_rows=[[day.isoformat(), str(hand), str(auto)] for day, hand, auto in report.per_day],
        numeric={1, 2},
    )
    return Page(
        charts=[chart],
        tables=[
            table("renewals-per-plan", str(_("Per plan")), str(_("Plan")), report.per_plan),
            table(
                "renewals-per-method",
                str(_("Per payment method")),
                str(_("Payment method")),
                report.per_method,
            ),
            day_table,
        ],
        empty=report.total == 0,
        notes=[
            str(
                _(
                    "Orders paid in the period, whatever happened to them afterwards; automatic "
                    "ones were charged to a saved method by automatic renewal."
                )
            )
        ],
    )


def payment_rates_page(period: Period, form: forms.Form) -> Page:
    report = report_payment_rates(period=period)
    chart = Chart(
        title=str(_("Payment failure rate per day")),
        kind="line",
        x_labels=[day_label(d.day) for d in report.days],
        series=[Series(str(_("Failure rate")), [d.failure_rate for d in report.days])],
        format_value=lambda v: percent(float(v)),
    )
    day_columns = [
        str(_("Day")),
        str(_("Succeeded")),
        str(_("Failed")),
        str(_("Waiting")),
        str(_("Failure rate")),
    ]
    total = report.total
    refund_columns = [
        str(_("Currency")),
        str(_("Payments")),
        str(_("Refunded")),
        str(_("Refund rate")),
        str(_("Amount paid")),
        str(_("Amount refunded")),
        str(_("Refund rate by amount")),
    ]
    return Page(
        charts=[chart],
        tables=[
            Table(
                slug="refund-rate",
                caption=str(_("Refund rate per currency")),
                columns=refund_columns,
                rows=[
                    [
                        r.currency,
                        number(r.payments),
                        number(r.refunded_payments),
                        percent(r.rate),
                        r.paid.format(),
                        r.refunded.format(),
                        percent(r.amount_rate),
                    ]
                    for r in report.refunds
                ],
                csv_columns=refund_columns,
                csv_rows=[
                    [
                        r.currency,
                        str(r.payments),
                        str(r.refunded_payments),
                        csv_rate(r.rate),
                        csv_amount(r.paid),
                        csv_amount(r.refunded),
                        csv_rate(r.amount_rate),
                    ]
                    for r in report.refunds
                ],
                numeric={1, 2, 3, 4, 5, 6},
            ),
            Table(
                slug="payment-failure-rate",
                caption=str(_("Payments per day")),
                columns=day_columns,
                rows=[
                    [
                        long_day_label(d.day),
                        number(d.succeeded),
                        number(d.failed),
                        number(d.open),
                        percent(d.failure_rate),
                    ]
                    for d in report.days
                ],
                csv_columns=day_columns,
                csv_rows=[
                    [
                        d.day.isoformat(),
                        str(d.succeeded),
                        str(d.failed),
                        str(d.open),
                        csv_rate(d.failure_rate),
                    ]
                    for d in report.days
                ],
                numeric={1, 2, 3, 4},
                footer=[
                    str(_("Period")),
                    number(total.succeeded),
                    number(total.failed),
                    number(total.open),
                    percent(total.failure_rate),
                ],
            ),
        ],
        empty=report.empty,
        notes=[
            str(
                _(
                    "Every payment attempt started in the period counts: a declined card and "
                    "the successful try after it are one failure and one success. The failure "
                    "rate is among the attempts the gateway has answered. The refund rate is "
                    "the share of the period's successful payments refunded so far."
                )
            )
        ],
    )


def latency_page(period: Period, form: forms.Form) -> Page:
    report = report_provisioning_latency(period=period)
    median, p99 = str(_("Median")), str(_("99th percentile"))
    chart = Chart(
        title=str(_("Time from payment to renewal, per day")),
        kind="line",
        x_labels=[day_label(row.day) for row in report.days],
        series=[
            Series(median, [_secs(row.median) for row in report.days]),
            Series(p99, [_secs(row.p99) for row in report.days]),
        ],
        format_value=seconds,
    )
    columns = [str(_("Day")), str(_("Orders")), median, p99]
    csv_columns = [str(_("Day")), str(_("Orders")), f"{median} (s)", f"{p99} (s)"]
    total = report.total
    return Page(
        charts=[chart],
        tables=[
            Table(
                slug="provisioning-latency",
                caption=str(_("Per day")),
                columns=columns,
                rows=[
                    [long_day_label(r.day), number(r.orders), seconds(r.median), seconds(r.p99)]
                    for r in report.days
                ],
                csv_columns=csv_columns,
                csv_rows=[
                    [r.day.isoformat(), str(r.orders), csv_seconds(r.median), csv_seconds(r.p99)]
                    for r in report.days
                ],
                numeric={1, 2, 3},
                footer=[
                    str(_("Period")),
                    number(total.orders),
                    seconds(total.median),
                    seconds(total.p99),
                ],
            )
        ],
        empty=total.orders == 0,
        notes=[
            str(
                _(
                    "From the order's change to paid to its change to renewed, for the orders "
                    "renewed in the period, on the day they were renewed."
                )
            )
        ],
    )


def _secs(value: timedelta | None) -> Decimal | None:
    return None if value is None else Decimal(value.total_seconds())


def stuck_orders_page(period: Period, form: forms.Form) -> Page:
    minutes = _option(form, "minutes", StuckOrdersForm.DEFAULT_MINUTES)
    now = timezone.now()
    report = report_stuck_orders(period=period, older_than=timedelta(minutes=minutes), now=now)
    chart = Chart(
        title=str(_("Stuck orders per day of payment")),
        kind="bar",
        x_labels=[day_label(day) for day, _n in report.per_day],
        series=[Series(str(_("Stuck orders")), [n for _day, n in report.per_day])],
        format_value=lambda v: format_number(v),
    )
    columns = [
        str(_("Order")),
        str(_("Card")),
        str(_("Plan")),
        str(_("Amount")),
        str(_("Paid at")),
        str(_("Waiting (minutes)")),
        str(_("Provisioning")),
    ]
    csv_columns = [
        str(_("Order")),
        str(_("Card")),
        str(_("Plan")),
        str(_("Currency")),
        str(_("Amount")),
        str(_("Paid at")),
        str(_("Waiting (minutes)")),
        str(_("Provisioning")),
    ]

    def job(order) -> str:
        job = getattr(order, "provisioning_job", None)
        if job is None:
            return str(_("no job yet"))
        attempts = ngettext("%(n)d attempt", "%(n)d attempts", job.attempts) % {"n": job.attempts}
        text = f"{job.get_state_display()} · {attempts}"
        return f"{text} · {job.last_error}" if job.last_error else text

    def waiting(order) -> int:
        return int((now - order.paid_at).total_seconds() // 60)

    table = Table(
        slug="stuck-orders",
        caption=str(_("Stuck orders, longest waiting first")),
        columns=columns,
        rows=[
            [
                Link(order.short_id, reverse("admin:orders_order_change", args=[order.pk])),
                order.card.iccid,
                order.plan_title,
                order.money.format(),
                format_local_datetime(order.paid_at),
                number(waiting(order)),
                job(order),
            ]
            for order in report.orders
        ],
        csv_columns=csv_columns,
        csv_rows=[
            [
                str(order.public_id),
                order.card.iccid,
                order.plan_title,
                order.currency,
                csv_amount(order.money),
                order.paid_at.isoformat(),
                str(waiting(order)),
                job(order),
            ]
            for order in report.orders
        ],
        numeric={3, 5},
    )
    notes = [
        str(
            _(
                "Orders paid in the period and still not renewed %(minutes)d minutes after "
                "payment. The janitor retries their provisioning every minute; open an order "
                "to see its history."
            )
            % {"minutes": minutes}
        )
    ]
    if report.total > len(report.orders):
        notes.append(
            str(
                _("%(shown)d of %(total)d are listed.")
                % {"shown": len(report.orders), "total": report.total}
            )
        )
    return Page(charts=[chart], tables=[table], empty=report.total == 0, notes=notes)


def lockouts_page(period: Period, form: forms.Form) -> Page:
    report = report_bind_lockouts(period=period)
    lockouts = str(_("Lockouts"))
    chart = Chart(
        title=str(_("Bind lockouts per day")),
        kind="bar",
        x_labels=[day_label(d.day) for d in report.days],
        series=[Series(lockouts, [d.lockouts for d in report.days])],
        format_value=lambda v: format_number(v),
    )
    columns = [str(_("Day")), lockouts, str(_("Card numbers")), str(_("Accounts"))]
    return Page(
        charts=[chart],
        tables=[
            Table(
                slug="bind-lockouts",
                caption=str(_("Per day")),
                columns=columns,
                rows=[
                    [long_day_label(d.day), number(d.lockouts), number(d.cards), number(d.accounts)]
                    for d in report.days
                ],
                csv_columns=columns,
                csv_rows=[
                    [d.day.isoformat(), str(d.lockouts), str(d.cards), str(d.accounts)]
                    for d in report.days
                ],
                numeric={1, 2, 3},
            )
        ],
        empty=report.total == 0,
        notes=[
            str(
                _(
                    "A card number is locked out of binding for %(minutes)d minutes after "
                    "%(failures)d wrong card passwords within that time. Accounts: those whose "
                    "wrong password locked it. A lockout that staff cleared is no longer counted."
                )
                % {
                    "minutes": settings.CARD_BIND_LOCK_SECONDS // 60,
                    "failures": settings.CARD_BIND_MAX_FAILURES,
                }
            )
        ],
    )


@dataclass(frozen=True)
class ReportSpec:
    slug: str
    title: str
    summary: str
    build: Callable[[Period, forms.Form], Page]
    form_class: type[PeriodForm] = PeriodForm


REPORTS = [
    ReportSpec(
        "revenue",
        _("Revenue"),
        _("Payments and refunds per currency, per day or per month."),
        revenue_page,
        RevenueForm,
    ),
    ReportSpec(
        "renewals",
        _("Renewals"),
        _("Renewals per plan and per payment method, by the traveller or automatic."),
        renewals_page,
    ),
    ReportSpec(
        "payment-rates",
        _("Payment failures and refunds"),
        _("The share of payments that failed, and of successful ones refunded."),
        payment_rates_page,
    ),
    ReportSpec(
        "provisioning-latency",
        _("Time to renew"),
        _("Median and 99th percentile of the time from payment to renewal."),
        latency_page,
    ),
    ReportSpec(
        "stuck-orders",
        _("Stuck orders"),
        _("Orders paid and not renewed after a while, with links to them."),
        stuck_orders_page,
        StuckOrdersForm,
    ),
    ReportSpec(
        "bind-lockouts",
        _("Bind lockouts"),
        _("Card numbers locked out of binding after wrong card passwords, per day."),
        lockouts_page,
    ),
]
REPORTS_BY_SLUG = {spec.slug: spec for spec in REPORTS}
