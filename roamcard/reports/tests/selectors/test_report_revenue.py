from datetime import date

from django.db import connection

from roamcard.core.money import Money
from roamcard.reports.selectors import MONTH, report_revenue
from roamcard.reports.tests.conftest import WEEK


def test_revenue_per_currency_per_day_in_the_staff_members_days(
    business, django_assert_num_queries
):
    with django_assert_num_queries(2):
        report = report_revenue(period=WEEK)

    rows = [(r.when, r.currency, r.gross_minor, r.refunds_minor) for r in report.rows]
    # The CNY payment at 16:00 UTC on 1 November is Seoul's 2 November; the refund counts on
    # its own day; the payment on Seoul's 31 October is outside the week.
    assert rows == [
        (date(2026, 11, 2), "CNY", 10000, 0),
        (date(2026, 11, 4), "CNY", 0, 6800),
        (date(2026, 11, 3), "USD", 949, 0),
    ]
    totals = {t.currency: (t.gross, t.refunds, t.net) for t in report.totals}
    assert totals == {
        "CNY": (Money(10000, "CNY"), Money(6800, "CNY"), Money(3200, "CNY")),
        "USD": (Money(949, "USD"), Money(0, "USD"), Money(949, "USD")),
    }
    series = report.series("USD")
    assert len(series) == 7 and [r.gross_minor for r in series] == [0, 0, 949, 0, 0, 0, 0]


def test_revenue_per_month(business, django_assert_num_queries):
    with django_assert_num_queries(2):
        report = report_revenue(period=WEEK, by=MONTH)

    rows = [(r.when, r.currency, r.gross_minor, r.refunds_minor) for r in report.rows]
    assert rows == [(date(2026, 11, 1), "CNY", 10000, 6800), (date(2026, 11, 1), "USD", 949, 0)]
    assert [r.when for r in report.series("CNY")] == [date(2026, 11, 1)]


def test_no_money_no_rows(db):
    report = report_revenue(period=WEEK)
    assert report.rows == [] and report.totals == []
    assert connection.vendor in ("sqlite", "postgresql")
