"""The catalogue in a real browser: staff create a plan in the back office in human units
with its names in every language; a traveller whose currency a plan is not sold in is told
what they will pay, on the phone, before and after choosing it."""

import re

import pytest
from playwright.sync_api import expect

from roamcard.catalog.models import Plan
from roamcard.core.tests.staff import make_staff
from roamcard.orders.models import Order
from roamcard.testing import GIB, make_card, make_plan, make_region, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}


def watch(page, refusals: list[str]):
    """Collect what the browser refuses under the Content-Security-Policy, and page errors."""
    page.on(
        "console",
        lambda message: (
            refusals.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.on("pageerror", lambda error: refusals.append(str(error)))
    return page


def test_staff_create_a_plan_in_gb_with_five_names_and_decimal_prices(new_page, log_in):
    refusals: list[str] = []
    make_region(code="japan", name="Japan", countries=["JP"])
    page = watch(log_in(new_page(viewport=DESKTOP), make_staff()), refusals)

    page.goto("/admin/catalog/plan/add/")
    page.fill("#id_name_en", "Japan week 10 GB")
    page.press("#id_name_en", "Tab")
    expect(page.locator("#id_code")).to_have_value("japan-week-10-gb")  # from the English name
    page.fill("#id_name_zh_hans", "日本 7天 10GB")
    page.fill("#id_name_zh_hant", "日本 7天 10GB")
    page.fill("#id_name_ja", "日本 7日間 10GB")
    page.fill("#id_name_ko", "일본 7일 10GB")
    page.select_option("#id_kind", "week")
    page.select_option("#id_region", label="Japan")
    page.fill("#id_validity_days", "7")
    page.fill("#id_data_amount", "10")
    page.select_option("#id_data_unit", "GB")
    page.fill("input[name=prices-2-amount]", "10.90")  # USD
    page.fill("input[name=prices-4-amount]", "1600")  # JPY
    page.locator("[name=_save]").click()

    expect(page).to_have_url(re.compile(r"/admin/catalog/plan/$"))
    expect(page.get_by_text("10 GB").first).to_be_visible()
    plan = Plan.objects.get(code="japan-week-10-gb")
    assert plan.data_bytes == 10 * GIB and plan.name_ko == "일본 7일 10GB"
    assert {p.currency: p.amount_minor for p in plan.prices.all()} == {"USD": 1090, "JPY": 1600}
    assert refusals == []


def test_a_plan_not_sold_in_the_travellers_currency_says_what_they_will_pay(page, log_in):
    refusals: list[str] = []
    user = make_user(email="won@example.com")
    user.preferred_currency = "KRW"
    user.save()
    europe = make_region()
    card = make_card(owner=user, region=europe)
    make_plan(region=europe, name="Europe 5 GB", prices={"USD": 1990, "CNY": 13800})
    watch(log_in(page, user), refusals)

    page.goto(f"/cards/{card.pk}/plans/")
    note = page.get_by_text("Not sold in KRW — you will pay $19.90")
    expect(note).to_be_visible()
    expect(page.locator(".segment.is-current")).to_have_text("KRW")
    page.get_by_role("button", name="Renew with Europe 5 GB").click()

    expect(page.get_by_text("Charged in USD")).to_be_visible()
    expect(page.get_by_role("button", name="Pay $19.90")).to_be_visible()
    assert Order.objects.get().currency == "USD"
    assert refusals == []
