"""Money is an integer amount in minor units plus an ISO 4217 code; never a float."""

from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from babel import Locale
from babel.numbers import format_currency, get_currency_precision
from django.utils.translation import get_language, to_locale


@dataclass(frozen=True, slots=True)
class Money:
    amount_minor: int
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount_minor, int):
            raise TypeError("Money amounts are integers in minor units")
        if len(self.currency) != 3 or not self.currency.isupper():
            raise ValueError(f"Not an ISO 4217 currency code: {self.currency!r}")

    @property
    def decimal(self) -> Decimal:
        return Decimal(self.amount_minor).scaleb(-minor_digits(self.currency))

    def format(self, language: str | None = None) -> str:
        return format_money(self, language=language)

    def as_json(self, language: str | None = None) -> dict:
        """The shape the API gives a price in: the amount, its currency, and how the reader's
        language writes it."""
        return {
            "amount_minor": self.amount_minor,
            "currency": self.currency,
            "formatted": self.format(language),
        }

    def __str__(self) -> str:
        return self.format()


def minor_digits(currency: str) -> int:
    """How many digits the currency has after the decimal point (JPY 0, CNY 2, ...)."""
    return get_currency_precision(currency)


def babel_locale(language: str | None = None) -> Locale:
    """Babel's locale for a Django language code (zh-hans -> zh_Hans), parsed once per
    process: parsing it on every call costs more than the formatting itself."""
    return _parsed_locale(to_locale(language or get_language() or "en"))


@cache
def _parsed_locale(name: str) -> Locale:
    return Locale.parse(name)


def format_money(money: Money, *, language: str | None = None) -> str:
    return format_currency(money.decimal, money.currency, locale=babel_locale(language))
