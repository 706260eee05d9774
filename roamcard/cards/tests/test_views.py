"""The traveller's card pages: my cards, bind, detail, unbind, plans."""

import re
import zoneinfo

import pytest
from babel.dates import format_time
from django.conf import settings
from django.urls import reverse

from roamcard.cards.models import Card
from roamcard.testing import GIB, make_bucket, make_card, make_iccid, make_plan, make_region

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_for(client):
    def log_in(user):
        client.force_login(user)
        return client

    return log_in


def html(response) -> str:
    return response.content.decode()


# --- My cards ---------------------------------------------------------------------


def test_my_cards_needs_a_login(client):
    response = client.get(reverse("cards:list"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_my_cards_without_cards_invites_binding_one(client_for, traveller):
    response = client_for(traveller).get(reverse("cards:list"))

    assert response.status_code == 200
    assert "No cards yet" in html(response)
    assert reverse("cards:bind") in html(response)


def test_my_cards_shows_each_card_with_its_balance(client_for, traveller, other_traveller):
    physical = make_card(owner=traveller, label="Europe trip")
    make_bucket(card=physical, bytes_granted=2 * GIB, bytes_remaining=GIB // 2)
    esim = make_card(owner=traveller, form="esim")
    make_bucket(card=esim, bytes_granted=None)
    someone_elses = make_card(owner=other_traveller, label="Bob's card")

    page = html(client_for(traveller).get(reverse("cards:list")))

    assert "Europe trip" in page
    assert physical.iccid_masked in page
    assert esim.iccid_masked in page
    assert "512 MB" in page and "2 GB" in page
    assert 'aria-valuenow="25"' in page
    assert "Unlimited" in page
    assert "Physical SIM" in page and "eSIM" in page
    assert "Active" in page
    assert "Europe" in page
    assert "Figures as of" in page
    assert "Bob&#x27;s card" not in page and someone_elses.iccid_masked not in page


def test_validity_is_shown_in_the_travellers_time_zone(client_for, traveller):
    traveller.time_zone = "Asia/Tokyo"
    traveller.save()
    card = make_card(owner=traveller)
    bucket = make_bucket(card=card, days=10)
    tokyo, utc = zoneinfo.ZoneInfo("Asia/Tokyo"), zoneinfo.ZoneInfo("UTC")

    page = html(client_for(traveller).get(reverse("cards:list")))

    assert format_time(bucket.valid_until, "short", tzinfo=tokyo, locale="en") in page
    assert format_time(bucket.valid_until, "short", tzinfo=utc, locale="en") not in page
    assert "10 days left" in page or "9 days left" in page
    assert "Times are shown in Japan Time." in page


# --- Bind a card ---------------------------------------------------------------------


def bind(client, iccid, card_password):
    return client.post(reverse("cards:bind"), {"iccid": iccid, "card_password": card_password})


def test_binding_a_card_adds_it_and_opens_it(client_for, traveller):
    card = make_card(password="246810")
    client = client_for(traveller)

    response = bind(client, card.iccid, "246810")

    assert response.status_code == 302
    assert response.url == reverse("cards:detail", args=[card.pk])
    card.refresh_from_db()
    assert card.owner == traveller
    follow = html(client.get(response.url))
    assert "is now in your account" in follow


def test_a_wrong_card_password_is_shown_on_the_form(client_for, traveller):
    card = make_card(password="246810")

    response = bind(client_for(traveller), card.iccid, "111111")

    assert response.status_code == 200
    assert "The card number or the card password is not correct." in html(response)
    card.refresh_from_db()
    assert card.owner is None


def test_a_malformed_number_is_a_field_error(client_for, traveller):
    response = bind(client_for(traveller), "1234", "246810")

    page = html(response)
    assert "A card number (ICCID) has 18 to 20 digits." in page
    assert 'aria-invalid="true"' in page


def test_a_malformed_card_password_is_a_field_error(client_for, traveller):
    response = bind(client_for(traveller), make_iccid(), "12")

    assert "The card password has 6 to 8 digits" in html(response)


def test_an_empty_form_asks_for_both_fields(client_for, traveller):
    response = bind(client_for(traveller), "", "")

    assert html(response).count("This field is required.") == 2


def test_someone_elses_card_cannot_be_bound(client_for, traveller, other_traveller):
    card = make_card(password="246810", owner=other_traveller)

    response = bind(client_for(traveller), card.iccid, "246810")

    assert "already bound to another account" in html(response)
    card.refresh_from_db()
    assert card.owner == other_traveller


def test_five_wrong_passwords_show_the_lockout_message(client_for, traveller):
    card = make_card(password="246810")
    client = client_for(traveller)

    for _ in range(4):
        assert "not correct" in html(bind(client, card.iccid, "000000"))
    fifth = html(bind(client, card.iccid, "000000"))
    with_the_right_one = html(bind(client, card.iccid, "246810"))

    assert "Binding it is locked for an hour" in fifth
    assert "Binding it is locked for an hour" in with_the_right_one
    card.refresh_from_db()
    assert card.owner is None


# --- Card detail ---------------------------------------------------------------------


def test_card_detail_shows_everything_about_the_card(client_for, traveller):
    card = make_card(owner=traveller, msisdn="+85251234567")
    make_bucket(card=card, bytes_granted=3 * GIB, bytes_remaining=GIB)

    response = client_for(traveller).get(reverse("cards:detail", args=[card.pk]))

    page = html(response)
    assert response.status_code == 200
    assert " ".join(card.iccid[i : i + 4] for i in range(0, len(card.iccid), 4)) in page
    assert "+85251234567" in page
    assert "1 GB" in page and "3 GB" in page
    assert reverse("cards:plans", args=[card.pk]) in page
    assert reverse("cards:unbind", args=[card.pk]) in page
    assert "<svg" in page and 'class="qr"' not in page


def test_an_esim_shows_its_activation_code_as_qr_and_text(client_for, traveller):
    code = "LPA:1$smdp.example.com$K2-ABCDE-12345"
    card = make_card(owner=traveller, form="esim", activation_code=code)

    page = html(client_for(traveller).get(reverse("cards:detail", args=[card.pk])))

    assert 'class="qr"' in page
    assert code in page
    assert "smdp.example.com" in page and "K2-ABCDE-12345" in page
    assert "http" not in page.split('class="qr"')[1].split("</svg>")[0]


@pytest.mark.parametrize("name", ["cards:detail", "cards:plans", "cards:unbind"])
def test_another_travellers_card_is_not_found(client_for, traveller, other_traveller, name):
    card = make_card(owner=other_traveller)
    client = client_for(traveller)

    assert client.get(reverse(name, args=[card.pk])).status_code == 404
    if name == "cards:unbind":
        assert client.post(reverse(name, args=[card.pk])).status_code == 404
        card.refresh_from_db()
        assert card.owner == other_traveller


def test_a_card_that_does_not_exist_is_not_found(client_for, traveller):
    assert client_for(traveller).get(reverse("cards:detail", args=[999999])).status_code == 404


# --- Unbind ---------------------------------------------------------------------


def test_unbind_asks_for_confirmation_first(client_for, traveller):
    card = make_card(owner=traveller)

    response = client_for(traveller).get(reverse("cards:unbind", args=[card.pk]))

    assert response.status_code == 200
    assert 'method="post"' in html(response)
    card.refresh_from_db()
    assert card.owner == traveller


def test_unbind_by_post_removes_the_card(client_for, traveller):
    card = make_card(owner=traveller)
    client = client_for(traveller)

    response = client.post(reverse("cards:unbind", args=[card.pk]))

    assert response.status_code == 302
    assert response.url == reverse("cards:list")
    card.refresh_from_db()
    assert card.owner is None
    assert "was removed from your account" in html(client.get(response.url))


def test_unbind_refuses_other_methods(client_for, traveller):
    card = make_card(owner=traveller)

    response = client_for(traveller).put(reverse("cards:unbind", args=[card.pk]))

    assert response.status_code == 405
    assert Card.objects.get(pk=card.pk).owner == traveller


# --- Plans ---------------------------------------------------------------------


@pytest.fixture
def card_with_plans(traveller):
    europe = make_region()
    card = make_card(owner=traveller, region=europe)
    make_plan(
        region=europe,
        name="Europe 5 GB",
        data_bytes=5 * GIB,
        days=30,
        kind="month",
        prices={"USD": 1990, "EUR": 1850, "CNY": 13800},
    )
    make_plan(
        region=europe,
        name="Europe unlimited",
        data_bytes=None,
        fair_use_kbps=512,
        days=7,
        prices={"USD": 2500, "EUR": 2300},
    )
    make_plan(
        region=make_region(code="japan", name="Japan", countries=["JP"]),
        name="Japan 3 GB",
        prices={"USD": 900},
    )
    return card


def test_plans_are_priced_in_the_travellers_currency(client_for, traveller, card_with_plans):
    traveller.preferred_currency = "CNY"
    traveller.save()

    page = html(client_for(traveller).get(reverse("cards:plans", args=[card_with_plans.pk])))

    assert "Europe 5 GB" in page and "Europe unlimited" in page
    assert "Japan 3 GB" not in page
    assert "CN¥138.00" in page
    # No other currency is shown beside the traveller's (the switcher offers them).
    assert "$19.90" not in page and "€18.50" not in page
    assert "5 GB" in page and "30 days" in page and "Month" in page
    assert "then 512 kbit/s" in page
    # The unlimited plan has no CNY price: it says what it costs instead, and is bought in it.
    assert "Not sold in CNY — you will pay $25.00" in page
    assert _renew_currencies(page) == ["USD", "CNY"]  # the 7-day plan comes first


def _renew_currencies(page: str) -> list[str]:
    """The currency each plan's Renew button orders in, in page order."""
    return re.findall(r'name="currency" value="([A-Z]{3})"', page)


def test_a_currency_no_plan_is_sold_in_is_kept_and_each_plan_says_what_it_costs(
    client_for, traveller, card_with_plans
):
    traveller.preferred_currency = "KRW"
    traveller.save()

    page = html(client_for(traveller).get(reverse("cards:plans", args=[card_with_plans.pk])))

    assert 'aria-current="true">KRW</a>' in page  # not silently switched to another currency
    assert "Not sold in KRW — you will pay $19.90" in page
    assert "Not sold in KRW — you will pay $25.00" in page
    assert _renew_currencies(page) == ["USD", "USD"]


def test_a_plan_without_the_default_currency_is_charged_in_its_first_currency(
    client_for, traveller, europe
):
    card = make_card(owner=traveller, region=europe)
    make_plan(region=europe, prices={"EUR": 900, "GBP": 790})
    traveller.preferred_currency = "JPY"
    traveller.save()

    page = html(client_for(traveller).get(reverse("cards:plans", args=[card.pk])))

    assert "Not sold in JPY — you will pay €9.00" in page
    assert _renew_currencies(page) == ["EUR"]


def test_plans_show_names_and_descriptions_in_the_readers_language(client_for, traveller, europe):
    europe.name_zh_hant = "歐洲"
    europe.save()
    card = make_card(owner=traveller, region=europe)
    make_plan(
        region=europe,
        name="Europe week 5 GB",
        name_zh_hans="欧洲 7天 5GB",
        description="A week across Europe.",
        description_zh_hans="欧洲7天畅游。",
    )
    client = client_for(traveller)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hant"

    page = html(client.get(reverse("cards:plans", args=[card.pk])))

    # No traditional Chinese plan name yet: the simplified one, before the English one.
    assert "欧洲 7天 5GB" in page and "欧洲7天畅游。" in page
    assert "歐洲" in page  # the region's own traditional name
    assert "Europe week 5 GB" not in page


def test_the_currency_switcher_changes_the_price(client_for, traveller, card_with_plans):
    url = reverse("cards:plans", args=[card_with_plans.pk])

    page = html(client_for(traveller).get(url, {"currency": "EUR"}))

    assert 'aria-current="true">EUR</a>' in page
    assert '<span class="price">€18.50</span>' in page
    for code in ("CNY", "EUR", "USD"):
        assert f"?currency={code}" in page
    assert "?currency=JPY" not in page


def test_an_unoffered_currency_falls_back_to_the_preferred_one(
    client_for, traveller, card_with_plans
):
    url = reverse("cards:plans", args=[card_with_plans.pk])

    page = html(client_for(traveller).get(url, {"currency": "XXX"}))

    assert traveller.preferred_currency == settings.DEFAULT_CURRENCY == "USD"
    assert '<span class="price">$19.90</span>' in page


def test_prices_are_formatted_for_the_language(client_for, traveller, card_with_plans):
    client = client_for(traveller)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    url = reverse("cards:plans", args=[card_with_plans.pk])

    page = html(client.get(url, {"currency": "CNY"}))

    assert '<html lang="zh-hans">' in page
    assert '<span class="price">¥138.00</span>' in page
    usd = html(client.get(url, {"currency": "USD"}))
    assert '<span class="price">US$19.90</span>' in usd


def test_plans_empty_state(client_for, traveller):
    card = make_card(owner=traveller)

    page = html(client_for(traveller).get(reverse("cards:plans", args=[card.pk])))

    assert "No plans for this card right now" in page


# --- Layout ---------------------------------------------------------------------


def test_the_layout_offers_log_in_and_sign_up_to_visitors(client):
    page = html(client.get(reverse("home")))

    assert reverse("account_login") in page
    assert reverse("account_signup") in page
    assert reverse("set_language") in page


def test_the_layout_offers_log_out_by_post_to_travellers(client_for, traveller):
    page = html(client_for(traveller).get(reverse("cards:list")))

    assert f'action="{reverse("account_logout")}" method="post"' in page
    assert "alice@example.com" in page


def test_the_language_switcher_keeps_the_page(client_for, traveller):
    client = client_for(traveller)
    url = reverse("cards:list")

    response = client.post(reverse("set_language"), {"language": "zh-hans", "next": url})

    assert response.status_code == 302
    assert response.url == url
    assert '<html lang="zh-hans">' in html(client.get(url))
