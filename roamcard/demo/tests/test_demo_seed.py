import pytest
from django.conf import settings
from django.utils import translation
from modeltranslation.utils import build_localized_fieldname as _column

from roamcard.cards.models import Card
from roamcard.cards.selectors import card_balance
from roamcard.catalog.models import Plan, PlanPrice, Region
from roamcard.demo.services import TRAVELLER_EMAIL, demo_seed
from roamcard.ledger.selectors import card_data_balance, unit_totals
from roamcard.testing import card_password_is

pytestmark = pytest.mark.django_db


def test_the_demo_gives_a_traveller_three_cards_and_twenty_cards_to_bind():
    summary = demo_seed()

    bound = Card.objects.filter(owner__email=TRAVELLER_EMAIL)
    assert bound.count() == 3
    assert all(card.buckets.exists() for card in bound)
    assert len(summary.unbound_cards) == 20
    for demo in summary.unbound_cards[:3]:
        card = Card.objects.get(iccid=demo.iccid)
        assert card.owner is None
        assert card_password_is(card, demo.password)
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
        [line] = card_balance(card=card).lines
        assert line.bytes_remaining > 0 or line.first_use
    assert unit_totals().get("BYTE", 0) == 0


def test_each_demo_card_is_near_an_alert_threshold():
    """The simulated network's usage shows alerts within a minute or two of `make run`."""
    demo_seed()

    percents = {}
    for card in Card.objects.filter(owner__email=TRAVELLER_EMAIL).select_related("region"):
        [line] = card_balance(card=card).lines
        percents[card.region.code] = (
            round(100 * line.bytes_remaining / line.bytes_granted) if line.live_buckets else None
        )
    assert percents == {"europe-33": 55, "japan": 22, "south-east-asia": None}
    day_pass = Card.objects.get(region__code="south-east-asia", owner__email=TRAVELLER_EMAIL)
    assert [b.state for b in day_pass.buckets.all()] == ["waiting_first_use"]


def test_every_demo_region_and_plan_is_named_in_every_language_and_priced_in_every_currency():
    demo_seed()

    languages = [code for code, _ in settings.LANGUAGES]
    assert Region.objects.count() == 5 and Plan.objects.count() == 16
    for region in Region.objects.all():
        missing = [lang for lang in languages if not getattr(region, _column("name", lang))]
        assert not missing, f"region {region.code} has no name in {missing}"
    for plan in Plan.objects.prefetch_related("prices"):
        for field in ("name", "description"):
            missing = [lang for lang in languages if not getattr(plan, _column(field, lang))]
            assert not missing, f"plan {plan.code} has no {field} in {missing}"
        priced = sorted(price.currency for price in plan.prices.all())
        assert priced == sorted(settings.CURRENCIES), f"plan {plan.code} is priced in {priced}"


def test_demo_prices_are_local_price_points():
    demo_seed()

    week = Plan.objects.get(code="japan-week-10-gb")
    prices = {price.currency: price.amount_minor for price in week.prices.all()}
    # Whole yen and won; NT$340 and S$14.90 in cents.
    assert (prices["JPY"], prices["KRW"], prices["TWD"], prices["SGD"]) == (
        1600,
        14900,
        34000,
        1490,
    )
    with translation.override("zh-hant"):
        assert Plan.objects.get(pk=week.pk).name == "日本 7天 10GB"


def test_seeding_a_demo_database_from_an_older_version_fills_in_names_and_prices():
    # What the previous demo loader left: English names only, four currencies.
    japan = Region.objects.create(code="japan", name="Japan", countries=["JP"])
    old = Plan.objects.create(
        code="japan-week-10-gb",
        name="Japan week 10 GB",
        kind="week",
        region=japan,
        data_bytes=10 * 1024**3,
        validity_days=7,
    )
    PlanPrice.objects.create(plan=old, currency="USD", amount_minor=999)

    demo_seed()

    old.refresh_from_db()
    assert (old.name_zh_hans, old.name_ja, old.name_ko) == (
        "日本 7天 10GB",
        "日本 7日間 10GB",
        "일본 7일 10GB",
    )
    assert old.prices.get(currency="USD").amount_minor == 1090
    assert old.prices.count() == len(settings.CURRENCIES)
    japan.refresh_from_db()
    assert japan.name_ko == "일본"
    assert demo_seed().created == 0
