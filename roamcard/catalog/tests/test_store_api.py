"""The public store through the API: no token, localized by Accept-Language, cacheable."""

import pytest

from roamcard.testing import make_plan, make_region

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    japan = make_region(code="japan", name="Japan", countries=["JP"])
    world = make_region(code="global", name="Global", countries=["JP", "KR", "US"])
    make_plan(region=world, code="global-week", prices={"USD": 2990})
    make_plan(region=japan, code="japan-week", prices={"USD": 990, "KRW": 13000})


def test_destinations_are_found_by_any_name_and_named_in_the_callers_language(client, catalogue):
    response = client.get("/api/v1/store/destinations", {"q": "韓国"}, HTTP_ACCEPT_LANGUAGE="ko")

    assert response.status_code == 200
    assert response.json()["countries"][0] == {"code": "KR", "name": "대한민국", "on_sale": True}


def test_without_a_query_the_destinations_are_every_country_on_sale(client, catalogue):
    body = client.get("/api/v1/store/destinations", HTTP_ACCEPT_LANGUAGE="en").json()

    assert [c["name"] for c in body["countries"]] == ["Japan", "South Korea", "United States"]


def test_plans_for_a_country_best_fit_first_in_the_chosen_currency(client, catalogue):
    response = client.get(
        "/api/v1/store/plans", {"country": "JP", "currency": "KRW"}, HTTP_ACCEPT_LANGUAGE="ja"
    )

    body = response.json()
    assert body["country"] == {"code": "JP", "name": "日本"}
    assert body["currency"] == "KRW"
    japan, world = body["plans"]
    assert japan["code"] == "japan-week"
    assert japan["price"]["amount_minor"] == 13000
    assert japan["charged_price"] == japan["price"]
    # Not sold in KRW: no price, and plainly the currency it would be charged in.
    assert world["price"] is None
    assert world["charged_price"]["currency"] == "USD"
    assert world["charged_price"]["amount_minor"] == 2990


def test_the_currency_defaults_to_the_callers_language(client, catalogue):
    body = client.get("/api/v1/store/plans?country=JP", HTTP_ACCEPT_LANGUAGE="ko-KR").json()

    assert body["currency"] == "KRW"


def test_answers_are_cacheable_per_language_and_ignore_cookies(client, catalogue):
    client.cookies["django_language"] = "ja"
    client.cookies["currency"] = "EUR"

    response = client.get("/api/v1/store/plans?country=JP", HTTP_ACCEPT_LANGUAGE="en")

    assert response["Cache-Control"] == "public, max-age=300"
    assert "Accept-Language" in response["Vary"]
    assert "Cookie" not in response["Vary"]
    assert response.json()["country"]["name"] == "Japan"
    assert response.json()["currency"] == "USD"


def test_a_coverage_lists_its_countries_in_the_callers_language(client, catalogue):
    response = client.get("/api/v1/store/regions/global", HTTP_ACCEPT_LANGUAGE="zh-TW")

    assert response.json() == {
        "code": "global",
        "name": "Global",
        "countries": [  # Chinese names in Unicode order
            {"code": "KR", "name": "南韓"},
            {"code": "JP", "name": "日本"},
            {"code": "US", "name": "美國"},
        ],
    }


def test_an_unknown_coverage_is_a_translated_404(client):
    response = client.get("/api/v1/store/regions/atlantis", HTTP_ACCEPT_LANGUAGE="ja")

    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "region_not_found", "message": "該当する対応エリアはありません。"}
    }
    assert "public" not in response.get("Cache-Control", "")


def test_a_bad_currency_or_country_is_a_translated_422(client, catalogue):
    response = client.get(
        "/api/v1/store/plans", {"country": "XX", "currency": "XYZ"}, HTTP_ACCEPT_LANGUAGE="zh-CN"
    )

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert set(error["fields"]) == {"country", "currency"}
    assert error["fields"]["country"] == ["请选择允许的值之一。"]


def test_no_token_is_needed(client, catalogue):
    assert client.get("/api/v1/store/plans?country=JP").status_code == 200
