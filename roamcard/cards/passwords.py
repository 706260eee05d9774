"""Card passwords (the 6-8 digit PIN under the scratch panel) are stored only as a keyed hash.

HMAC-SHA256 under a secret key that lives outside the database (CARD_PASSWORD_KEYS, from the
environment or a key file), over the card's ICCID and its password, so equal passwords on
two cards hash differently. A stored hash names its key version, `hmac-sha256$v2$<hex>`:
several versions verify, the current one (CARD_PASSWORD_KEY_VERSION) makes new hashes, so a
key can be rotated. Cards imported before the keyed hash carry Argon2id hashes: they still
verify, and binding or re-importing the card replaces them (docs/decisions/0002)."""

import hashlib
import hmac
import re
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CARD_PASSWORD_RE = re.compile(r"^\d{6,8}$")
ALGORITHM = "hmac-sha256"
LEGACY_ARGON2_PREFIX = "argon2$"


class LegacyArgon2CardPasswordHasher(Argon2PasswordHasher):
    """What card passwords were hashed with before the keyed hash: Argon2id at OWASP's
    minimum (19 MiB, 2 passes). Only verifies now; new hashes are keyed."""

    algorithm = "argon2"
    time_cost = 2
    memory_cost = 19 * 1024
    parallelism = 1


def validate_card_password(raw: str) -> str:
    value = (raw or "").strip()
    if not CARD_PASSWORD_RE.match(value):
        raise ValidationError(
            _("The card password has 6 to 8 digits; you find it under the scratch panel."),
            code="invalid_card_password",
        )
    return value


def _key(version: int) -> bytes | None:
    return settings.CARD_PASSWORD_KEYS.get(version)


def current_key_version() -> int:
    return settings.CARD_PASSWORD_KEY_VERSION


def _digest(key: bytes, iccid: str, password: str) -> str:
    # ICCIDs and card passwords are digits only: ":" cannot occur in either.
    return hmac.digest(key, f"{iccid}:{password}".encode(), hashlib.sha256).hex()


def card_password_hasher() -> Callable[[str, str], str]:
    """hash(iccid, password) with the current key, for hashing many passwords in a row (an
    import): the key is looked up once."""
    version = current_key_version()
    key = _key(version)
    if key is None:
        raise LookupError(f"CARD_PASSWORD_KEY_VERSION {version} is not in CARD_PASSWORD_KEYS")
    prefix = f"{ALGORITHM}$v{version}$"

    def make(iccid: str, password: str) -> str:
        return prefix + _digest(key, iccid, password)

    return make


def hash_card_password(*, iccid: str, password: str) -> str:
    """The stored form of a card's password: `hmac-sha256$v<key version>$<hex digest>`."""
    return card_password_hasher()(iccid, password)


def check_card_password(*, iccid: str, password: str, encoded: str) -> bool:
    """Whether `password` is the card's, in constant time for a keyed hash. A hash made
    with a key version no longer configured verifies nothing (the card must be re-imported)."""
    if encoded.startswith(LEGACY_ARGON2_PREFIX):
        return LegacyArgon2CardPasswordHasher().verify(password, encoded)
    algorithm, _sep, rest = encoded.partition("$")
    version, _sep, _digest_hex = rest.partition("$")
    if algorithm != ALGORITHM or not version.startswith("v") or not version[1:].isdigit():
        return False
    key = _key(int(version[1:]))
    if key is None:
        return False
    expected = f"{ALGORITHM}${version}${_digest(key, iccid, password)}"
    return hmac.compare_digest(expected.encode(), encoded.encode())


def card_password_needs_rehash(encoded: str) -> bool:
    """True for a hash not made with the current key (an Argon2 one, or an older version)."""
    return not encoded.startswith(f"{ALGORITHM}$v{current_key_version()}$")


# The hash of a password no card has, in the current format: an unknown card number is
# checked against it, so that it is answered in the time a wrong password takes.
_DUMMY_ICCID = "89000000000000000000"


def check_card_password_or_spend_the_time(
    *, iccid: str, password: str, encoded: str | None
) -> bool:
    """check_card_password for a card that exists; for one that does not (encoded is None),
    a check of the same cost against a hash no password matches, so both take the same time."""
    if encoded is None:
        dummy = f"{ALGORITHM}$v{current_key_version()}${'0' * 64}"
        check_card_password(iccid=_DUMMY_ICCID, password=password, encoded=dummy)
        return False
    return check_card_password(iccid=iccid, password=password, encoded=encoded)
