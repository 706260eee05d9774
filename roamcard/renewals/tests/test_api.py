"""The orders API as a client sees it: create (idempotently), list, detail, pay, cancel, events."""

import uuid

import pytest

from roamcard.accounts.tokens import api_token_create
from roamcard.orders.models import Order
from roamcard.orders.services import order_create
from roamcard.payments.models import Payment
from roamcard.renewals.services import renewal_payment_sync
from roamcard.testing import GIB, make_card, make_plan, make_region

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, traveller):
    _, token = api_token_create(user=traveller)
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def create(api, card, plan, currency="USD", key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return api.post(
        "/api/v1/orders",
        {"card_id": card.pk, "plan_id": plan.pk, "currency": currency},
        content_type="application/json",
        **headers,
    )


def error_code(response) -> str:
    return response.json()["error"]["code"]


def test_creating_an_order(api, gateway, card, plan):
    response = create(api, card, plan, currency="cny")

    assert response.status_code == 201
    body = response.json()
    order = Order.objects.get()
    assert body["id"] == str(order.public_id)
    assert body["number"] == order.short_id
    assert body["state"] == "pending_payment"
    assert body["state_label"] == "Waiting for payment"
    assert (body["card_id"], body["plan_id"], body["plan_name"]) == (
        card.pk,
        plan.pk,
        "Europe 5 GB",
    )
    assert body["amount"] == {"amount_minor": 13800, "currency": "CNY", "formatted": "CN¥138.00"}
    assert (body["data_bytes"], body["validity_days"]) == (5 * GIB, 30)
    assert body["payments"] == [] and body["refund"] is None and body["renewal"] is None


def test_the_same_idempotency_key_returns_the_same_order(api, gateway, card, plan):
    first = create(api, card, plan, key="retry-me-1")
    second = create(api, card, plan, key="retry-me-1")

    assert first.status_code == 201
    assert second.status_code == 200
    assert second["Idempotency-Replayed"] == "true"
    assert first.json()["id"] == second.json()["id"]
    assert Order.objects.count() == 1


def test_the_same_key_with_other_parameters_is_refused(api, gateway, card, plan):
    create(api, card, plan, key="retry-me-2")

    response = create(api, card, plan, currency="CNY", key="retry-me-2")

    assert response.status_code == 422
    assert error_code(response) == "idempotency_key_reused"
    assert Order.objects.count() == 1


def test_keys_belong_to_one_traveller(api, gateway, card, plan, client, other_traveller, europe):
    create(api, card, plan, key="shared-key")
    _, token = api_token_create(user=other_traveller)
    theirs = make_card(owner=other_traveller, region=europe)

    response = client.post(
        "/api/v1/orders",
        {"card_id": theirs.pk, "plan_id": plan.pk, "currency": "USD"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_IDEMPOTENCY_KEY="shared-key",
    )

    assert response.status_code == 201
    assert Order.objects.count() == 2


def test_another_travellers_card_is_not_found(api, gateway, plan, other_traveller, europe):
    theirs = make_card(owner=other_traveller, region=europe)

    response = create(api, theirs, plan)

    assert response.status_code == 404
    assert error_code(response) == "card_not_found"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"card_id": 1, "plan_id": 1}, "currency"),
        ({"card_id": 0, "plan_id": 1, "currency": "USD"}, "card_id"),
        ({"card_id": 1, "plan_id": 1, "currency": "US"}, "currency"),
        ({"card_id": 1, "plan_id": 1, "currency": "USD", "extra": 1}, "extra"),
    ],
)
def test_malformed_bodies_get_field_errors(api, gateway, body, field):
    response = api.post("/api/v1/orders", body, content_type="application/json")

    assert response.status_code == 422
    assert error_code(response) == "invalid_input"
    assert field in response.json()["error"]["fields"]


def test_a_plan_that_does_not_fit_the_card_or_currency_is_a_conflict(api, gateway, card, plan):
    japan = make_plan(region=make_region(code="japan", name="Japan", countries=["JP"]))

    assert error_code(create(api, card, japan)) == "plan_not_available"
    assert error_code(create(api, card, plan, currency="JPY")) == "price_not_available"


def test_listing_and_reading_my_orders_only(api, gateway, card, plan, other_traveller, europe):
    mine = create(api, card, plan).json()
    theirs = order_create(
        user=other_traveller,
        card_id=make_card(owner=other_traveller, region=europe).pk,
        plan_id=plan.pk,
        currency="USD",
    )

    listed = api.get("/api/v1/orders").json()["orders"]
    assert [o["id"] for o in listed] == [mine["id"]]
    assert api.get(f"/api/v1/orders/{mine['id']}").status_code == 200
    not_found = api.get(f"/api/v1/orders/{theirs.public_id}")
    assert not_found.status_code == 404 and error_code(not_found) == "order_not_found"
    assert api.get(f"/api/v1/orders/{uuid.uuid4()}").status_code == 404
    assert api.get("/api/v1/orders/not-a-uuid").status_code == 422


def test_paying_returns_where_to_send_the_payer(api, gateway, card, plan):
    order_id = create(api, card, plan).json()["id"]

    response = api.post(
        f"/api/v1/orders/{order_id}/payments", {"method": "alipay"}, content_type="application/json"
    )

    assert response.status_code == 201
    body = response.json()
    payment = Payment.objects.get()
    assert body["id"] == str(payment.public_id)
    assert (body["method"], body["state"]) == ("alipay", "pending")
    assert body["redirect_url"].endswith(str(payment.public_id))
    assert body["qr_code"] == f"fakepay://{payment.public_id}"
    assert body["amount"]["amount_minor"] == 1990
    detail = api.get(f"/api/v1/orders/{order_id}").json()
    assert [p["id"] for p in detail["payments"]] == [body["id"]]


def test_a_method_that_is_not_enabled_is_a_clear_error(api, gateway, card, plan):
    order_id = create(api, card, plan).json()["id"]

    disabled = api.post(
        f"/api/v1/orders/{order_id}/payments",
        {"method": "wechat_pay"},
        content_type="application/json",
    )
    unknown = api.post(
        f"/api/v1/orders/{order_id}/payments", {"method": "paypal"}, content_type="application/json"
    )

    assert disabled.status_code == 400
    assert error_code(disabled) == "payment_method_not_available"
    assert disabled.json()["error"]["message"] == "This payment method is not available."
    assert unknown.status_code == 422 and "method" in unknown.json()["error"]["fields"]
    assert not Payment.objects.exists()


def test_a_fulfilled_order_shows_the_new_balance(api, gateway, card, plan, committed):
    order_id = create(api, card, plan).json()["id"]
    api.post(
        f"/api/v1/orders/{order_id}/payments", {"method": "card"}, content_type="application/json"
    )
    payment = Payment.objects.get()
    gateway.will_succeed(payment)
    with committed():
        renewal_payment_sync(payment_id=payment.pk, cause="return")

    body = api.get(f"/api/v1/orders/{order_id}").json()

    assert body["state"] == "fulfilled"
    assert body["payments"][0]["state"] == "succeeded"
    assert body["renewal"]["bytes_remaining"] == 5 * GIB
    assert body["renewal"]["remaining_formatted"] == "5 GB"
    assert body["renewal"]["valid_until"] == body["renewal"]["order_valid_until"]
    events = api.get(f"/api/v1/orders/{order_id}/events").json()["events"]
    assert [(e["from_state"], e["to_state"], e["cause"]) for e in events] == [
        (None, "pending_payment", "traveller"),
        ("pending_payment", "paid", "return"),
        ("paid", "fulfilled", "provisioning"),
    ]
    paid_again = api.post(
        f"/api/v1/orders/{order_id}/payments", {"method": "card"}, content_type="application/json"
    )
    assert paid_again.status_code == 409 and error_code(paid_again) == "order_not_payable"
    cancelled = api.post(f"/api/v1/orders/{order_id}/cancel")
    assert cancelled.status_code == 409 and error_code(cancelled) == "order_not_cancellable"


def test_cancelling_an_unpaid_order(api, gateway, card, plan):
    order_id = create(api, card, plan).json()["id"]

    first = api.post(f"/api/v1/orders/{order_id}/cancel")
    again = api.post(f"/api/v1/orders/{order_id}/cancel")

    assert first.status_code == 200 and first.json()["state"] == "cancelled"
    assert again.status_code == 200
    paying = api.post(
        f"/api/v1/orders/{order_id}/payments", {"method": "card"}, content_type="application/json"
    )
    assert paying.status_code == 409


def test_the_endpoints_need_authentication(client, gateway):
    assert client.get("/api/v1/orders").status_code == 401
    assert client.post("/api/v1/orders", {}, content_type="application/json").status_code == 401


def test_the_schema_documents_the_orders_endpoints(client):
    schema = client.get("/api/v1/openapi.json").json()

    paths = schema["paths"]
    assert "/api/v1/orders" in paths
    for path in (
        "/api/v1/orders/{public_id}",
        "/api/v1/orders/{public_id}/payments",
        "/api/v1/orders/{public_id}/cancel",
        "/api/v1/orders/{public_id}/events",
    ):
        assert path in paths
    create_op = paths["/api/v1/orders"]["post"]
    assert any(
        p["name"] == "Idempotency-Key" and p["in"] == "header" for p in create_op["parameters"]
    )
    assert {"200", "201", "404", "422"} <= set(create_op["responses"])
