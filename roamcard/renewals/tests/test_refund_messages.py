"""What the traveller learns of a refund staff made: the message (once, when the gateway
confirms; in their language, with the amount as their locale writes it, the method, when to
expect it, the data taken back and the reason — never staff's note), the order page, the
receipt and the API."""

import pytest
from django.urls import reverse

from roamcard.accounts.tokens import api_token_create
from roamcard.notifications.models import Message, Notice
from roamcard.orders.services import order_create
from roamcard.renewals.services import renewal_pay, renewal_payment_sync, renewal_refund_by_staff
from roamcard.testing import GIB

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(traveller, card, plan, gateway, committed):
    order = order_create(user=traveller, card_id=card.pk, plan_id=plan.pk, currency="CNY")
    payment = renewal_pay(user=traveller, order=order, method="alipay")
    gateway.will_succeed(payment)
    with committed():
        renewal_payment_sync(payment_id=payment.pk, cause="return")
    order.refresh_from_db()
    return order


def refund_a_quarter(order, staff, committed, *, key="form-1"):
    with committed():
        return renewal_refund_by_staff(
            order=order,
            staff=staff,
            amount_minor=3450,
            reason="service_quality",
            note="INTERNAL: complained on the phone twice",
            idempotency_key=key,
        )


def speaking(traveller, language):
    traveller.preferred_language = language
    traveller.time_zone = "Asia/Shanghai"
    traveller.phone, traveller.phone_verified = "+85261234567", True
    traveller.save()


@pytest.mark.parametrize(
    ("language", "amount", "method", "timing", "data", "reason"),
    [
        (
            "en",
            "CN¥34.50",
            "Alipay",
            "Alipay refunds usually arrive within 1–3 business days.",
            "1.25 GB",
            "The service was not good enough",
        ),
        (
            "ko",
            "CN¥34.50",
            "알리페이",
            "알리페이 환불은 보통 영업일 기준 1~3일 안에 들어와요.",
            "1.25GB",
            "서비스 품질이 충분하지 않았어요",
        ),
        (
            "ja",
            "元34.50",
            "Alipay（アリペイ）",
            "Alipay への返金は通常 1〜3 営業日以内に届きます。",
            "1.25 GB",
            "サービス品質が十分ではありませんでした",
        ),
        (
            "zh-hans",
            "¥34.50",
            "支付宝",
            "支付宝退款通常在 1–3 个工作日内到账。",
            "1.25 GB",
            "服务质量未达预期",
        ),
    ],
)
def test_the_traveller_is_told_in_their_language(
    order, traveller, staff, committed, language, amount, method, timing, data, reason
):
    speaking(traveller, language)

    refund_a_quarter(order, staff, committed)

    notice = Notice.objects.get(user=traveller, kind="refund_sent")
    email = Message.objects.get(kind="refund_sent", channel="email")
    sms = Message.objects.get(kind="refund_sent", channel="sms")
    for text in (notice.body, email.body):
        assert amount in text and method in text and timing in text
        assert data in text and reason in text
    assert amount in notice.title and amount in email.subject
    assert amount in sms.body and method in sms.body and data in sms.body
    for text in (notice.body, email.body, sms.body, email.subject):
        assert "INTERNAL" not in text  # staff's note stays with staff
    assert email.language == language
    assert notice.link == reverse("orders:result", kwargs={"public_id": order.public_id})


def test_the_message_is_sent_once_when_the_gateway_confirms(order, traveller, staff, committed):
    refund_a_quarter(order, staff, committed)
    refund_a_quarter(order, staff, committed)  # the same form again

    assert Message.objects.filter(kind="refund_sent", channel="email").count() == 1
    assert Notice.objects.filter(kind="refund_sent").count() == 1


def test_the_last_refund_says_the_plan_left_the_card(order, traveller, staff, committed):
    refund_a_quarter(order, staff, committed)
    with committed():
        renewal_refund_by_staff(
            order=order, staff=staff, amount_minor=None, reason="not_used", idempotency_key="f2"
        )

    last = Message.objects.filter(kind="refund_sent", channel="email").order_by("id").last()
    assert "CN¥103.50" in last.body
    assert "The plan has been taken off your card." in last.body


def test_the_order_page_and_receipt_show_the_partial_refund(
    client, order, traveller, staff, committed
):
    refund_a_quarter(order, staff, committed)
    client.force_login(traveller)

    page = client.get(reverse("orders:result", kwargs={"public_id": order.public_id}))
    listing = client.get(reverse("orders:list"))
    receipt = client.get(reverse("orders:receipt", kwargs={"public_id": order.public_id}))

    html = page.content.decode()
    assert "Partially refunded: CN¥34.50 has been given back." in html
    assert "Data taken off your card: 1.25 GB" in html
    assert "Alipay refunds usually arrive within 1–3 business days." in html
    assert "Expect it by" in html
    assert "INTERNAL" not in html
    assert "Partially refunded" in listing.content.decode()
    assert "−CN¥34.50" in receipt.content.decode()


def test_the_api_shows_refunds(client, order, traveller, staff, committed):
    refund_a_quarter(order, staff, committed)
    _, token = api_token_create(user=traveller)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    detail = client.get(f"/api/v1/orders/{order.public_id}", **auth).json()
    listed = client.get("/api/v1/orders", **auth).json()["orders"]

    assert detail["state"] == "fulfilled" and detail["partially_refunded"] is True
    assert detail["refunded"]["amount_minor"] == 3450
    [refund] = detail["refunds"]
    assert refund["state"] == "succeeded" and refund["reason"] == "service_quality"
    assert refund["amount"] == {"amount_minor": 3450, "currency": "CNY", "formatted": "CN¥34.50"}
    assert refund["data_withdrawn_bytes"] == 5 * GIB // 4
    assert refund["data_withdrawn_formatted"] == "1.25 GB"
    assert refund["method_label"] == "Alipay" and refund["expected_by"] is not None
    assert "note" not in refund
    assert detail["refund"] == refund
    assert listed[0]["partially_refunded"] is True
    assert listed[0]["refunded"]["formatted"] == "CN¥34.50"
