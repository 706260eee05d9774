"""A traveller who unbinds a card keeps their orders and receipts for it, but can no longer
pay for it or see its balance."""

import pytest

from roamcard.accounts.tokens import api_token_create
from roamcard.cards.services import card_unbind
from roamcard.orders.services import order_create
from roamcard.renewals.services import renewal_pay, renewal_payment_sync

pytestmark = pytest.mark.django_db


@pytest.fixture
def fulfilled_then_unbound(gateway, traveller, card, plan, committed):
    order = order_create(user=traveller, card_id=card.pk, plan_id=plan.pk, currency="USD")
    payment = renewal_pay(user=traveller, order=order, method="card")
    gateway.will_succeed(payment)
    with committed():
        renewal_payment_sync(payment_id=payment.pk, cause="return")
    card_unbind(user=traveller, card_id=card.pk)
    return order


def test_the_pages_of_an_order_stay_mine(client, traveller, fulfilled_then_unbound):
    order = fulfilled_then_unbound
    client.force_login(traveller)

    for page in ("result", "receipt"):
        response = client.get(f"/orders/{order.public_id}/{page}/")
        assert response.status_code == 200, page
        assert order.short_id in response.content.decode() or page == "result"
    result = client.get(f"/orders/{order.public_id}/result/").content.decode()
    assert "Renewed" in result
    assert f"/cards/{order.card_id}/" not in result  # no link to a card that is not mine
    assert client.get("/orders/").status_code == 200


def test_the_api_still_shows_the_order_without_the_cards_balance(
    client, traveller, fulfilled_then_unbound
):
    order = fulfilled_then_unbound
    _, token = api_token_create(user=traveller)

    response = client.get(f"/api/v1/orders/{order.public_id}", HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "fulfilled"
    assert body["renewal"] is None


def test_an_unpaid_order_for_an_unbound_card_cannot_be_paid(client, gateway, traveller, card, plan):
    order = order_create(user=traveller, card_id=card.pk, plan_id=plan.pk, currency="USD")
    card_unbind(user=traveller, card_id=card.pk)
    _, token = api_token_create(user=traveller)

    response = client.post(
        f"/api/v1/orders/{order.public_id}/payments",
        {"method": "card"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "order_not_payable"
    client.force_login(traveller)
    page = client.get(f"/orders/{order.public_id}/", follow=True)
    assert page.status_code == 200
    assert gateway.started == []
