"""The pages work under the Content-Security-Policy, in a real browser: walking through them
(the renewal with the sandbox, htmx's currency switcher and live result, the receipt, the
dev inbox, the API docs, the back office) makes Chromium refuse nothing."""

import re

import pytest
from playwright.sync_api import expect

from roamcard.core.tests.staff import make_staff
from roamcard.payments.gateways.registry import reset_gateway_cache
from roamcard.testing import GIB, make_bucket, make_card, make_plan, make_region, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def refusals(page):
    """What the browser refused under the policy, as it reports it in the console."""
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.on("pageerror", lambda error: refused.append(str(error)))
    return refused


@pytest.fixture(autouse=True)
def sandbox(settings, live_server):
    settings.PAYMENT_METHOD_GATEWAYS = {"card": "sandbox", "alipay": "sandbox"}
    settings.PUBLIC_BASE_URL = live_server.url
    reset_gateway_cache()
    yield
    reset_gateway_cache()


def test_the_renewal_journey_runs_under_the_policy(page, log_in, refusals):
    user = make_user(email="csp@example.com")
    europe = make_region()
    card = make_card(owner=user, region=europe, label="Europe trip")
    make_bucket(card=card, bytes_granted=GIB, bytes_remaining=GIB // 4, days=3)
    make_plan(region=europe, name="Europe 5 GB", prices={"USD": 1990, "CNY": 13800})
    log_in(page, user)

    page.goto("/")
    page.goto(f"/cards/{card.pk}/")
    expect(page.locator(".meter-fill")).to_be_visible()
    page.goto(f"/cards/{card.pk}/plans/?currency=USD")
    page.locator(".segmented").get_by_text("CNY").click()  # htmx swaps the plans
    expect(page.get_by_text("¥138").first).to_be_visible()
    page.get_by_role("button", name="Renew with Europe 5 GB").click()
    page.locator("label.pay-method", has_text="Card").click()
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()
    expect(page).to_have_url(re.compile(r"/sandbox/pay/"))
    page.locator("#number").fill("4242 4242 4242 4242")
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()
    expect(page.get_by_role("heading", name="Renewed")).to_be_visible(timeout=15_000)
    page.get_by_role("link", name="Receipt").click()
    expect(page.get_by_role("button", name="Print or save as PDF")).to_be_visible()

    assert refusals == []


def test_the_development_tools_run_under_the_policy(page, log_in, refusals):
    log_in(page, make_staff())

    page.goto("/dev/inbox/")
    page.goto("/api/v1/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("roamcard API")

    assert refusals == []


def test_the_back_office_runs_under_its_policy(page, log_in, refusals):
    log_in(page, make_staff())

    page.goto("/admin/")
    page.goto("/admin/cards/card/")
    page.goto("/admin/cards/card/add/")
    expect(page.locator("#card_form")).to_be_visible()

    assert refusals == []
