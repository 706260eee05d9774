"""Plans for a card through the API: fitting plans, priced in the traveller's currency."""

import pytest

from roamcard.accounts.tokens import api_token_create
from roamcard.testing import make_card, make_plan, make_region

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, traveller):
    _, token = api_token_create(user=traveller)
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


@pytest.fixture
def card(traveller, europe):
    return make_card(owner=traveller, region=europe)


def test_plans_fit_the_card_and_use_the_preferred_currency(api, traveller, card, europe):
    fits = make_plan(region=europe, name="Europe 7 days", prices={"USD": 990, "CNY": 6800})
    make_plan(region=make_region(code="japan", name="Japan", countries=["JP"]))
    traveller.preferred_currency = "CNY"
    traveller.save()

    response = api.get(f"/api/v1/cards/{card.pk}/plans")

    assert response.status_code == 200
    body = response.json()
    assert body["currency"] == "CNY"
    assert body["currencies"] == ["CNY", "USD"]
    [plan] = body["plans"]
    assert plan["code"] == fits.code
    assert plan["price"] == {"amount_minor": 6800, "currency": "CNY", "formatted": "CN¥68.00"}
    assert plan["charged_price"] == plan["price"] and plan["sold_in_currency"] is True
    assert plan["other_prices"] == [{"amount_minor": 990, "currency": "USD", "formatted": "$9.90"}]
    assert plan["data_formatted"] == "1 GB"


def test_an_explicit_currency_wins(api, card, europe):
    make_plan(region=europe, prices={"USD": 990, "EUR": 900})

    body = api.get(f"/api/v1/cards/{card.pk}/plans?currency=EUR").json()

    assert body["currency"] == "EUR"
    assert body["plans"][0]["price"]["amount_minor"] == 900


def test_a_plan_not_sold_in_the_currency_says_what_it_is_charged_in(api, card, europe):
    make_plan(region=europe, prices={"USD": 990, "EUR": 900})

    body = api.get(f"/api/v1/cards/{card.pk}/plans?currency=JPY").json()
    [plan] = body["plans"]

    assert body["currency"] == "JPY"  # what was asked for, not switched
    assert plan["price"] is None and plan["sold_in_currency"] is False
    assert plan["charged_price"] == {"amount_minor": 990, "currency": "USD", "formatted": "$9.90"}
    assert [p["currency"] for p in plan["other_prices"]] == ["EUR", "USD"]


def test_a_preferred_currency_no_plan_is_sold_in_is_not_switched(api, traveller, card, europe):
    make_plan(region=europe, prices={"EUR": 900, "GBP": 790})
    traveller.preferred_currency = "KRW"
    traveller.save()

    body = api.get(f"/api/v1/cards/{card.pk}/plans").json()

    assert body["currency"] == "KRW"
    assert body["plans"][0]["charged_price"]["currency"] == "EUR"  # no USD price: the first


def test_names_and_descriptions_follow_the_callers_language(api, traveller, card, europe):
    europe.name_ja = "ヨーロッパ"
    europe.save()
    make_plan(
        region=europe,
        name="Europe week 5 GB",
        name_ja="ヨーロッパ 7日間 5GB",
        description="A week across Europe.",
        description_ja="ヨーロッパで7日間。",
    )
    traveller.preferred_language = "ja"
    traveller.save()

    plan = api.get(f"/api/v1/cards/{card.pk}/plans").json()["plans"][0]
    traveller.preferred_language = "ko"
    traveller.save()
    korean = api.get(f"/api/v1/cards/{card.pk}/plans").json()["plans"][0]

    assert (plan["name"], plan["description"], plan["coverage_name"]) == (
        "ヨーロッパ 7日間 5GB",
        "ヨーロッパで7日間。",
        "ヨーロッパ",
    )
    # No Korean text yet: English, never another language's.
    assert (korean["name"], korean["description"], korean["coverage_name"]) == (
        "Europe week 5 GB",
        "A week across Europe.",
        "Europe",
    )


def test_prices_are_formatted_for_the_callers_language(api, traveller, card, europe):
    make_plan(region=europe, prices={"USD": 990})
    traveller.preferred_language = "ja"
    traveller.save()

    plan = api.get(f"/api/v1/cards/{card.pk}/plans?currency=USD").json()["plans"][0]

    assert plan["price"]["formatted"] == "$9.90"
    assert plan["price"]["amount_minor"] == 990


def test_an_unknown_currency_is_a_validation_error(api, card):
    response = api.get(f"/api/v1/cards/{card.pk}/plans?currency=XYZ")

    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["currency"]


def test_unlimited_plans_show_their_fair_use_speed(api, card, europe):
    make_plan(region=europe, data_bytes=None, fair_use_kbps=512)

    plan = api.get(f"/api/v1/cards/{card.pk}/plans").json()["plans"][0]

    assert plan["unlimited"] is True
    assert plan["data_bytes"] is None
    assert plan["fair_use_kbps"] == 512
