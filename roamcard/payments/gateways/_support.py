"""Small helpers the vendor adapters (stripe, alipay, wechatpay) share."""

import textwrap
from collections.abc import Mapping


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
