"""The API of a card's automatic renewal: owner only, the one error shape."""

import pytest

from roamcard.accounts.tokens import api_token_create
from roamcard.autorenewal.models import AutoRenewal

from .helpers import GIB, grant, saved_method

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def api(client, traveller):
    _, token = api_token_create(user=traveller)

    def call(method, path, body=None):
        return getattr(client, method)(
            f"/api/v1{path}",
            body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )

    return call


def body(plan, method, **changes):
    return {
        "enabled": True,
        "plan_id": plan.pk,
        "currency": "CNY",
        "saved_method_id": method.pk,
        **changes,
    }


def test_read_set_list_and_skip(api, traveller, card, plan):
    grant(card, plan, remaining=GIB // 4)
    method = saved_method(traveller)

    default = api("get", f"/cards/{card.pk}/auto-renewal").json()
    assert default["enabled"] is False and default["open_renewal"] is None
    assert (default["trigger_percent"], default["trigger_hours"]) == (10, 24)

    response = api("put", f"/cards/{card.pk}/auto-renewal", body(plan, method, trigger_mb=500))
    assert response.status_code == 200, response.json()
    policy = response.json()
    assert policy["enabled"] and policy["trigger_mb"] == 500
    assert policy["plan"] == {"id": plan.pk, "name": "Europe 5 GB"}
    opened = policy["open_renewal"]
    assert opened["state"] == "scheduled" and opened["skippable"]
    assert opened["amount"] == {"amount_minor": 6800, "currency": "CNY", "formatted": "CN¥68.00"}

    history = api("get", f"/cards/{card.pk}/auto-renewals").json()["auto_renewals"]
    assert [r["id"] for r in history] == [opened["id"]]

    skipped = api("post", f"/cards/{card.pk}/auto-renewals/{opened['id']}/skip")
    assert skipped.status_code == 200
    assert skipped.json()["skipped_reason"] == {"code": "traveller", "message": "You skipped it"}
    assert api("post", f"/cards/{card.pk}/auto-renewals/{opened['id']}/skip").status_code == 200


def test_problems_name_their_fields(api, traveller, card, plan):
    method = saved_method(traveller)
    response = api("put", f"/cards/{card.pk}/auto-renewal", body(plan, method, trigger_percent=0))
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert error["fields"] == {"trigger_percent": ["Enter a number from 1 to 99."]}
    malformed = api("put", f"/cards/{card.pk}/auto-renewal", {"enabled": "maybe"})
    assert malformed.status_code == 422


def test_a_charged_renewal_cannot_be_skipped(api, traveller, card, plan):
    grant(card, plan, remaining=GIB // 4)
    api(
        "put",
        f"/cards/{card.pk}/auto-renewal",
        body(plan, saved_method(traveller), notice_minutes=0),
    )
    renewal = AutoRenewal.objects.get()
    assert renewal.state == "succeeded"

    response = api("post", f"/cards/{card.pk}/auto-renewals/{renewal.public_id}/skip")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "auto_renewal_not_skippable"
    [listed] = api("get", f"/cards/{card.pk}/auto-renewals").json()["auto_renewals"]
    assert [a["outcome"] for a in listed["attempts"]] == ["succeeded"]
    assert listed["order_id"] == str(renewal.order.public_id)


def test_only_the_owner(client, other_traveller, traveller, card, plan):
    grant(card, plan, remaining=GIB // 4)
    _, token = api_token_create(user=other_traveller)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    for path in (f"/cards/{card.pk}/auto-renewal", f"/cards/{card.pk}/auto-renewals"):
        response = client.get(f"/api/v1{path}", **headers)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "card_not_found"
    response = client.put(
        f"/api/v1/cards/{card.pk}/auto-renewal",
        body(plan, saved_method(other_traveller)),
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 404
