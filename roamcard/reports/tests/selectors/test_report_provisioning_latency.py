from datetime import date, timedelta

from django.db import connection

from roamcard.reports.selectors import percentile_cont, report_provisioning_latency
from roamcard.reports.tests.conftest import WEEK


def seconds(value: float) -> timedelta:
    return timedelta(seconds=value)


def test_median_and_p99_of_paid_to_fulfilled(business, django_assert_num_queries):
    # PostgreSQL computes them (per day, then the week); SQLite reads the latencies once.
    with django_assert_num_queries(2 if connection.vendor == "postgresql" else 1):
        report = report_provisioning_latency(period=WEEK)

    # 1, 2, 3, 4, 100 s on the 3rd and 10 s on the 4th; the 500 s order is before the week.
    assert (report.total.orders, report.total.median, report.total.p99) == (
        6,
        seconds(3.5),
        seconds(95.5),
    )
    days = {row.day: (row.orders, row.median, row.p99) for row in report.days}
    assert days[date(2026, 11, 3)] == (5, seconds(3), seconds(96.16))
    assert days[date(2026, 11, 4)] == (1, seconds(10), seconds(10))
    assert days[date(2026, 11, 5)] == (0, None, None)


def test_empty_period(db):
    report = report_provisioning_latency(period=WEEK)
    assert report.total.orders == 0 and report.total.median is None


def test_percentile_interpolates_like_postgresql():
    values = [seconds(n) for n in (1, 2, 3, 4)]
    assert percentile_cont(values, 0.5) == seconds(2.5)
    assert percentile_cont(values, 0.99) == seconds(3.97)
    assert percentile_cont([seconds(7)], 0.99) == seconds(7)
