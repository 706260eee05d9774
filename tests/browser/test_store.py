"""A Korean visitor on a phone finds plans for Japan in the store before signing up, buys
one: signs up, adds their card, and lands on that plan on that card."""

import re

import pytest
from playwright.sync_api import expect

from roamcard.testing import make_card, make_plan, make_region

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 360


def test_a_visitor_finds_a_plan_signs_up_binds_a_card_and_reaches_the_plan(new_page):
    from roamcard.notifications.models import Message

    japan = make_region(code="japan", name="Japan", countries=["JP"])
    world = make_region(code="global", name="Global", countries=["JP", "KR", "US", "FR"])
    make_plan(region=world, code="global-week", name="Global week", prices={"USD": 2990})
    make_plan(region=japan, code="japan-week", name="Japan week", prices={"USD": 990, "KRW": 13000})
    card = make_card(region=japan, password="864209")
    page = new_page(locale="ko-KR")

    page.goto("/")
    page.get_by_role("navigation", name=re.compile(".")).get_by_role("link", name="스토어").click()
    page.get_by_role("searchbox").fill("일본")
    page.get_by_role("button", name="검색").click()

    expect(page.get_by_role("heading", name="일본에서 쓸 수 있는 요금제")).to_be_visible()
    plans = page.locator(".plan-name")
    expect(plans).to_have_text(["Japan week", "Global week"])  # single-country first
    expect(page.get_by_text("₩13,000")).to_be_visible()
    expect(page.get_by_text("KRW 통화로는 판매하지 않아요. USD 통화로 결제돼요.")).to_be_visible()
    assert fits_the_phone(page)

    page.get_by_role("link", name="1개 국가").first.click()
    expect(page.get_by_role("heading", name="Japan", exact=True)).to_be_visible()
    expect(page.locator(".country-list")).to_contain_text("일본")
    page.get_by_role("searchbox").fill("프랑스")  # htmx narrows the list as one types
    expect(page.get_by_text("Japan에는 ‘프랑스’에 해당하는 국가가 없어요.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/store/regions/japan/\?q="))
    page.go_back()

    page.get_by_role("link", name="Japan week 구매").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    page.get_by_role("link", name=re.compile("계정")).last.click()

    email = "seoul.traveller@example.com"
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password1]").fill("Travel-far-2025")
    page.locator("input[name=password2]").fill("Travel-far-2025")
    page.locator("main form button[type=submit]").last.click()
    code_field = page.locator("input[name=code]")
    expect(code_field).to_be_visible()
    message = Message.objects.filter(to=email).latest("created_at")
    code_field.fill(re.search(r"\b(\d{6})\b", message.body).group(1))
    page.locator("main form button[type=submit]").first.click()

    # No card yet: add one, then straight on to the plan on it. (The new account's own
    # language now decides the page's language, so only names are checked from here on.)
    expect(page).to_have_url(re.compile(r"/cards/bind/\?next="))
    expect(page.get_by_role("status")).to_contain_text("Japan week")
    page.locator("input[name=iccid]").fill(card.iccid)
    page.locator("input[name=card_password]").fill("864209")
    page.locator("form.form button[type=submit]").click()

    expect(page).to_have_url(re.compile(rf"/cards/{card.pk}/plans/\?currency=KRW#plan-japan-week"))
    expect(page.locator("#plan-japan-week")).to_be_visible()
    expect(page.locator("#plan-japan-week .price")).to_have_text("₩13,000")
    assert fits_the_phone(page)
