"""The sandbox's pay pages, which every demo traveller meets, read in the traveller's
language: not a word of English left on them in Chinese, Japanese or Korean."""

import re

import pytest
from django.urls import reverse

from roamcard.payments.gateways.base import PaymentMethod
from roamcard.payments.gateways.sandbox import SandboxGateway
from roamcard.sandbox import services

pytestmark = pytest.mark.django_db

NEEDS_CONFIRMATION = "4000000000003220"
SUCCEEDS = "4242424242424242"

EXPIRY = {
    "en": ("Expiry date (month/year)", "MM/YY"),
    "zh-hans": ("有效期（月/年）", "月/年"),
    "zh-hant": ("有效期限（月/年）", "月/年"),
    "ja": ("有効期限（月/年）", "月/年"),
    "ko": ("유효기간 (월/년)", "월/년"),
}
ENGLISH = re.compile(
    r"TEST MODE|Sandbox checkout|Card number|Expiry|MM/YY|Test cards|Succeeds|Declined|"
    r"Cancel|Return to the shop|Confirm|Reject|Scan with|wallet|payment is complete|Sandbox|"
    r"Secure|Pay "
)


def start(
    language: str, method=PaymentMethod.CARD, payment_id="7e0f4b8a-9f57-4f0c-8a1d-2b5c3d4e5f60"
):
    started = SandboxGateway(name="sandbox", secret="languages").start_payment(
        payment_id=payment_id,
        amount_minor=6800,
        currency="CNY",
        method=method,
        description="roamcard Europe 5 GB",
        return_url="https://roamcard.example/orders/1/return",
        notify_url="https://roamcard.example/payments/webhooks/sandbox/",
        language=language,
    )
    return started.reference


def pages(client, language: str) -> dict[str, str]:
    """Every page the payer can see, in one language."""
    card = start(language)
    seen = {"card": client.get(reverse("sandbox:pay", args=[card])).content.decode()}
    wallet = start(language, PaymentMethod.ALIPAY, "11111111-2222-4333-8444-555555555555")
    seen["scan"] = client.get(reverse("sandbox:pay", args=[wallet])).content.decode()
    seen["wallet"] = client.get(reverse("sandbox:wallet", args=[wallet])).content.decode()
    services.sandbox_pay_by_card(charge_id=card, number=NEEDS_CONFIRMATION)
    seen["confirm"] = client.get(reverse("sandbox:confirm", args=[card])).content.decode()
    services.sandbox_confirm_action(charge_id=card, approve=True)
    seen["done"] = client.get(reverse("sandbox:pay", args=[card])).content.decode()
    return seen


@pytest.mark.parametrize("language", ["zh-hans", "zh-hant", "ja", "ko"])
def test_no_english_is_left_on_the_pay_pages(client, language):
    for name, html in pages(client, language).items():
        visible = re.sub(r"<[^>]+>", " ", html.split("<body", 1)[1].split(">", 1)[1])
        assert f'<html lang="{language}">' in html, name
        assert not ENGLISH.search(visible), f"{name}: {ENGLISH.search(visible).group()!r}"


@pytest.mark.parametrize("language", list(EXPIRY))
def test_the_card_form_asks_for_the_expiry_as_the_language_writes_it(client, language):
    label, placeholder = EXPIRY[language]

    html = client.get(reverse("sandbox:pay", args=[start(language)])).content.decode()

    assert f'<label for="expiry">{label}</label>' in html
    assert f'placeholder="{placeholder}"' in html and 'autocomplete="cc-exp"' in html
