"""Prices as written ("9.90", "1200") to minor units, by each currency's precision."""

import pytest

from roamcard.catalog.prices import TooManyDecimals, minor_units


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [
        ("9.90", "USD", 990),
        ("9.9", "EUR", 990),
        ("68", "CNY", 6800),
        ("120", "TWD", 12000),
        ("1200", "JPY", 1200),
        ("4900", "KRW", 4900),
        ("1200.00", "JPY", 1200),
    ],
)
def test_amounts_become_minor_units(amount, currency, minor):
    assert minor_units(amount, currency) == minor


@pytest.mark.parametrize(
    ("amount", "currency"), [("9.999", "USD"), ("12.5", "JPY"), ("1.1", "KRW")]
)
def test_amounts_finer_than_the_currency_are_refused_not_rounded(amount, currency):
    with pytest.raises(TooManyDecimals):
        minor_units(amount, currency)
