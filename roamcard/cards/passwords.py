"""Card passwords (the 6-8 digit PIN under the scratch panel) are stored only as a hash.

They are short, so the hash must be slow: Argon2id by default, with lighter memory settings
than account passwords because thousands are hashed on every inventory import."""

import functools
import re

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher, check_password, make_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CARD_PASSWORD_RE = re.compile(r"^\d{6,8}$")


class CardPasswordHasher(Argon2PasswordHasher):
    """Argon2id at OWASP's recommended minimum (19 MiB, 2 passes)."""

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


def _hasher_name() -> str:
    return getattr(settings, "CARD_PASSWORD_HASHER", "argon2")


def hash_card_password(raw: str) -> str:
    if _hasher_name() == "argon2":
        return CardPasswordHasher().encode(raw, CardPasswordHasher().salt())
    return make_password(raw, hasher=_hasher_name())


def check_card_password(raw: str, encoded: str) -> bool:
    if encoded.startswith("argon2$"):
        return CardPasswordHasher().verify(raw, encoded)
    return check_password(raw, encoded)


@functools.cache
def _dummy_hash(hasher_name: str) -> str:
    # Computed once per hasher: the hash of a value no card has, in the same format.
    return hash_card_password("not-a-card-password")


def check_card_password_or_spend_the_time(raw: str, encoded: str | None) -> bool:
    """check_card_password for a card that exists; for one that does not (encoded is None),
    a check against a dummy hash of the same hasher, so that both take the same time."""
    if encoded is None:
        check_card_password(raw, _dummy_hash(_hasher_name()))
        return False
    return check_card_password(raw, encoded)
