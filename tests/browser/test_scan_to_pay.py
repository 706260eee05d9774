"""Paying with WeChat Pay on our own scan page, in a real browser under a strict
Content-Security-Policy: the traveller sees the code, the amount and the steps; the wallet
confirms (the sandbox plays WeChat's part and notifies our live server); the page moves on
by itself to "Renewed"."""

import re

import pytest
from playwright.sync_api import expect

from roamcard.orders.services import order_create
from roamcard.payments.gateways.registry import reset_gateway_cache
from roamcard.payments.models import Payment
from roamcard.renewals.services import renewal_pay
from roamcard.sandbox import services as sandbox
from roamcard.testing import GIB, make_card, make_plan, make_region, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What the site will send: no inline scripts or style attributes, images from self/data:.
STRICT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
CODE_URL = "weixin://wxpay/bizpayurl?pr=Zk3pS9aQ1"


@pytest.fixture(autouse=True)
def sandbox_plays_wechat(settings, live_server):
    settings.PAYMENT_METHOD_GATEWAYS = {"card": "sandbox", "wechat_pay": "sandbox"}
    settings.PUBLIC_BASE_URL = live_server.url
    reset_gateway_cache()
    yield
    reset_gateway_cache()


@pytest.fixture
def waiting_wechat_payment():
    """A traveller's renewal paid with WeChat Pay, waiting for the wallet: as the WeChat Pay
    adapter leaves it, with a code to show and no page to send the traveller to."""
    traveller = make_user(email="scan.me@example.com")
    region = make_region()
    card = make_card(owner=traveller, region=region, label="Tokyo trip")
    plan = make_plan(region=region, name="Asia 3 GB", data_bytes=3 * GIB, days=7)
    order = order_create(user=traveller, card_id=card.pk, plan_id=plan.pk, currency="CNY")
    payment = renewal_pay(user=traveller, order=order, method="wechat_pay")
    Payment.objects.filter(pk=payment.pk).update(redirect_url="", qr_code=CODE_URL)
    payment.refresh_from_db()
    return traveller, order, payment


def _under_strict_csp(page) -> list[str]:
    """Serve our pages with the strict policy; return the violations Chromium reports."""
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )

    def add_policy(route):
        response = route.fetch()
        headers = {**response.headers, "content-security-policy": STRICT_CSP}
        route.fulfill(response=response, headers=headers)

    page.route(lambda url: "/payments/" in url, add_policy)
    return violations


def test_the_traveller_scans_the_code_and_the_page_moves_on_to_renewed(
    page, log_in, live_server, waiting_wechat_payment
):
    traveller, order, payment = waiting_wechat_payment
    log_in(page, traveller)
    violations = _under_strict_csp(page)

    page.goto(f"/payments/{payment.public_id}/scan/")

    expect(page.get_by_role("heading", name="Scan with WeChat")).to_be_visible()
    code = page.get_by_role("img", name=re.compile(r"QR code to pay .*68\.00 with WeChat Pay"))
    expect(code).to_be_visible()
    box = code.bounding_box()
    assert box and box["width"] >= 150 and abs(box["width"] - box["height"]) < 2
    expect(page.get_by_role("list")).to_contain_text("Open WeChat on your phone")
    expect(page.get_by_text(re.compile(r"Check that the amount is .*68\.00"))).to_be_visible()

    # The payer confirms in the wallet; the vendor notifies our live server.
    charge = sandbox.sandbox_charge_get(merchant_payment_id=str(payment.public_id))
    sandbox.sandbox_wallet_answer(charge_id=charge.pk, approve=True)

    expect(page).to_have_url(re.compile(rf"/orders/{order.public_id}/result/"), timeout=15_000)
    expect(page.get_by_role("heading", name="Renewed")).to_be_visible(timeout=15_000)
    assert violations == []


def test_the_page_reads_in_the_travellers_language(new_page, log_in, waiting_wechat_payment):
    traveller, _order, payment = waiting_wechat_payment
    page = log_in(new_page(locale="zh-CN"), traveller)

    page.goto(f"/payments/{payment.public_id}/scan/")

    expect(page.get_by_role("heading", name="使用微信扫码")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("用微信支付 .* 的二维码"))).to_be_visible()
    expect(page.get_by_role("list")).to_contain_text("扫一扫")
