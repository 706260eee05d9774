"""The order summary says which currency it charges when it is not the traveller's own
(a plan not sold in their currency is bought in another, never silently)."""

import pytest
from django.urls import reverse

from roamcard.orders.services import order_create

pytestmark = pytest.mark.django_db


def test_an_order_in_another_currency_than_the_travellers_says_so(
    client, gateway, traveller, card, plan
):
    traveller.preferred_currency = "KRW"  # the plan is sold in USD and CNY only
    traveller.save()
    order = order_create(user=traveller, card_id=card.pk, plan_id=plan.pk, currency="USD")
    client.force_login(traveller)

    page = client.get(reverse("orders:detail", args=[order.public_id])).content.decode()

    assert "Charged in USD" in page and "Pay $19.90" in page


def test_an_order_in_the_travellers_currency_says_nothing_more(
    client, gateway, traveller, card, plan
):
    traveller.preferred_currency = "CNY"
    traveller.save()
    order = order_create(user=traveller, card_id=card.pk, plan_id=plan.pk, currency="CNY")
    client.force_login(traveller)

    page = client.get(reverse("orders:detail", args=[order.public_id])).content.decode()

    assert "Charged in" not in page and "CN¥138.00" in page
