"""One Idempotency-Key, many simultaneous requests: one order, one 201."""

import pytest
from django.test import Client

from roamcard.accounts.tokens import api_token_create
from roamcard.orders.models import Order

from .racing import race, raise_first_error

pytestmark = pytest.mark.django_db(transaction=True)


def test_simultaneous_requests_with_one_key_create_one_order(renewal_setup):
    traveller, card, plan = renewal_setup
    _, token = api_token_create(user=traveller)

    def create():
        return Client().post(
            "/api/v1/orders",
            {"card_id": card.pk, "plan_id": plan.pk, "currency": "CNY"},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
            HTTP_IDEMPOTENCY_KEY="tap-twice",
        )

    outcomes = race(*[create for _ in range(8)])
    raise_first_error(outcomes)
    responses = [outcome.value for outcome in outcomes]

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] * 7 + [201], statuses
    assert Order.objects.count() == 1
    assert {response.json()["id"] for response in responses} == {str(Order.objects.get().public_id)}
    replayed = [r for r in responses if r.status_code == 200]
    assert all(r["Idempotency-Replayed"] == "true" for r in replayed)
