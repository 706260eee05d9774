from datetime import date, timedelta

from roamcard.reports.selectors import report_stuck_orders
from roamcard.reports.tests.conftest import NOW, WEEK


def test_paid_and_not_fulfilled_for_longer_than_asked(business, django_assert_num_queries):
    with django_assert_num_queries(2):
        report = report_stuck_orders(period=WEEK, older_than=timedelta(minutes=30), now=NOW)

    assert [order.pk for order in report.orders] == [business.stuck_order.pk]
    assert report.total == 1
    assert dict(report.per_day)[date(2026, 11, 5)] == 1
    # The job and card come with the orders: reading them costs nothing more.
    with django_assert_num_queries(0):
        [(o.card.iccid, getattr(o, "provisioning_job", None)) for o in report.orders]


def test_a_shorter_wait_finds_the_newer_one_too(business):
    report = report_stuck_orders(period=WEEK, older_than=timedelta(minutes=5), now=NOW)
    assert report.total == 2
