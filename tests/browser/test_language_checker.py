"""The journeys' language checker on plain strings: it must catch what a traveller would
notice, and let through what every language writes in Latin letters or digits."""

import pytest

from .language import assert_in_language, language_findings


def texts(findings, kind=None):
    return [f.text for f in findings if kind is None or f.kind == kind]


@pytest.fixture(autouse=True)
def failing_mode(monkeypatch):
    monkeypatch.delenv("JOURNEY_COLLECT", raising=False)


def test_korean_with_english_words_fails_naming_each_phrase():
    found = language_findings(
        "카드 추가\nTimes are shown in Asia/Seoul.\n남은 데이터: 3 GB left", "ko"
    )

    assert texts(found, "latin") == ["Times are shown in Asia/Seoul", "left"]
    assert found[0].context == "Times are shown in Asia/Seoul."


def test_allowed_words_numbers_addresses_and_references_pass():
    text = (
        "roamcard eSIM 카드 (ICCID 8985 2000 0000 0001 234) 5 GB, 512 kbps, SMS 인증, QR 코드, "
        "PIN, ID, OK. 문의: help@roamcard.test, https://roamcard.test/cards/12/?x=Y "
        "주문 7F3AB2CD, 활성화 코드 LPA:1$smdp.example.com$K2-ABC-DEF, "
        "테스트 카드 4242 4242 4242 4242, 결제 번호 ch_295b2ceeff114fdc81c08acd, "
        "주문 ID 618c7de0-5de5-488c-ace9-56f94583d8d6, [localhost:8000] PDF로 저장, "
        "통화 KRW USD JPY"
    )

    assert language_findings(text, "ko", currency="KRW") == []


def test_a_word_beside_a_reference_is_still_a_word():
    found = language_findings("결제 Secure는 2026년 ch_295b2ceeff Receipt 2", "ko")

    assert texts(found) == ["Secure", "Receipt"]


def test_a_time_zone_id_and_am_pm_are_not_allowed():
    found = language_findings("2026년 11월 28일 9:20 PM · UTC", "ko")

    assert texts(found) == ["PM · UTC"]


def test_a_utc_offset_is_allowed_but_not_a_bare_gmt():
    assert language_findings("(GMT+09:00) 대한민국 시간, (GMT-03:30) 캐나다", "ko") == []
    assert texts(language_findings("시간대: GMT", "ko")) == ["GMT"]


def test_korean_must_not_contain_kana_or_hanja():
    found = language_findings("카드를 更新 합니다 カード", "ko")

    assert texts(found, "script") == ["カード (Japanese kana)", "更新 (Han characters (Hanja))"]


def test_japanese_must_not_contain_hangul_or_simplified_only_characters():
    assert texts(language_findings("カードを追加しました 카드", "ja")) == ["카드 (Hangul)"]
    assert texts(language_findings("续费が完了しました", "ja")) == [
        "续 (simplified Chinese)",
        "费 (simplified Chinese)",
    ]
    assert language_findings("会員登録は完了しました。時間、費用、続行", "ja") == []


def test_traditional_chinese_flags_simplified_only_characters_and_other_scripts():
    found = language_findings("這張卡已续费，时间 カード", "zh-hant")

    assert sorted(texts(found)) == sorted(
        [
            "カード (Japanese kana)",
            "时 (simplified Chinese)",
            "费 (simplified Chinese)",
            "续 (simplified Chinese)",
        ]
    )
    assert language_findings("這張卡已續費，時間還有會員帳戶代碼頁面", "zh-hant") == []


@pytest.mark.parametrize(
    ("text", "language", "currency", "wrong"),
    [
        ("합계 US$19.90", "ko", "KRW", "US$19.90 (USD, not KRW)"),
        ("합계 ₩9,900", "ko", "KRW", None),
        ("합계 9,900원", "ko", "KRW", None),
        ("合計 ￥1,200", "ja", "JPY", None),
        ("合計 1,200円", "ja", "JPY", None),
        ("合計 $19.90", "ja", "JPY", "$19.90 (USD, not JPY)"),
        ("合計 元138.00", "ja", "JPY", "元138.00 (CNY, not JPY)"),
        ("합계 JP¥1,200", "ko", "KRW", "JP¥1,200 (JPY, not KRW)"),
        ("합계 ¥1,200", "ko", "KRW", "¥1,200 (JPY, not KRW)"),
        ("總計 $299.00", "zh-hant", "TWD", None),
        ("總計 US$19.90", "zh-hant", "TWD", "US$19.90 (USD, not TWD)"),
        ("總計 HK$78.00", "zh-hant", "HKD", None),
        ("總計 HK$78.00", "zh-hant", "TWD", "HK$78.00 (HKD, not TWD)"),
        ("합계 SGD12.50", "ko", "KRW", "SGD12.50 (SGD, not KRW)"),
        ("합계 19.90 EUR", "ko", "KRW", "19.90 EUR (EUR, not KRW)"),
        ("합계 €12.90", "ko", "KRW", "€12.90 (EUR, not KRW)"),
    ],
)
def test_prices_must_be_in_the_journeys_currency(text, language, currency, wrong):
    found = texts(language_findings(text, language, currency=currency), "currency")

    assert found == ([wrong] if wrong else [])


def test_a_page_may_name_other_currencies_it_explains():
    text = "환불 US$19.90 (결제하신 통화)"

    assert language_findings(text, "ko", currency="KRW", other_currencies=["USD"]) == []


def test_a_currency_list_or_a_data_amount_is_not_a_price():
    text = "통화\nCNY\nGBP\n5 GB\nKRW"

    assert language_findings(text, "ko", currency="KRW") == []


def test_a_text_without_a_single_character_of_the_language_fails():
    assert texts(language_findings({"body": "OK 123"}, "ja"), "no-script") == ["no ja text at all"]
    assert texts(language_findings("OK 123", "ja"), "no-script") == ["no ja text at all"]
    # a subject or an attribute may be short: only bodies must carry the language
    assert language_findings({"subject": "OK 123"}, "ja") == []
    assert language_findings({"body": "OK 123 です"}, "ja") == []


def test_a_page_specific_allowance():
    assert language_findings("결제 수단: Stripe", "ko", allow=["Stripe"]) == []
    assert texts(language_findings("결제 수단: Stripe", "ko")) == ["Stripe"]


def test_assert_in_language_fails_listing_the_words_or_records_them(tmp_path, monkeypatch):
    with pytest.raises(AssertionError) as failure:
        assert_in_language("카드 Add card", "ko", step="bind")
    assert "'Add card'" in str(failure.value) and "bind" in str(failure.value)

    record = tmp_path / "found.jsonl"
    monkeypatch.setenv("JOURNEY_COLLECT", str(record))
    found = assert_in_language("카드 Add card", "ko", step="bind")

    assert texts(found) == ["Add card"]
    assert '"Add card"' in record.read_text(encoding="utf-8")


def test_english_is_not_checked_for_latin_words():
    assert language_findings("Add card", "en") == []


PAGE = """<!doctype html><html lang="{lang}"><head><title>내 카드 · roamcard</title></head><body>
<h1>내 카드</h1>
<button aria-label="Close">×</button>
<input name="q" placeholder="Search">
<img alt="Logo picture" src="data:,">
<input type="submit" value="Send">
<input type="hidden" name="next" value="/cards/">
<p hidden>Hidden words</p>
<span aria-hidden="true" title="Decoration">•</span>
<details><summary>언어</summary><button lang="en">English</button></details>
<select name="tz"><option>Asia/Seoul</option></select>
<select name="language">
<option lang="ja">日本語</option><option lang="ko" selected>한국어</option>
</select>
<div title="Tooltip text">툴팁</div>
<article class="dev"><p>Developer notes</p></article>
</body></html>"""


@pytest.mark.browser
def test_a_page_is_read_as_a_person_and_a_screen_reader_meet_it(browser):
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_content(PAGE.format(lang="ko"))

        found = language_findings(page, "ko", exclude=".dev")

        assert {(f.where, f.text) for f in found} >= {
            ("aria-label", "Close"),
            ("placeholder", "Search"),
            ("alt", "Logo picture"),
            ("button value", "Send"),
            ("option", "Asia/Seoul"),
            ("title", "Tooltip text"),
        }
        shown = {f.text for f in found}
        assert not shown & {"Hidden words", "Decoration", "English", "Developer notes"}
        assert not [f for f in found if f.kind == "script"]  # 日本語 is marked lang="ja"
        assert page.locator("select[name=language]").input_value() == "한국어"  # as it was
        assert "Developer notes" in texts(language_findings(page, "ko"))

        page.set_content(PAGE.format(lang="en"))
        assert '<html lang="en">' in texts(language_findings(page, "ko"), "lang")
    finally:
        context.close()
