"""Adjusting a bucket under real concurrency: a form submitted twice at the same instant
adjusts once, and two different adjustments both land, each booked in the ledger."""

import pytest

from roamcard.cards.models import Bucket
from roamcard.cards.services import bucket_adjust
from roamcard.core.models import AuditEvent
from roamcard.core.tests.staff import make_staff
from roamcard.ledger.models import Transaction
from roamcard.ledger.selectors import card_data_balance
from roamcard.ledger.services import ledger_post_data_grant
from roamcard.testing import GIB, make_bucket, make_card

from .racing import race, raise_first_error

pytestmark = pytest.mark.django_db(transaction=True)


def booked_bucket():
    card = make_card()
    bucket = make_bucket(card=card, bytes_granted=2 * GIB)
    ledger_post_data_grant(key=f"grant:{bucket.pk}", card_id=card.pk, bytes_granted=2 * GIB)
    return bucket


def test_a_double_submit_at_the_same_instant_adjusts_once():
    bucket, staff = booked_bucket(), make_staff()

    def submit():
        return bucket_adjust(
            bucket_id=bucket.pk,
            staff=staff,
            request_id="one-form",
            reason="correction",
            bytes_remaining=GIB,
        ).applied

    outcomes = race(submit, submit)

    raise_first_error(outcomes)
    assert sorted(o.value for o in outcomes) == [False, True]
    assert AuditEvent.objects.filter(action="bucket.adjust").count() == 1
    assert card_data_balance(card_id=bucket.card_id) == GIB


def test_two_adjustments_at_once_both_land_in_turn():
    bucket, staff = booked_bucket(), make_staff()

    def adjust(request_id, remaining):
        return lambda: bucket_adjust(
            bucket_id=bucket.pk,
            staff=staff,
            request_id=request_id,
            reason="goodwill",
            bytes_remaining=remaining,
        )

    raise_first_error(race(adjust("a", GIB), adjust("b", 3 * GIB)))

    bucket = Bucket.objects.get(pk=bucket.pk)
    assert Transaction.objects.filter(kind="data_adjustment").count() == 2
    assert card_data_balance(card_id=bucket.card_id) == bucket.bytes_remaining
