"""Small helpers the vendor adapters (stripe, alipay, wechatpay) share."""

import textwrap
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from .base import DEFAULT_PAYMENT_WINDOW, InvalidWebhook


def header(headers: Mapping[str, str], name: str) -> str:
    """One request header, whatever form the caller kept the headers in: as sent
    ("Stripe-Signature"), lower-cased, or as a Django META key ("HTTP_STRIPE_SIGNATURE")."""
    wanted = {name.lower(), "http_" + name.lower().replace("-", "_")}
    for key, value in headers.items():
        if key.lower() in wanted:
            return value
    return ""


def pem(value: str, label: str) -> str:
    """A key as PEM text. Vendor consoles hand keys out as bare base64 and environment
    variables often carry them with literal "\\n": both are accepted."""
    value = value.strip().replace("\\n", "\n")
    if "-----BEGIN" in value:
        return value
    body = "\n".join(textwrap.wrap("".join(value.split()), 64))
    return f"-----BEGIN {label}-----\n{body}\n-----END {label}-----\n"


def deadline(expires_at: datetime | None) -> datetime:
    """The payment's deadline, in UTC: the one asked for, or the default window from now."""
    if expires_at is None:
        return datetime.now(UTC) + DEFAULT_PAYMENT_WINDOW
    if expires_at.tzinfo is None:
        raise ValueError("expires_at must be an aware datetime")
    return expires_at.astimezone(UTC)


def whole_number(value: Any, what: str) -> int:
    """An amount in minor units from a notification: a JSON integer, nothing else."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidWebhook(f"{what} is not a whole number of minor units: {value!r}")
    return value


def required_text(value: Any, what: str) -> str:
    """A required id from a notification: a non-empty string."""
    if not isinstance(value, str) or not value:
        raise InvalidWebhook(f"notification without {what}")
    return value


# How card brands are written, by the names vendors give them (Stripe's `card.brand`).
CARD_BRAND_NAMES = {
    "amex": "American Express",
    "diners": "Diners Club",
    "discover": "Discover",
    "eftpos_au": "eftpos",
    "jcb": "JCB",
    "mastercard": "Mastercard",
    "unionpay": "UnionPay",
    "visa": "Visa",
}


def card_label(brand: str, last4: str) -> str:
    """How a payer recognises a saved card: "Visa •••• 4242"."""
    name = CARD_BRAND_NAMES.get(brand, brand.title() or "Card")
    return f"{name} •••• {last4}"
