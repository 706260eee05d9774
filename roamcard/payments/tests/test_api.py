"""The saved payment methods API as a client sees it: list, add (and follow the addition),
remove; only the caller's own, errors in the one error shape and the caller's language."""

import uuid

import pytest
from django.core.cache import cache

from roamcard.accounts.tokens import api_token_create
from roamcard.payments.models import PaymentSetup, SavedPaymentMethod
from roamcard.sandbox import services as sandbox
from roamcard.testing import make_user, save_sandbox_method

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/payment-methods"


@pytest.fixture
def api(client, traveller):
    _, token = api_token_create(user=traveller)
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def error_code(response) -> str:
    return response.json()["error"]["code"]


def test_the_list_is_the_callers_methods_and_what_can_be_added(api, traveller, other_traveller):
    card = save_sandbox_method(traveller)
    agreement = save_sandbox_method(traveller, method="alipay")
    save_sandbox_method(other_traveller)

    body = api.get(URL).json()

    assert body["can_add"] == ["card", "alipay", "wechat_pay"]
    assert [m["id"] for m in body["payment_methods"]] == [
        str(agreement.public_id),
        str(card.public_id),
    ]
    first, second = body["payment_methods"]
    assert (first["method"], first["brand"], first["expires"]) == ("alipay", "alipay", None)
    assert first["label"].startswith("Alipay automatic deduction · ")
    assert (second["label"], second["brand"], second["expires"]) == (
        "Visa •••• 4242",
        "visa",
        "12/2031",
    )
    assert "token" not in second and "customer_ref" not in second


def test_adding_a_method_and_following_it_until_saved(api, traveller):
    started = api.post(URL, {"method": "card"}, content_type="application/json")

    assert started.status_code == 201
    body = started.json()
    assert (body["state"], body["payment_method"], body["failure_message"]) == ("pending", None, "")
    assert "/sandbox/setup/" in body["redirect_url"]
    setup = PaymentSetup.objects.get()
    assert body["id"] == str(setup.public_id)
    sandbox.sandbox_save_card(
        mandate_id=setup.reference, number="4242424242424242", expiry=(6, 2032)
    )
    cache.clear()  # a few seconds later

    followed = api.get(f"{URL}/setups/{setup.public_id}").json()

    assert followed["state"] == "succeeded"
    assert followed["payment_method"]["label"] == "Visa •••• 4242"
    assert followed["payment_method"]["expires"] == "06/2032"
    assert SavedPaymentMethod.objects.get().user == traveller


def test_a_failed_addition_says_why_in_the_callers_language(client):
    traveller = make_user(email="yuki@example.com", preferred_language="ja")
    _, token = api_token_create(user=traveller)
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    client.post(URL, {"method": "card"}, content_type="application/json")
    setup = PaymentSetup.objects.get()
    sandbox.sandbox_save_card(
        mandate_id=setup.reference, number="4000000000000002", expiry=(1, 2030)
    )
    cache.clear()

    body = client.get(f"{URL}/setups/{setup.public_id}").json()

    assert body["state"] == "failed"
    assert body["failure_message"] == "カードが承認されませんでした。別のカードをお試しください。"


def test_what_cannot_be_saved_is_refused(api, settings):
    settings.PAYMENT_METHOD_GATEWAYS = {"card": "sandbox"}

    refused = api.post(URL, {"method": "alipay"}, content_type="application/json")
    unknown = api.post(URL, {"method": "bitcoin"}, content_type="application/json")

    assert (refused.status_code, error_code(refused)) == (400, "payment_method_not_saveable")
    assert (unknown.status_code, error_code(unknown)) == (422, "invalid_input")
    assert api.get(URL).json()["can_add"] == ["card"]
    assert not PaymentSetup.objects.exists()


def test_removing_a_method(api, traveller):
    method = save_sandbox_method(traveller)

    first = api.delete(f"{URL}/{method.public_id}")
    again = api.delete(f"{URL}/{method.public_id}")

    assert first.status_code == again.status_code == 204
    method.refresh_from_db()
    assert method.state == SavedPaymentMethod.State.REMOVED
    assert api.get(URL).json()["payment_methods"] == []


def test_another_travellers_methods_and_setups_are_not_found(api, other_traveller):
    method = save_sandbox_method(other_traveller)
    setup = method.setups.get()

    removing = api.delete(f"{URL}/{method.public_id}")
    following = api.get(f"{URL}/setups/{setup.public_id}")
    nothing = api.delete(f"{URL}/{uuid.uuid4()}")

    assert (removing.status_code, error_code(removing)) == (404, "payment_method_not_found")
    assert (following.status_code, error_code(following)) == (404, "payment_setup_not_found")
    assert nothing.status_code == 404
    method.refresh_from_db()
    assert method.state == SavedPaymentMethod.State.ACTIVE


def test_the_api_needs_a_login(client):
    response = client.get(URL)

    assert (response.status_code, error_code(response)) == (401, "not_authenticated")
