"""What a traveller's language says about the rest of their locale: the currency a new
traveller (or a visitor to the store) sees prices in until they choose another."""

from django.conf import settings

# By language, and for Chinese in traditional script by the region the browser names
# (zh-TW pays in TWD, zh-HK and zh-MO in HKD).
_CURRENCY_BY_LANGUAGE = {"ko": "KRW", "ja": "JPY", "zh-hans": "CNY", "zh-hant": "HKD"}
_CURRENCY_BY_REGION = {"TW": "TWD", "HK": "HKD", "MO": "HKD", "SG": "SGD", "GB": "GBP"}


def default_currency(language: str, *, accept_language: str = "") -> str:
    """The currency to show a traveller who has not chosen one.

    `accept_language` is the browser's raw header: its first tag with a region we price in
    wins for traditional Chinese and English ("zh-TW" -> TWD, "en-GB" -> GBP)."""
    language = (language or "").lower()
    currency = _CURRENCY_BY_LANGUAGE.get(language, settings.DEFAULT_CURRENCY)
    if language in ("zh-hant", "en"):
        for tag in accept_language.split(","):
            parts = tag.split(";")[0].strip().replace("_", "-").split("-")
            if len(parts) < 2 or parts[0].lower() not in ("zh", "en"):
                continue
            if parts[0].lower() != language[:2]:
                continue
            region = parts[-1].upper()
            if region in _CURRENCY_BY_REGION:
                currency = _CURRENCY_BY_REGION[region]
                break
    return currency if currency in settings.CURRENCIES else settings.DEFAULT_CURRENCY


_UTC_NAMES = frozenset({"UTC", "Etc/UTC", "Etc/UCT", "Etc/Universal", "Etc/Zulu", "GMT", "Etc/GMT"})


def time_zone_label(name: str, *, language: str | None = None) -> str:
    """A time zone as a traveller reads it in their language (CLDR, through Babel): "Asia/Seoul"
    is "대한민국 시간" in Korean, "UTC" is "협정 세계시". An unknown name is returned as is."""
    from babel.dates import get_timezone_location, get_timezone_name

    from .money import babel_locale

    locale = babel_locale(language)
    try:
        if name in _UTC_NAMES:
            return get_timezone_name("Etc/UTC", "long", zone_variant="standard", locale=locale)
        return get_timezone_location(name, locale=locale)
    except LookupError:
        return name


def translation_pick(values: dict[str, str], *, language: str | None = None) -> str:
    """The text of `values` ({language: text}) for `language` (default: the active one),
    else for its fallbacks in the order the catalogue uses (MODELTRANSLATION_FALLBACK_LANGUAGES),
    else "" when none of them has one."""
    from django.utils.translation import get_language

    language = (language or get_language() or settings.LANGUAGE_CODE).lower()
    fallbacks = getattr(settings, "MODELTRANSLATION_FALLBACK_LANGUAGES", {})
    chain = (language, *fallbacks.get(language, fallbacks.get("default", ())))
    return next((values[code] for code in chain if values.get(code)), "")
