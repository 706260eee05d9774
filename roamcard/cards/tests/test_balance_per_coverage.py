"""The card page and API show the balance per coverage, and the headline for the country
the traveller picks (docs/decisions/0003)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from roamcard.accounts.tokens import api_token_create
from roamcard.cards.models import Bucket
from roamcard.testing import GIB, make_bucket, make_card, make_plan, make_region

pytestmark = pytest.mark.django_db


@pytest.fixture
def card(traveller):
    world = make_region(code="global", name="Global", countries=("FR", "DE", "JP"))
    japan = make_region(code="japan", name="Japan", countries=("JP",))
    card = make_card(owner=traveller, region=world)
    make_bucket(card=card, bytes_granted=3 * GIB, days=10)
    make_bucket(card=card, bytes_granted=10 * GIB, days=5, region=japan)
    return card


@pytest.fixture
def api(client, traveller):
    _, token = api_token_create(user=traveller)
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def test_the_api_headline_is_for_the_country_asked_for(api, card):
    france = api.get(f"/api/v1/cards/{card.pk}", {"country": "FR"}).json()
    japan = api.get(f"/api/v1/cards/{card.pk}", {"country": "JP"}).json()

    assert (france["headline_country"], france["data"]["bytes_remaining"]) == ("FR", 3 * GIB)
    assert (japan["headline_country"], japan["data"]["bytes_remaining"]) == ("JP", 13 * GIB)


def test_the_api_lists_the_balance_per_coverage(api, card):
    shown = api.get(f"/api/v1/cards/{card.pk}").json()

    assert shown["headline_country"] is None
    assert shown["data"]["bytes_remaining"] == 3 * GIB
    assert [
        (b["coverage"]["code"], b["is_card_coverage"], b["data"]["bytes_remaining"])
        for b in shown["balances"]
    ] == [("japan", False, 10 * GIB), ("global", True, 3 * GIB)]


def test_the_card_list_api_takes_the_country_too(api, card):
    [shown] = api.get("/api/v1/cards", {"country": "JP"}).json()["cards"]

    assert shown["data"]["bytes_remaining"] == 13 * GIB


def test_the_api_shows_what_comes_next(api, card):
    plan = make_plan(region=card.region, data_bytes=5 * GIB, days=7, kind="week")
    start = timezone.now() + timedelta(days=10)
    Bucket.objects.create(
        card=card,
        plan=plan,
        region=card.region,
        bytes_granted=5 * GIB,
        bytes_remaining=5 * GIB,
        starts="queued",
        validity_days=7,
        valid_from=start,
        valid_until=start + timedelta(days=7),
    )

    shown = api.get(f"/api/v1/cards/{card.pk}").json()

    [upcoming] = shown["balances"][1]["upcoming"]
    assert (upcoming["starts"], upcoming["bytes_granted"]) == ("queued", 5 * GIB)
    assert shown["data"]["bytes_remaining"] == 3 * GIB


def test_the_card_page_shows_each_coverage_and_a_country_picker(client, traveller, card):
    client.force_login(traveller)

    page = client.get(reverse("cards:detail", args=[card.pk])).content.decode()

    assert "<strong>Japan:</strong>\n      10 GB, until" in page
    assert "<strong>Everywhere else in Global:</strong>\n      3 GB, until" in page
    assert 'name="country"' in page
    assert '<option value="JP">Japan</option>' in page


def test_the_card_page_headline_follows_the_country_picked(client, traveller, card):
    client.force_login(traveller)

    japan = client.get(reverse("cards:detail", args=[card.pk]), {"country": "JP"})
    france = client.get(reverse("cards:detail", args=[card.pk]), {"country": "FR"})

    assert "<strong>13 GB</strong>" in japan.content.decode()
    assert "Usable in Japan" in japan.content.decode()
    assert "<strong>3 GB</strong>" in france.content.decode()
    assert '<option value="FR" selected>France</option>' in france.content.decode()
