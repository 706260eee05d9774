"""An order names what was bought in the reader's language: the plan's name in each
language is kept with the order when it is made."""

import pytest
from django.urls import reverse
from django.utils import translation

from roamcard.notifications.models import Message
from roamcard.orders.services import order_create
from roamcard.renewals.notifications import notify_renewal_confirmed

pytestmark = pytest.mark.django_db

NAMES = {"en": "Europe 5 GB", "ko": "유럽 5GB", "ja": "ヨーロッパ 5GB", "zh-hans": "欧洲 5GB"}


@pytest.fixture
def named_plan(plan):
    plan.name_en, plan.name_ko, plan.name_ja, plan.name_zh_hans = (
        NAMES["en"],
        NAMES["ko"],
        NAMES["ja"],
        NAMES["zh-hans"],
    )
    plan.name_zh_hant = ""
    plan.save()
    return plan


def test_an_order_bought_in_korean_reads_in_japanese_to_a_japanese_reader(
    client, traveller, card, named_plan
):
    with translation.override("ko"):
        order = order_create(user=traveller, card_id=card.pk, plan_id=named_plan.pk, currency="CNY")
    # A later rename in the catalogue does not change what was bought.
    named_plan.name_ja = "ヨーロッパ 新プラン"
    named_plan.save()
    client.force_login(traveller)

    html = client.get(
        reverse("orders:receipt", args=[order.public_id]), HTTP_ACCEPT_LANGUAGE="ja"
    ).content.decode()

    assert order.plan_name == "유럽 5GB"
    assert "ヨーロッパ 5GB" in html
    assert "유럽" not in html and "新プラン" not in html


def test_traditional_chinese_falls_back_to_simplified_then_english(traveller, card, named_plan):
    order = order_create(user=traveller, card_id=card.pk, plan_id=named_plan.pk, currency="CNY")

    with translation.override("zh-hant"):
        assert order.plan_title == "欧洲 5GB"
    order.plan_names = {"en": "Europe 5 GB"}
    with translation.override("zh-hant"):
        assert order.plan_title == "Europe 5 GB"


def test_the_renewal_sms_names_the_plan_in_the_travellers_language(traveller, card, named_plan):
    with translation.override("en"):
        order = order_create(user=traveller, card_id=card.pk, plan_id=named_plan.pk, currency="CNY")
    traveller.preferred_language, traveller.phone = "ja", "+819012345678"
    traveller.save()

    notify_renewal_confirmed(order=order, card=card)

    sms = Message.objects.get(kind="renewal_confirmed", channel="sms")
    assert "ヨーロッパ 5GB" in sms.body and NAMES["en"] not in sms.body
