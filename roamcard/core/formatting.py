"""Showing data amounts, numbers, dates and times the way travellers read them.

Everything goes through Babel's CLDR data for the language (the active one unless told)
and, for moments, the traveller's time zone (the active one unless told), so pages,
SMS, e-mails and the API print "2026년 12월 13일 오후 10:24" and "2026年12月13日 22:24"
alike. Messages rendered by a worker pass the recipient's language and time zone."""

import re
import zoneinfo
from datetime import datetime, tzinfo
from decimal import Decimal
from functools import cache, lru_cache

from babel import Locale
from babel.dates import format_skeleton, format_time
from babel.numbers import format_decimal
from babel.units import format_unit
from django.utils import timezone

from .money import babel_locale

# 1 GB = 1024 MB, as operators print on data cards; CLDR's short unit names and spacing
# ("1.5 GB" in English, "1.5GB" in Korean).
_UNITS = [
    ("digital-gigabyte", 1024**3),
    ("digital-megabyte", 1024**2),
    ("digital-kilobyte", 1024),
]

# A readable date with the month abbreviated where the language has such a thing:
# "Dec 13, 2026", "2026年12月13日", "2026년 12월 13일".
DATE_SKELETON = "yMMMd"


def format_bytes(value: int | None, *, language: str | None = None) -> str:
    """A data amount with two significant decimals at most: "1.5 GB", "800 MB". Amounts
    under 1 MB (an empty bucket included) are shown in kB."""
    if value is None:
        return ""
    unit, size = next(((u, s) for u, s in _UNITS if value >= s), _UNITS[-1])
    amount = Decimal(value) / size
    # Rounded here as the pattern rounds (the context's half-even), so that the few
    # thousand amounts a traveller can see are formatted once per process: Babel takes
    # ~0.1 ms a call, the API's hottest endpoint shows two.
    if amount < 100:
        return _format_unit(amount.quantize(_HUNDREDTHS), unit, "#,##0.##", babel_locale(language))
    return _format_unit(amount.quantize(_UNITS_PLACE), unit, "#,##0", babel_locale(language))


_HUNDREDTHS, _UNITS_PLACE = Decimal("0.01"), Decimal("1")


@lru_cache(maxsize=8192)
def _format_unit(amount: Decimal, unit: str, pattern: str, locale: Locale) -> str:
    return format_unit(amount, unit, length="short", format=pattern, locale=locale)


def format_number(value: int | float | Decimal | None, *, language: str | None = None) -> str:
    if value is None:
        return ""
    return format_decimal(value, locale=babel_locale(language))


def resolve_zone(zone: tzinfo | str | None) -> tzinfo:
    """A time zone from a name (a traveller's profile), a tzinfo, or the active one; an
    unknown name falls back to UTC rather than failing a page or a message."""
    if zone is None:
        return timezone.get_current_timezone()
    if isinstance(zone, tzinfo):
        return zone
    try:
        return zoneinfo.ZoneInfo(zone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def format_local_date(
    value: datetime | None, *, language: str | None = None, zone: tzinfo | str | None = None
) -> str:
    """The calendar date of a moment where the traveller is: "Dec 13, 2026"."""
    if value is None:
        return ""
    return format_skeleton(
        DATE_SKELETON, value.astimezone(resolve_zone(zone)), locale=babel_locale(language)
    )


def format_local_time(
    value: datetime | None, *, language: str | None = None, zone: tzinfo | str | None = None
) -> str:
    """A time without seconds, in the language's own clock: "10:24 PM", "오후 10:24",
    "22:24" (Japanese), "晚上10:24" (Taiwan)."""
    if value is None:
        return ""
    locale = babel_locale(language)
    return format_time(
        value.astimezone(resolve_zone(zone)), _short_time_pattern(str(locale)), locale=locale
    )


def format_local_datetime(
    value: datetime | None, *, language: str | None = None, zone: tzinfo | str | None = None
) -> str:
    """Date and time joined the way the language joins them: "Dec 13, 2026, 10:24 PM",
    "2026년 12월 13일 오후 10:24", "2026年12月13日 22:24"."""
    if value is None:
        return ""
    locale = babel_locale(language)
    date = format_local_date(value, language=language, zone=zone)
    time = format_local_time(value, language=language, zone=zone)
    return locale.datetime_formats["medium"].format(time, date)


@cache
def _short_time_pattern(locale_name: str) -> str:
    """CLDR's short time pattern, except where its abbreviated AM/PM are Latin letters
    while the language has its own words for them. Recent CLDR (47, in Babel 2.18)
    abbreviates Korean to "PM 10:24"; Korean travellers read "오후 10:24", CLDR's wide
    form, so the day period is taken wide there."""
    locale = Locale.parse(locale_name)
    pattern = locale.time_formats["short"].pattern
    periods = locale.day_periods.get("format", {})
    abbreviated, wide = periods.get("abbreviated", {}), periods.get("wide", {})
    latin = abbreviated.get("am") == "AM" and abbreviated.get("pm") == "PM"
    native = wide.get("am") not in (None, "AM") and wide.get("pm") not in (None, "PM")
    if latin and native:
        pattern = re.sub(r"(?<![a'])a(?![a])", "aaaa", pattern)
    return pattern
