"""Saving a payment method in a real browser, in Korean on a phone: the empty list, the
choice, the sandbox's card form and agreement page, the way back, the list, removing one
after the confirmation page; every page passes axe-core's checks and fits 360 px."""

import re

import pytest
from playwright.sync_api import expect

from roamcard.payments.gateways.registry import reset_gateway_cache
from roamcard.payments.models import SavedPaymentMethod
from roamcard.testing import make_user

from .axe import axe_source, axe_violations, describe
from .conftest import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def sandbox(settings, live_server):
    settings.PAYMENT_METHOD_GATEWAYS = {"card": "sandbox", "alipay": "sandbox"}
    settings.PUBLIC_BASE_URL = live_server.url
    reset_gateway_cache()
    yield
    reset_gateway_cache()


def accessible(page, found: dict[str, str]) -> None:
    page.wait_for_load_state("networkidle")
    where = page.url
    violations = axe_violations(page)
    if violations:
        found[where] = describe(violations, f"on {where}")
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > PHONE["width"]:
        found[f"{where} (width)"] = f"{where} scrolls sideways: {width}px wide at 360px"


def test_a_traveller_saves_a_card_and_an_agreement_then_removes_the_card(new_page, log_in):
    axe_source()
    user = make_user(email="jiwoo@example.com", preferred_language="ko")
    page = log_in(new_page(viewport=PHONE, locale="ko-KR"), user)
    found: dict[str, str] = {}

    page.goto("/accounts/payment-methods/")
    expect(page.get_by_role("heading", name="저장된 결제 수단이 아직 없어요")).to_be_visible()
    accessible(page, found)
    page.get_by_role("link", name="결제 수단 추가").click()
    accessible(page, found)
    page.get_by_role("button", name="결제 대행사 페이지로 이동").click()

    # The sandbox's card form, in the traveller's language.
    expect(page).to_have_url(re.compile(r"/sandbox/setup/pm_\w+/$"))
    accessible(page, found)
    page.locator("#number").fill("4242 4242 4242 4242")
    page.locator("#expiry").fill("09/31")
    page.get_by_role("button", name="카드 저장").click()

    expect(page.get_by_role("heading", name="결제 수단을 추가했어요")).to_be_visible()
    expect(page.get_by_text("Visa •••• 4242").first).to_be_visible()
    accessible(page, found)

    page.goto("/accounts/payment-methods/add/")
    page.locator("label.pay-method", has_text="알리페이 자동 결제").click()
    page.get_by_role("button", name="결제 대행사 페이지로 이동").click()
    expect(page).to_have_url(re.compile(r"/sandbox/setup/agr_\w+/$"))
    accessible(page, found)
    page.get_by_role("button", name="약정에 동의하기").click()
    expect(page.get_by_role("heading", name="결제 수단을 추가했어요")).to_be_visible()

    page.goto("/accounts/payment-methods/")
    expect(page.get_by_text("유효 기간 09/2031")).to_be_visible()
    expect(page.get_by_text(re.compile("^알리페이 자동 결제 · "))).to_be_visible()
    accessible(page, found)
    page.get_by_role("link", name="삭제 Visa •••• 4242").click()
    accessible(page, found)
    page.get_by_role("button", name="결제 수단 삭제").click()

    expect(page.get_by_text("Visa •••• 4242을(를) 삭제했어요.")).to_be_visible()
    assert list(SavedPaymentMethod.objects.values_list("method", "state").order_by("method")) == [
        ("alipay", "active"),
        ("card", "removed"),
    ]
    assert not found, "\n\n".join(found.values())
