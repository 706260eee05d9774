"""The demo's past business gives every report something to show, once, with its money
balanced in the ledger."""

import pytest
from django.db.models import Q

from roamcard.demo.history import HISTORY_DAYS
from roamcard.demo.services import demo_seed
from roamcard.ledger.selectors import unit_totals
from roamcard.orders.models import Order
from roamcard.reports.periods import period_last_days
from roamcard.reports.selectors import (
    report_bind_lockouts,
    report_payment_rates,
    report_provisioning_latency,
    report_renewals,
    report_revenue,
)

pytestmark = pytest.mark.django_db


def test_the_reports_have_sixty_days_to_show():
    demo_seed()
    period = period_last_days(days=90)

    revenue = report_revenue(period=period)
    assert len(revenue.currencies) >= 2
    assert any(total.refunds_minor for total in revenue.totals)
    renewals = report_renewals(period=period)
    assert len(renewals.per_method) == 3 and any(row.automatic for row in renewals.per_method)
    assert 0 < report_payment_rates(period=period).total.failure_rate < 0.5
    latency = report_provisioning_latency(period=period)
    assert latency.total.median is not None and latency.total.p99 > latency.total.median
    assert report_bind_lockouts(period=period).total == 1
    assert all(total == 0 for total in unit_totals().values())

    days = {o.paid_at.date() for o in Order.objects.filter(~Q(paid_at=None))}
    assert len(days) >= HISTORY_DAYS - 1


def test_seeding_again_adds_no_history():
    demo_seed()
    orders = Order.objects.count()
    assert demo_seed().created == 0
    assert Order.objects.count() == orders
