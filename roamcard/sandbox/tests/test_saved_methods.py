"""The sandbox as a vendor of saved payment methods: its card form and agreement pages, the
test cards that decide what later charges do, charges made without the payer (one that
waits for their confirmation on the sandbox's page), and removal."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from roamcard.payments.gateways.base import PaymentMethod, ResultStatus
from roamcard.payments.gateways.sandbox import SandboxGateway
from roamcard.sandbox.models import SandboxCharge, SandboxEvent, SandboxMandate

pytestmark = pytest.mark.django_db

SETUP_ID = "3c9d8e7f-6a5b-4c3d-9e8f-7a6b5c4d3e21"
RETURN_URL = "https://roamcard.example/accounts/payment-methods/setups/x/"
PAYMENT_ID = "5e4d3c2b-1a09-4f8e-9d7c-6b5a4f3e2d11"


@pytest.fixture
def gateway():
    return SandboxGateway(name="sandbox", secret="saved-methods-test-secret")


def start(gateway, *, method=PaymentMethod.CARD, setup_id=SETUP_ID, customer_ref=""):
    return gateway.start_saving_method(
        setup_id=setup_id,
        method=method,
        customer_ref=customer_ref,
        return_url=RETURN_URL,
        notify_url="https://roamcard.example/payments/webhooks/sandbox/",
        language="ja",
    )


def setup_url(started) -> str:
    return reverse("sandbox:setup", args=[started.reference])


def query(gateway):
    return gateway.query_saved_method(setup_id=SETUP_ID, reference="")


def charge(gateway, saved, payment_id=PAYMENT_ID):
    return gateway.charge_saved_method(
        payment_id=payment_id,
        token=saved.token,
        customer_ref=saved.customer_ref,
        amount_minor=6800,
        currency="CNY",
        description="Europe 5 GB, 7 days",
        return_url="https://roamcard.example/orders/1/return/",
        notify_url="https://roamcard.example/payments/webhooks/sandbox/",
    )


def test_the_card_page_saves_a_card_and_goes_back_to_the_shop(client, gateway):
    started = start(gateway)
    page = client.get(setup_url(started))
    assert "4000002760003184" in page.content.decode()  # the test cards are listed

    saved = client.post(setup_url(started), {"number": "4242 4242 4242 4242", "expiry": "08/31"})

    assert (saved.status_code, saved["Location"]) == (302, RETURN_URL)
    result = query(gateway)
    assert result.status == ResultStatus.SUCCEEDED
    assert (result.label, result.brand) == ("Visa •••• 4242", "visa")
    assert (result.expires_month, result.expires_year) == (8, 2031)
    assert result.token.startswith("pm_") and result.customer_ref.startswith("cus_")
    mandate = SandboxMandate.objects.get()
    # Only what identifies the card to its owner is kept: never its number.
    assert "4242424242424242" not in str(
        [getattr(mandate, f.attname) for f in SandboxMandate._meta.fields]
    )


def test_an_expiry_in_the_past_is_asked_again(client, gateway):
    started = start(gateway)

    page = client.post(setup_url(started), {"number": "4242424242424242", "expiry": "01/20"})

    assert page.status_code == 200
    assert 'aria-invalid="true"' in page.content.decode()
    assert query(gateway).status == ResultStatus.PENDING


def test_a_declined_card_saves_nothing(client, gateway):
    started = start(gateway)

    client.post(setup_url(started), {"number": "4000000000000002", "expiry": "12/30"})

    result = query(gateway)
    assert (result.status, result.error_code, result.token) == ("failed", "card_declined", "")


@pytest.mark.parametrize(
    ("number", "status", "code"),
    [
        ("4242424242424242", ResultStatus.SUCCEEDED, ""),
        ("4000000000000341", ResultStatus.FAILED, "card_declined"),
        ("4000000000009995", ResultStatus.FAILED, "insufficient_funds"),
        ("4000002760003184", ResultStatus.REQUIRES_ACTION, ""),
    ],
)
def test_the_test_card_decides_what_a_charge_without_the_payer_does(
    client, gateway, number, status, code
):
    started = start(gateway)
    client.post(setup_url(started), {"number": number, "expiry": "12/30"})

    charged = charge(gateway, query(gateway))

    assert (charged.status, charged.error_code) == (status, code)
    assert SandboxCharge.objects.get().mandate_id == started.reference


def test_a_charge_waiting_for_the_payer_is_confirmed_on_the_sandbox_page(client, gateway):
    started = start(gateway)
    client.post(setup_url(started), {"number": "4000002760003184", "expiry": "12/30"})
    asked = charge(gateway, query(gateway))
    assert asked.redirect_url.endswith(reverse("sandbox:confirm", args=[asked.reference]))

    page = client.get(reverse("sandbox:confirm", args=[asked.reference]))
    confirmed = client.post(
        reverse("sandbox:confirm", args=[asked.reference]), {"answer": "approve"}
    )

    assert "3184" in page.content.decode()
    assert confirmed["Location"] == "https://roamcard.example/orders/1/return/"
    queried = gateway.query_payment(payment_id=PAYMENT_ID, reference=asked.reference)
    assert queried.status == ResultStatus.SUCCEEDED
    assert SandboxEvent.objects.filter(type="payment.succeeded").count() == 1


@pytest.mark.parametrize("method", [PaymentMethod.ALIPAY, PaymentMethod.WECHAT_PAY])
def test_a_wallet_agreement_is_signed_with_the_behaviour_the_tester_chose(client, gateway, method):
    started = start(gateway, method=method)
    page = client.get(setup_url(started))
    assert "<svg" in page.content.decode()  # the code to scan

    signed = client.post(
        reverse("sandbox:setup_wallet", args=[started.reference]),
        {"answer": "approve", "behaviour": "insufficient_funds"},
    )

    assert signed["Location"] == RETURN_URL
    saved = query(gateway)
    assert (saved.status, saved.brand) == (ResultStatus.SUCCEEDED, method)
    assert saved.token.startswith("agr_") and saved.label.startswith("••••")
    charged = charge(gateway, saved)
    assert (charged.status, charged.error_code) == (ResultStatus.FAILED, "insufficient_balance")


def test_a_deduction_to_confirm_says_so_in_the_wallets_words(client, gateway):
    started = start(gateway, method=PaymentMethod.ALIPAY)
    client.post(
        reverse("sandbox:setup_wallet", args=[started.reference]),
        {"answer": "approve", "behaviour": "action"},
    )
    asked = charge(gateway, query(gateway))

    page = client.get(reverse("sandbox:confirm", args=[asked.reference]))
    client.post(reverse("sandbox:confirm", args=[asked.reference]), {"answer": "reject"})

    assert asked.status == ResultStatus.REQUIRES_ACTION
    assert "3-D Secure" not in page.content.decode()
    queried = gateway.query_payment(payment_id=PAYMENT_ID, reference=asked.reference)
    assert (queried.status, queried.error_code) == (ResultStatus.FAILED, "payer_cancelled")


def test_refusing_to_sign_saves_nothing(client, gateway):
    started = start(gateway, method=PaymentMethod.ALIPAY)

    client.post(reverse("sandbox:setup_wallet", args=[started.reference]), {"answer": "cancel"})

    assert (query(gateway).status, query(gateway).error_code) == ("failed", "payer_cancelled")


def test_a_setup_past_its_deadline_is_refused(client, gateway):
    started = start(gateway)
    SandboxMandate.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    page = client.post(setup_url(started), {"number": "4242424242424242", "expiry": "12/30"})

    assert page.status_code == 410
    assert (query(gateway).status, query(gateway).error_code) == ("failed", "expired")


def test_the_same_setup_id_is_the_same_setup(gateway):
    first, again = start(gateway), start(gateway)

    assert first.reference == again.reference
    assert SandboxMandate.objects.count() == 1


def test_a_second_method_goes_to_the_same_customer(client, gateway):
    first = start(gateway)
    client.post(setup_url(first), {"number": "4242424242424242", "expiry": "12/30"})
    customer = query(gateway).customer_ref

    second = start(gateway, setup_id="3c9d8e7f-6a5b-4c3d-9e8f-7a6b5c4d3e22", customer_ref=customer)

    assert second.customer_ref == customer


def test_a_removed_method_can_no_longer_be_charged(client, gateway):
    started = start(gateway)
    client.post(setup_url(started), {"number": "4242424242424242", "expiry": "12/30"})
    saved = query(gateway)

    gateway.remove_saved_method(token=saved.token, customer_ref=saved.customer_ref)
    gateway.remove_saved_method(token=saved.token, customer_ref=saved.customer_ref)

    charged = charge(gateway, saved)
    assert (charged.status, charged.error_code) == ("failed", "payment_method_unusable")
    assert (query(gateway).status, query(gateway).error_code) == ("failed", "revoked")


def test_another_customers_method_is_not_charged(client, gateway):
    started = start(gateway)
    client.post(setup_url(started), {"number": "4242424242424242", "expiry": "12/30"})
    saved = query(gateway)

    charged = gateway.charge_saved_method(
        payment_id="5e4d3c2b-1a09-4f8e-9d7c-6b5a4f3e2d19",
        token=saved.token,
        customer_ref="cus_someone_else",
        amount_minor=6800,
        currency="CNY",
        description="x",
        return_url="https://roamcard.example/",
        notify_url="https://roamcard.example/",
    )

    assert (charged.status, charged.error_code) == ("failed", "payment_method_unusable")


def test_the_pages_speak_the_payers_language(client, gateway):
    started = start(gateway)

    page = client.get(setup_url(started)).content.decode()

    assert '<html lang="ja">' in page
    assert "カード番号" in page
