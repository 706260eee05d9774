"""A traveller in a real browser: sign up, bind a card, see it; small screens; lockout."""

import re

import pytest
from playwright.sync_api import expect

from roamcard.testing import GIB, make_bucket, make_card, make_plan, make_user

from .conftest import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def bind_card(page, iccid: str, card_password: str) -> None:
    page.get_by_label("Card number (ICCID)").fill(iccid)
    page.get_by_label("Card password").fill(card_password)
    page.get_by_role("button", name="Add card").click()


def test_a_new_traveller_signs_up_binds_a_printed_demo_card_and_sees_it(page):
    from roamcard.cards.models import Card
    from roamcard.demo.services import demo_seed
    from roamcard.notifications.models import Message

    printed = demo_seed().unbound_cards[0]  # what `make run` prints
    card = Card.objects.get(iccid=printed.iccid)
    email = "new.traveller@example.com"

    page.goto("/")
    page.get_by_role("link", name="Sign up").first.click()
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=False).first.fill("Travel-far-2025")
    page.get_by_label("Password (again)").fill("Travel-far-2025")
    page.get_by_role("button", name="Sign up").click()

    expect(page.get_by_label("Code")).to_be_visible()
    message = Message.objects.filter(to=email).latest("created_at")
    code = re.search(r"\b(\d{6})\b", message.body).group(1)
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Confirm").click()

    expect(page.get_by_role("heading", name="My cards")).to_be_visible()
    page.get_by_role("link", name="Add a card").first.click()
    bind_card(page, printed.iccid, printed.password)
    expect(page.get_by_text("is now in your account")).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My cards").click()
    expect(page.get_by_role("link", name=re.compile(card.iccid_masked))).to_be_visible()


def test_a_logged_in_traveller_binds_a_card_and_sees_it(page, log_in):
    card = make_card(password="482913")
    make_bucket(card=card, bytes_granted=3 * GIB)
    log_in(page, make_user())

    page.goto("/cards/")
    expect(page.get_by_role("heading", name="No cards yet")).to_be_visible()
    page.get_by_role("link", name="Add a card").click()
    bind_card(page, " ".join(card.iccid[i : i + 4] for i in range(0, 20, 4)), "482913")

    expect(page.get_by_text("is now in your account")).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My cards").click()
    expect(page).to_have_url(re.compile(r"/cards/$"))
    expect(page.get_by_role("link", name=re.compile(card.iccid_masked))).to_be_visible()
    expect(page.get_by_text("3 GB", exact=True)).to_be_visible()


def test_my_cards_fits_a_360_px_phone(page, log_in):
    user = make_user(email="a.very.long.address.for.a.traveller@example.com")
    esim = make_card(owner=user, form="esim", label="Trip to Japan and Korea with the family")
    make_bucket(card=esim, bytes_granted=10 * GIB, bytes_remaining=GIB // 3)
    make_bucket(card=make_card(owner=user), bytes_granted=None)
    log_in(page, user)

    for path in ("/cards/", f"/cards/{esim.pk}/", "/cards/bind/", f"/cards/{esim.pk}/plans/", "/"):
        page.goto(path)
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= PHONE["width"], f"{path} scrolls sideways ({scroll_width}px)"


def test_five_wrong_card_passwords_lock_binding(page, log_in):
    card = make_card(password="482913")
    log_in(page, make_user())
    page.goto("/cards/bind/")

    for _ in range(4):
        bind_card(page, card.iccid, "000000")
        expect(page.get_by_role("alert")).to_contain_text("not correct")
    bind_card(page, card.iccid, "000000")

    expect(page.get_by_role("alert")).to_contain_text("Binding it is locked for an hour")
    bind_card(page, card.iccid, "482913")
    expect(page.get_by_role("alert")).to_contain_text("Binding it is locked for an hour")


def test_the_currency_switcher_reprices_the_plans(page, log_in):
    user = make_user()
    card = make_card(owner=user)
    make_plan(region=card.region, name="Europe 5 GB", prices={"USD": 1390, "EUR": 1290})
    log_in(page, user)

    page.goto(f"/cards/{card.pk}/plans/")
    expect(page.locator(".price")).to_have_text("$13.90")
    page.get_by_role("navigation", name="Currency").get_by_role("link", name="EUR").click()

    expect(page.locator(".price")).to_have_text("€12.90")
    expect(page).to_have_url(re.compile(r"\?currency=EUR$"))
