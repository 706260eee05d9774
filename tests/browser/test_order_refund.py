"""Refunding part of an order in a real browser, on a phone, under the
Content-Security-Policy: the amount, the reason, the preview of the data it takes, confirm."""

import re

import pytest
from playwright.sync_api import expect

from roamcard.core.models import AuditEvent
from roamcard.core.tests.staff import make_staff
from roamcard.orders.choices import OrderState
from roamcard.orders.services import order_create
from roamcard.payments.choices import RefundState
from roamcard.payments.gateways.registry import reset_gateway_cache
from roamcard.payments.models import Refund
from roamcard.renewals.services import renewal_pay, renewal_payment_sync
from roamcard.sandbox.services import sandbox_pay_by_card
from roamcard.testing import GIB, make_card, make_plan, make_region, make_user

from .test_card_import import refusals

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_refund_a_quarter_of_an_order_on_a_phone(new_page, log_in):
    reset_gateway_cache()
    region = make_region()
    traveller = make_user(email="refunded@example.com")
    card = make_card(region=region, owner=traveller)
    plan = make_plan(region=region, data_bytes=4 * GIB, days=7, prices={"USD": 2000})
    order = order_create(user=traveller, card_id=card.pk, plan_id=plan.pk, currency="USD")
    payment = renewal_pay(user=traveller, order=order, method="card")
    sandbox_pay_by_card(charge_id=payment.gateway_reference, number="4242 4242 4242 4242")
    renewal_payment_sync(payment_id=payment.pk, cause="return")
    order.refresh_from_db()
    assert order.state == OrderState.FULFILLED
    page = log_in(new_page(), make_staff())
    refused = refusals(page)

    page.goto(f"/admin/orders/order/{order.pk}/change/")
    page.get_by_role("link", name="more_horiz").click()  # a phone's menu of the page's actions
    page.get_by_role("link", name="Refund…").click()
    expect(page.get_by_label("Amount (USD)")).to_have_value("20.00")
    page.get_by_label("Amount (USD)").fill("5.00")
    page.get_by_label("Reason").select_option(label="The service was not good enough")
    page.get_by_role("button", name="Preview the refund").click()

    expect(page.locator(".preview-data")).to_have_text("1 GB")
    assert not Refund.objects.exists()
    # The amount as the staff member's language writes dollars ($5.00, US$5.00).
    page.get_by_role("button", name=re.compile(r"^Confirm: refund (US)?\$5\.00$")).click()

    expect(page.get_by_text(re.compile(r"Refund of (US)?\$5\.00 requested\."))).to_be_visible()
    refund = Refund.objects.get()
    assert (refund.amount_minor, refund.state) == (500, RefundState.SUCCEEDED)
    assert refund.bytes_withdrawn == GIB
    assert AuditEvent.objects.filter(action="order.refund").exists()
    assert refused == []
