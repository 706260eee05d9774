"""Country names from CLDR, in the traveller's language, found by any name they type."""

import pytest

from roamcard.catalog.countries import (
    countries_sorted,
    country_name,
    country_search,
    is_country,
)


def codes(countries):
    return [c.code for c in countries]


@pytest.mark.parametrize(
    ("language", "name"),
    [("en", "Japan"), ("zh-hans", "日本"), ("zh-hant", "日本"), ("ja", "日本"), ("ko", "일본")],
)
def test_a_country_is_named_in_each_language(language, name):
    assert country_name("JP", language) == name


def test_the_active_language_names_it_by_default(settings):
    from django.utils import translation

    with translation.override("ko"):
        assert country_name("kr") == "대한민국"


@pytest.mark.parametrize(
    "query",
    ["Korea", "South Korea", "韓国", "韩国", "한국", "대한민국", "南韓", "KR", "kr", "ＫＯＲＥＡ"],
)
def test_south_korea_is_found_first_by_any_of_its_names(query):
    assert codes(country_search(query, language="en"))[0] == "KR"


@pytest.mark.parametrize("query", ["台灣", "台湾", "臺灣", "Taiwan", "대만", "ＴＷ"])
def test_taiwan_is_found_in_both_scripts(query):
    assert codes(country_search(query))[0] == "TW"


@pytest.mark.parametrize("query", ["日本", "일본", "Japan", "JP", "jApAn"])
def test_japan_is_found_by_any_of_its_names(query):
    assert codes(country_search(query))[0] == "JP"


def test_accents_do_not_matter():
    assert codes(country_search("Turkiye"))[0] == "TR"
    assert codes(country_search("cote d"))[0] == "CI"
    assert codes(country_search("Réunion")) == codes(country_search("reunion"))


def test_everyday_names_find_the_country():
    assert codes(country_search("Turkey"))[0] == "TR"
    assert codes(country_search("UK"))[0] == "GB"
    assert codes(country_search("Czech Republic"))[0] == "CZ"
    assert codes(country_search("香港"))[0] == "HK"


def test_nothing_matches_nonsense_or_an_empty_query():
    assert country_search("Atlantis") == []
    assert country_search("   ") == []


def test_search_can_be_limited_to_a_coverage():
    assert codes(country_search("Korea", within=frozenset({"KP", "JP"}))) == ["KP"]


def test_names_are_in_the_languages_order():
    assert [c.name for c in countries_sorted(["DE", "AT", "AX", "FR"], "en")] == [
        "Åland Islands",
        "Austria",
        "France",
        "Germany",
    ]
    # Hangul in 가나다 order.
    assert [c.name for c in countries_sorted(["FR", "JP", "DE"], "ko")] == [
        "독일",
        "일본",
        "프랑스",
    ]


def test_only_real_country_codes_are_countries():
    assert is_country("jp")
    assert not is_country("EU")
    assert not is_country("ZZ")
    assert not is_country("QQ")


def test_a_country_shows_its_flag_rather_than_its_code():
    from roamcard.catalog.countries import Country

    assert Country(code="JP", name="日本").flag == "🇯🇵"
    assert Country(code="kr", name="한국").flag == "🇰🇷"
