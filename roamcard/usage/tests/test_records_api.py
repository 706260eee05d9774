"""GET /api/v1/cards/{id}/usage as a client sees it: the days, totals, as-of and forecast;
the period asked for; someone else's card is 404; every failure in the API's error shape."""

from datetime import timedelta

import pytest

from roamcard.accounts.tokens import api_token_create
from roamcard.testing import GIB, make_bucket, make_card, make_region, make_usage_day
from roamcard.usage.records import utc_today

pytestmark = pytest.mark.django_db

MIB = 1024**2


@pytest.fixture
def api(client, traveller):
    _, token = api_token_create(user=traveller)
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


@pytest.fixture
def card(traveller):
    region = make_region(code="asia", name="Asia", countries=("JP", "KR"))
    card = make_card(owner=traveller, region=region)
    make_bucket(card=card, bytes_granted=3 * GIB, bytes_remaining=GIB, days=10)
    today = utc_today()
    make_usage_day(card=card, day=today - timedelta(days=1), country="KR", used=100 * MIB)
    make_usage_day(card=card, day=today, country="JP", used=300 * MIB, overage=50 * MIB)
    make_usage_day(card=card, day=today, country="KR", used=20 * MIB, uncovered=20 * MIB)
    return card


def usage_url(card) -> str:
    return f"/api/v1/cards/{card.pk}/usage"


def test_the_usage_of_the_last_30_days_with_totals_and_forecast(api, card):
    response = api.get(usage_url(card))

    assert response.status_code == 200
    body = response.json()
    today = utc_today()
    assert body["card_id"] == card.pk
    assert (body["from"], body["to"]) == (
        (today - timedelta(days=29)).isoformat(),
        today.isoformat(),
    )
    assert body["as_of"] is not None
    assert body["totals"] == {
        "bytes": 420 * MIB,
        "charged_bytes": 350 * MIB,
        "overage_bytes": 50 * MIB,
        "uncovered_bytes": 20 * MIB,
        "events": 3,
    }
    assert [(c["country"], c["name"], c["bytes"]) for c in body["countries"]] == [
        ("JP", "Japan", 300 * MIB),
        ("KR", "South Korea", 120 * MIB),
    ]
    yesterday, latest = body["days"]
    assert yesterday["day"] == (today - timedelta(days=1)).isoformat()
    assert yesterday["total"]["bytes"] == 100 * MIB
    assert latest["day"] == today.isoformat()
    assert [
        (c["country"], c["bytes"], c["charged_bytes"], c["overage_bytes"], c["uncovered_bytes"])
        for c in latest["countries"]
    ] == [("JP", 300 * MIB, 250 * MIB, 50 * MIB, 0), ("KR", 20 * MIB, 0, 0, 20 * MIB)]
    [forecast] = body["forecast"]
    assert forecast["coverage"] == {"code": "asia", "name": "Asia", "countries": ["JP", "KR"]}
    assert forecast["is_card_coverage"] is True
    assert forecast["outlook"] == "data_first"
    assert forecast["bytes_left"] == GIB
    assert forecast["pace_days"] == 2
    assert forecast["pace_bytes_per_day"] > 0
    assert forecast["runs_out_at"] < forecast["valid_until"]
    assert forecast["message"].startswith("At this pace your Asia data lasts until")


def test_a_period_asked_for(api, card):
    today = utc_today()
    yesterday = today - timedelta(days=1)

    body = api.get(usage_url(card), {"from": yesterday.isoformat(), "to": yesterday}).json()

    assert (body["from"], body["to"]) == (yesterday.isoformat(), yesterday.isoformat())
    assert [d["day"] for d in body["days"]] == [yesterday.isoformat()]
    assert body["totals"]["bytes"] == 100 * MIB


def test_a_card_without_usage_has_no_days_and_no_as_of(api, traveller):
    card = make_card(owner=traveller)
    make_bucket(card=card, bytes_granted=None)

    body = api.get(usage_url(card)).json()

    assert (body["days"], body["countries"], body["as_of"]) == ([], [], None)
    assert body["totals"]["bytes"] == 0
    assert [f["outlook"] for f in body["forecast"]] == ["unlimited"]


def test_the_forecast_speaks_the_travellers_language(api, traveller, card):
    traveller.preferred_language = "ko"
    traveller.time_zone = "Asia/Seoul"
    traveller.save()

    body = api.get(usage_url(card)).json()

    assert body["forecast"][0]["message"].startswith("지금 속도라면 Asia 데이터는")
    assert [c["name"] for c in body["countries"]] == ["일본", "대한민국"]


def test_another_travellers_card_is_not_found(api, other_traveller):
    card = make_card(owner=other_traveller)
    make_usage_day(card=card)

    response = api.get(usage_url(card))

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "card_not_found"


def test_no_credentials_is_401(client, card):
    response = client.get(usage_url(card))

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-11-10", "to": "2026-11-09"}, "from"),
        ({"from": "2024-01-01", "to": "2026-01-01"}, "from"),
        ({"to": "0001-01-01"}, "to"),
    ],
)
def test_a_period_that_cannot_be_is_400_naming_the_field(api, card, params, field):
    response = api.get(usage_url(card), params)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert list(error["fields"]) == [field]


def test_a_date_that_is_not_one_is_422(api, card):
    response = api.get(usage_url(card), {"from": "yesterday"})

    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["from"]


def test_the_operation_is_documented(client):
    schema = client.get("/api/v1/openapi.json").json()

    operation = schema["paths"]["/api/v1/cards/{card_id}/usage"]["get"]
    assert operation["summary"] == "A card's usage records and forecast"
    assert "card_not_found" in operation["description"]
    assert [p["name"] for p in operation["parameters"]] == ["card_id", "from", "to"]
    assert set(operation["responses"]) == {"200", "400", "401", "404", "422"}
