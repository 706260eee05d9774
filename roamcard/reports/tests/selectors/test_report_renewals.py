from datetime import date

from roamcard.reports.selectors import report_renewals
from roamcard.reports.tests.conftest import WEEK


def test_renewals_per_plan_and_per_method(business, django_assert_num_queries):
    with django_assert_num_queries(2):
        report = report_renewals(period=WEEK)

    assert [(r.label, r.renewals, r.automatic) for r in report.per_plan] == [
        ("Japan 5 GB", 2, 0),
        ("Japan 10 GB", 1, 1),
    ]
    assert [(r.label, r.renewals, r.automatic, r.by_traveller) for r in report.per_method] == [
        ("Card", 2, 1, 1),
        ("Alipay", 1, 0, 1),
    ]
    assert report.total == 3
    days = {day: (by_hand, auto) for day, by_hand, auto in report.per_day}
    assert days[date(2026, 11, 2)] == (2, 0)
    assert days[date(2026, 11, 3)] == (0, 1)
    assert sum(a + b for a, b in days.values()) == 3 and len(days) == 7


def test_no_renewals_costs_one_query(db, django_assert_num_queries):
    with django_assert_num_queries(1):
        report = report_renewals(period=WEEK)
    assert report.per_plan == [] and report.total == 0
