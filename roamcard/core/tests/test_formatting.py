"""Dates, times, numbers and data amounts read the way each of our five languages writes
them (CLDR), in the traveller's time zone, on pages and in messages alike."""

from datetime import UTC, datetime

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from roamcard.core.formatting import (
    format_bytes,
    format_local_date,
    format_local_datetime,
    format_local_time,
    format_number,
)

# 22:24 in Seoul and Tokyo, 21:24 in Shanghai and Taipei.
EVENING = datetime(2026, 12, 13, 13, 24, tzinfo=UTC)
MORNING = datetime(2026, 12, 13, 0, 5, tzinfo=UTC)  # 09:05 in Seoul


@pytest.mark.parametrize(
    ("language", "zone", "expected"),
    [
        ("en", "Europe/London", "Dec 13, 2026, 1:24\u202fPM"),
        ("ko", "Asia/Seoul", "2026년 12월 13일 오후 10:24"),
        ("ja", "Asia/Tokyo", "2026年12月13日 22:24"),
        ("zh-hans", "Asia/Shanghai", "2026年12月13日 21:24"),
        ("zh-hant", "Asia/Taipei", "2026年12月13日 晚上9:24"),
    ],
)
def test_a_moment_reads_in_the_language_and_zone_of_the_traveller(language, zone, expected):
    assert format_local_datetime(EVENING, language=language, zone=zone) == expected


def test_korean_times_say_morning_and_afternoon_in_korean():
    morning = format_local_time(MORNING, language="ko", zone="Asia/Seoul")
    evening = format_local_time(EVENING, language="ko", zone="Asia/Seoul")

    assert (morning, evening) == ("오전 9:05", "오후 10:24")
    assert "AM" not in morning and "PM" not in evening


def test_japanese_and_chinese_dates_use_year_month_day_characters():
    for language in ("ja", "zh-hans", "zh-hant"):
        assert format_local_date(EVENING, language=language, zone="Asia/Tokyo") == "2026年12月13日"


def test_the_date_is_the_one_where_the_traveller_is():
    late = datetime(2026, 12, 31, 20, 0, tzinfo=UTC)

    assert format_local_date(late, language="ko", zone="Asia/Seoul") == "2027년 1월 1일"
    assert format_local_date(late, language="ko", zone="America/New_York") == "2026년 12월 31일"


def test_an_unknown_zone_falls_back_to_utc():
    assert format_local_time(EVENING, language="ja", zone="Mars/Olympus") == "13:24"


def test_without_a_zone_the_active_one_is_used():
    with timezone.override("Asia/Seoul"), translation.override("ko"):
        assert format_local_datetime(EVENING) == "2026년 12월 13일 오후 10:24"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", ["1.5 GB", "800 MB", "1,500 GB", "0 kB"]),
        ("ko", ["1.5GB", "800MB", "1,500GB", "0kB"]),
        ("ja", ["1.5 GB", "800 MB", "1,500 GB", "0 KB"]),
        ("zh-hans", ["1.5 GB", "800 MB", "1,500 GB", "0 kB"]),
        ("zh-hant", ["1.5 GB", "800 MB", "1,500 GB", "0 kB"]),
    ],
)
def test_data_amounts_use_each_languages_unit_pattern(language, expected):
    amounts = [1536 * 1024**2, 800 * 1024**2, 1500 * 1024**3, 0]

    assert [format_bytes(amount, language=language) for amount in amounts] == expected


def test_numbers_are_grouped_as_the_language_groups_them():
    assert format_number(1234567, language="ja") == "1,234,567"
    assert format_number(1234.5, language="ko") == "1,234.5"


def render(source: str, **context) -> str:
    return Template("{% load roamcard %}" + source).render(Context(context))


def test_template_filters_follow_the_active_language_and_zone():
    with translation.override("ko"), timezone.override("Asia/Seoul"):
        page = render(
            "{{ at|local_datetime }} | {{ at|local_date }} | {{ at|local_time }}"
            " | {{ b|data_bytes }}",
            at=EVENING,
            b=5 * 1024**3,
        )

    assert page == "2026년 12월 13일 오후 10:24 | 2026년 12월 13일 | 오후 10:24 | 5GB"


def test_a_message_names_the_recipients_zone_rather_than_the_workers():
    """A worker renders with UTC active; the template passes the traveller's zone."""
    with translation.override("ja"), timezone.override("UTC"):
        text = render("{{ at|local_datetime:zone }}", at=EVENING, zone="Asia/Tokyo")

    assert text == "2026年12月13日 22:24"


@pytest.mark.parametrize("language", ["en", "zh-hans", "zh-hant", "ja", "ko"])
def test_data_amounts_formatted_once_read_as_babel_writes_them(language):
    """format_bytes rounds before Babel to reuse its answers: ties, amounts that round up
    to the next hundred, exact units and byte counts at random all read as Babel's own."""
    import random
    from decimal import Decimal

    from babel.units import format_unit

    from roamcard.core.money import babel_locale

    mib, gib = 1024**2, 1024**3
    amounts = [0, 1, 1023, 1024, mib, gib, gib + gib // 200, int(1.005 * gib), int(99.996 * gib)]
    amounts += [int(99.995 * mib), 100 * gib - 1, 1536 * mib, 1000 * gib + 1]
    amounts += random.Random(11).sample(range(1, 3000 * gib), 2000)
    for value in amounts:
        unit, size = next(
            (
                (u, s)
                for u, s in [("digital-gigabyte", gib), ("digital-megabyte", mib)]
                if value >= s
            ),
            ("digital-kilobyte", 1024),
        )
        amount = Decimal(value) / size
        pattern = "#,##0.##" if amount < 100 else "#,##0"
        expected = format_unit(
            amount, unit, length="short", format=pattern, locale=babel_locale(language)
        )
        assert format_bytes(value, language=language) == expected, value
