"""The renewal pages: plans → order summary → gateway → result; history and receipts."""

import time

import pytest
from django.urls import reverse
from django.utils import timezone

from roamcard.cards.selectors import card_balance
from roamcard.orders.choices import OrderState
from roamcard.orders.models import Order
from roamcard.orders.services import order_create
from roamcard.payments.models import Payment
from roamcard.testing import GIB, make_bucket, make_card, make_plan

from .fakes import PAY_PAGE

pytestmark = pytest.mark.django_db


def html(response) -> str:
    return response.content.decode()


@pytest.fixture
def browser(client, traveller):
    client.force_login(traveller)
    return client


@pytest.fixture
def order(traveller, card, plan):
    return order_create(user=traveller, card_id=card.pk, plan_id=plan.pk, currency="USD")


def renew(client, card, plan, currency="USD", **extra):
    return client.post(
        reverse("orders:create"),
        {"card": card.pk, "plan": plan.pk, "currency": currency, **extra},
    )


def pay(client, order, method="card"):
    return client.post(reverse("orders:pay", args=[order.public_id]), {"method": method})


@pytest.fixture
def come_back(committed):
    """The traveller's browser arriving at the return URL from the gateway."""

    def arrive(client, order, payment):
        with committed():
            return client.get(
                reverse("orders:return", args=[order.public_id]),
                {"payment": str(payment.public_id)},
            )

    return arrive


# --- Plans → order summary ----------------------------------------------------------------


def test_the_plans_page_renews_with_a_form(browser, gateway, card, plan):
    page = html(browser.get(reverse("cards:plans", args=[card.pk]), {"currency": "USD"}))

    assert f'action="{reverse("orders:create")}"' in page
    assert f'name="plan" value="{plan.pk}"' in page
    assert 'name="currency" value="USD"' in page
    assert "Coming soon" not in page


def test_renew_creates_an_order_in_the_currency_shown_and_opens_its_summary(
    browser, gateway, traveller, card, plan
):
    response = renew(browser, card, plan, currency="CNY")

    order = Order.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("orders:detail", args=[order.public_id])
    assert (order.user, order.card, order.plan) == (traveller, card, plan)
    assert (order.amount_minor, order.currency, order.state) == (
        13800,
        "CNY",
        OrderState.PENDING_PAYMENT,
    )


def test_a_double_tap_on_renew_makes_one_order(browser, gateway, card, plan):
    rendered_at = str(int(time.time()))

    first = renew(browser, card, plan, rendered_at=rendered_at)
    second = renew(browser, card, plan, rendered_at=rendered_at)

    assert Order.objects.count() == 1
    assert first.url == second.url


def test_renewing_someone_elses_card_is_not_found(browser, gateway, other_traveller, europe, plan):
    theirs = make_card(owner=other_traveller, region=europe)

    assert renew(browser, theirs, plan).status_code == 404
    assert not Order.objects.exists()


def test_a_currency_the_plan_is_not_sold_in_goes_back_to_the_plans_with_a_message(
    browser, gateway, card, plan
):
    response = renew(browser, card, plan, currency="JPY")

    assert response.url == reverse("cards:plans", args=[card.pk])
    assert "not sold in the currency" in html(browser.get(response.url))
    assert not Order.objects.exists()


def test_the_summary_shows_card_plan_validity_price_and_the_enabled_methods(
    browser, gateway, order, card
):
    page = html(browser.get(reverse("orders:detail", args=[order.public_id])))

    assert "Europe trip" in page and card.iccid_masked in page
    assert "Europe 5 GB" in page and "5 GB" in page and "30 days" in page
    assert "$19.90" in page
    assert "Usable at once" in page and "Valid until about" in page
    assert "The 30 days count from the moment the payment is confirmed." in page
    assert 'value="card"' in page and 'value="alipay"' in page
    assert 'value="wechat_pay"' not in page  # not enabled
    assert reverse("orders:cancel", args=[order.public_id]) in page


def test_a_first_renewal_starts_at_once_for_exactly_its_days(browser, gateway, order):
    page = html(browser.get(reverse("orders:detail", args=[order.public_id])))

    assert order.starts == "now"
    assert "Usable at once" in page
    assert "The 30 days count from the moment the payment is confirmed." in page
    assert "When should it start?" not in page


def test_renewing_early_offers_to_start_now_or_when_the_current_plan_ends(
    browser, gateway, traveller, card, plan
):
    bucket = make_bucket(card=card, days=10, bytes_granted=3 * GIB)
    order = order_create(user=traveller, card_id=card.pk, plan_id=plan.pk, currency="USD")

    page = html(browser.get(reverse("orders:detail", args=[order.public_id])))

    assert order.starts == "queued"  # the default when renewing early
    assert "When should it start?" in page
    assert 'value="queued" checked' in page
    assert "Start when your current plan ends or runs out (on" in page
    assert str(bucket.valid_until.year) in page
    assert "Start now — your current 3 GB stays usable alongside" in page


def test_the_start_chosen_on_the_summary_is_the_orders(browser, gateway, traveller, card, plan):
    make_bucket(card=card, days=10)
    order = order_create(user=traveller, card_id=card.pk, plan_id=plan.pk, currency="USD")

    browser.post(reverse("orders:pay", args=[order.public_id]), {"method": "card", "starts": "now"})

    order.refresh_from_db()
    assert order.starts == "now"
    assert Payment.objects.filter(order=order).exists()


def test_a_start_that_is_not_a_choice_is_refused_and_nothing_is_paid(
    browser, gateway, traveller, card, plan
):
    make_bucket(card=card, days=10)
    order = order_create(user=traveller, card_id=card.pk, plan_id=plan.pk, currency="USD")

    response = browser.post(
        reverse("orders:pay", args=[order.public_id]),
        {"method": "card", "starts": "first_use"},
        follow=True,
    )

    order.refresh_from_db()
    assert order.starts == "queued"
    assert not Payment.objects.filter(order=order).exists()
    assert "Choose when the plan starts" in html(response)


def test_another_travellers_order_pages_are_not_found(client, gateway, other_traveller, order):
    client.force_login(other_traveller)
    for name in ("detail", "result", "receipt", "return"):
        assert client.get(reverse(f"orders:{name}", args=[order.public_id])).status_code == 404
    assert pay(client, order).status_code == 404
    assert client.post(reverse("orders:cancel", args=[order.public_id])).status_code == 404
    order.refresh_from_db()
    assert order.state == OrderState.PENDING_PAYMENT


def test_the_pages_need_a_login(client, gateway, order):
    response = client.get(reverse("orders:detail", args=[order.public_id]))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


# --- Paying -------------------------------------------------------------------------------


def test_pay_starts_a_payment_and_sends_the_traveller_to_the_gateway(browser, gateway, order):
    response = pay(browser, order, "alipay")

    payment = Payment.objects.get()
    assert response.status_code == 302
    assert response.url == f"{PAY_PAGE}{payment.public_id}"
    assert (payment.method, payment.amount_minor, payment.currency) == ("alipay", 1990, "USD")
    [call] = gateway.started
    assert call["return_url"] == (
        f"https://roamcard.example.test/orders/{order.public_id}/return/?payment={payment.public_id}"
    )


def test_a_method_that_is_not_enabled_is_refused_with_a_clear_message(browser, gateway, order):
    response = pay(browser, order, "wechat_pay")

    assert response.status_code == 400
    assert "This payment method is not available." in html(response)
    assert not Payment.objects.exists()


def test_returning_from_a_successful_payment_renews_the_card(
    browser, gateway, order, card, come_back
):
    pay(browser, order)
    payment = Payment.objects.get()
    gateway.will_succeed(payment)

    response = come_back(browser, order, payment)

    assert response.url == reverse("orders:result", args=[order.public_id])
    order.refresh_from_db()
    assert order.state == OrderState.FULFILLED
    page = html(browser.get(response.url))
    assert "Renewed" in page
    assert "5 GB" in page  # the new balance
    assert "hx-trigger" not in page  # nothing left to wait for
    assert card_balance(card=card).bytes_remaining == 5 * GIB


def test_a_decline_shows_the_reason_and_a_way_to_try_again_with_another_method(
    browser, gateway, order, come_back
):
    pay(browser, order)
    declined = Payment.objects.get()
    gateway.will_fail(declined, message="Your card was declined.")

    result = html(browser.get(come_back(browser, order, declined).url))

    assert "Payment failed" in result and "Your card was declined." in result
    assert "Try again" in result and reverse("orders:detail", args=[order.public_id]) in result

    summary = html(browser.get(reverse("orders:detail", args=[order.public_id])))
    assert "Your last payment did not go through." in summary

    pay(browser, order, "alipay")
    retry = Payment.objects.exclude(pk=declined.pk).get()
    gateway.will_succeed(retry)
    come_back(browser, order, retry)
    order.refresh_from_db()
    assert order.state == OrderState.FULFILLED


def test_while_waiting_for_a_scan_to_pay_payment_the_result_links_to_the_pay_page(
    browser, gateway, order, come_back
):
    pay(browser, order, "alipay")
    payment = Payment.objects.get()

    page = html(browser.get(come_back(browser, order, payment).url))

    assert "Waiting for your payment" in page
    assert "Alipay" in page
    assert payment.redirect_url in page
    assert 'hx-trigger="every 1s"' in page
    assert '<meta http-equiv="refresh"' in page


def test_a_poll_with_nothing_new_answers_204_and_a_change_answers_the_new_state(
    browser, gateway, order, committed
):
    pay(browser, order)
    payment = Payment.objects.get()
    url = reverse("orders:result", args=[order.public_id])
    shown = f"pending_payment:{payment.state}:"

    unchanged = browser.get(url, {"shown": shown}, HTTP_HX_REQUEST="true")
    gateway.will_succeed(payment)
    from django.core.cache import cache

    cache.clear()  # the page asks the gateway at most every few seconds
    with committed():
        browser.get(url, {"shown": shown}, HTTP_HX_REQUEST="true")
    changed = browser.get(url, {"shown": shown}, HTTP_HX_REQUEST="true")

    assert unchanged.status_code == 204
    assert changed.status_code == 200
    assert "Renewed" in html(changed)
    assert "<html" not in html(changed)  # only the status part


def test_a_return_with_someone_elses_payment_id_changes_nothing(
    browser, gateway, traveller, order, card, plan, come_back
):
    other_order = order_create(user=traveller, card_id=card.pk, plan_id=plan.pk, currency="CNY")
    pay(browser, other_order)
    payment = Payment.objects.get()
    gateway.will_succeed(payment)

    come_back(browser, order, payment)

    other_order.refresh_from_db()
    assert other_order.state == OrderState.PENDING_PAYMENT


def test_a_paid_order_shows_renewing(browser, gateway, order):
    Order.objects.filter(pk=order.pk).update(state=OrderState.PAID)

    page = html(browser.get(reverse("orders:result", args=[order.public_id])))

    assert "Renewing…" in page and "spinner" in page
    assert 'hx-trigger="every 1s"' in page


# --- Cancel -------------------------------------------------------------------------------


def test_cancel_closes_an_unpaid_order(browser, gateway, order, card):
    response = browser.post(reverse("orders:cancel", args=[order.public_id]))

    order.refresh_from_db()
    assert order.state == OrderState.CANCELLED
    assert response.url == reverse("cards:plans", args=[card.pk])
    assert "Your order was cancelled" in html(browser.get(response.url))
    # A cancelled order cannot be paid any more.
    assert browser.get(reverse("orders:detail", args=[order.public_id])).url == reverse(
        "orders:result", args=[order.public_id]
    )


def test_a_fulfilled_order_cannot_be_cancelled(browser, gateway, order):
    Order.objects.filter(pk=order.pk).update(state=OrderState.FULFILLED)

    response = browser.post(reverse("orders:cancel", args=[order.public_id]), follow=True)

    order.refresh_from_db()
    assert order.state == OrderState.FULFILLED
    assert "can no longer be cancelled" in html(response)


# --- History and receipts -----------------------------------------------------------------


def test_history_lists_my_orders_only_in_my_time_zone(
    browser, gateway, traveller, other_traveller, order, europe
):
    traveller.time_zone = "Asia/Shanghai"
    traveller.save()
    theirs = order_create(
        user=other_traveller,
        card_id=make_card(owner=other_traveller, region=europe).pk,
        plan_id=make_plan(region=europe, name="Their plan").pk,
        currency="USD",
    )

    page = html(browser.get(reverse("orders:list")))

    assert "Europe 5 GB" in page and "$19.90" in page and "Waiting for payment" in page
    assert "Their plan" not in page and str(theirs.public_id) not in page
    local = timezone.localtime(
        order.created_at, timezone=__import__("zoneinfo").ZoneInfo("Asia/Shanghai")
    )
    assert local.strftime("%-I:%M") in page or local.strftime("%H:%M") in page


def test_history_without_orders_says_so(browser):
    page = html(browser.get(reverse("orders:list")))

    assert "No orders yet" in page


def test_the_receipt_of_a_paid_order(browser, gateway, order, come_back):
    pay(browser, order)
    payment = Payment.objects.get()
    gateway.will_succeed(payment, reference="fake-ref-42")
    come_back(browser, order, payment)

    page = html(browser.get(reverse("orders:receipt", args=[order.public_id])))

    assert "Receipt" in page and order.short_id in page
    assert "Europe 5 GB" in page and "$19.90" in page and "USD" in page
    assert "Card" in page and "fake-ref-42" in page
    assert "Renewed" in page
    assert "@media print" not in page  # print rules live in the stylesheet
    assert "data-print" in page  # the print button (wired in app.js: no inline handler)


def test_the_receipt_of_an_unpaid_order_says_it_is_not_one(browser, gateway, order):
    page = html(browser.get(reverse("orders:receipt", args=[order.public_id])))

    assert "This order was not paid, so this is not a receipt." in page
