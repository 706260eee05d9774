"""Help where the question arises: the lock message, the renewal result, the sign-in pages."""

import pytest
from django.conf import settings
from django.template import Context, Template
from django.urls import reverse

from roamcard.help.services import help_load_defaults
from roamcard.orders.choices import OrderState
from roamcard.orders.models import Order
from roamcard.orders.services import order_create
from roamcard.testing import make_card, make_plan

from .factories import make_article, make_contact

pytestmark = pytest.mark.django_db


@pytest.fixture
def defaults():
    help_load_defaults()
    make_contact()


def render(text: str) -> str:
    return Template("{% load help %}" + text).render(Context({}))


def test_help_url_links_a_published_article_and_otherwise_the_help_page():
    make_article(slug="refunds", topic="refunds")
    make_article(slug="draft", published=False)

    assert render("{% help_url 'refunds' %}") == "/help/refunds/"
    assert render("{% help_url 'draft' %}") == "/help/"
    assert render("{% help_url 'never-written' %}") == "/help/"


def test_help_url_for_an_email_is_absolute(settings):
    settings.PUBLIC_BASE_URL = "https://roamcard.example.test/"
    make_article(slug="refunds", topic="refunds")

    assert render("{% help_url 'refunds' absolute=True %}") == (
        "https://roamcard.example.test/help/refunds/"
    )


def bind(client, iccid, password):
    return client.post(reverse("cards:bind"), {"iccid": iccid, "card_password": password})


def test_the_lock_message_links_to_the_card_password_article_and_shows_the_hours(
    client, traveller, defaults
):
    traveller.time_zone = "Asia/Seoul"
    traveller.save()
    client.force_login(traveller)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ko"
    card = make_card(password="246810")

    for _ in range(4):
        page = bind(client, card.iccid, "000000").content.decode()
        assert "help-contact" not in page  # a wrong password is not yet a reason to call
    locked = bind(client, card.iccid, "000000").content.decode()

    assert "카드 비밀번호를 잊으셨나요? 이렇게 하세요" in locked
    assert 'href="/help/forgot-card-password/"' in locked
    assert "월요일–금요일" in locked  # the contact's days, in Korean
    assert "대한민국 시간" in locked  # the hours also on the traveller's clock
    assert "help@provider.example" in locked


def test_a_card_bound_to_someone_else_offers_the_contact(
    client, traveller, other_traveller, defaults
):
    client.force_login(traveller)
    card = make_card(password="246810", owner=other_traveller)

    page = bind(client, card.iccid, "246810").content.decode()

    assert "Customer service can help" in page and "help@provider.example" in page


def test_a_renewal_still_being_applied_links_to_how_soon_and_the_contact(
    client, traveller, defaults
):
    card = make_card(owner=traveller)
    plan = make_plan(region=card.region, prices={"USD": 990})
    order = order_create(user=traveller, card_id=card.pk, plan_id=plan.pk, currency="USD")
    Order.objects.filter(pk=order.pk).update(state=OrderState.PAID)
    client.force_login(traveller)

    page = client.get(
        reverse("orders:result", args=[order.public_id]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()

    assert 'href="/help/renewal-how-soon/"' in page
    assert "More than 30 minutes and still not applied?" in page
    assert "help@provider.example" in page


@pytest.mark.parametrize(
    ("url", "slug"),
    [
        ("/accounts/login/", "forgot-account-password"),
        ("/accounts/password/reset/", "forgot-account-password"),
    ],
)
def test_the_sign_in_pages_link_to_the_forgotten_password_article(client, defaults, url, slug):
    assert f'href="/help/{slug}/"' in client.get(url).content.decode()


def test_the_card_pages_link_to_data_roaming_and_payment_help(client, traveller, defaults):
    card = make_card(owner=traveller)
    make_plan(region=card.region, prices={"USD": 990})
    client.force_login(traveller)

    detail = client.get(reverse("cards:detail", args=[card.pk])).content.decode()
    plans = client.get(reverse("cards:plans", args=[card.pk])).content.decode()
    usage = client.get(reverse("usage:records", args=[card.pk])).content.decode()
    renewal = client.get(reverse("autorenewal:policy", args=[card.pk])).content.decode()

    assert 'href="/help/data-running-out-abroad/"' in detail
    assert 'href="/help/roaming-and-apn/"' in usage
    assert 'href="/help/currencies-and-payment-methods/"' in plans
    assert 'href="/help/automatic-renewal/"' in renewal


def test_renewing_a_suspended_card_says_so_with_a_link_to_customer_service(client, traveller):
    card = make_card(owner=traveller, status="suspended")
    plan = make_plan(region=card.region, prices={"USD": 990})
    client.force_login(traveller)

    response = client.post(
        reverse("orders:create"),
        {"card": card.pk, "plan": plan.pk, "currency": "USD"},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )

    page = response.content.decode()
    assert "This card is suspended and cannot be renewed." in page
    assert 'Please contact customer service. <a href="/help/contact/">Contact us</a>' in page
