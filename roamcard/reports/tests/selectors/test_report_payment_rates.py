from datetime import date

from roamcard.core.money import Money
from roamcard.reports.selectors import report_payment_rates
from roamcard.reports.tests.conftest import WEEK


def test_failure_rate_and_refund_rate(business, django_assert_num_queries):
    with django_assert_num_queries(2):
        report = report_payment_rates(period=WEEK)

    days = {d.day: (d.succeeded, d.failed, d.open) for d in report.days}
    assert days[date(2026, 11, 2)] == (2, 1, 0)
    assert days[date(2026, 11, 3)] == (1, 1, 0)
    assert days[date(2026, 11, 5)] == (0, 0, 1)
    assert report.total.succeeded == 3 and report.total.failed == 2 and report.total.open == 1
    assert report.total.failure_rate == 0.4
    assert report.days[0].failure_rate is None  # nothing answered on 1 November

    refunds = {r.currency: r for r in report.refunds}
    cny, usd = refunds["CNY"], refunds["USD"]
    assert (cny.payments, cny.refunded_payments, cny.rate) == (2, 1, 0.5)
    assert (cny.paid, cny.refunded, cny.amount_rate) == (
        Money(10000, "CNY"),
        Money(6800, "CNY"),
        0.68,
    )
    # The USD refund failed: nothing was given back.
    assert (usd.payments, usd.refunded_payments, usd.rate, usd.refunded_minor) == (1, 0, 0.0, 0)


def test_empty_period(db):
    report = report_payment_rates(period=WEEK)
    assert report.empty and report.refunds == [] and report.total.failure_rate is None
