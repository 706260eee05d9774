"""The traveller's "Payment methods" pages under the account: the list and its empty state,
adding one through the gateway's page and back, removing one after a confirmation; only
their own, and in their language."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from roamcard.payments.models import PaymentSetup, SavedPaymentMethod
from roamcard.sandbox import services as sandbox
from roamcard.testing import make_user, save_sandbox_method

pytestmark = pytest.mark.django_db

LIST = reverse("payment_methods:list")
ADD = reverse("payment_methods:add")


def remove_url(method) -> str:
    return reverse("payment_methods:remove", kwargs={"public_id": method.public_id})


def return_url(setup) -> str:
    return reverse("payment_methods:setup_return", kwargs={"public_id": setup.public_id})


def test_the_pages_need_a_login(client):
    for url in (LIST, ADD):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_with_nothing_saved_the_page_offers_to_add_one(client, traveller):
    client.force_login(traveller)

    page = client.get(LIST).text

    assert "No saved payment methods yet" in page
    assert ADD in page


def test_the_list_shows_the_methods_with_their_expiry_and_date(client, traveller, other_traveller):
    card = save_sandbox_method(traveller)
    save_sandbox_method(traveller, method="alipay")
    someone_elses = save_sandbox_method(other_traveller)
    client.force_login(traveller)

    page = client.get(LIST).text

    assert "Visa •••• 4242" in page
    assert remove_url(someone_elses) not in page
    assert "Expires 12/2031" in page
    assert "Alipay automatic deduction · ••••" in page
    assert remove_url(card) in page
    assert page.count("/remove/") == 2


def test_adding_a_card_goes_through_the_gateways_page_and_back(client, traveller):
    client.force_login(traveller)
    form = client.get(ADD).text
    assert 'value="card"' in form and 'value="alipay"' in form

    sent = client.post(ADD, {"method": "card"})

    setup = PaymentSetup.objects.get()
    assert (sent.status_code, sent["Location"]) == (302, setup.redirect_url)
    waiting = client.get(return_url(setup))
    assert "Waiting for the payment provider" in waiting.text
    assert 'hx-trigger="every 2s"' in waiting.text
    assert client.get(return_url(setup), headers={"HX-Request": "true"}).status_code == 204
    sandbox.sandbox_save_card(
        mandate_id=setup.reference, number="4242424242424242", expiry=(1, 2030)
    )
    cache.clear()  # a few seconds later: the page asks the gateway again

    back = client.get(return_url(setup))

    assert "Payment method added" in back.text
    assert "Visa •••• 4242" in back.text
    assert SavedPaymentMethod.objects.get().user == traveller


def test_a_poll_that_finds_the_outcome_refreshes_the_page(client, traveller):
    client.force_login(traveller)
    client.post(ADD, {"method": "card"})
    setup = PaymentSetup.objects.get()
    sandbox.sandbox_save_card(
        mandate_id=setup.reference, number="4000000000000002", expiry=(1, 2030)
    )

    poll = client.get(return_url(setup), headers={"HX-Request": "true"})

    assert poll.headers["HX-Refresh"] == "true"
    page = client.get(return_url(setup)).text
    assert "The payment method was not added" in page
    assert "Your card was declined. Try another card." in page


def test_choosing_nothing_or_what_cannot_be_saved_is_refused(client, traveller, settings):
    settings.PAYMENT_METHOD_GATEWAYS = {"card": "sandbox"}
    client.force_login(traveller)

    for data in ({}, {"method": "alipay"}, {"method": "x" * 500}):
        page = client.post(ADD, data)
        assert page.status_code == 200
        assert 'role="alert"' in page.text
    assert not PaymentSetup.objects.exists()


def test_another_travellers_setup_is_not_found(client, traveller, other_traveller):
    client.force_login(traveller)
    client.post(ADD, {"method": "card"})
    setup = PaymentSetup.objects.get()
    client.force_login(other_traveller)

    assert client.get(return_url(setup)).status_code == 404


def test_removing_asks_first_then_removes(client, traveller):
    method = save_sandbox_method(traveller)
    client.force_login(traveller)

    question = client.get(remove_url(method))
    method.refresh_from_db()
    assert method.state == SavedPaymentMethod.State.ACTIVE
    assert "Remove Visa •••• 4242?" in question.text

    done = client.post(remove_url(method), follow=True)

    method.refresh_from_db()
    assert method.state == SavedPaymentMethod.State.REMOVED
    assert "Visa •••• 4242 was removed." in done.text
    assert "No saved payment methods yet" in done.text
    assert client.get(remove_url(method)).status_code == 404  # gone


def test_another_travellers_method_cannot_be_removed(client, traveller, other_traveller):
    method = save_sandbox_method(traveller)
    client.force_login(other_traveller)

    assert client.get(remove_url(method)).status_code == 404
    assert client.post(remove_url(method)).status_code == 404
    method.refresh_from_db()
    assert method.state == SavedPaymentMethod.State.ACTIVE


def test_the_pages_speak_the_travellers_language(client):
    traveller = make_user(email="minji@example.com", preferred_language="ko")
    method = save_sandbox_method(traveller, method="wechat_pay")
    client.force_login(traveller)

    listing = client.get(LIST, headers={"Accept-Language": "ko"}).text
    adding = client.get(ADD, headers={"Accept-Language": "ko"}).text
    removing = client.get(remove_url(method), headers={"Accept-Language": "ko"}).text

    assert '<html lang="ko"' in listing
    assert "결제 수단" in listing
    assert "위챗페이" in listing
    assert "결제 수단 추가" in adding
    assert "삭제" in removing


def test_the_profile_and_the_menu_lead_here(client, traveller):
    client.force_login(traveller)

    profile = client.get(reverse("account_profile")).text

    assert profile.count(LIST) == 2  # the Security section and the account menu
