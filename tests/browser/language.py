"""Is everything a traveller sees in their language? A checker for the journey tests.

`assert_in_language(page_or_text, language, ...)` reads what a person (or a screen reader)
meets on a page, or a message's subject and body, and fails naming every word that is not
in the journey's language and every price in a currency the traveller did not choose:

- ko, ja, zh-hans, zh-hant: no run of two or more Latin letters, except an allow-list
  (the brand, data units, currency codes, SIM words such as "eSIM" or "ICCID"), e-mail
  addresses, URLs and host names, eSIM activation codes, order numbers and UTC offsets
  ("GMT+09:00", CLDR's own form in these languages). Time-zone ids ("Asia/Seoul", "UTC")
  and AM/PM are not allowed: they must be localised.
- ja: no Hangul, and none of a few characters that only simplified Chinese uses;
  ko: no kana and no Han characters (Korean UI does not use Hanja);
  zh-hant: no Hangul or kana, and none of a few unambiguous simplified-only characters;
  zh-hans: no Hangul or kana.
- a price ("₩9,900", "US$19.90", "1,200円", "SGD12.50") must be in the journey's currency,
  unless the caller lists the page's other currencies.
- a page's <html lang> must be the journey's language, and its text must contain at least
  one character of the language's script (an all-English page fails even if it is short).

Set JOURNEY_COLLECT=1 (or a file path) to record findings instead of failing: each is
appended as a JSON line to that file (default var/journey-findings.jsonl), and the journey
fails once at its end (`LanguageChecker.finish`)."""

import json
import os
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

BRAND = "roamcard"
# Words that stay in Latin letters in every language of the app.
ALLOWED_WORDS = frozenset(
    {
        "GB",
        "MB",
        "KB",
        "kB",
        "TB",
        "kbps",
        "Mbps",
        "kbit",
        "SMS",
        "ICCID",
        "eSIM",
        "SIM",
        "QR",
        "PIN",
        "LPA",
        "ID",
        "OK",
        "PDF",  # a file format every one of the languages writes so
        "CSV",  # likewise
        "Wi-Fi",  # a trademark Japanese and Chinese write in Latin letters (Korean: 와이파이)
        "Wi",
        "Fi",
        # Payment brands, written in Latin letters by their own Japanese and Chinese pages.
        "Alipay",
        "WeChat",
        "Pay",
    }
)
DEFAULT_CURRENCIES = ("CNY", "HKD", "USD", "EUR", "JPY", "KRW", "TWD", "SGD", "GBP")

HANGUL = "\u1100-\u11ff\u3130-\u318f\uac00-\ud7af"
KANA = "\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f"
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
LATIN = "A-Za-z\u00c0-\u024f\uff21-\uff3a\uff41-\uff5a"
# Characters only simplified Chinese writes this way (traditional: 們 這 說 時 會 費 戶 碼 頁 續).
SIMPLIFIED_ONLY_FOR_HANT = "们这说时会费户码页续"
# The same minus 会, which Japanese writes too (Japanese: 時 費 戸 続 ...).
SIMPLIFIED_ONLY_FOR_JA = "们这说时费户码页续"

# What a language must not contain at all, and the script it must contain.
FORBIDDEN_SCRIPTS = {
    "ko": [("Japanese kana", KANA), ("Han characters (Hanja)", HAN)],
    "ja": [("Hangul", HANGUL)],
    "zh-hant": [("Hangul", HANGUL), ("Japanese kana", KANA)],
    "zh-hans": [("Hangul", HANGUL), ("Japanese kana", KANA)],
}
SIMPLIFIED_ONLY = {"zh-hant": SIMPLIFIED_ONLY_FOR_HANT, "ja": SIMPLIFIED_ONLY_FOR_JA}
OWN_SCRIPT = {"ko": HANGUL, "ja": KANA + HAN, "zh-hant": HAN, "zh-hans": HAN}

# Stripped before looking for Latin words: they are allowed in any language.
_NOT_WORDS = [
    re.compile(r"https?://[^\s<>\"')]+"),
    re.compile(r"LPA:1\$\S+"),
    # currency symbols written with letters (US$, HK$, NT$, CN¥, JP¥, SG$)
    re.compile(r"(?<![A-Za-z])(?:HK|NT|US|CN|JP|SG|S)[$¥]"),
    re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"),
    # host names (roamcard.test, smdp.example.com:8443)
    re.compile(r"(?<![A-Za-z0-9_.-])(?:[a-z0-9-]+\.)+[a-z]{2,}(?::\d+)?(?![A-Za-z0-9_-])"),
    re.compile(r"(?<![A-Za-z0-9])localhost(?::\d+)?"),
    # a UTC offset in CLDR's localised GMT format, which ko, ja and zh write so: GMT+09:00
    re.compile(r"(?<![A-Za-z])GMT[+\-−]\d{1,2}(?::?\d{2})?"),
    # ids: uuids, order numbers (the first 8 hex digits of the order's id) and other
    # references that mix letters and digits (a gateway's "ch_295b2ceeff114fdc")
    re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"),
    re.compile(r"(?<![A-Za-z0-9])[0-9A-F]{8}(?![A-Za-z0-9])"),
    re.compile(
        r"(?<![A-Za-z0-9_-])(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[A-Za-z])"
        r"[A-Za-z0-9_-]{6,}(?![A-Za-z0-9_-])"
    ),
]
_LATIN_RUN = re.compile(f"[{LATIN}]+")
_OTHER_SCRIPT_OR_BREAK = re.compile(f"[\n{HANGUL}{KANA}{HAN}]")

# Prices. Longest symbols first; an ambiguous symbol lists the currencies it can mean, and
# means the journey's currency when that is one of them.
_NUMBER = r"\d(?:[\d,.'\u00a0\u202f]*\d)?"
_GAP = r"[ \u00a0\u202f]?"  # a price never spans lines
_PREFIX_SYMBOLS = {
    "HK$": ("HKD",),
    "NT$": ("TWD",),
    "US$": ("USD",),
    "CN¥": ("CNY",),
    "JP¥": ("JPY",),
    "SG$": ("SGD",),
    "S$": ("SGD",),
    "€": ("EUR",),
    "£": ("GBP",),
    "₩": ("KRW",),
    "￦": ("KRW",),
    "￥": ("JPY", "CNY"),
    "¥": ("JPY", "CNY"),
    "元": ("CNY",),  # Babel's ja symbol for CNY
    "$": ("USD", "TWD"),  # zh-Hant (Taiwan) writes TWD as a bare $
}
_SUFFIX_WORDS = {
    "円": ("JPY",),
    "원": ("KRW",),
    "엔": ("JPY",),
    "元": ("CNY", "TWD", "HKD"),
    "달러": ("USD",),
    "ドル": ("USD",),
    "ユーロ": ("EUR",),
    "유로": ("EUR",),
    "위안": ("CNY",),
    "€": ("EUR",),
    "₩": ("KRW",),
}


def _alternation(symbols: Iterable[str]) -> str:
    return "|".join(re.escape(s) for s in sorted(symbols, key=len, reverse=True))


_PREFIX_PRICE = re.compile(
    rf"(?P<sym>{_alternation(_PREFIX_SYMBOLS)}){_GAP}[-−]?(?P<num>{_NUMBER})"
)
_SUFFIX_PRICE = re.compile(rf"(?P<num>{_NUMBER}){_GAP}(?P<sym>{_alternation(_SUFFIX_WORDS)})")


@dataclass(frozen=True)
class Finding:
    kind: str  # latin | script | simplified | currency | lang | no-script
    text: str  # the offending word, phrase or price
    context: str  # the line it was found in
    where: str  # body, title, aria-label, placeholder, subject, ...
    step: str = ""
    url: str = ""
    language: str = ""

    def describe(self) -> str:
        place = f"{self.where} of {self.url}" if self.url else self.where
        return f"[{self.kind}] {self.text!r} in {place}: …{self.context}…"


def _context(text: str, start: int, end: int, width: int = 50) -> str:
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end == -1 else line_end
    return " ".join(text[max(line_start, start - width) : min(line_end, end + width)].split())


def _blank(text: str, pattern: re.Pattern) -> str:
    return pattern.sub(lambda m: " " * len(m.group(0)), text)


def _allowed_word(word: str, allowed: frozenset[str]) -> bool:
    word = unicodedata.normalize("NFKC", word)
    return word in allowed or word.lower() == BRAND


def latin_findings(text: str, allowed: frozenset[str]) -> list[tuple[str, str]]:
    """Phrases of Latin words that are not allowed, with their context. Neighbouring words
    on one line with nothing but spaces, digits and punctuation between them make one
    phrase ("Times are shown in UTC"), so that each maps to one message to translate."""
    cleaned = text
    for pattern in _NOT_WORDS:
        cleaned = _blank(cleaned, pattern)
    runs = [
        (m.start(), m.end(), not _allowed_word(m.group(0), allowed))
        for m in _LATIN_RUN.finditer(cleaned)
    ]
    found: list[tuple[str, str]] = []
    phrase: list[tuple[int, int]] = []

    def close() -> None:
        if phrase:
            start, end = phrase[0][0], phrase[-1][1]
            found.append((" ".join(text[start:end].split()), _context(text, start, end)))
            phrase.clear()

    for start, end, bad in runs:
        if len(cleaned[start:end]) < 2:
            continue
        if phrase and _OTHER_SCRIPT_OR_BREAK.search(cleaned, phrase[-1][1], start):
            close()
        if bad:
            phrase.append((start, end))
    close()
    return found


def script_findings(text: str, language: str) -> list[tuple[str, str, str]]:
    found = []
    for name, chars in FORBIDDEN_SCRIPTS.get(language, []):
        for m in re.finditer(f"[{chars}]+(?:[\\s·・]+[{chars}]+)*", text):
            found.append(("script", f"{m.group(0)} ({name})", _context(text, m.start(), m.end())))
    simplified = SIMPLIFIED_ONLY.get(language)
    for m in re.finditer(f"[{simplified}]", text) if simplified else ():
        found.append(
            ("simplified", f"{m.group(0)} (simplified Chinese)", _context(text, m.start(), m.end()))
        )
    return found


def prices_in(
    text: str, expected: str, currencies: Iterable[str]
) -> list[tuple[str, str, int, int]]:
    """(currency, price text, start, end) of each price in `text`."""
    codes = _alternation(currencies)
    code_before = re.compile(rf"(?<![A-Za-z])(?P<sym>{codes}){_GAP}[-−]?(?P<num>{_NUMBER})")
    code_after = re.compile(rf"(?P<num>{_NUMBER}){_GAP}(?P<sym>{codes})(?![A-Za-z])")
    found: dict[tuple[int, int], tuple[str, str, int, int]] = {}
    for pattern, table in (
        (code_before, None),
        (code_after, None),
        (_PREFIX_PRICE, _PREFIX_SYMBOLS),
        (_SUFFIX_PRICE, _SUFFIX_WORDS),
    ):
        for m in pattern.finditer(text):
            candidates = (m.group("sym"),) if table is None else table[m.group("sym")]
            currency = expected if expected in candidates else candidates[0]
            span = m.span("num")
            # One number, one price: a symbol found by two patterns ("₩9,900원") counts once.
            if span not in found:
                found[span] = (currency, m.group(0), m.start(), m.end())
    return list(found.values())


def text_findings(
    text: str,
    language: str,
    *,
    where: str,
    allow: Iterable[str] = (),
    currency: str | None = None,
    other_currencies: Iterable[str] = (),
    currencies: Iterable[str] = DEFAULT_CURRENCIES,
    need_own_script: bool = False,
) -> list[Finding]:
    """Everything wrong with one piece of text shown in `language`."""
    language = language.lower()
    currencies = tuple(currencies)
    allowed = ALLOWED_WORDS | frozenset(currencies) | frozenset(allow)
    findings = []
    if language != "en":
        findings += [
            Finding("latin", phrase, context, where, language=language)
            for phrase, context in latin_findings(text, allowed)
        ]
        findings += [
            Finding(kind, found, context, where, language=language)
            for kind, found, context in script_findings(text, language)
        ]
        own = OWN_SCRIPT.get(language)
        if need_own_script and own and text.strip() and not re.search(f"[{own}]", text):
            findings.append(
                Finding(
                    "no-script", f"no {language} text at all", text[:80], where, language=language
                )
            )
    if currency:
        fine = {currency, *other_currencies}
        for found, price, start, end in prices_in(text, currency, currencies):
            if found not in fine:
                findings.append(
                    Finding(
                        "currency",
                        f"{price} ({found}, not {currency})",
                        _context(text, start, end),
                        where,
                        language=language,
                    )
                )
    return findings


# Attributes a person or a screen reader meets, read from every element not hidden from
# both and not marked as written in another language (the language menu's own names).
_PAGE_TEXTS_JS = """
([language, exclude]) => {
  const foreign = (el) => {
    const marked = el.closest('[lang]');
    return marked && marked !== document.documentElement
      && !marked.lang.toLowerCase().startsWith(language);
  };
  const excluded = (el) => exclude && el.closest(exclude);
  // Parts left out of the visible text: the caller's, and those marked as written in
  // another language; each is swapped for a placeholder while innerText is read (hiding
  // with CSS would not take an <option> out of its <select>'s text).
  const leftOut = [...document.body.querySelectorAll('[lang]')].filter(foreign);
  if (exclude) leftOut.push(...document.querySelectorAll(exclude));
  const choices = [...document.querySelectorAll('select')].map((el) => [el, el.selectedIndex]);
  const swapped = leftOut.map((el) => {
    const placeholder = document.createComment('');
    el.replaceWith(placeholder);
    return [el, placeholder];
  });
  const out = [['title', document.title], ['body', document.body.innerText]];
  for (const [el, placeholder] of swapped.reverse()) placeholder.replaceWith(el);
  for (const [el, index] of choices) el.selectedIndex = index;
  const skip = 'script,style,template,noscript,[hidden],[aria-hidden="true"],input[type="hidden"]';
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest(skip) || excluded(el) || foreign(el)) continue;
    for (const name of ['aria-label', 'aria-description', 'placeholder', 'alt', 'title']) {
      const value = el.getAttribute(name);
      if (value && value.trim()) out.push([name, value]);
    }
    if (el.tagName === 'INPUT' && ['submit', 'button', 'reset'].includes(el.type) && el.value) {
      out.push(['button value', el.value]);
    }
    if (el.tagName === 'OPTION') out.push(['option', el.textContent]);
    if (el.tagName.toLowerCase() === 'title' && el.closest('svg')) {
      out.push(['svg title', el.textContent]);
    }
  }
  return {texts: out, lang: document.documentElement.lang};
}
"""


def page_texts(page, language: str, *, exclude: str = "") -> tuple[list[tuple[str, str]], str]:
    """What a page shows and says: [(where, text)], and its <html lang>."""
    result = page.evaluate(_PAGE_TEXTS_JS, [language.lower(), exclude])
    return [tuple(pair) for pair in result["texts"]], result["lang"]


def _is_page(thing) -> bool:
    return hasattr(thing, "evaluate") and hasattr(thing, "goto")


def language_findings(
    page_or_text,
    language: str,
    *,
    allow: Iterable[str] = (),
    currency: str | None = None,
    other_currencies: Iterable[str] = (),
    currencies: Iterable[str] | None = None,
    exclude: str = "",
    step: str = "",
) -> list[Finding]:
    """Every finding in a Playwright page, a str, or a mapping such as
    {"subject": ..., "body": ...}."""
    if currencies is None:
        currencies = _configured_currencies()
    url = ""
    checks = dict(
        allow=allow, currency=currency, other_currencies=other_currencies, currencies=currencies
    )
    findings: list[Finding] = []
    if _is_page(page_or_text):
        url = page_or_text.url
        texts, html_lang = page_texts(page_or_text, language, exclude=exclude)
        if (html_lang or "").lower() != language.lower():
            findings.append(
                Finding("lang", f'<html lang="{html_lang}">', "", "html", language=language)
            )
    elif isinstance(page_or_text, Mapping):
        texts = list(page_or_text.items())
    else:
        texts = [("text", str(page_or_text))]
    seen = set()
    for where, text in texts:
        for finding in text_findings(
            text, language, where=where, need_own_script=where in ("body", "text"), **checks
        ):
            key = (finding.kind, finding.text, finding.where)
            if key not in seen:
                seen.add(key)
                findings.append(finding)
    return [
        Finding(**{**asdict(f), "step": step, "url": url, "language": language}) for f in findings
    ]


def _configured_currencies() -> tuple[str, ...]:
    try:
        from django.conf import settings

        return tuple(settings.CURRENCIES)
    except Exception:  # outside Django (the checker's own unit tests may run without it)
        return DEFAULT_CURRENCIES


def collecting() -> Path | None:
    """Where findings are recorded instead of failing, if JOURNEY_COLLECT is set."""
    value = os.environ.get("JOURNEY_COLLECT", "").strip()
    if not value or value == "0":
        return None
    if value == "1":
        return Path(__file__).resolve().parents[2] / "var" / "journey-findings.jsonl"
    return Path(value)


def format_findings(findings: list[Finding], language: str, step: str = "") -> str:
    head = f"Not in {language}" + (f" at step {step!r}" if step else "") + ":"
    return "\n".join([head, *(f"  {f.describe()}" for f in findings)])


def assert_in_language(page_or_text, language: str, **options) -> list[Finding]:
    """Fail listing each word not in `language` and each price in another currency; or,
    when JOURNEY_COLLECT is set, record them and return them."""
    findings = language_findings(page_or_text, language, **options)
    if not findings:
        return findings
    path = collecting()
    if path is None:
        raise AssertionError(format_findings(findings, language, options.get("step", "")))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        for finding in findings:
            out.write(json.dumps(asdict(finding), ensure_ascii=False) + "\n")
    return findings


class LanguageChecker:
    """One journey's checks: every call names its step; in collect mode the findings add
    up and `finish()` fails once with all of them."""

    def __init__(self, language: str, *, currency: str | None = None, allow: Iterable[str] = ()):
        self.language = language
        self.currency = currency
        self.allow = tuple(allow)
        self.findings: list[Finding] = []
        self.checked = 0

    def check(self, page_or_text, step: str, **options) -> None:
        options.setdefault("currency", self.currency)
        options["allow"] = (*self.allow, *options.get("allow", ()))
        self.checked += 1
        self.findings += assert_in_language(page_or_text, self.language, step=step, **options)

    def finish(self) -> None:
        assert self.checked, "the journey checked nothing"
        if self.findings:
            steps = sorted({f.step for f in self.findings})
            raise AssertionError(
                f"{len(self.findings)} findings not in {self.language} in {len(steps)} steps "
                f"(recorded in {collecting()}):\n"
                + "\n".join(f"  {f.step}: {f.describe()}" for f in self.findings[:60])
            )
