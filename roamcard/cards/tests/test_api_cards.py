"""The cards API as a client sees it: list, bind, detail, unbind; someone else's card is 404."""

import pytest
from django.test import override_settings

from roamcard.accounts.tokens import api_token_create
from roamcard.cards.models import Card
from roamcard.testing import GIB, make_bucket, make_card, make_iccid

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, traveller):
    """The test client, authenticated as the traveller with a bearer token."""
    _, token = api_token_create(user=traveller)
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def bind(api, iccid: str, card_password: str):
    return api.post(
        "/api/v1/cards",
        {"iccid": iccid, "card_password": card_password},
        content_type="application/json",
    )


def test_my_cards_show_status_data_validity_and_coverage(api, traveller, europe):
    card = make_card(owner=traveller, region=europe)
    make_bucket(card=card, bytes_granted=2 * GIB, bytes_remaining=GIB // 2, days=5)
    bucket = make_bucket(card=card, bytes_granted=GIB, days=10)
    make_card(owner=None)  # not mine

    response = api.get("/api/v1/cards")

    assert response.status_code == 200
    [shown] = response.json()["cards"]
    assert shown["id"] == card.pk
    assert shown["iccid"] == card.iccid
    assert shown["status"] == "active"
    assert shown["coverage"] == {
        "code": "europe",
        "name": "Europe",
        "countries": ["FR", "DE", "IT", "ES"],
    }
    assert shown["data"] == {
        "unlimited": False,
        "bytes_remaining": GIB + GIB // 2,
        "bytes_granted": 3 * GIB,
        "percent_remaining": 50,
        "remaining_formatted": "1.5 GB",
    }
    assert shown["valid_until"].startswith(bucket.valid_until.date().isoformat())
    assert shown["as_of"] is not None


def test_an_unlimited_card_says_so(api, traveller):
    card = make_card(owner=traveller)
    make_bucket(card=card, bytes_granted=None)

    data = api.get(f"/api/v1/cards/{card.pk}").json()["data"]

    assert data["unlimited"] is True
    assert data["bytes_remaining"] is None
    assert data["percent_remaining"] is None


def test_a_card_without_allowance_has_no_validity(api, traveller):
    card = make_card(owner=traveller)

    body = api.get(f"/api/v1/cards/{card.pk}").json()

    assert body["valid_until"] is None
    assert body["data"]["bytes_remaining"] == 0


def test_card_detail_shows_the_esim_activation_code(api, traveller):
    card = make_card(owner=traveller, form="esim", activation_code="LPA:1$smdp.example.com$ABC-123")

    body = api.get(f"/api/v1/cards/{card.pk}").json()

    assert body["form"] == "esim"
    assert body["activation_code"] == "LPA:1$smdp.example.com$ABC-123"


def test_card_detail_costs_one_query(api, traveller, django_assert_num_queries):
    card = make_card(owner=traveller)
    make_bucket(card=card)
    make_bucket(card=card, days=30)
    for _ in range(2):  # first sight of the token (and last_used_at), then the process keeps it
        api.get(f"/api/v1/cards/{card.pk}")

    # the card with its coverage, buckets and their plans, in one; the token was checked a
    # moment ago (accounts/tokens.py)
    with django_assert_num_queries(1):
        assert api.get(f"/api/v1/cards/{card.pk}").status_code == 200


def test_binding_a_card_with_its_password(api, traveller):
    card = make_card(password="246810")

    response = bind(api, card.iccid, "246810")

    assert response.status_code == 201
    assert response.json()["id"] == card.pk
    assert Card.objects.get(pk=card.pk).owner == traveller


def test_a_wrong_password_is_rejected_like_an_unknown_number(api):
    card = make_card(password="246810")

    wrong_password = bind(api, card.iccid, "111111")
    unknown_number = bind(api, make_iccid(), "111111")

    assert wrong_password.status_code == unknown_number.status_code == 400
    assert wrong_password.json() == unknown_number.json()
    assert wrong_password.json()["error"]["code"] == "card_bind_rejected"


@override_settings(CARD_BIND_MAX_FAILURES=3)
def test_binding_locks_after_too_many_wrong_passwords(api):
    card = make_card(password="246810")
    for _ in range(2):
        assert bind(api, card.iccid, "111111").status_code == 400

    locked = bind(api, card.iccid, "111111")
    still_locked = bind(api, card.iccid, "246810")

    assert locked.status_code == still_locked.status_code == 429
    assert still_locked.json()["error"]["code"] == "card_bind_locked"


def test_a_card_bound_to_someone_else_cannot_be_bound(api, other_traveller):
    card = make_card(password="246810", owner=other_traveller)

    response = bind(api, card.iccid, "246810")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "card_already_bound"


def test_binding_my_own_card_again_is_a_conflict(api, traveller):
    card = make_card(password="246810", owner=traveller)

    response = bind(api, card.iccid, "246810")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "card_already_yours"


def test_a_malformed_card_number_gets_a_field_message(api):
    response = bind(api, "1234", "246810")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert list(error["fields"]) == ["iccid"]


def test_a_missing_field_is_a_validation_error(api):
    response = api.post("/api/v1/cards", {"iccid": make_iccid()}, content_type="application/json")

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert error["fields"] == {"card_password": ["This field is required."]}


def test_unbinding_my_card(api, traveller):
    card = make_card(owner=traveller)

    response = api.delete(f"/api/v1/cards/{card.pk}")

    assert response.status_code == 204
    assert Card.objects.get(pk=card.pk).owner is None
    assert api.get(f"/api/v1/cards/{card.pk}").status_code == 404


@pytest.mark.parametrize(
    "method, suffix",
    [("get", ""), ("delete", ""), ("get", "/plans")],
    ids=["detail", "unbind", "plans"],
)
def test_someone_elses_card_is_not_found_like_a_missing_one(api, other_traveller, method, suffix):
    theirs = make_card(owner=other_traveller)
    missing_id = Card.objects.order_by("-pk").first().pk + 1000

    response = getattr(api, method)(f"/api/v1/cards/{theirs.pk}{suffix}")
    missing = getattr(api, method)(f"/api/v1/cards/{missing_id}{suffix}")

    assert response.status_code == missing.status_code == 404
    assert response.json() == missing.json()
    assert response.json()["error"]["code"] == "card_not_found"
    assert Card.objects.get(pk=theirs.pk).owner == other_traveller


def test_a_card_id_that_is_not_a_number_is_a_validation_error(api):
    response = api.get("/api/v1/cards/abc")

    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["card_id"]


def test_the_web_session_can_read_cards(client, traveller):
    card = make_card(owner=traveller)
    client.force_login(traveller)

    response = client.get(f"/api/v1/cards/{card.pk}")

    assert response.status_code == 200


def test_the_detail_is_the_documented_schema_field_for_field(api, traveller, client):
    """The card detail is built by hand and not validated again by ninja: it must be exactly
    what validating through CardDetailOut gave before, and exactly what the published
    schema describes (every documented field, nothing else)."""
    from roamcard.cards.api import CardDetailOut, _card_detail
    from roamcard.cards.selectors import card_get_for
    from roamcard.cards.tests.selectors.test_card_detail_for import several_buckets

    card = make_card(owner=traveller, form="esim", activation_code="LPA:1$x$y", label="trip")
    several_buckets(card)

    response = api.get(f"/api/v1/cards/{card.pk}?country=DE")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    body = response.json()
    validated = CardDetailOut.model_validate(
        _card_detail(card_get_for(user=traveller, card_id=card.pk), "DE")
    )
    assert response.content == validated.model_dump_json().encode()
    assert [line["upcoming"] != [] for line in body["balances"]] == [True, True]
    document = client.get("/api/v1/openapi.json").json()
    operation = document["paths"]["/api/v1/cards/{card_id}"]["get"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert_matches_exactly(body, schema, document["components"]["schemas"])
    del body["balances"][0]["data"]["unlimited"]  # the check itself bites
    with pytest.raises(ValueError, match="unlimited"):
        assert_matches_exactly(body, schema, document["components"]["schemas"])


def assert_matches_exactly(body, schema: dict, components: dict) -> None:
    """Valid against the schema, with every object's documented properties all present and
    no other (what additionalProperties: false and required: all would say)."""
    import copy

    import jsonschema_rs

    strict = copy.deepcopy(components)
    for definition in strict.values():
        if definition.get("type") == "object":
            definition["additionalProperties"] = False
            definition["required"] = list(definition.get("properties", {}))
    jsonschema_rs.Draft202012Validator({**schema, "components": {"schemas": strict}}).validate(body)
