"""Country names from CLDR (through Babel) in the traveller's language, sorted the way a
reader of that language expects, and found by whatever name a traveller types.

A coverage stores ISO 3166-1 alpha-2 codes; everything a person reads comes from here."""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from django.conf import settings

from roamcard.core.money import babel_locale

# Codes CLDR names that are not countries or territories one travels to: exceptional
# reservations, groupings and placeholders.
_NOT_COUNTRIES = frozenset(
    {"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "ZZ"}
)

# Names people use that CLDR's standard names do not contain: older or everyday English
# names, and the everyday name where CLDR gives the formal one (Korean "한국" for 대한민국).
_ALIASES = {
    "AE": ("UAE", "Emirates"),
    "CI": ("Ivory Coast",),
    "CN": ("Mainland China", "PRC", "中国大陆", "中國大陸"),
    "CV": ("Cape Verde",),
    "CZ": ("Czech Republic",),
    "GB": ("UK", "Britain", "Great Britain", "England", "Scotland", "Wales", "英國"),
    "HK": ("Hong Kong", "香港"),
    "KP": ("DPRK", "조선"),
    "KR": ("Korea", "Republic of Korea", "한국", "韓國", "大韓民国"),
    "LA": ("Laos",),
    "MK": ("Macedonia",),
    "MM": ("Burma",),
    "MO": ("Macau", "澳门", "澳門"),
    "NL": ("Holland",),
    "SZ": ("Swaziland",),
    "TR": ("Turkey",),
    "TW": ("臺灣",),
    "US": ("USA", "America", "United States of America", "米国"),
    "VA": ("Vatican",),
    "VN": ("Viet Nam",),
}

_LATIN_ACCENTS = re.compile("[\u0300-\u036f]")
_WORD_BREAK = re.compile(r"[\s\-(),.'’/]+")


@dataclass(frozen=True, slots=True)
class Country:
    code: str
    name: str

    @property
    def flag(self) -> str:
        """The country's flag as an emoji: its two letters as regional indicator symbols."""
        return "".join(chr(0x1F1E6 + ord(letter) - ord("A")) for letter in self.code.upper())


def fold(text: str) -> str:
    """Text as search compares it: full-width letters as ASCII (NFKC), accents dropped from
    Latin letters only (kana keep their voicing marks), case folded."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = _LATIN_ACCENTS.sub("", decomposed)
    return unicodedata.normalize("NFKC", stripped).casefold().strip()


@cache
def country_codes() -> frozenset[str]:
    """Every ISO 3166-1 alpha-2 code CLDR names."""
    territories = babel_locale("en").territories
    return (
        frozenset(code for code in territories if len(code) == 2 and code.isalpha())
        - _NOT_COUNTRIES
    )


def is_country(code: str) -> bool:
    return code.upper() in country_codes()


def country_name(code: str, language: str | None = None) -> str:
    """The country's name in `language` (default: the active one); the code itself when
    CLDR has no name for it."""
    code = code.upper()
    return babel_locale(language).territories.get(code, code)


def sort_key(name: str) -> str:
    """Alphabetical order for Latin names whatever their accents ("Österreich" among the
    O's); Chinese, Japanese and Korean names in Unicode order (Hangul in 가나다 order)."""
    return fold(name)


def countries_sorted(codes: Iterable[str], language: str | None = None) -> list[Country]:
    """These countries with their names in `language`, in that language's order."""
    countries = [Country(code=c.upper(), name=country_name(c, language)) for c in codes]
    return sorted(countries, key=lambda country: (sort_key(country.name), country.code))


@cache
def _search_names() -> dict[str, tuple[str, ...]]:
    """For each country, every folded name it may be searched by."""
    languages = [code for code, _name in settings.LANGUAGES]
    names: dict[str, tuple[str, ...]] = {}
    for code in country_codes():
        candidates = {country_name(code, language) for language in languages}
        candidates.update(_ALIASES.get(code, ()))
        names[code] = tuple(sorted({fold(name) for name in candidates}))
    return names


def _match_rank(query: str, code: str, names: tuple[str, ...]) -> int | None:
    """How well `query` (folded) names this country: 0 exactly (or its ISO code), 1 the
    start of a name, 2 the start of a word in a name, 3 anywhere in a name (Chinese and
    Japanese names are not split into words: 香港 inside 中国香港特别行政区)."""
    if query == code.casefold() or query in names:
        return 0
    if any(name.startswith(query) for name in names):
        return 1
    if any(word.startswith(query) for name in names for word in _WORD_BREAK.split(name)):
        return 2
    if any(query in name for name in names):
        return 3
    return None


def country_search(
    query: str, *, language: str | None = None, within: frozenset[str] | None = None
) -> list[Country]:
    """Countries whose name in any of the site's languages, an everyday alias or the ISO
    code matches `query`; best matches first, then in `language`'s order. `within`
    narrows the search to these codes (a coverage's countries)."""
    folded = fold(query)
    if not folded:
        return []
    ranked = []
    for code, names in _search_names().items():
        if within is not None and code not in within:
            continue
        rank = _match_rank(folded, code, names)
        if rank is not None:
            name = country_name(code, language)
            ranked.append((rank, sort_key(name), Country(code=code, name=name)))
    ranked.sort(key=lambda item: (item[0], item[1]))
    return [country for _rank, _key, country in ranked]
