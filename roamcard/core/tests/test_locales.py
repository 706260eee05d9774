import pytest

from roamcard.core.locales import default_currency


@pytest.mark.parametrize(
    ("language", "header", "expected"),
    [
        ("ko", "", "KRW"),
        ("ja", "ja-JP,ja;q=0.9", "JPY"),
        ("zh-hans", "zh-CN", "CNY"),
        ("zh-hant", "zh-TW,zh;q=0.9", "TWD"),
        ("zh-hant", "zh-HK", "HKD"),
        ("zh-hant", "", "HKD"),
        ("en", "en-GB,en;q=0.8", "GBP"),
        ("en", "en-SG", "SGD"),
        ("en", "en-US", "USD"),
        ("en", "", "USD"),
        ("xx", "", "USD"),
    ],
)
def test_a_new_travellers_currency_follows_their_language_and_region(language, header, expected):
    assert default_currency(language, accept_language=header) == expected
