"""The public store: destinations and prices before signing up, and every coverage's
countries, searchable."""

import pytest

from roamcard.testing import make_card, make_plan, make_region

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    japan = make_region(code="japan", name="Japan", countries=["JP"])
    asia = make_region(code="east-asia", name="East Asia", countries=["JP", "KR", "TW", "HK"])
    world = make_region(code="global", name="Global", countries=["JP", "KR", "FR", "US", "TW"])
    return {
        "world": make_plan(region=world, name="Global week", prices={"USD": 2990}, sort_order=0),
        "asia": make_plan(region=asia, name="Asia week", prices={"USD": 1590, "KRW": 21000}),
        "japan": make_plan(region=japan, name="Japan week", prices={"USD": 990, "KRW": 13000}),
    }


def plan_names(response):
    return [o.plan.name for o in response.context["offers"]]


def test_anyone_sees_every_coverage_and_its_plans_without_signing_in(client, catalogue):
    response = client.get("/store/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    page = response.content.decode()
    for name in ("Japan week", "Asia week", "Global week"):
        assert name in page
    assert "/store/regions/east-asia/" in page
    assert "4 countries" in page


@pytest.mark.parametrize("query", ["韓国", "한국", "Korea", "South Korea", "kr"])
def test_searching_a_country_in_any_language_shows_the_plans_covering_it(client, catalogue, query):
    response = client.get("/store/", {"q": query})

    assert response.context["country"].code == "KR"
    assert plan_names(response) == ["Asia week", "Global week"]


def test_single_country_plans_come_before_regional_before_global(client, catalogue):
    response = client.get("/store/", {"q": "日本"})

    assert plan_names(response) == ["Japan week", "Asia week", "Global week"]


def test_a_country_no_plan_covers_says_so_in_the_visitors_language(client, catalogue):
    response = client.get("/store/", {"q": "南极洲"}, HTTP_ACCEPT_LANGUAGE="zh-CN")

    assert response.context["offers"] == []
    assert "还没有套餐覆盖南极洲" in response.content.decode()


def test_an_unknown_name_says_nothing_matches(client, catalogue):
    response = client.get("/store/", {"q": "Atlantis"}, HTTP_ACCEPT_LANGUAGE="en")

    assert "No country matches “Atlantis”" in response.content.decode()


def test_prices_follow_the_browsers_language_for_a_visitor(client, catalogue):
    response = client.get("/store/", {"q": "JP"}, HTTP_ACCEPT_LANGUAGE="ko-KR")

    assert response.context["currency"] == "KRW"
    page = response.content.decode()
    assert "₩13,000" in page


def test_a_plan_not_sold_in_the_visitors_currency_says_what_it_would_be_charged_in(
    client, catalogue
):
    response = client.get("/store/", {"q": "JP"}, HTTP_ACCEPT_LANGUAGE="ko-KR")

    world = next(o for o in response.context["offers"] if o.plan.name == "Global week")
    assert world.price is None
    assert world.charged.currency == "USD"
    assert "KRW 통화로는 판매하지 않아요. USD 통화로 결제돼요." in response.content.decode()


def test_a_visitor_picks_a_currency_and_it_is_remembered(client, catalogue):
    response = client.post("/store/currency/", {"currency": "usd", "next": "/store/?q=JP"})

    assert response.status_code == 302
    assert response["Location"] == "/store/?q=JP"
    response = client.get("/store/", {"q": "JP"}, HTTP_ACCEPT_LANGUAGE="ko-KR")
    assert response.context["currency"] == "USD"


def test_the_currency_picker_never_sends_a_visitor_elsewhere(client):
    response = client.post("/store/currency/", {"currency": "XYZ", "next": "https://evil.example/"})

    assert response["Location"] == "/store/"
    assert "currency" not in response.cookies


def test_a_signed_in_traveller_sees_their_own_currency(client, traveller, catalogue):
    traveller.preferred_currency = "KRW"
    traveller.save()
    client.force_login(traveller)
    client.cookies["currency"] = "USD"

    response = client.get("/store/", {"q": "JP"}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.context["currency"] == "KRW"


def test_a_coverage_lists_its_countries_in_the_visitors_language(client, catalogue):
    response = client.get("/store/regions/east-asia/", HTTP_ACCEPT_LANGUAGE="ja")

    assert response.status_code == 200
    names = [c.name for c in response.context["countries"]]
    assert sorted(names) == sorted(["日本", "韓国", "台湾", "中華人民共和国香港特別行政区"])
    assert "Asia week" in response.content.decode()


def test_a_coverage_can_be_searched_without_javascript(client, catalogue):
    response = client.get("/store/regions/east-asia/", {"q": "台灣"})

    assert [c.code for c in response.context["countries"]] == ["TW"]


def test_searching_a_coverage_for_a_country_outside_it_says_so(client, catalogue):
    response = client.get("/store/regions/japan/", {"q": "France"}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.context["countries"] == []
    assert "Japan does not include “France”." in response.content.decode()


def test_an_unknown_coverage_is_not_found(client):
    assert client.get("/store/regions/atlantis/").status_code == 404


def test_the_card_page_links_its_country_count_to_the_coverage(client, traveller):
    asia = make_region(code="east-asia", name="East Asia", countries=["JP", "KR"])
    card = make_card(owner=traveller, region=asia)
    client.force_login(traveller)

    page = client.get(f"/cards/{card.pk}/").content.decode()

    assert '<a href="/store/regions/east-asia/">2 countries</a>' in page
