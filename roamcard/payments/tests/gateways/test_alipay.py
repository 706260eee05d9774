"""AlipayGateway: requests signed with the app key, answers and notifies signed with an
"Alipay" key, both generated here; Alipay's gateway mocked with `responses`."""

import base64
import json
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
import responses
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from roamcard.payments.gateways.alipay_gateway import AlipayGateway
from roamcard.payments.gateways.base import EventKind, InvalidWebhook, PaymentMethod, ResultStatus

from .keys import private_pem, public_pem, rsa_key, sign_sha256_rsa

GATEWAY = "https://openapi.alipay.com/gateway.do"
APP_ID = "2021000123456789"
PAYMENT_ID = "0b9f4f5e-7c1a-4d7e-9a59-4f1c2f3e8a10"
REFUND_ID = "5d2c8a44-1f0e-4a4b-8c11-9d3e0f6b7a21"
SECOND_REFUND_ID = "9a3e1b52-6c0d-4f8e-b2a7-3c4d5e6f7a80"
TRADE_NO = "2024061622001412345678901234"
CHINA = timezone(timedelta(hours=8))

app_key = rsa_key("alipay-app")
alipay_key = rsa_key("alipay-platform")


def make_gateway(**options):
    return AlipayGateway(
        name="alipay",
        app_id=APP_ID,
        app_private_key_pem=private_pem(app_key),
        alipay_public_key_pem=public_pem(alipay_key),
        **options,
    )


@pytest.fixture
def gateway():
    return make_gateway()


def unsigned_string(params: dict[str, str]) -> str:
    return "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k not in ("sign", "sign_type"))


def sent_params(url: str) -> dict[str, str]:
    params = {k: v[0] for k, v in parse_qs(urlsplit(url).query, keep_blank_values=True).items()}
    # Every request is signed with the app's private key, over everything but `sign`.
    message = "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k != "sign")
    try:
        app_key.public_key().verify(
            base64.b64decode(params["sign"]), message.encode(), padding.PKCS1v15(), hashes.SHA256()
        )
    except InvalidSignature:
        pytest.fail("request not signed with the app key")
    return params


def answer(response_type: str, content: dict, key=alipay_key) -> str:
    """A synchronous answer as Alipay writes it: the signature covers the exact JSON text."""
    text = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
    return f'{{"{response_type}":{text},"sign":"{sign_sha256_rsa(key, text)}"}}'


def start(gateway, **overrides):
    kwargs = {
        "payment_id": PAYMENT_ID,
        "amount_minor": 1999,
        "currency": "CNY",
        "method": PaymentMethod.ALIPAY,
        "description": "日本 5GB 7天",
        "return_url": "https://roamcard.example/orders/42/return",
        "notify_url": "https://roamcard.example/payments/webhooks/alipay/",
    }
    return gateway.start_payment(**{**kwargs, **overrides})


# -- start_payment -------------------------------------------------------------------------


def test_start_payment_is_a_signed_page_pay_url(gateway):
    result = start(gateway)

    assert result.status == ResultStatus.PENDING
    assert result.redirect_url.startswith(GATEWAY + "?")
    params = sent_params(result.redirect_url)
    assert params["method"] == "alipay.trade.page.pay"
    assert params["app_id"] == APP_ID
    assert params["sign_type"] == "RSA2"
    assert params["notify_url"] == "https://roamcard.example/payments/webhooks/alipay/"
    assert params["return_url"] == "https://roamcard.example/orders/42/return"
    biz = json.loads(params["biz_content"])
    assert biz["out_trade_no"] == PAYMENT_ID
    assert biz["total_amount"] == "19.99"
    assert biz["product_code"] == "FAST_INSTANT_TRADE_PAY"
    assert biz["subject"] == "日本 5GB 7天"
    assert "trans_currency" not in biz
    sent_at = datetime.strptime(params["timestamp"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=CHINA)
    assert abs(sent_at - datetime.now(UTC)) < timedelta(minutes=1)


def test_wap_and_sandbox():
    result = start(make_gateway(trade_type="wap", sandbox=True))

    assert result.redirect_url.startswith("https://openapi-sandbox.dl.alipaydev.com/gateway.do?")
    params = sent_params(result.redirect_url)
    assert params["method"] == "alipay.trade.wap.pay"
    assert json.loads(params["biz_content"])["product_code"] == "QUICK_WAP_PAY"


def test_unsupported_currency_is_a_clear_failure(gateway):
    result = start(gateway, currency="USD")

    assert result.status == ResultStatus.FAILED
    assert result.error_code == "unsupported_currency"
    assert "USD" in result.error_message


def test_configured_foreign_currency_goes_as_trans_currency():
    result = start(make_gateway(currencies=["CNY", "JPY"]), amount_minor=1500, currency="JPY")

    biz = json.loads(sent_params(result.redirect_url)["biz_content"])
    assert (biz["total_amount"], biz["trans_currency"]) == ("1500", "JPY")


def test_bare_base64_keys_are_accepted():
    def bare(pem_text):
        return "".join(line for line in pem_text.splitlines() if not line.startswith("-----"))

    gateway = AlipayGateway(
        name="alipay",
        app_id=APP_ID,
        app_private_key_pem=bare(private_pem(app_key)),
        alipay_public_key_pem=bare(public_pem(alipay_key)),
    )

    sent_params(start(gateway).redirect_url)


# -- query_payment -------------------------------------------------------------------------


def trade(**fields):
    return {
        "code": "10000",
        "msg": "Success",
        "trade_no": TRADE_NO,
        "out_trade_no": PAYMENT_ID,
        "buyer_logon_id": "tra***@example.com",
        "total_amount": "19.99",
        "trade_status": "TRADE_SUCCESS",
        **fields,
    }


@pytest.mark.parametrize(
    ("trade_status", "expected"),
    [
        ("TRADE_SUCCESS", ResultStatus.SUCCEEDED),
        ("TRADE_FINISHED", ResultStatus.SUCCEEDED),
        ("TRADE_CLOSED", ResultStatus.FAILED),
        ("WAIT_BUYER_PAY", ResultStatus.PENDING),
    ],
)
@responses.activate
def test_query_maps_trade_status(gateway, trade_status, expected):
    responses.get(
        GATEWAY, body=answer("alipay_trade_query_response", trade(trade_status=trade_status))
    )

    result = gateway.query_payment(payment_id=PAYMENT_ID, reference="")

    assert result.status == expected
    assert (result.reference, result.amount_minor, result.currency) == (TRADE_NO, 1999, "CNY")
    params = sent_params(responses.calls[0].request.url)
    assert params["method"] == "alipay.trade.query"
    assert json.loads(params["biz_content"]) == {"out_trade_no": PAYMENT_ID}


@responses.activate
def test_query_before_the_payer_opened_the_cashier_is_pending(gateway):
    not_yet = {
        "code": "40004",
        "msg": "Business Failed",
        "sub_code": "ACQ.TRADE_NOT_EXIST",
        "sub_msg": "交易不存在",
    }
    responses.get(GATEWAY, body=answer("alipay_trade_query_response", not_yet))

    assert gateway.query_payment(payment_id=PAYMENT_ID, reference="").status == ResultStatus.PENDING


UNSIGNED_ERROR = {
    "code": "20000",
    "msg": "Service Currently Unavailable",
    "sub_code": "isp.unknow-error",
}


@pytest.mark.parametrize(
    "mock",
    [
        {"body": requests.exceptions.ReadTimeout("read timed out")},
        {"body": requests.exceptions.ConnectionError("reset by peer")},
        {"status": 500, "body": "<html>Internal Server Error</html>"},
        {"body": answer("alipay_trade_query_response", trade(), key=rsa_key("impostor"))},
        {"body": json.dumps({"alipay_trade_query_response": UNSIGNED_ERROR})},
    ],
    ids=["timeout", "connection", "http-500", "forged-answer", "unsigned-error"],
)
@responses.activate
def test_query_without_a_trustworthy_answer_is_unknown(gateway, mock):
    responses.get(GATEWAY, **mock)

    assert gateway.query_payment(payment_id=PAYMENT_ID, reference="").status == ResultStatus.UNKNOWN


# -- refund --------------------------------------------------------------------------------


def refund(gateway):
    return gateway.refund(
        refund_id=REFUND_ID,
        payment_id=PAYMENT_ID,
        reference=TRADE_NO,
        amount_minor=1999,
        currency="CNY",
        payment_amount_minor=1999,
        reason="套餐开通失败",
    )


@responses.activate
def test_refund_uses_our_refund_id_as_out_request_no(gateway):
    responses.get(
        GATEWAY,
        body=answer(
            "alipay_trade_refund_response",
            {
                "code": "10000",
                "msg": "Success",
                "trade_no": TRADE_NO,
                "out_trade_no": PAYMENT_ID,
                "refund_fee": "19.99",
                "fund_change": "Y",
            },
        ),
    )

    result = refund(gateway)

    assert result.status == ResultStatus.SUCCEEDED
    assert (result.reference, result.amount_minor) == (TRADE_NO, 1999)
    params = sent_params(responses.calls[0].request.url)
    assert params["method"] == "alipay.trade.refund"
    biz = json.loads(params["biz_content"])
    assert biz["out_request_no"] == REFUND_ID
    assert biz["out_trade_no"] == PAYMENT_ID
    assert biz["refund_amount"] == "19.99"


@responses.activate
def test_a_second_partial_refund_has_its_own_out_request_no_and_amount(gateway):
    """¥7.00 was refunded before; now ¥5.00 more, under this refund's own out_request_no.
    Alipay's refund_fee is the trade's total refunded (¥12.00): the answer is this one's."""
    responses.get(
        GATEWAY,
        body=answer(
            "alipay_trade_refund_response",
            {
                "code": "10000",
                "msg": "Success",
                "trade_no": TRADE_NO,
                "out_trade_no": PAYMENT_ID,
                "refund_fee": "12.00",
                "fund_change": "Y",
            },
        ),
    )

    result = gateway.refund(
        refund_id=SECOND_REFUND_ID,
        payment_id=PAYMENT_ID,
        reference=TRADE_NO,
        amount_minor=500,
        currency="CNY",
        payment_amount_minor=1999,
        reason="服务质量",
    )

    assert (result.status, result.amount_minor) == (ResultStatus.SUCCEEDED, 500)
    biz = json.loads(sent_params(responses.calls[0].request.url)["biz_content"])
    assert (biz["out_request_no"], biz["refund_amount"]) == (SECOND_REFUND_ID, "5.00")
    assert biz["out_trade_no"] == PAYMENT_ID


@responses.activate
def test_repeated_refund_is_confirmed_with_the_refund_query(gateway):
    responses.get(
        GATEWAY,
        body=answer(
            "alipay_trade_refund_response",
            {
                "code": "10000",
                "msg": "Success",
                "trade_no": TRADE_NO,
                "refund_fee": "19.99",
                "fund_change": "N",
            },
        ),
    )
    responses.get(
        GATEWAY,
        body=answer(
            "alipay_trade_fastpay_refund_query_response",
            {
                "code": "10000",
                "msg": "Success",
                "trade_no": TRADE_NO,
                "out_request_no": REFUND_ID,
                "refund_amount": "19.99",
                "total_amount": "19.99",
                "refund_status": "REFUND_SUCCESS",
            },
        ),
    )

    result = refund(gateway)

    assert result.status == ResultStatus.SUCCEEDED
    assert (
        sent_params(responses.calls[1].request.url)["method"] == "alipay.trade.fastpay.refund.query"
    )


@responses.activate
def test_refund_refused_by_alipay_fails_with_its_code(gateway):
    responses.get(
        GATEWAY,
        body=answer(
            "alipay_trade_refund_response",
            {
                "code": "40004",
                "msg": "Business Failed",
                "sub_code": "ACQ.TRADE_STATUS_ERROR",
                "sub_msg": "交易状态不合法",
            },
        ),
    )

    result = refund(gateway)

    assert result.status == ResultStatus.FAILED
    assert (result.error_code, result.error_message) == ("ACQ.TRADE_STATUS_ERROR", "交易状态不合法")


@responses.activate
def test_refund_timeout_is_unknown(gateway):
    responses.get(GATEWAY, body=requests.exceptions.ConnectTimeout())

    assert refund(gateway).status == ResultStatus.UNKNOWN


# -- async notify --------------------------------------------------------------------------


def notify(key=alipay_key, sent_at: datetime | None = None, **fields) -> bytes:
    sent_at = sent_at or datetime.now(CHINA)
    params = {
        "gmt_create": "2024-06-16 10:21:05",
        "charset": "utf-8",
        "gmt_payment": "2024-06-16 10:21:31",
        "notify_time": sent_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S"),
        "subject": "日本 5GB 7天",
        "buyer_id": "2088102177846880",
        "invoice_amount": "19.99",
        "version": "1.0",
        "notify_id": "2024061600222102131060871450912345",
        "fund_bill_list": '[{"amount":"19.99","fundChannel":"ALIPAYACCOUNT"}]',
        "notify_type": "trade_status_sync",
        "out_trade_no": PAYMENT_ID,
        "total_amount": "19.99",
        "trade_status": "TRADE_SUCCESS",
        "trade_no": TRADE_NO,
        "auth_app_id": APP_ID,
        "receipt_amount": "19.99",
        "point_amount": "0.00",
        "app_id": APP_ID,
        "buyer_pay_amount": "19.99",
        "seller_id": "2088102177296610",
        **fields,
    }
    params["sign_type"] = "RSA2"
    params["sign"] = sign_sha256_rsa(key, unsigned_string(params))
    return urlencode(params).encode()


HEADERS = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}


def test_valid_notify_is_a_payment_success(gateway):
    event = gateway.parse_webhook(headers=HEADERS, body=notify())

    assert event.kind == EventKind.PAYMENT_SUCCEEDED
    assert event.event_id == "2024061600222102131060871450912345"
    assert (event.payment_id, event.reference) == (PAYMENT_ID, TRADE_NO)
    assert (event.amount_minor, event.currency) == (1999, "CNY")


@pytest.mark.parametrize(
    ("trade_status", "kind"),
    [
        ("TRADE_FINISHED", EventKind.PAYMENT_SUCCEEDED),
        ("TRADE_CLOSED", EventKind.PAYMENT_FAILED),
        ("WAIT_BUYER_PAY", EventKind.IGNORED),
    ],
)
def test_notify_trade_status(gateway, trade_status, kind):
    assert (
        gateway.parse_webhook(headers=HEADERS, body=notify(trade_status=trade_status)).kind == kind
    )


def test_refund_notify_carries_our_refund_id(gateway):
    body = notify(
        trade_status="TRADE_CLOSED",
        out_biz_no=REFUND_ID,
        refund_fee="19.99",
        gmt_refund="2024-06-17 09:00:00.123",
    )

    event = gateway.parse_webhook(headers=HEADERS, body=body)

    assert event.kind == EventKind.REFUND_SUCCEEDED
    assert (event.refund_id, event.payment_id, event.amount_minor) == (REFUND_ID, PAYMENT_ID, 1999)


def test_configured_seller_id_is_checked():
    assert make_gateway(seller_id="2088102177296610").parse_webhook(headers=HEADERS, body=notify())
    with pytest.raises(InvalidWebhook):
        make_gateway(seller_id="2088000000000000").parse_webhook(headers=HEADERS, body=notify())


def test_notify_signed_by_another_key_is_rejected(gateway):
    with pytest.raises(InvalidWebhook):
        gateway.parse_webhook(headers=HEADERS, body=notify(key=rsa_key("impostor")))


def test_mutated_notify_is_rejected(gateway):
    body = notify().replace(b"total_amount=19.99", b"total_amount=0.01")

    with pytest.raises(InvalidWebhook):
        gateway.parse_webhook(headers=HEADERS, body=body)


def test_notify_for_another_app_is_rejected(gateway):
    with pytest.raises(InvalidWebhook, match="app_id"):
        gateway.parse_webhook(headers=HEADERS, body=notify(app_id="2021000999999999"))


@pytest.mark.parametrize(
    "age", [timedelta(hours=27), -timedelta(minutes=6)], ids=["too-old", "future"]
)
def test_notify_time_out_of_bounds_is_rejected(gateway, age):
    with pytest.raises(InvalidWebhook, match="notify_time"):
        gateway.parse_webhook(headers=HEADERS, body=notify(sent_at=datetime.now(CHINA) - age))


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not a form",
        urlencode({"notify_id": "x", "app_id": APP_ID, "trade_status": "TRADE_SUCCESS"}).encode(),
        notify().replace(b"sign_type=RSA2", b"sign_type=RSA"),
    ],
    ids=["empty", "garbage", "unsigned", "other-sign-type"],
)
def test_malformed_notify_is_rejected(gateway, body):
    with pytest.raises(InvalidWebhook):
        gateway.parse_webhook(headers=HEADERS, body=body)


def test_ack_is_the_literal_success(gateway):
    ack = gateway.webhook_ack(None)

    assert (ack.status, ack.body, ack.content_type) == (200, b"success", "text/plain")


# -- the payment's deadline and the phone's cashier ----------------------------------------


def test_the_deadline_goes_as_time_expire_in_china_time(gateway):
    wanted = datetime(2026, 12, 1, 2, 30, 15, 123456, tzinfo=UTC)

    result = start(gateway, expires_at=wanted)

    biz = json.loads(sent_params(result.redirect_url)["biz_content"])
    assert biz["time_expire"] == "2026-12-01 10:30:15"
    assert "timeout_express" not in biz
    assert result.expires_at == wanted.replace(microsecond=0)


def test_without_a_deadline_the_payer_has_thirty_minutes(gateway):
    result = start(gateway)

    biz = json.loads(sent_params(result.redirect_url)["biz_content"])
    sent = datetime.strptime(biz["time_expire"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=CHINA)
    assert abs(sent - (datetime.now(UTC) + timedelta(minutes=30))) < timedelta(seconds=5)
    assert result.expires_at == sent


@pytest.mark.parametrize(
    ("on_mobile", "method"), [(True, "alipay.trade.wap.pay"), (False, "alipay.trade.page.pay")]
)
def test_auto_uses_the_wap_cashier_on_a_phone(on_mobile, method):
    result = start(make_gateway(trade_type="auto"), on_mobile=on_mobile)

    assert sent_params(result.redirect_url)["method"] == method


def test_page_stays_page_on_a_phone(gateway):
    result = start(gateway, on_mobile=True)

    assert sent_params(result.redirect_url)["method"] == "alipay.trade.page.pay"


# -- closing -------------------------------------------------------------------------------


def close_answer(**content):
    return answer("alipay_trade_close_response", content)


@responses.activate
def test_cancel_closes_the_trade(gateway):
    responses.get(
        GATEWAY,
        body=close_answer(code="10000", msg="Success", trade_no=TRADE_NO, out_trade_no=PAYMENT_ID),
    )

    result = gateway.cancel_payment(payment_id=PAYMENT_ID, reference="")

    assert (result.status, result.reference) == (ResultStatus.FAILED, TRADE_NO)
    params = sent_params(responses.calls[0].request.url)
    assert params["method"] == "alipay.trade.close"
    assert json.loads(params["biz_content"]) == {"out_trade_no": PAYMENT_ID}


@responses.activate
def test_cancel_before_the_payer_opened_the_cashier_is_pending(gateway):
    responses.get(
        GATEWAY,
        body=close_answer(
            code="40004",
            msg="Business Failed",
            sub_code="ACQ.TRADE_NOT_EXIST",
            sub_msg="交易不存在",
        ),
    )

    result = gateway.cancel_payment(payment_id=PAYMENT_ID, reference="")

    assert (result.status, result.error_code) == (ResultStatus.PENDING, "ACQ.TRADE_NOT_EXIST")
    assert len(responses.calls) == 1


@responses.activate
def test_cancel_of_a_trade_paid_meanwhile_answers_the_payment(gateway):
    responses.get(
        GATEWAY,
        body=close_answer(
            code="40004",
            msg="Business Failed",
            sub_code="ACQ.TRADE_STATUS_ERROR",
            sub_msg="交易状态不合法",
        ),
    )
    responses.get(GATEWAY, body=answer("alipay_trade_query_response", trade()))

    result = gateway.cancel_payment(payment_id=PAYMENT_ID, reference="")

    assert (result.status, result.amount_minor, result.currency, result.reference) == (
        ResultStatus.SUCCEEDED,
        1999,
        "CNY",
        TRADE_NO,
    )


@pytest.mark.parametrize(
    "mock",
    [
        {"body": requests.exceptions.ReadTimeout("read timed out")},
        {"body": json.dumps({"alipay_trade_close_response": UNSIGNED_ERROR})},
    ],
    ids=["timeout", "unsigned-error"],
)
@responses.activate
def test_cancel_without_a_trustworthy_answer_is_unknown(gateway, mock):
    responses.get(GATEWAY, **mock)

    assert gateway.cancel_payment(payment_id=PAYMENT_ID, reference="").status == (
        ResultStatus.UNKNOWN
    )


@responses.activate
def test_an_answer_without_a_charset_is_read_as_utf8(gateway):
    responses.get(
        GATEWAY,
        body=close_answer(
            code="40004",
            msg="Business Failed",
            sub_code="ACQ.TRADE_NOT_EXIST",
            sub_msg="交易不存在",
        ).encode(),
        content_type="text/html",
    )

    result = gateway.cancel_payment(payment_id=PAYMENT_ID, reference="")

    assert (result.status, result.error_message) == (ResultStatus.PENDING, "交易不存在")


def test_a_refused_notify_is_answered_fail(gateway):
    reject = gateway.webhook_reject("bad signature")

    assert reject.status >= 400
    assert (reject.body, reject.content_type) == (b"fail", "text/plain")
