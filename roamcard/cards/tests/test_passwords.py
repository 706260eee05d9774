"""Card passwords as a keyed hash: HMAC-SHA256 over the card's number and its password, under
a versioned key kept outside the database (docs/decisions/0002)."""

import pytest

from roamcard.cards.passwords import (
    LegacyArgon2CardPasswordHasher,
    card_password_needs_rehash,
    check_card_password,
    hash_card_password,
)

ICCID = "89852000000000000014"
OTHER_ICCID = "89852000000000000022"


@pytest.fixture
def two_keys(settings):
    settings.CARD_PASSWORD_KEYS = {1: b"first-key-" + b"a" * 32, 2: b"second-key-" + b"b" * 32}
    settings.CARD_PASSWORD_KEY_VERSION = 2
    return settings


def test_the_right_password_verifies_and_a_wrong_one_does_not(two_keys):
    encoded = hash_card_password(iccid=ICCID, password="482913")

    assert encoded.startswith("hmac-sha256$v2$") and "482913" not in encoded
    assert check_card_password(iccid=ICCID, password="482913", encoded=encoded)
    assert not check_card_password(iccid=ICCID, password="482914", encoded=encoded)


def test_the_same_password_on_two_cards_hashes_differently(two_keys):
    mine = hash_card_password(iccid=ICCID, password="482913")
    other = hash_card_password(iccid=OTHER_ICCID, password="482913")

    assert mine != other
    # Another card's hash, copied onto this one, proves nothing.
    assert not check_card_password(iccid=ICCID, password="482913", encoded=other)


def test_the_hash_depends_on_the_key(two_keys):
    before = hash_card_password(iccid=ICCID, password="482913")
    two_keys.CARD_PASSWORD_KEYS = {**two_keys.CARD_PASSWORD_KEYS, 2: b"another-key-" + b"c" * 32}

    assert hash_card_password(iccid=ICCID, password="482913") != before
    assert not check_card_password(iccid=ICCID, password="482913", encoded=before)


def test_after_a_rotation_old_hashes_still_verify_and_new_ones_use_the_new_key(two_keys):
    two_keys.CARD_PASSWORD_KEY_VERSION = 1
    old = hash_card_password(iccid=ICCID, password="482913")
    two_keys.CARD_PASSWORD_KEY_VERSION = 2
    new = hash_card_password(iccid=ICCID, password="482913")

    assert old.startswith("hmac-sha256$v1$") and new.startswith("hmac-sha256$v2$")
    assert check_card_password(iccid=ICCID, password="482913", encoded=old)
    assert card_password_needs_rehash(old) and not card_password_needs_rehash(new)


def test_a_hash_whose_key_was_removed_verifies_nothing(two_keys):
    two_keys.CARD_PASSWORD_KEY_VERSION = 1
    old = hash_card_password(iccid=ICCID, password="482913")
    two_keys.CARD_PASSWORD_KEYS = {2: two_keys.CARD_PASSWORD_KEYS[2]}
    two_keys.CARD_PASSWORD_KEY_VERSION = 2

    assert not check_card_password(iccid=ICCID, password="482913", encoded=old)


@pytest.mark.parametrize(
    "encoded",
    ["", "!", "hmac-sha256$v2$", "hmac-sha256$2$00", "hmac-sha256$vx$00", "md5$salt$00"],
)
def test_malformed_hashes_verify_nothing(two_keys, encoded):
    assert not check_card_password(iccid=ICCID, password="482913", encoded=encoded)


def test_a_legacy_argon2_hash_still_verifies_and_needs_a_rehash(two_keys):
    hasher = LegacyArgon2CardPasswordHasher()
    legacy = hasher.encode("482913", hasher.salt())

    assert check_card_password(iccid=ICCID, password="482913", encoded=legacy)
    assert not check_card_password(iccid=ICCID, password="482914", encoded=legacy)
    assert card_password_needs_rehash(legacy)
