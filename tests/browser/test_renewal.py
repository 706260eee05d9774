"""The renewal journey in a real browser with the built-in sandbox gateway: plans → Renew →
summary → pay (card, a decline and a retry with Alipay, WeChat Pay, the card with an extra
confirmation step) → "Renewed" with the new balance; history and receipt.

The sandbox's signed notifications reach the live server (PUBLIC_BASE_URL points at it),
and the traveller's return to the site fulfils the order too: whichever comes first."""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from roamcard.cards.selectors import card_balance
from roamcard.core.formatting import format_bytes
from roamcard.orders.choices import OrderState
from roamcard.orders.models import Order
from roamcard.payments.gateways.registry import reset_gateway_cache
from roamcard.payments.models import Payment, WebhookDelivery
from roamcard.testing import GIB, make_bucket, make_card, make_plan, make_region, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Set ROAMCARD_SHOTS=/some/dir to keep screenshots of the pages on the way.
SHOTS = os.environ.get("ROAMCARD_SHOTS", "")


def shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


@pytest.fixture(autouse=True)
def sandbox(settings, live_server):
    """Every method through the sandbox, which calls us back at the live server."""
    settings.PAYMENT_METHOD_GATEWAYS = {
        "card": "sandbox",
        "alipay": "sandbox",
        "wechat_pay": "sandbox",
    }
    settings.PUBLIC_BASE_URL = live_server.url
    reset_gateway_cache()
    yield
    reset_gateway_cache()


@pytest.fixture
def traveller_with_card(page, log_in):
    user = make_user(email="renew.me@example.com")
    europe = make_region()
    card = make_card(owner=user, region=europe, label="Europe trip")
    make_bucket(card=card, bytes_granted=GIB, bytes_remaining=GIB // 4, days=3)
    make_plan(
        region=europe,
        name="Europe 5 GB",
        data_bytes=5 * GIB,
        days=30,
        kind="month",
        prices={"USD": 1990, "CNY": 13800},
        sort_order=1,
    )
    log_in(page, user)
    return card


def choose_plan(page, card, plan_name="Europe 5 GB", currency="USD"):
    page.goto(f"/cards/{card.pk}/plans/?currency={currency}")
    page.get_by_role("button", name=f"Renew with {plan_name}").click()
    expect(page.get_by_role("heading", name="Review and pay")).to_be_visible()


def pay_with(page, method: str):
    page.locator("label.pay-method", has_text=method).click()
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()


def pay_by_card(page, number: str):
    page.locator("#number").fill(number)
    page.locator("#expiry").fill("12/34")
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()


def expect_queued(page, card):
    """Renewed early with the default start: the 5 GB waits for the current quarter GB."""
    expect_renewed(page, card, GIB // 4)
    expect(page.get_by_text("It starts when your current plan ends or runs out.")).to_be_visible()
    expect(page.locator(".result-balance")).to_contain_text("Next: 5 GB for 30 days")


def expect_renewed(page, card, total_bytes: int):
    """The result page says so, with the new balance, and the card really has it."""
    expect(page.get_by_role("heading", name="Renewed")).to_be_visible(timeout=15_000)
    expect(page.locator(".result-balance")).to_contain_text(format_bytes(total_bytes))
    assert Order.objects.filter(card=card, state=OrderState.FULFILLED).count() == 1
    assert card_balance(card=card).bytes_remaining == total_bytes


def test_renewing_by_card(page, traveller_with_card):
    card = traveller_with_card

    choose_plan(page, card)
    expect(page.get_by_text("$19.90").first).to_be_visible()
    # Renewing early: start when the current plan ends or runs out (the default), or now.
    expect(page.get_by_role("heading", name="When should it start?")).to_be_visible()
    expect(
        page.get_by_role("radio", name=re.compile(r"^Start when your current plan"))
    ).to_be_checked()
    shot(page, "1-summary")
    page.locator("label.pay-method", has_text="Start now").click()
    pay_with(page, "Card")

    expect(page).to_have_url(re.compile(r"/sandbox/pay/"))
    pay_by_card(page, "4242 4242 4242 4242")

    expect(page).to_have_url(re.compile(r"/orders/[0-9a-f-]+/result/"))
    expect_renewed(page, card, GIB // 4 + 5 * GIB)
    expect(page.get_by_text("You can use it right away.")).to_be_visible()
    assert Order.objects.get().starts == "now"
    shot(page, "2-result-renewed")

    page.get_by_role("link", name="Receipt").click()
    expect(page.get_by_role("heading", name="Receipt")).to_be_visible()
    expect(page.locator(".receipt")).to_contain_text("Card")
    shot(page, "5-receipt")
    page.goto("/orders/")
    expect(page.locator(".order-row")).to_have_count(1)
    expect(page.locator(".order-row")).to_contain_text("Renewed")
    shot(page, "4-history")


def test_a_declined_card_then_alipay(page, traveller_with_card):
    card = traveller_with_card

    choose_plan(page, card, currency="CNY")
    pay_with(page, "Card")
    pay_by_card(page, "4000 0000 0000 0002")

    expect(page.get_by_role("heading", name="Payment failed")).to_be_visible()
    expect(page.get_by_text("Your card was declined.")).to_be_visible()
    shot(page, "3-result-failed")
    page.get_by_role("link", name="Try again").click()
    expect(page.get_by_text("Your last payment did not go through.")).to_be_visible()
    pay_with(page, "Alipay")

    expect(page).to_have_url(re.compile(r"/sandbox/pay/"))
    page.get_by_role("button", name="I have paid in the wallet").click()

    expect_queued(page, card)
    order = Order.objects.get()
    assert order.currency == "CNY" and order.amount_minor == 13800
    assert [p.state for p in Payment.objects.order_by("created_at")] == ["failed", "succeeded"]
    assert Payment.objects.get(state="succeeded").method == "alipay"


def test_renewing_with_wechat_pay(page, traveller_with_card):
    card = traveller_with_card

    choose_plan(page, card, currency="CNY")
    pay_with(page, "WeChat Pay")
    expect(page).to_have_url(re.compile(r"/sandbox/pay/"))
    page.get_by_role("button", name="I have paid in the wallet").click()

    expect_queued(page, card)
    assert Payment.objects.get().method == "wechat_pay"


def test_a_card_that_needs_an_extra_confirmation_step(page, traveller_with_card):
    card = traveller_with_card

    choose_plan(page, card)
    pay_with(page, "Card")
    pay_by_card(page, "4000 0000 0000 3220")
    expect(page).to_have_url(re.compile(r"/sandbox/pay/.+/confirm/"))
    page.get_by_role("button", name="Confirm payment").click()

    expect_queued(page, card)


def test_the_result_page_updates_itself_when_paid_on_the_phone(page, traveller_with_card):
    """Scan-to-pay: the traveller waits on our result page while paying on the phone; the
    gateway's notification (or the page's own check) renews the card, and the page turns to
    "Renewed" by itself."""
    card = traveller_with_card

    choose_plan(page, card, currency="CNY")
    pay_with(page, "Alipay")
    expect(page).to_have_url(re.compile(r"/sandbox/pay/"))
    payment = Payment.objects.get()
    page.goto(f"/orders/{payment.order.public_id}/result/")
    expect(page.get_by_role("heading", name="Waiting for your payment")).to_be_visible()
    expect(page.get_by_role("link", name="Open the payment page")).to_be_visible()
    shot(page, "3b-result-waiting")

    phone = page.context.new_page()  # the wallet app, on "the phone"
    phone.goto(f"/sandbox/pay/{payment.gateway_reference}/wallet/")
    phone.get_by_role("button", name="Confirm payment").click()

    expect(page.get_by_role("heading", name="Renewed")).to_be_visible(timeout=15_000)
    assert WebhookDelivery.objects.filter(outcome=WebhookDelivery.Outcome.PROCESSED).exists()


def test_the_result_page_turns_from_renewing_to_renewed_by_itself(page, traveller_with_card):
    from roamcard.orders.services import order_create, order_transition

    card = traveller_with_card
    order = order_create(
        user=card.owner, card_id=card.pk, plan_id=card.region.plans.get().pk, currency="USD"
    )
    order_transition(order_id=order.pk, to_state=OrderState.PAID, cause="system")

    page.goto(f"/orders/{order.public_id}/result/")
    expect(page.get_by_role("heading", name="Renewing…")).to_be_visible()
    shot(page, "2a-result-renewing")
    make_bucket(card=card, bytes_granted=5 * GIB)
    order_transition(order_id=order.pk, to_state=OrderState.FULFILLED, cause="provisioning")

    expect(page.get_by_role("heading", name="Renewed")).to_be_visible(timeout=5_000)
    expect(page.locator(".result-balance")).to_contain_text(format_bytes(GIB // 4 + 5 * GIB))


def test_no_orders_yet(page, log_in):
    log_in(page, make_user())

    page.goto("/orders/")

    expect(page.get_by_role("heading", name="No orders yet")).to_be_visible()
    shot(page, "4a-history-empty")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
