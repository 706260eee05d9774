import pytest
from django.utils import timezone

from roamcard.cards.errors import (
    CardAlreadyBound,
    CardAlreadyYours,
    CardBindLocked,
    CardBindRejected,
)
from roamcard.cards.passwords import LegacyArgon2CardPasswordHasher
from roamcard.cards.services import card_bind, card_unbind
from roamcard.core.errors import InvalidInput
from roamcard.testing import card_password_is, make_card, make_iccid

pytestmark = pytest.mark.django_db


def test_binding_with_the_right_password_gives_the_card_to_the_traveller(traveller):
    card = make_card(password="246810")

    bound = card_bind(user=traveller, iccid=card.iccid, card_password="246810")

    assert bound.owner == traveller
    assert bound.status == "active"
    assert bound.bound_at is not None


def test_spaces_in_the_printed_number_are_accepted(traveller):
    card = make_card(password="246810")
    spaced = " ".join(card.iccid[i : i + 4] for i in range(0, len(card.iccid), 4))

    assert card_bind(user=traveller, iccid=spaced, card_password="246810").pk == card.pk


def test_wrong_password_and_unknown_number_get_the_same_answer(traveller):
    card = make_card(password="246810")

    with pytest.raises(CardBindRejected) as wrong_password:
        card_bind(user=traveller, iccid=card.iccid, card_password="111111")
    with pytest.raises(CardBindRejected) as unknown_number:
        card_bind(user=traveller, iccid=make_iccid(), card_password="111111")

    assert str(wrong_password.value) == str(unknown_number.value)
    card.refresh_from_db()
    assert card.owner is None


def test_five_wrong_passwords_lock_binding_even_with_the_right_one(traveller, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    card = make_card(password="246810")
    for _ in range(4):
        with pytest.raises(CardBindRejected):
            card_bind(user=traveller, iccid=card.iccid, card_password="000000")
    with pytest.raises(CardBindLocked):
        card_bind(user=traveller, iccid=card.iccid, card_password="000000")

    with pytest.raises(CardBindLocked):
        card_bind(user=traveller, iccid=card.iccid, card_password="246810")

    time_machine.shift(3601)
    assert card_bind(user=traveller, iccid=card.iccid, card_password="246810").owner == traveller


def test_lockout_applies_to_unknown_numbers_too_so_it_reveals_nothing(traveller):
    iccid = make_iccid()
    for _ in range(4):
        with pytest.raises(CardBindRejected):
            card_bind(user=traveller, iccid=iccid, card_password="000000")
    with pytest.raises(CardBindLocked):
        card_bind(user=traveller, iccid=iccid, card_password="000000")


def test_a_card_bound_to_someone_else_cannot_be_bound(traveller, other_traveller):
    card = make_card(password="246810", owner=other_traveller)

    with pytest.raises(CardAlreadyBound):
        card_bind(user=traveller, iccid=card.iccid, card_password="246810")
    card.refresh_from_db()
    assert card.owner == other_traveller


def test_binding_your_own_card_again_says_so(traveller):
    card = make_card(password="246810", owner=traveller)

    with pytest.raises(CardAlreadyYours):
        card_bind(user=traveller, iccid=card.iccid, card_password="246810")


@pytest.mark.parametrize("iccid", ["1234", "89852001234567890123456", "8985200000000000017", "abc"])
def test_malformed_numbers_are_rejected_before_any_lookup(traveller, iccid):
    with pytest.raises(InvalidInput) as error:
        card_bind(user=traveller, iccid=iccid, card_password="246810")
    assert "iccid" in error.value.fields


def test_unbinding_releases_the_card(traveller):
    card = make_card(password="246810", owner=traveller)

    card_unbind(user=traveller, card_id=card.pk)

    card.refresh_from_db()
    assert card.owner is None


def test_card_passwords_are_stored_as_keyed_hashes_of_the_current_version(traveller):
    card = make_card(password="13572468")

    assert card.password_hash.startswith("hmac-sha256$v1$")
    assert "13572468" not in card.password_hash
    assert card_bind(user=traveller, iccid=card.iccid, card_password="13572468").owner == traveller


def _legacy_argon2_hash(password: str) -> str:
    hasher = LegacyArgon2CardPasswordHasher()
    return hasher.encode(password, hasher.salt())


def test_a_card_with_an_argon2_hash_binds_and_gets_a_keyed_hash(traveller, other_traveller):
    card = make_card(password_hash=_legacy_argon2_hash("13572468"))
    assert card.password_hash.startswith("argon2$argon2id$")

    card_bind(user=traveller, iccid=card.iccid, card_password="13572468")

    card.refresh_from_db()
    assert card.password_hash.startswith("hmac-sha256$v1$")
    # Still the same card password: the next traveller binds it with it, and only with it.
    card_unbind(user=traveller, card_id=card.pk)
    with pytest.raises(CardBindRejected):
        card_bind(user=other_traveller, iccid=card.iccid, card_password="13572469")
    assert card_bind(user=other_traveller, iccid=card.iccid, card_password="13572468").owner == (
        other_traveller
    )


def test_a_wrong_password_leaves_an_argon2_hash_as_it_was(traveller):
    legacy = _legacy_argon2_hash("13572468")
    card = make_card(password_hash=legacy)

    with pytest.raises(CardBindRejected):
        card_bind(user=traveller, iccid=card.iccid, card_password="13572460")

    card.refresh_from_db()
    assert card.password_hash == legacy


def test_a_hash_made_with_an_older_key_binds_and_is_hashed_again_with_the_current_key(
    traveller, settings
):
    settings.CARD_PASSWORD_KEYS = {1: b"old-key-" + b"x" * 32, 2: b"new-key-" + b"y" * 32}
    settings.CARD_PASSWORD_KEY_VERSION = 1
    card = make_card(password="246810")
    assert card.password_hash.startswith("hmac-sha256$v1$")
    settings.CARD_PASSWORD_KEY_VERSION = 2

    card_bind(user=traveller, iccid=card.iccid, card_password="246810")

    card.refresh_from_db()
    assert card.password_hash.startswith("hmac-sha256$v2$")
    assert card_password_is(card, "246810")


def test_customer_service_can_lift_a_lockout_and_it_is_audited(traveller, admin_user):
    from roamcard.cards.services import card_bind_unlock
    from roamcard.core.models import AuditEvent

    card = make_card(password="246810")
    for _ in range(5):
        with pytest.raises((CardBindRejected, CardBindLocked)):
            card_bind(user=traveller, iccid=card.iccid, card_password="000000")

    assert card_bind_unlock(staff=admin_user, card=card) == 5

    assert card_bind(user=traveller, iccid=card.iccid, card_password="246810").owner == traveller
    assert AuditEvent.objects.filter(action="card.bind_unlock", object_id=str(card.pk)).exists()
