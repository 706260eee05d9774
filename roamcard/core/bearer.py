"""Bearer secrets shown once and stored only as a hash: the mobile app's API tokens
(roamcard.accounts.tokens) and the network's API keys (roamcard.usage).

A secret carries 256 bits of randomness, so a fast hash looked up by a unique index is as
safe as a slow one and keeps Argon2 off the path of every API request."""

import hashlib
import hmac
import secrets

# Length of the stored hash: SHA-256 in hexadecimal.
BEARER_HASH_LENGTH = 64


def bearer_secret_new(*, prefix: str) -> str:
    """A new secret: the prefix that tells what it is for, then 32 random bytes."""
    return prefix + secrets.token_urlsafe(32)


def bearer_secret_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def bearer_secret_matches(raw: str, stored_hash: str) -> bool:
    """Whether the secret hashes to the stored hash, compared in constant time."""
    return hmac.compare_digest(bearer_secret_hash(raw), stored_hash)
