"""The sandbox's webhook signature: HMAC-SHA256 over "<timestamp>." + body, sent as
`Sandbox-Signature: t=<unix seconds>,v1=<hex digest>` (the scheme Stripe made familiar)."""

import hashlib
import hmac
import time

HEADER = "Sandbox-Signature"


def sign(*, secret: str, body: bytes, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


class SignatureError(Exception):
    pass


def verify(
    *, secret: str, body: bytes, header: str, tolerance: int, now: float | None = None
) -> int:
    """Check the header against the body; return its timestamp or raise SignatureError."""
    parts = dict(item.split("=", 1) for item in (header or "").split(",") if "=" in item)
    try:
        timestamp = int(parts["t"])
        given = parts["v1"]
    except (KeyError, ValueError) as exc:
        raise SignatureError("missing or malformed signature header") from exc
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        raise SignatureError("timestamp outside the tolerance window")
    expected = sign(secret=secret, body=body, timestamp=timestamp).split("v1=", 1)[1]
    if not hmac.compare_digest(expected, given):
        raise SignatureError("signature does not match")
    return timestamp
