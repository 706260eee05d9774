"""WeChatPayGateway: the merchant and "platform" keys and the APIv3 key are generated here;
answers and notifications are signed (and resources encrypted) as WeChat Pay does, and
api.mch.weixin.qq.com is mocked with `responses`."""

import base64
import json
import re
import secrets
import string
import time
from datetime import UTC, datetime, timedelta

import pytest
import requests
import responses
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from roamcard.payments.gateways.base import EventKind, InvalidWebhook, PaymentMethod, ResultStatus
from roamcard.payments.gateways.wechatpay_gateway import WeChatPayGateway

from .keys import private_pem, public_pem, rsa_key, sign_sha256_rsa

API = "https://api.mch.weixin.qq.com"
MCHID = "1900009191"
APPID = "wxd678efh567hg6787"
MERCHANT_SERIAL = "444F4864EA9B34415A6E4A2D8D9B1E7C3C2B1A09"
PLATFORM_SERIAL = "PUB_KEY_ID_0119000091912025061600123456001234"
PAYMENT_ID = "0b9f4f5e-7c1a-4d7e-9a59-4f1c2f3e8a10"
OUT_TRADE_NO = "0b9f4f5e7c1a4d7e9a594f1c2f3e8a10"
REFUND_ID = "5d2c8a44-1f0e-4a4b-8c11-9d3e0f6b7a21"
TRANSACTION_ID = "4200002245202406161234567890"

merchant_key = rsa_key("wechatpay-merchant")
platform_key = rsa_key("wechatpay-platform")


@pytest.fixture
def api_v3_key():
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))


@pytest.fixture
def gateway(api_v3_key):
    return make_gateway(api_v3_key)


def make_gateway(api_v3_key):
    return WeChatPayGateway(
        name="wechatpay",
        mchid=MCHID,
        appid=APPID,
        api_v3_key=api_v3_key,
        merchant_private_key_pem=private_pem(merchant_key),
        merchant_serial_no=MERCHANT_SERIAL,
        platform_public_key_pem=public_pem(platform_key),
        platform_serial_no=PLATFORM_SERIAL,
        refund_notify_url="https://roamcard.example/payments/webhooks/wechatpay/",
    )


def signed_headers(
    body: str, *, key=platform_key, serial=PLATFORM_SERIAL, timestamp=None
) -> dict[str, str]:
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    nonce = secrets.token_hex(16)
    return {
        "Wechatpay-Serial": serial,
        "Wechatpay-Timestamp": timestamp,
        "Wechatpay-Nonce": nonce,
        "Wechatpay-Signature": sign_sha256_rsa(key, f"{timestamp}\n{nonce}\n{body}\n"),
        "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
    }


def mock_answer(method: str, path: str, payload: dict | None, status: int = 200):
    """An answer from WeChat Pay, signed with the platform key (the SDK verifies it)."""
    body = json.dumps(payload) if payload is not None else ""
    responses.add(
        method,
        API + path,
        body=body,
        status=status,
        headers=signed_headers(body),
        content_type="application/json",
    )


def sent(call) -> dict:
    """The JSON our adapter sent, after checking its Authorization signature."""
    request = call.request
    auth = dict(re.findall(r'(\w+)="([^"]*)"', request.headers["Authorization"]))
    assert request.headers["Authorization"].startswith("WECHATPAY2-SHA256-RSA2048 ")
    assert (auth["mchid"], auth["serial_no"]) == (MCHID, MERCHANT_SERIAL)
    path = request.path_url
    body = request.body.decode() if request.body else ""
    message = f"{request.method}\n{path}\n{auth['timestamp']}\n{auth['nonce_str']}\n{body}\n"
    try:
        merchant_key.public_key().verify(
            base64.b64decode(auth["signature"]),
            message.encode(),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
    except InvalidSignature:
        pytest.fail("request not signed with the merchant key")
    return json.loads(body) if body else {}


def start(gateway, **overrides):
    kwargs = {
        "payment_id": PAYMENT_ID,
        "amount_minor": 1999,
        "currency": "CNY",
        "method": PaymentMethod.WECHAT_PAY,
        "description": "亚洲 10GB 15天 · roamcard",
        "return_url": "https://roamcard.example/orders/42/return",
        "notify_url": "https://roamcard.example/payments/webhooks/wechatpay/",
    }
    return gateway.start_payment(**{**kwargs, **overrides})


@responses.activate
def test_construction_fetches_no_platform_certificates(api_v3_key):
    make_gateway(api_v3_key)

    assert len(responses.calls) == 0


# -- start_payment -------------------------------------------------------------------------


@responses.activate
def test_start_payment_is_a_native_order_answering_the_code_url(gateway):
    mock_answer(
        "POST", "/v3/pay/transactions/native", {"code_url": "weixin://wxpay/bizpayurl?pr=p4lpSuKzz"}
    )

    result = start(gateway)

    assert result.status == ResultStatus.PENDING
    assert result.qr_code == "weixin://wxpay/bizpayurl?pr=p4lpSuKzz"
    assert (result.amount_minor, result.currency) == (1999, "CNY")
    body = sent(responses.calls[0])
    assert body["amount"] == {"total": 1999, "currency": "CNY"}  # fen
    assert body["out_trade_no"] == OUT_TRADE_NO
    assert body["attach"] == PAYMENT_ID
    assert (body["appid"], body["mchid"]) == (APPID, MCHID)
    assert body["notify_url"] == "https://roamcard.example/payments/webhooks/wechatpay/"
    assert body["description"] == "亚洲 10GB 15天 · roamcard"


def test_other_currencies_are_a_clear_failure(gateway):
    result = start(gateway, currency="HKD")

    assert (result.status, result.error_code) == (ResultStatus.FAILED, "unsupported_currency")


@pytest.mark.parametrize(
    "mock",
    [
        {"body": requests.exceptions.ReadTimeout()},
        {"body": requests.exceptions.ConnectionError()},
        {"status": 500, "json": {"code": "SYSTEM_ERROR", "message": "系统错误"}},
    ],
    ids=["timeout", "connection", "http-500"],
)
@responses.activate
def test_start_payment_without_an_answer_is_unknown(gateway, mock):
    responses.add("POST", f"{API}/v3/pay/transactions/native", **mock)

    assert start(gateway).status == ResultStatus.UNKNOWN


@responses.activate
def test_answer_with_a_forged_signature_is_unknown(gateway):
    body = json.dumps({"code_url": "weixin://wxpay/bizpayurl?pr=evil"})
    responses.add(
        "POST",
        f"{API}/v3/pay/transactions/native",
        body=body,
        headers=signed_headers(body, key=rsa_key("impostor")),
        content_type="application/json",
    )

    result = start(gateway)

    assert result.status == ResultStatus.UNKNOWN
    assert result.qr_code == ""


@responses.activate
def test_refused_order_fails_with_wechats_code(gateway):
    responses.add(
        "POST",
        f"{API}/v3/pay/transactions/native",
        status=400,
        json={"code": "PARAM_ERROR", "message": "参数错误"},
    )

    result = start(gateway)

    assert (result.status, result.error_code, result.error_message) == (
        ResultStatus.FAILED,
        "PARAM_ERROR",
        "参数错误",
    )


# -- query_payment -------------------------------------------------------------------------


def transaction(trade_state="SUCCESS", **fields):
    return {
        "appid": APPID,
        "mchid": MCHID,
        "out_trade_no": OUT_TRADE_NO,
        "transaction_id": TRANSACTION_ID,
        "trade_type": "NATIVE",
        "trade_state": trade_state,
        "trade_state_desc": "支付成功",
        "bank_type": "OTHERS",
        "attach": PAYMENT_ID,
        "success_time": "2024-06-16T10:34:56+08:00",
        "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
        "amount": {"total": 1999, "payer_total": 1999, "currency": "CNY", "payer_currency": "CNY"},
        **fields,
    }


@pytest.mark.parametrize(
    ("trade_state", "expected"),
    [
        ("SUCCESS", ResultStatus.SUCCEEDED),
        ("CLOSED", ResultStatus.FAILED),
        ("PAYERROR", ResultStatus.FAILED),
        ("REVOKED", ResultStatus.FAILED),
        ("NOTPAY", ResultStatus.PENDING),
        ("USERPAYING", ResultStatus.PENDING),
    ],
)
@responses.activate
def test_query_maps_trade_state(gateway, trade_state, expected):
    mock_answer(
        "GET",
        f"/v3/pay/transactions/out-trade-no/{OUT_TRADE_NO}?mchid={MCHID}",
        transaction(trade_state),
    )

    result = gateway.query_payment(payment_id=PAYMENT_ID, reference="")

    assert result.status == expected
    assert (result.reference, result.amount_minor, result.currency) == (TRANSACTION_ID, 1999, "CNY")
    sent(responses.calls[0])


@responses.activate
def test_query_for_an_order_never_created_fails(gateway):
    responses.add(
        "GET",
        f"{API}/v3/pay/transactions/out-trade-no/{OUT_TRADE_NO}",
        status=404,
        json={"code": "ORDER_NOT_EXIST", "message": "订单不存在"},
    )

    result = gateway.query_payment(payment_id=PAYMENT_ID, reference="")

    assert (result.status, result.error_code) == (ResultStatus.FAILED, "ORDER_NOT_EXIST")


@pytest.mark.parametrize(
    "mock",
    [
        {"body": requests.exceptions.ReadTimeout()},
        {"status": 500, "json": {"code": "SYSTEM_ERROR", "message": "系统错误"}},
        {"status": 401, "json": {"code": "SIGN_ERROR", "message": "签名错误"}},
    ],
    ids=["timeout", "http-500", "http-401"],
)
@responses.activate
def test_query_without_an_answer_is_unknown(gateway, mock):
    responses.add("GET", f"{API}/v3/pay/transactions/out-trade-no/{OUT_TRADE_NO}", **mock)

    assert gateway.query_payment(payment_id=PAYMENT_ID, reference="").status == ResultStatus.UNKNOWN


# -- refund --------------------------------------------------------------------------------


def refund(gateway):
    return gateway.refund(
        refund_id=REFUND_ID,
        payment_id=PAYMENT_ID,
        reference=TRANSACTION_ID,
        amount_minor=1999,
        currency="CNY",
        payment_amount_minor=1999,
        reason="开通失败",
    )


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("SUCCESS", ResultStatus.SUCCEEDED),
        ("PROCESSING", ResultStatus.PENDING),
        ("ABNORMAL", ResultStatus.FAILED),
        ("CLOSED", ResultStatus.FAILED),
    ],
)
@responses.activate
def test_refund_uses_our_refund_id_as_out_refund_no(gateway, status, expected):
    mock_answer(
        "POST",
        "/v3/refund/domestic/refunds",
        {
            "refund_id": "50000000382019052709732678859",
            "out_refund_no": REFUND_ID,
            "transaction_id": TRANSACTION_ID,
            "out_trade_no": OUT_TRADE_NO,
            "channel": "ORIGINAL",
            "user_received_account": "招商银行信用卡0403",
            "create_time": "2024-06-17T09:00:00+08:00",
            "status": status,
            "funds_account": "AVAILABLE",
            "amount": {
                "total": 1999,
                "refund": 1999,
                "payer_total": 1999,
                "payer_refund": 1999,
                "settlement_refund": 1999,
                "settlement_total": 1999,
                "discount_refund": 0,
                "currency": "CNY",
            },
        },
    )

    result = refund(gateway)

    assert result.status == expected
    assert result.reference == "50000000382019052709732678859"
    body = sent(responses.calls[0])
    assert body["out_refund_no"] == REFUND_ID
    assert body["out_trade_no"] == OUT_TRADE_NO
    assert body["amount"] == {"refund": 1999, "total": 1999, "currency": "CNY"}
    assert body["notify_url"] == "https://roamcard.example/payments/webhooks/wechatpay/"


@responses.activate
def test_a_partial_refund_sends_the_part_and_the_orders_total(gateway):
    mock_answer(
        "POST",
        "/v3/refund/domestic/refunds",
        {
            "refund_id": "50000000382019052709732678860",
            "out_refund_no": REFUND_ID,
            "status": "PROCESSING",
            "amount": {"total": 1999, "refund": 500, "currency": "CNY"},
        },
    )

    result = gateway.refund(
        refund_id=REFUND_ID,
        payment_id=PAYMENT_ID,
        reference=TRANSACTION_ID,
        amount_minor=500,
        currency="CNY",
        payment_amount_minor=1999,
    )

    assert (result.status, result.amount_minor) == (ResultStatus.PENDING, 500)
    body = sent(responses.calls[0])
    assert body["out_refund_no"] == REFUND_ID
    assert body["amount"] == {"refund": 500, "total": 1999, "currency": "CNY"}


@responses.activate
def test_refund_timeout_is_unknown(gateway):
    responses.add(
        "POST", f"{API}/v3/refund/domestic/refunds", body=requests.exceptions.ConnectTimeout()
    )

    assert refund(gateway).status == ResultStatus.UNKNOWN


@responses.activate
def test_refund_refused_fails_with_wechats_code(gateway):
    responses.add(
        "POST",
        f"{API}/v3/refund/domestic/refunds",
        status=403,
        json={"code": "NOT_ENOUGH", "message": "基本账户余额不足"},
    )

    result = refund(gateway)

    assert (result.status, result.error_code) == (ResultStatus.FAILED, "NOT_ENOUGH")


# -- notifications -------------------------------------------------------------------------


def notification(
    api_v3_key: str, event_type: str, resource: dict, original_type: str = "transaction"
) -> str:
    nonce = secrets.token_hex(6)  # 12 characters, as WeChat Pay sends
    ciphertext = AESGCM(api_v3_key.encode()).encrypt(
        nonce.encode(), json.dumps(resource, ensure_ascii=False).encode(), original_type.encode()
    )
    return json.dumps(
        {
            "id": "EV-2018022511223320873",
            "create_time": "2024-06-16T10:35:00+08:00",
            "resource_type": "encrypt-resource",
            "event_type": event_type,
            "summary": "支付成功",
            "resource": {
                "original_type": original_type,
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": base64.b64encode(ciphertext).decode(),
                "associated_data": original_type,
                "nonce": nonce,
            },
        },
        ensure_ascii=False,
    )


def refund_resource(refund_status="SUCCESS"):
    return {
        "mchid": MCHID,
        "out_trade_no": OUT_TRADE_NO,
        "transaction_id": TRANSACTION_ID,
        "out_refund_no": REFUND_ID,
        "refund_id": "50000000382019052709732678859",
        "refund_status": refund_status,
        "success_time": "2024-06-17T09:00:05+08:00",
        "user_received_account": "招商银行信用卡0403",
        "amount": {"total": 1999, "refund": 1999, "payer_total": 1999, "payer_refund": 1999},
    }


def test_transaction_success_notification(gateway, api_v3_key):
    body = notification(api_v3_key, "TRANSACTION.SUCCESS", transaction())

    event = gateway.parse_webhook(headers=signed_headers(body), body=body.encode())

    assert event.event_id == "EV-2018022511223320873"
    assert event.kind == EventKind.PAYMENT_SUCCEEDED
    assert (event.payment_id, event.reference) == (PAYMENT_ID, TRANSACTION_ID)
    assert (event.amount_minor, event.currency) == (1999, "CNY")
    assert event.raw["resource"]["trade_state"] == "SUCCESS"


@pytest.mark.parametrize(
    ("refund_status", "kind"),
    [("SUCCESS", EventKind.REFUND_SUCCEEDED), ("ABNORMAL", EventKind.REFUND_FAILED)],
)
def test_refund_notifications(gateway, api_v3_key, refund_status, kind):
    body = notification(
        api_v3_key,
        f"REFUND.{refund_status}",
        refund_resource(refund_status),
        original_type="refund",
    )

    event = gateway.parse_webhook(headers=signed_headers(body), body=body.encode())

    assert event.kind == kind
    assert (event.refund_id, event.payment_id, event.amount_minor) == (REFUND_ID, PAYMENT_ID, 1999)


def test_lower_case_and_meta_style_headers(gateway, api_v3_key):
    body = notification(api_v3_key, "TRANSACTION.SUCCESS", transaction())
    headers = signed_headers(body)

    assert gateway.parse_webhook(
        headers={k.lower(): v for k, v in headers.items()}, body=body.encode()
    )
    meta = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}
    assert gateway.parse_webhook(headers=meta, body=body.encode())


def test_platform_certificate_instead_of_public_key(api_v3_key):
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Tenpay.com Root CA")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(platform_key.public_key())
        .serial_number(0x5157F09EFDC096DE15EBE81A47057A7232F1B8E1)
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .sign(platform_key, hashes.SHA256())
    )
    gateway = WeChatPayGateway(
        name="wechatpay",
        mchid=MCHID,
        appid=APPID,
        api_v3_key=api_v3_key,
        merchant_private_key_pem=private_pem(merchant_key),
        merchant_serial_no=MERCHANT_SERIAL,
        platform_certificate_pem=certificate.public_bytes(Encoding.PEM).decode(),
    )
    body = notification(api_v3_key, "TRANSACTION.SUCCESS", transaction())

    event = gateway.parse_webhook(
        headers=signed_headers(body, serial="5157F09EFDC096DE15EBE81A47057A7232F1B8E1"),
        body=body.encode(),
    )

    assert event.kind == EventKind.PAYMENT_SUCCEEDED


def test_signed_by_another_key_is_rejected(gateway, api_v3_key):
    body = notification(api_v3_key, "TRANSACTION.SUCCESS", transaction())

    with pytest.raises(InvalidWebhook, match="signature"):
        gateway.parse_webhook(
            headers=signed_headers(body, key=rsa_key("impostor")), body=body.encode()
        )


def test_mutated_body_is_rejected(gateway, api_v3_key):
    body = notification(api_v3_key, "TRANSACTION.SUCCESS", transaction())
    headers = signed_headers(body)

    with pytest.raises(InvalidWebhook):
        gateway.parse_webhook(headers=headers, body=body.replace("EV-2018", "EV-2019").encode())


def test_wrong_serial_is_rejected_without_fetching_certificates(gateway, api_v3_key):
    body = notification(api_v3_key, "TRANSACTION.SUCCESS", transaction())

    with pytest.raises(InvalidWebhook, match="serial"):
        gateway.parse_webhook(
            headers=signed_headers(body, serial="PUB_KEY_ID_0000000000000000000000000000000000"),
            body=body.encode(),
        )


@pytest.mark.parametrize("offset", [-301, +301], ids=["too-old", "future"])
def test_timestamp_out_of_tolerance_is_rejected(gateway, api_v3_key, offset):
    body = notification(api_v3_key, "TRANSACTION.SUCCESS", transaction())

    with pytest.raises(InvalidWebhook, match="Timestamp"):
        gateway.parse_webhook(
            headers=signed_headers(body, timestamp=int(time.time()) + offset), body=body.encode()
        )


def test_resource_encrypted_with_another_key_is_rejected(gateway):
    body = notification("x" * 32, "TRANSACTION.SUCCESS", transaction())

    with pytest.raises(InvalidWebhook, match="decrypt"):
        gateway.parse_webhook(headers=signed_headers(body), body=body.encode())


@pytest.mark.parametrize(
    ("field", "value"), [("appid", "wx0000000000000000"), ("mchid", "1900000000")]
)
def test_notification_for_another_merchant_or_app_is_rejected(gateway, api_v3_key, field, value):
    body = notification(api_v3_key, "TRANSACTION.SUCCESS", transaction(**{field: value}))

    with pytest.raises(InvalidWebhook, match=field):
        gateway.parse_webhook(headers=signed_headers(body), body=body.encode())


def test_missing_headers_are_rejected(gateway, api_v3_key):
    body = notification(api_v3_key, "TRANSACTION.SUCCESS", transaction())

    with pytest.raises(InvalidWebhook):
        gateway.parse_webhook(headers={}, body=body.encode())


def test_ack(gateway):
    ack = gateway.webhook_ack(None)

    assert ack.status == 200
    assert json.loads(ack.body)["code"] == "SUCCESS"


# -- the payment's deadline and H5 ---------------------------------------------------------


@responses.activate
def test_the_deadline_goes_as_time_expire_in_rfc_3339(gateway):
    mock_answer("POST", "/v3/pay/transactions/native", {"code_url": "weixin://wxpay/x"})
    wanted = datetime(2026, 12, 1, 2, 30, 15, 999, tzinfo=UTC)

    result = start(gateway, expires_at=wanted)

    assert sent(responses.calls[0])["time_expire"] == "2026-12-01T10:30:15+08:00"
    assert result.expires_at == wanted.replace(microsecond=0)


@responses.activate
def test_without_a_deadline_the_payer_has_thirty_minutes(gateway):
    mock_answer("POST", "/v3/pay/transactions/native", {"code_url": "weixin://wxpay/x"})

    result = start(gateway)

    time_expire = datetime.fromisoformat(sent(responses.calls[0])["time_expire"])
    assert abs(time_expire - (datetime.now(UTC) + timedelta(minutes=30))) < timedelta(seconds=5)
    assert result.expires_at == time_expire


def make_h5_gateway(api_v3_key):
    return WeChatPayGateway(
        name="wechatpay",
        mchid=MCHID,
        appid=APPID,
        api_v3_key=api_v3_key,
        merchant_private_key_pem=private_pem(merchant_key),
        merchant_serial_no=MERCHANT_SERIAL,
        platform_keys={PLATFORM_SERIAL: public_pem(platform_key)},
        h5=True,
        h5_payer_client_ip="203.0.113.7",
    )


@responses.activate
def test_a_payer_on_a_phone_pays_through_h5(api_v3_key):
    h5_url = "https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=wx2016&package=1"
    mock_answer("POST", "/v3/pay/transactions/h5", {"h5_url": h5_url})

    result = start(make_h5_gateway(api_v3_key), on_mobile=True)

    assert result.status == ResultStatus.PENDING
    assert result.qr_code == ""
    assert result.redirect_url == (
        h5_url + "&redirect_url=https%3A%2F%2Froamcard.example%2Forders%2F42%2Freturn"
    )
    body = sent(responses.calls[0])
    assert body["scene_info"] == {"payer_client_ip": "203.0.113.7", "h5_info": {"type": "Wap"}}
    assert body["out_trade_no"] == OUT_TRADE_NO


@pytest.mark.parametrize("h5", [True, False], ids=["desktop-with-h5", "phone-without-h5"])
@responses.activate
def test_otherwise_the_payer_scans_a_native_code(api_v3_key, h5):
    mock_answer("POST", "/v3/pay/transactions/native", {"code_url": "weixin://wxpay/x"})
    gateway = make_h5_gateway(api_v3_key) if h5 else make_gateway(api_v3_key)

    result = start(gateway, on_mobile=not h5)

    assert (result.qr_code, result.redirect_url) == ("weixin://wxpay/x", "")
    assert "scene_info" not in sent(responses.calls[0])


def test_h5_needs_an_address_to_send_as_the_payers(api_v3_key):
    with pytest.raises(ValueError, match="h5_payer_client_ip"):
        WeChatPayGateway(
            name="wechatpay",
            mchid=MCHID,
            appid=APPID,
            api_v3_key=api_v3_key,
            merchant_private_key_pem=private_pem(merchant_key),
            merchant_serial_no=MERCHANT_SERIAL,
            platform_keys={PLATFORM_SERIAL: public_pem(platform_key)},
            h5=True,
        )


# -- closing -------------------------------------------------------------------------------

CLOSE = f"/v3/pay/transactions/out-trade-no/{OUT_TRADE_NO}/close"


@responses.activate
def test_cancel_closes_the_order(gateway):
    mock_answer("POST", CLOSE, None, status=204)

    result = gateway.cancel_payment(payment_id=PAYMENT_ID, reference="")

    assert result.status == ResultStatus.FAILED
    assert sent(responses.calls[0]) == {"mchid": MCHID}


@responses.activate
def test_cancel_of_an_order_paid_meanwhile_answers_the_payment(gateway):
    responses.add(
        "POST", API + CLOSE, status=400, json={"code": "ORDERPAID", "message": "订单已支付"}
    )
    mock_answer(
        "GET",
        f"/v3/pay/transactions/out-trade-no/{OUT_TRADE_NO}?mchid={MCHID}",
        transaction("SUCCESS"),
    )

    result = gateway.cancel_payment(payment_id=PAYMENT_ID, reference="")

    assert (result.status, result.amount_minor, result.currency, result.reference) == (
        ResultStatus.SUCCEEDED,
        1999,
        "CNY",
        TRANSACTION_ID,
    )


@pytest.mark.parametrize("code", ["ORDER_NOT_EXIST", "ORDERCLOSED"])
@responses.activate
def test_cancel_of_an_order_never_made_or_closed_is_closed(gateway, code):
    responses.add("POST", API + CLOSE, status=400, json={"code": code, "message": "..."})

    assert gateway.cancel_payment(payment_id=PAYMENT_ID, reference="").status == (
        ResultStatus.FAILED
    )


@pytest.mark.parametrize(
    "mock",
    [
        {"body": requests.exceptions.ReadTimeout()},
        {"status": 500, "json": {"code": "SYSTEM_ERROR", "message": "系统错误"}},
        {
            "status": 400,
            "json": {"code": "INVALID_REQUEST", "message": "订单创建后5分钟内不能关单"},
        },
    ],
    ids=["timeout", "http-500", "not-closable-yet"],
)
@responses.activate
def test_cancel_that_did_not_close_is_asked_again(gateway, mock):
    responses.add("POST", API + CLOSE, **mock)

    result = gateway.cancel_payment(payment_id=PAYMENT_ID, reference="")

    assert result.status == ResultStatus.UNKNOWN


# -- refunds report to the URL the core names ----------------------------------------------


@responses.activate
def test_the_refund_notify_url_passed_with_the_refund_wins(gateway):
    mock_answer(
        "POST",
        "/v3/refund/domestic/refunds",
        {"refund_id": "5000", "status": "PROCESSING", "amount": {"refund": 1999}},
    )

    gateway.refund(
        refund_id=REFUND_ID,
        payment_id=PAYMENT_ID,
        reference=TRANSACTION_ID,
        amount_minor=1999,
        currency="CNY",
        payment_amount_minor=1999,
        notify_url="https://roamcard.example/payments/webhooks/wechatpay-refunds/",
    )

    assert (
        sent(responses.calls[0])["notify_url"]
        == "https://roamcard.example/payments/webhooks/wechatpay-refunds/"
    )


# -- platform keys: a rotation needs no redeploy -------------------------------------------

NEW_SERIAL = "PUB_KEY_ID_0119000091912026011500654321009876"
new_platform_key = rsa_key("wechatpay-platform-next")


def make_rotating_gateway(api_v3_key):
    return WeChatPayGateway(
        name="wechatpay",
        mchid=MCHID,
        appid=APPID,
        api_v3_key=api_v3_key,
        merchant_private_key_pem=private_pem(merchant_key),
        merchant_serial_no=MERCHANT_SERIAL,
        platform_keys={
            PLATFORM_SERIAL: public_pem(platform_key),
            NEW_SERIAL: public_pem(new_platform_key),
        },
    )


@pytest.mark.parametrize(
    ("key", "serial"),
    [(platform_key, PLATFORM_SERIAL), (new_platform_key, NEW_SERIAL)],
    ids=["old-key", "new-key"],
)
def test_during_a_rotation_both_keys_are_accepted(api_v3_key, key, serial):
    gateway = make_rotating_gateway(api_v3_key)
    body = notification(api_v3_key, "TRANSACTION.SUCCESS", transaction())

    event = gateway.parse_webhook(
        headers=signed_headers(body, key=key, serial=serial), body=body.encode()
    )

    assert event.kind == EventKind.PAYMENT_SUCCEEDED


def test_a_key_signing_under_the_other_keys_serial_is_refused(api_v3_key):
    gateway = make_rotating_gateway(api_v3_key)
    body = notification(api_v3_key, "TRANSACTION.SUCCESS", transaction())

    with pytest.raises(InvalidWebhook, match="signature"):
        gateway.parse_webhook(
            headers=signed_headers(body, key=new_platform_key, serial=PLATFORM_SERIAL),
            body=body.encode(),
        )


def test_an_unknown_serial_is_refused_during_a_rotation(api_v3_key):
    gateway = make_rotating_gateway(api_v3_key)
    body = notification(api_v3_key, "TRANSACTION.SUCCESS", transaction())

    with pytest.raises(InvalidWebhook, match="serial"):
        gateway.parse_webhook(
            headers=signed_headers(body, key=rsa_key("impostor"), serial="PUB_KEY_ID_UNKNOWN"),
            body=body.encode(),
        )


@responses.activate
def test_answers_signed_with_the_new_key_are_trusted_without_fetching_certificates(api_v3_key):
    body = json.dumps(transaction("NOTPAY"))
    responses.add(
        "GET",
        f"{API}/v3/pay/transactions/out-trade-no/{OUT_TRADE_NO}?mchid={MCHID}",
        body=body,
        headers=signed_headers(body, key=new_platform_key, serial=NEW_SERIAL),
        content_type="application/json",
    )

    result = make_rotating_gateway(api_v3_key).query_payment(payment_id=PAYMENT_ID, reference="")

    assert result.status == ResultStatus.PENDING
    assert len(responses.calls) == 1  # no /v3/certificates


@responses.activate
def test_an_answer_under_an_unknown_serial_is_unknown(api_v3_key):
    body = json.dumps(transaction("SUCCESS"))
    responses.add(
        "GET",
        f"{API}/v3/pay/transactions/out-trade-no/{OUT_TRADE_NO}?mchid={MCHID}",
        body=body,
        headers=signed_headers(body, key=rsa_key("impostor"), serial="PUB_KEY_ID_UNKNOWN"),
        content_type="application/json",
    )

    result = make_rotating_gateway(api_v3_key).query_payment(payment_id=PAYMENT_ID, reference="")

    assert result.status == ResultStatus.UNKNOWN
    assert len(responses.calls) == 1


@pytest.mark.parametrize("bare", [False, True], ids=["pem", "bare-base64"])
def test_a_platform_certificate_among_the_keys(api_v3_key, bare):
    serial = 0x7132D8B6DE6FD2C3E9A1E2C0F1B3A4D5E6F70812
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Tenpay.com Root CA")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(new_platform_key.public_key())
        .serial_number(serial)
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .sign(new_platform_key, hashes.SHA256())
    )
    certificate_text = certificate.public_bytes(Encoding.PEM).decode()
    if bare:  # as some consoles and environment variables carry it
        certificate_text = "".join(certificate_text.splitlines()[1:-1])
    gateway = WeChatPayGateway(
        name="wechatpay",
        mchid=MCHID,
        appid=APPID,
        api_v3_key=api_v3_key,
        merchant_private_key_pem=private_pem(merchant_key),
        merchant_serial_no=MERCHANT_SERIAL,
        platform_public_key_pem=public_pem(platform_key),
        platform_serial_no=PLATFORM_SERIAL,
        platform_keys={f"{serial:X}": certificate_text},
    )
    body = notification(api_v3_key, "TRANSACTION.SUCCESS", transaction())

    event = gateway.parse_webhook(
        headers=signed_headers(body, key=new_platform_key, serial=f"{serial:X}"),
        body=body.encode(),
    )

    assert event.kind == EventKind.PAYMENT_SUCCEEDED
    assert gateway.platform_serial_no == PLATFORM_SERIAL  # the one named to WeChat Pay


def test_a_refused_notification_is_answered_in_v3_json(gateway):
    reject = gateway.webhook_reject("bad signature")

    assert 400 <= reject.status < 600
    assert reject.content_type == "application/json"
    assert json.loads(reject.body) == {"code": "FAIL", "message": "bad signature"}
