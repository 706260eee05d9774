from datetime import date

from roamcard.reports.selectors import report_bind_lockouts
from roamcard.reports.tests.conftest import WEEK


def test_lockouts_per_day(business, django_assert_num_queries):
    with django_assert_num_queries(1):
        report = report_bind_lockouts(period=WEEK)

    days = {d.day: (d.lockouts, d.cards, d.accounts) for d in report.days}
    # One number locked twice (by two travellers); four failures, or five spread over two
    # hours, lock nothing.
    assert days[date(2026, 11, 6)] == (2, 1, 2)
    assert report.total == 2 and len(days) == 7
