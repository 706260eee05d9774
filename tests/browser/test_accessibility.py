"""The traveller's pages pass axe-core's checks (WCAG 2.2 A/AA and best practices) with no
serious or critical violation, at 360 px, in Korean and Japanese: contrast, names that
contain the visible text, labels, landmarks. They also never scroll sideways."""

import re

import pytest
from playwright.sync_api import expect

from roamcard.orders.choices import OrderState, TransitionCause
from roamcard.orders.services import order_create
from roamcard.payments.gateways.registry import reset_gateway_cache
from roamcard.renewals.services import renewal_pay, renewal_payment_sync
from roamcard.sandbox import services as sandbox
from roamcard.testing import GIB, make_bucket, make_card, make_plan, make_region, make_user
from roamcard.usage.alerts import usage_alerts_check

from .axe import axe_source, axe_violations, describe
from .conftest import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BROWSER_LOCALE = {"ko": "ko-KR", "ja": "ja-JP"}
ZONE = {"ko": "Asia/Seoul", "ja": "Asia/Tokyo"}


@pytest.fixture(autouse=True)
def sandbox_gateway(settings, live_server):
    settings.PAYMENT_METHOD_GATEWAYS = {"card": "sandbox", "alipay": "sandbox"}
    settings.PUBLIC_BASE_URL = live_server.url
    reset_gateway_cache()
    yield
    reset_gateway_cache()


def traveller_with_orders(language: str):
    """A traveller with a card, a renewal paid and fulfilled, and one waiting for payment
    (with its sandbox pay page open)."""
    user = make_user(
        email=f"axe.{language}@example.com",
        phone="+85261234567",
        preferred_language=language,
        time_zone=ZONE[language],
    )
    region = make_region()
    card = make_card(owner=user, region=region, label="Trip")
    bucket = make_bucket(card=card, bytes_granted=3 * GIB, bytes_remaining=GIB // 3, days=2)
    usage_alerts_check(bucket_ids=[bucket.pk])  # a notice: data down to 11 %
    make_card(owner=user, region=region)  # a second card: its own Renew link
    plan = make_plan(region=region, name="Europe 5 GB", data_bytes=5 * GIB, days=30, kind="month")
    paid = order_create(user=user, card_id=card.pk, plan_id=plan.pk, currency="CNY")
    payment = renewal_pay(user=user, order=paid, method="card", language=language)
    charge = sandbox.sandbox_charge_get(merchant_payment_id=str(payment.public_id))
    sandbox.sandbox_pay_by_card(charge_id=charge.pk, number="4242424242424242")
    renewal_payment_sync(payment_id=payment.pk, cause=TransitionCause.RETURN)
    paid.refresh_from_db()
    assert paid.state == OrderState.FULFILLED

    waiting = order_create(user=user, card_id=card.pk, plan_id=plan.pk, currency="CNY")
    pay_page = renewal_pay(user=user, order=waiting, method="card", language=language)
    return user, card, paid, waiting, pay_page.redirect_url


def help_with_contact() -> None:
    """The default help articles and a contact with every channel (the longest block)."""
    from datetime import time

    from roamcard.help.models import SupportContact
    from roamcard.help.services import help_load_defaults

    help_load_defaults()
    SupportContact.objects.create(
        days=[0, 1, 2, 3, 4, 5],
        opens_at=time(9, 0),
        closes_at=time(21, 0),
        time_zone="Asia/Hong_Kong",
        languages=["en", "zh-hans", "zh-hant", "ja", "ko"],
        email="customer-service@roamcard.example",
        phone="+85221234567",
        whatsapp="+85261234567",
        wechat="roamcard_hk",
        line="@roamcard",
        kakaotalk="_roamcard",
    )


def check(page, path: str, found: dict[str, str]) -> None:
    page.goto(path)
    page.wait_for_load_state("networkidle")
    violations = axe_violations(page)
    if violations:
        found[path] = describe(violations, f"on {path}")
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > PHONE["width"]:
        found[f"{path} (width)"] = f"{path} scrolls sideways: {width}px wide at 360px"


@pytest.mark.parametrize("language", ["ko", "ja"])
def test_the_traveller_pages_have_no_serious_accessibility_violation(
    new_page, log_in, settings, language
):
    axe_source()  # skip (or fail in CI) before building anything if axe-core is missing
    user, card, paid, waiting, pay_url = traveller_with_orders(language)
    help_with_contact()
    found: dict[str, str] = {}

    visitor = new_page(viewport=PHONE, locale=BROWSER_LOCALE[language])
    for path in (
        "/",
        "/accounts/login/",
        "/accounts/signup/",
        "/store/",
        f"/store/?q={card.region.countries[0]}",
        f"/store/regions/{card.region.code}/",
        "/help/",
        "/help/?q=APN",
        "/help/?q=zzzz",  # nothing found: the contact instead
        "/help/forgot-card-password/",
        "/help/contact/",
        "/accounts/password/reset/",  # last: the reset goes on from here
    ):
        check(visitor, path, found)
    visitor.locator("input[name=destination]").fill(user.email)
    visitor.locator("form button[type=submit]").last.click()
    expect(visitor).to_have_url(re.compile(r"/accounts/password/reset/code/$"))
    check(visitor, "/accounts/password/reset/code/", found)

    page = log_in(new_page(viewport=PHONE, locale=BROWSER_LOCALE[language]), user)
    for path in (
        "/",
        "/cards/",
        f"/cards/{card.pk}/",
        f"/cards/{card.pk}/plans/",
        f"/cards/{card.pk}/auto-renewal/",
        f"/orders/{waiting.public_id}/",
        pay_url,
        f"/orders/{paid.public_id}/result/",
        "/orders/",
        f"/orders/{paid.public_id}/receipt/",
        "/cards/bind/",
        "/accounts/profile/",
        "/accounts/email/",
        "/accounts/phone/change/",
        "/accounts/reauthenticate/",
        "/accounts/devices/",
        "/notices/",
        "/accounts/notifications/",
    ):
        check(page, path, found)
    settings.DEBUG = True  # the dev inbox is open in the demo, where DEBUG is on
    check(page, "/dev/inbox/", found)

    assert not found, "\n\n".join(found.values())


def test_the_dev_inbox_fits_a_phone_with_long_messages(new_page, log_in, settings):
    """Long addresses, links and e-mail bodies wrap inside their box at 360 px."""
    from roamcard.notifications.services import message_queue

    axe_source()
    user = make_user(email="inbox@example.com")
    long_address = "a.really.quite.extraordinarily.long.address.for.a.traveller@example.com"
    message_queue(
        channel="email",
        to=long_address,
        kind="renewal_confirmed",
        subject="Your card 8985 2000 0000 0000 0001 is renewed",
        body="https://roamcard.example.test/orders/7e0f4b8a-9f57-4f0c-8a1d-2b5c3d4e5f60/receipt/"
        + "?payment=a" * 12
        + "\n\n"
        + "충전하세요 " * 40,
        user=user,
        language="ko",
    )
    settings.DEBUG = True
    page = log_in(new_page(viewport=PHONE, locale="ko-KR"), user)
    page.goto("/dev/inbox/")

    expect(page.get_by_text(long_address)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert not axe_violations(page), describe(axe_violations(page), "on /dev/inbox/")


# For every visible element's own text: the Korean words (runs between spaces with Hangul
# in them) that the browser broke across two lines. Each character's box is measured; a
# word whose characters sit on more than one line was broken inside.
BROKEN_WORDS = """(selector) => {
    const broken = [];
    for (const element of document.querySelectorAll(selector)) {
        if (!element.checkVisibility() || element.getBoundingClientRect().width < 2) continue;
        // A new line starts more than half a font size lower (a tilted card moves less).
        const step = parseFloat(getComputedStyle(element).fontSize) / 2;
        for (const node of element.childNodes) {
            if (node.nodeType !== Node.TEXT_NODE) continue;
            const text = node.textContent;
            const range = document.createRange();
            let word = "", tops = [];
            for (let i = 0; i <= text.length; i++) {
                const ch = text[i];
                if (ch === undefined || /\\s/.test(ch)) {
                    const spread = tops.length ? Math.max(...tops) - Math.min(...tops) : 0;
                    if (spread > step && /[\\uac00-\\ud7a3]/.test(word)) broken.push(word);
                    word = ""; tops = [];
                    continue;
                }
                range.setStart(node, i); range.setEnd(node, i + 1);
                const rect = range.getBoundingClientRect();
                if (rect.width > 0) tops.push(rect.top);
                word += ch;
            }
        }
    }
    return broken;
}"""


def test_korean_words_are_never_broken_inside(new_page, log_in):
    """At 360 px Korean wraps between words ("충전하세요" stays whole), as Korean is read."""
    axe_source()
    user, card, paid, waiting, pay_url = traveller_with_orders("ko")
    page = log_in(new_page(viewport=PHONE, locale="ko-KR"), user)

    pages = ("/", f"/cards/{card.pk}/", f"/cards/{card.pk}/plans/", f"/orders/{waiting.public_id}/")
    for path in (*pages, pay_url):
        page.goto(path)
        broken = page.evaluate(BROKEN_WORDS, "p, li, dd, dt, span, strong, a, button, label, h1")
        assert not broken, f"{path}: words broken across lines: {broken}"
