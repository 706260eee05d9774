"""The scan-to-pay page: the traveller sees the gateway's QR code (WeChat Pay, Alipay) on our
own site, with the amount and the steps in their language, and is moved on to the order's
result once the payment is final."""

import re
import uuid

import pytest
from django.urls import reverse

from roamcard.payments.choices import PaymentState
from roamcard.payments.models import Payment
from tests.flows.helpers import start_card_payment

CODE_URL = "weixin://wxpay/bizpayurl?pr=Zk3pS9aQ1"


@pytest.fixture
def wechat_payment(renewal_setup):
    """A WeChat Pay payment waiting for the payer, as the WeChat Pay adapter leaves it: a
    code to show and no page to send the traveller to."""
    traveller, card, plan = renewal_setup
    order, payment = start_card_payment(traveller, card, plan)
    Payment.objects.filter(pk=payment.pk).update(
        gateway="wechatpay",
        method="wechat_pay",
        state=PaymentState.PENDING,
        redirect_url="",
        qr_code=CODE_URL,
    )
    payment.refresh_from_db()
    return traveller, order, payment


def _scan_url(payment) -> str:
    return reverse("payments:scan", kwargs={"payment_id": payment.public_id})


def _result_url(order) -> str:
    return reverse("orders:result", kwargs={"public_id": order.public_id})


@pytest.mark.django_db
def test_the_page_shows_the_code_the_amount_and_the_steps(client, wechat_payment):
    traveller, _order, payment = wechat_payment
    client.force_login(traveller)

    response = client.get(_scan_url(payment))

    assert response.status_code == 200
    page = response.text
    assert "Scan with WeChat" in page
    assert "68.00" in page
    assert re.search(r"<svg[^>]*class=\"qr\"", page)
    assert "<title>" in page  # the code's text alternative
    assert "Open WeChat" in page
    # Works under a strict Content-Security-Policy: no inline script, no style attribute.
    assert " style=" not in page
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)


@pytest.mark.django_db
def test_the_page_speaks_the_travellers_language(client, wechat_payment):
    traveller, _order, payment = wechat_payment
    client.force_login(traveller)

    page = client.get(_scan_url(payment), headers={"Accept-Language": "ja"}).text

    assert "WeChat でスキャン" in page
    assert "WeChat Pay で" in page  # the code's text alternative
    english = [
        "Open WeChat",
        "Point the camera",
        "Check that the amount",
        "Paying on this phone",
        "moves on by itself",
        "I have paid",
        "QR code to pay",
    ]
    assert [sentence for sentence in english if sentence in page] == []


@pytest.mark.django_db
def test_alipay_has_its_own_name_and_steps(client, wechat_payment):
    traveller, _order, payment = wechat_payment
    Payment.objects.filter(pk=payment.pk).update(gateway="alipay", method="alipay")
    client.force_login(traveller)

    page = client.get(_scan_url(payment)).text

    assert "Scan with the Alipay app" in page
    assert "WeChat" not in page


@pytest.mark.django_db
def test_a_visitor_who_is_not_logged_in_is_sent_to_log_in(client, wechat_payment):
    _traveller, _order, payment = wechat_payment

    response = client.get(_scan_url(payment))

    assert response.status_code == 302
    assert reverse("account_login") in response.url


@pytest.mark.django_db
def test_someone_elses_payment_is_a_404(client, wechat_payment, other_traveller):
    _traveller, _order, payment = wechat_payment
    client.force_login(other_traveller)

    assert client.get(_scan_url(payment)).status_code == 404
    assert client.get(reverse("payments:scan", args=[uuid.uuid4()])).status_code == 404


@pytest.mark.django_db
def test_a_poll_while_the_payment_is_open_changes_nothing(client, wechat_payment):
    traveller, _order, payment = wechat_payment
    client.force_login(traveller)

    response = client.get(_scan_url(payment), headers={"HX-Request": "true"})

    assert response.status_code == 204


@pytest.mark.django_db
@pytest.mark.parametrize("final_state", [PaymentState.SUCCEEDED, PaymentState.FAILED])
def test_once_the_payment_is_final_the_traveller_moves_to_the_orders_result(
    client, wechat_payment, final_state
):
    traveller, order, payment = wechat_payment
    Payment.objects.filter(pk=payment.pk).update(state=final_state)
    client.force_login(traveller)

    poll = client.get(_scan_url(payment), headers={"HX-Request": "true"})
    visit = client.get(_scan_url(payment))

    assert poll.headers["HX-Redirect"] == _result_url(order)
    assert visit.status_code == 302
    assert visit.url == _result_url(order)


@pytest.mark.django_db
def test_a_payment_without_a_code_goes_to_the_orders_result(client, wechat_payment):
    traveller, order, payment = wechat_payment
    Payment.objects.filter(pk=payment.pk).update(qr_code="")
    client.force_login(traveller)

    response = client.get(_scan_url(payment))

    assert response.status_code == 302
    assert response.url == _result_url(order)


@pytest.mark.django_db
def test_the_page_says_until_when_the_code_works_when_the_gateway_says(client, wechat_payment):
    from datetime import timedelta

    from django.utils import timezone

    traveller, _order, payment = wechat_payment
    client.force_login(traveller)
    Payment.objects.filter(pk=payment.pk).update(expires_at=None)  # a gateway that never says
    assert "The code works until" not in client.get(_scan_url(payment)).text

    Payment.objects.filter(pk=payment.pk).update(expires_at=timezone.now() + timedelta(hours=2))

    assert "The code works until" in client.get(_scan_url(payment)).text
