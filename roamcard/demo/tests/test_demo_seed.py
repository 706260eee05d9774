import pytest

from roamcard.cards.models import Card
from roamcard.cards.passwords import check_card_password
from roamcard.cards.selectors import card_balance
from roamcard.catalog.models import Plan
from roamcard.demo.services import TRAVELLER_EMAIL, demo_seed
from roamcard.ledger.selectors import card_data_balance, unit_totals

pytestmark = pytest.mark.django_db


def test_the_demo_gives_a_traveller_two_cards_and_twenty_cards_to_bind():
    summary = demo_seed()

    bound = Card.objects.filter(owner__email=TRAVELLER_EMAIL)
    assert bound.count() == 2
    assert all(card.buckets.exists() for card in bound)
    assert len(summary.unbound_cards) == 20
    for demo in summary.unbound_cards[:3]:
        card = Card.objects.get(iccid=demo.iccid)
        assert card.owner is None
        assert check_card_password(demo.password, card.password_hash)
    assert {p.currency for p in Plan.objects.first().prices.all()} >= {"CNY", "HKD", "USD", "EUR"}


def test_seeding_again_changes_nothing_and_prints_the_same_cards():
    first = demo_seed()
    counts = (Card.objects.count(), Plan.objects.count())

    second = demo_seed()

    assert (Card.objects.count(), Plan.objects.count()) == counts
    assert [c.iccid for c in second.unbound_cards] == [c.iccid for c in first.unbound_cards]
    assert second.created == 0


def test_demo_balances_agree_with_the_ledger():
    demo_seed()

    for card in Card.objects.filter(owner__email=TRAVELLER_EMAIL):
        limited = [b for b in card.buckets.all() if b.bytes_granted is not None]
        assert card_data_balance(card_id=card.pk) == sum(b.bytes_remaining for b in limited)
        assert card_balance(card=card).bytes_remaining > 0
    assert unit_totals().get("BYTE", 0) == 0
