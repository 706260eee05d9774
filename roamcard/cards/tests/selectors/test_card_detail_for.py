"""card_detail_for reads a card in one query and gives the card detail exactly what the
ORM's card gave it: the same fields and the same balance, whatever the card holds."""

from datetime import timedelta

import pytest
from django.utils import timezone

from roamcard.cards.api import _card_detail
from roamcard.cards.errors import CardNotFound
from roamcard.cards.models import Bucket
from roamcard.cards.selectors import card_balance, card_detail_for, card_get_for
from roamcard.testing import GIB, make_bucket, make_card, make_plan, make_region

pytestmark = pytest.mark.django_db


def several_buckets(card):
    """Live limited data (two, the one ending first pays first), a narrower coverage,
    a queued plan, a first-use plan waiting, one used up, one ended, one withdrawn."""
    japan = make_region(code="japan", name="Japan", countries=("JP",))
    now = timezone.now()
    make_bucket(card=card, bytes_granted=3 * GIB, bytes_remaining=GIB, days=3)
    make_bucket(card=card, bytes_granted=GIB, days=20)
    make_bucket(card=card, region=japan, bytes_granted=2 * GIB, bytes_remaining=GIB // 3)
    make_bucket(card=card, bytes_granted=GIB, bytes_remaining=0, days=2)
    Bucket.objects.create(
        card=card,
        plan=make_plan(region=card.region, name="Europe month", days=30),
        region=card.region,
        bytes_granted=5 * GIB,
        bytes_remaining=5 * GIB,
        starts="queued",
        validity_days=30,
        valid_from=now + timedelta(days=20),
        valid_until=now + timedelta(days=50),
    )
    Bucket.objects.create(
        card=card,
        plan=make_plan(region=japan, name="Japan day", days=1),
        region=japan,
        bytes_granted=GIB,
        bytes_remaining=GIB,
        starts="first_use",
        validity_days=1,
        activate_by=now + timedelta(days=90),
    )
    ended = make_bucket(card=card, bytes_granted=GIB, days=1)
    Bucket.objects.filter(pk=ended.pk).update(
        valid_from=now - timedelta(days=9),
        valid_until=now - timedelta(days=2),
        updated_at=now + timedelta(minutes=5),  # the latest change: as_of counts it
    )
    withdrawn = make_bucket(card=card, bytes_granted=GIB, days=10)
    Bucket.objects.filter(pk=withdrawn.pk).update(withdrawn_at=now)


def no_buckets(card):
    pass


def unlimited(card):
    make_bucket(card=card, bytes_granted=None, days=5)
    make_bucket(card=card, bytes_granted=GIB, bytes_remaining=GIB // 2, days=9)


SHAPES = {"several buckets": several_buckets, "none": no_buckets, "unlimited": unlimited}


@pytest.fixture(params=["sim", "esim"])
def card(request, traveller, europe):
    extra = {"form": "esim", "activation_code": "LPA:1$smdp.example.com$X-1"}
    return make_card(
        owner=traveller,
        region=europe,
        label="Summer trip",
        msisdn="+34600000001",
        last_country="JP",
        **(extra if request.param == "esim" else {}),
    )


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("country", [None, "fr", "JP", "BR"])
def test_the_detail_is_what_the_orm_card_gave(traveller, card, shape, country):
    SHAPES[shape](card)

    fast = card_detail_for(user=traveller, card_id=card.pk)
    orm = card_get_for(user=traveller, card_id=card.pk)

    assert _card_detail(fast, country) == _card_detail(orm, country)


def test_the_balance_is_the_same(traveller, card):
    several_buckets(card)
    now = timezone.now()

    fast = card_balance(card=card_detail_for(user=traveller, card_id=card.pk), now=now)
    orm = card_balance(card=card_get_for(user=traveller, card_id=card.pk), now=now)

    def shown(balance):
        return (
            balance.unlimited,
            balance.bytes_remaining,
            balance.bytes_granted,
            balance.valid_until,
            balance.as_of,
            balance.headline_country,
            [b.pk for b in balance.active_buckets],
            [
                (
                    line.region.pk,
                    line.is_card_coverage,
                    line.unlimited,
                    line.bytes_remaining,
                    line.bytes_granted,
                    line.valid_until,
                    [b.pk for b in line.live_buckets],
                    [b.pk for b in line.queued],
                    [b.pk for b in line.first_use],
                )
                for line in balance.lines
            ],
        )

    assert shown(fast) == shown(orm)
    assert len(fast.lines) == 2 and fast.lines[0].queued == [] and fast.lines[0].first_use


def test_ended_and_withdrawn_buckets_are_not_read(traveller, card):
    several_buckets(card)

    fast = card_detail_for(user=traveller, card_id=card.pk)

    assert len(fast.current_buckets) == 6  # of 8
    assert fast.as_of == max(b.updated_at for b in Bucket.objects.filter(card=card))


def test_someone_elses_card_or_an_unknown_one_is_not_found(other_traveller, traveller, card):
    with pytest.raises(CardNotFound):
        card_detail_for(user=other_traveller, card_id=card.pk)
    with pytest.raises(CardNotFound):
        card_detail_for(user=traveller, card_id=card.pk + 1000)


def test_one_query(traveller, card, django_assert_num_queries):
    several_buckets(card)

    with django_assert_num_queries(1):
        card_detail_for(user=traveller, card_id=card.pk)
