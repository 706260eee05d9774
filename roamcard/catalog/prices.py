"""Prices as people write them ("9.90", "1200") to minor units, by the currency's precision."""

from decimal import Decimal, InvalidOperation

from roamcard.core.money import minor_digits


class TooManyDecimals(ValueError):
    def __init__(self, currency: str, digits: int) -> None:
        super().__init__(f"{currency} has {digits} decimal places at most")
        self.currency = currency
        self.digits = digits


def minor_units(amount: Decimal | str, currency: str) -> int:
    """`amount` in `currency`'s smallest unit (9.90 USD -> 990, 1200 JPY -> 1200); a value
    that needs more decimals than the currency has (9.999 USD, 12.5 JPY) is refused, never
    rounded. Babel (CLDR) knows each currency's precision."""
    try:
        value = Decimal(amount)
    except InvalidOperation as exc:
        raise ValueError(f"Not a decimal amount: {amount!r}") from exc
    digits = minor_digits(currency)
    scaled = value.scaleb(digits)
    if scaled != scaled.to_integral_value():
        raise TooManyDecimals(currency, digits)
    return int(scaled)
