"""Showing data amounts the way travellers read them."""

from babel.numbers import format_decimal

from .money import babel_locale

_UNITS = [("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)]


def format_bytes(value: int | None, *, language: str | None = None) -> str:
    """1 GB = 1024 MB, as operators print on data cards; two significant decimals at most."""
    if value is None:
        return ""
    for unit, size in _UNITS:
        if value >= size:
            amount = value / size
            pattern = "#,##0.##" if amount < 100 else "#,##0"
            return f"{format_decimal(amount, format=pattern, locale=babel_locale(language))} {unit}"
    return f"{value} B"
