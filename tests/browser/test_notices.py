"""A usage alert as the traveller meets it in the app: the count in the header (the bell on
a wide screen, a dot on the account button and the count in its menu on a phone), the
notices page, and opening the alert on to the card's plans."""

import re

import pytest
from playwright.sync_api import expect

from roamcard.testing import GIB, make_bucket, make_card, make_region, make_user
from roamcard.usage.alerts import usage_alerts_check

from .conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def traveller_alerted():
    user = make_user(email="roamer@example.com", time_zone="Asia/Tokyo")
    card = make_card(owner=user, region=make_region(code="japan", name="Japan", countries=["JP"]))
    bucket = make_bucket(card=card, bytes_granted=10 * GIB, bytes_remaining=GIB)
    usage_alerts_check(bucket_ids=[bucket.pk])
    return user, card


def test_on_a_wide_screen_the_bell_counts_and_the_alert_opens_the_plans(new_page, log_in):
    user, card = traveller_alerted()
    page = log_in(new_page(viewport=DESKTOP), user)
    page.goto("/cards/")

    bell = page.get_by_role("link", name="Notices: 1 unread")
    expect(bell).to_be_visible()
    bell.click()

    expect(page.get_by_role("heading", name=re.compile("Japan: 1 GB left"))).to_be_visible()
    page.get_by_role("button", name="Open").click()
    expect(page).to_have_url(re.compile(rf"/cards/{card.pk}/plans/$"))
    assert page.locator(".count-badge").count() == 0


def test_on_a_phone_the_account_menu_has_the_count(new_page, log_in):
    user, _card = traveller_alerted()
    page = log_in(new_page(viewport=PHONE), user)
    page.goto("/cards/")

    expect(page.locator(".count-badge-avatar")).to_be_visible()
    expect(page.locator(".topnav-notices")).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.locator(".menu-account > summary").click()
    page.locator(".menu-account .menu-item", has_text="Notices").click()

    expect(page).to_have_url(re.compile(r"/notices/$"))
    page.get_by_role("button", name="Mark all as read").click()
    expect(page.locator(".notice-item.is-unread")).to_have_count(0)
    expect(page.locator(".count-badge-avatar")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
