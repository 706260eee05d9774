"""From the store's "Buy" to the plan on the traveller's card: sign in, bind a card if
none fits, pick one if several do, and never follow a `next` to another site."""

import pytest

from roamcard.testing import make_card, make_plan, make_region

pytestmark = pytest.mark.django_db


@pytest.fixture
def japan():
    return make_region(code="japan", name="Japan", countries=["JP"])


@pytest.fixture
def asia():
    return make_region(code="east-asia", name="East Asia", countries=["JP", "KR"])


@pytest.fixture
def plan(japan):
    return make_plan(region=japan, code="japan-week", name="Japan week", prices={"USD": 990})


BUY = "/cards/buy/japan-week/?currency=USD"


def test_a_visitor_is_asked_to_sign_in_and_can_sign_up_from_there(client, plan):
    response = client.get(BUY)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    login = client.get(response["Location"]).content.decode()
    assert 'href="/accounts/signup/?next=%2Fcards%2Fbuy%2Fjapan-week%2F%3Fcurrency%3DUSD"' in login


def test_signing_in_carries_on_to_the_purchase(client, plan, traveller, japan):
    card = make_card(owner=traveller, region=japan)

    response = client.post(
        "/accounts/login/",
        {"login": "alice@example.com", "password": "Secret-pass-42", "next": BUY},
    )
    assert response["Location"] == BUY

    response = client.get(BUY)
    assert response["Location"] == f"/cards/{card.pk}/plans/?currency=USD#plan-japan-week"


def test_one_card_that_fits_goes_straight_to_the_plan_on_it(client, plan, traveller, asia):
    make_card(owner=traveller, region=make_region(code="europe"))  # does not fit
    card = make_card(owner=traveller, region=asia)  # Japan is inside East Asia
    client.force_login(traveller)

    response = client.get(BUY)

    assert response["Location"] == f"/cards/{card.pk}/plans/?currency=USD#plan-japan-week"
    page = client.get(response["Location"]).content.decode()
    assert 'id="plan-japan-week"' in page
    assert "Renew with Japan week" in page


def test_with_several_fitting_cards_the_traveller_picks_one(client, plan, traveller, japan, asia):
    first = make_card(owner=traveller, region=japan, label="Tokyo")
    second = make_card(owner=traveller, region=asia, label="Seoul")
    client.force_login(traveller)

    response = client.get(BUY)

    assert response.status_code == 200
    assert [card for card, _url in response.context["choices"]] == [first, second]
    chosen = response.context["choices"][1][1]
    assert client.get(chosen)["Location"] == (
        f"/cards/{second.pk}/plans/?currency=USD#plan-japan-week"
    )


def test_without_a_fitting_card_the_traveller_binds_one_and_comes_back(
    client, plan, traveller, japan
):
    card = make_card(region=japan, password="246810")  # in stock, not bound yet
    client.force_login(traveller)

    response = client.get(BUY)
    assert (
        response["Location"] == "/cards/bind/?next=%2Fcards%2Fbuy%2Fjapan-week%2F%3Fcurrency%3DUSD"
    )
    bind_page = client.get(response["Location"]).content.decode()
    assert "Add the card you will use for Japan week" in bind_page
    assert 'name="next" value="/cards/buy/japan-week/?currency=USD"' in bind_page

    response = client.post(
        "/cards/bind/", {"iccid": card.iccid, "card_password": "246810", "next": BUY}
    )
    assert response["Location"] == f"{BUY}&card={card.pk}"
    response = client.get(response["Location"])
    assert response["Location"] == f"/cards/{card.pk}/plans/?currency=USD#plan-japan-week"


def test_a_bound_card_that_does_not_fit_is_said_so_plainly(client, plan, traveller):
    europe = make_region(code="europe", name="Europe", countries=["FR", "DE"])
    card = make_card(region=europe, password="246810")
    client.force_login(traveller)

    response = client.post(
        "/cards/bind/", {"iccid": card.iccid, "card_password": "246810", "next": BUY}
    )
    response = client.get(response["Location"])

    assert response.status_code == 200
    page = response.content.decode()
    assert "This card cannot take Japan week" in page
    assert "covers Europe, but the plan is for Japan" in page
    assert 'href="/store/"' in page


def test_an_attackers_next_is_ignored_after_binding(client, traveller, japan):
    card = make_card(region=japan, password="246810")
    client.force_login(traveller)

    response = client.post(
        "/cards/bind/?next=https://evil.example/",
        {"iccid": card.iccid, "card_password": "246810", "next": "https://evil.example/"},
    )

    assert response["Location"] == f"/cards/{card.pk}/"


def test_someone_elses_card_is_not_found(client, plan, traveller, other_traveller, japan):
    theirs = make_card(owner=other_traveller, region=japan)
    client.force_login(traveller)

    assert client.get(f"{BUY}&card={theirs.pk}").status_code == 404


def test_a_plan_not_on_sale_is_not_found(client, traveller, japan):
    make_plan(region=japan, code="old-plan", active=False)
    client.force_login(traveller)

    assert client.get("/cards/buy/old-plan/").status_code == 404
    assert client.get("/cards/buy/no-such-plan/").status_code == 404
