"""WeChat Pay (微信支付) API v3, with wechatpayv3: Native pay (a QR code the payer scans),
order query, refunds, and the signed, encrypted notifications."""

import dataclasses
import json
import re
import time
import uuid
from datetime import datetime
from typing import Any

import requests
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from wechatpayv3 import WeChatPay, WeChatPayType
from wechatpayv3.utils import aes_decrypt, load_public_key, rsa_verify

from ._support import header, pem
from .base import (
    EventKind,
    GatewayResult,
    InvalidWebhook,
    PaymentMethod,
    ResultStatus,
    WebhookAck,
    WebhookEvent,
)

SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
OUT_TRADE_NO = re.compile(r"^[0-9A-Za-z_\-|*]{6,32}$")

TRADE_STATE = {
    "SUCCESS": ResultStatus.SUCCEEDED,
    "REFUND": ResultStatus.SUCCEEDED,  # paid, then (partly) refunded
    "CLOSED": ResultStatus.FAILED,
    "PAYERROR": ResultStatus.FAILED,
    "REVOKED": ResultStatus.FAILED,
    "NOTPAY": ResultStatus.PENDING,
    "USERPAYING": ResultStatus.PENDING,
    "ACCEPT": ResultStatus.PENDING,
}
REFUND_STATUS = {
    "SUCCESS": ResultStatus.SUCCEEDED,
    "PROCESSING": ResultStatus.PENDING,
    "CLOSED": ResultStatus.FAILED,
    "ABNORMAL": ResultStatus.FAILED,  # the payer's account refused it: staff act by hand
}
EVENT_KINDS = {
    "TRANSACTION.SUCCESS": EventKind.PAYMENT_SUCCEEDED,
    "REFUND.SUCCESS": EventKind.REFUND_SUCCEEDED,
    "REFUND.ABNORMAL": EventKind.REFUND_FAILED,
    "REFUND.CLOSED": EventKind.REFUND_FAILED,
}
# Error codes after which WeChat Pay may hold an order or refund we do not know about, or
# that say "try again": the outcome is unknown, a reconcile query settles it.
UNSETTLED_CODES = frozenset(
    {
        "SYSTEM_ERROR",
        "FREQUENCY_LIMITED",
        "BANKERROR",
        "ORDERPAID",
        "OUT_TRADE_NO_USED",
        "RESOURCE_ALREADY_EXISTS",
    }
)


def out_trade_no(payment_id: str) -> str:
    """WeChat Pay's merchant order number is at most 32 characters: a UUID (36 with its
    hyphens) goes without them. The payment id itself travels in `attach`."""
    if OUT_TRADE_NO.match(payment_id):
        return payment_id
    return uuid.UUID(payment_id).hex


class WeChatPayGateway:
    """WeChat Pay API v3, direct merchant (直连商户), Native pay.

    Options (PAYMENT_GATEWAYS[...]["OPTIONS"]):
        mchid: the merchant number (商户号).
        appid: the AppID bound to the merchant (公众号 / 小程序 / 移动应用 / 网站应用).
        api_v3_key: the 32-character APIv3 key set in the merchant platform.
        merchant_private_key_pem: apiclient_key.pem, the merchant API certificate's key.
        merchant_serial_no: the serial number of the merchant API certificate.
        platform_public_key_pem: "微信支付公钥" (pub_key.pem), the key WeChat Pay signs with;
            or, for merchants still on platform certificates, platform_certificate_pem.
        platform_serial_no: the key's ID ("PUB_KEY_ID_...") or the platform certificate's
            serial number, exactly as the merchant platform shows it; notifications and
            answers signed under any other serial are refused. Derived from
            platform_certificate_pem when that is given.
        refund_notify_url: where WeChat Pay sends refund results (our webhook URL); empty:
            the address configured in the merchant platform.
        webhook_tolerance: seconds a notification's Wechatpay-Timestamp may be off from our
            clock, either way (default 300).
        timeout: seconds per HTTP request, or (connect, read) (default (5, 20)).

    The platform key is given, never downloaded: nothing reaches the network until a
    payment is started. Our payment id is `attach` and, hyphens removed, `out_trade_no`;
    our refund id is `out_refund_no`. Amounts are fen; WeChat Pay v3 direct merchants are
    paid in CNY only.
    """

    methods = (PaymentMethod.WECHAT_PAY,)

    def __init__(
        self,
        *,
        name: str,
        mchid: str,
        appid: str,
        api_v3_key: str,
        merchant_private_key_pem: str,
        merchant_serial_no: str,
        platform_public_key_pem: str = "",
        platform_serial_no: str = "",
        platform_certificate_pem: str = "",
        refund_notify_url: str = "",
        webhook_tolerance: int = 300,
        timeout: float | tuple[float, float] = (5, 20),
    ):
        if len(api_v3_key.encode()) != 32:
            raise ValueError("WeChatPayGateway api_v3_key must be 32 bytes")
        if bool(platform_public_key_pem) == bool(platform_certificate_pem):
            raise ValueError(
                "WeChatPayGateway needs one of platform_public_key_pem, platform_certificate_pem"
            )
        if platform_certificate_pem:
            certificate = x509.load_pem_x509_certificate(
                pem(platform_certificate_pem, "CERTIFICATE").encode()
            )
            platform_public_key_pem = (
                certificate.public_key()
                .public_bytes(
                    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
                )
                .decode()
            )
            platform_serial_no = platform_serial_no or f"{certificate.serial_number:X}"
        if not platform_serial_no:
            raise ValueError("WeChatPayGateway needs platform_serial_no")
        self.name = name
        self.mchid = str(mchid)
        self.appid = appid
        self.platform_serial_no = platform_serial_no
        self.refund_notify_url = refund_notify_url
        self._api_v3_key = api_v3_key
        self._tolerance = int(webhook_tolerance)
        platform_public_key_pem = pem(platform_public_key_pem, "PUBLIC KEY")
        self._platform_key = load_public_key(platform_public_key_pem)
        # Given public_key and public_key_id the client verifies answers with that key and
        # never fetches /v3/certificates.
        self._client = WeChatPay(
            wechatpay_type=WeChatPayType.NATIVE,
            mchid=self.mchid,
            private_key=pem(merchant_private_key_pem, "PRIVATE KEY"),
            cert_serial_no=merchant_serial_no,
            appid=appid,
            apiv3_key=api_v3_key,
            public_key=platform_public_key_pem,
            public_key_id=platform_serial_no,
            timeout=timeout,
        )

    # -- calls -------------------------------------------------------------------------

    def start_payment(
        self,
        *,
        payment_id: str,
        amount_minor: int,
        currency: str,
        method: PaymentMethod,
        description: str,
        return_url: str,
        notify_url: str,
        language: str = "en",
        expires_at: datetime | None = None,
        on_mobile: bool = False,
    ) -> GatewayResult:
        if currency.upper() != "CNY":
            return GatewayResult(
                status=ResultStatus.FAILED,
                error_code="unsupported_currency",
                error_message=f"WeChat Pay gateway {self.name!r} takes CNY only, not {currency}.",
            )
        answer = self._call(
            self._client.pay,
            description=description.encode()[:127].decode("utf-8", "ignore"),
            out_trade_no=out_trade_no(payment_id),
            amount={"total": amount_minor, "currency": "CNY"},
            attach=payment_id,
            notify_url=notify_url,
            pay_type=WeChatPayType.NATIVE,
        )
        if isinstance(answer, GatewayResult):
            return answer
        if not answer.get("code_url"):
            return GatewayResult(status=ResultStatus.UNKNOWN, error_code="no_code_url", raw=answer)
        return GatewayResult(
            status=ResultStatus.PENDING,
            qr_code=answer["code_url"],
            amount_minor=amount_minor,
            currency="CNY",
            raw=answer,
        )

    def query_payment(self, *, payment_id: str, reference: str) -> GatewayResult:
        answer = self._call(
            self._client.query, out_trade_no=out_trade_no(payment_id), status=ResultStatus.UNKNOWN
        )
        if isinstance(answer, GatewayResult):
            if answer.error_code == "ORDER_NOT_EXIST":
                # The order is created by start_payment's call: without it no QR code was
                # ever shown, so nobody can have paid.
                return dataclasses.replace(answer, status=ResultStatus.FAILED)
            return answer
        amount = answer.get("amount") or {}
        return GatewayResult(
            status=TRADE_STATE.get(answer.get("trade_state", ""), ResultStatus.UNKNOWN),
            reference=answer.get("transaction_id", ""),
            amount_minor=amount.get("total"),
            currency=amount.get("currency", "CNY"),
            error_code=""
            if answer.get("trade_state") == "SUCCESS"
            else answer.get("trade_state", ""),
            error_message=answer.get("trade_state_desc", ""),
            raw=answer,
        )

    def refund(
        self,
        *,
        refund_id: str,
        payment_id: str,
        reference: str,
        amount_minor: int,
        currency: str,
        reason: str = "",
        notify_url: str = "",
    ) -> GatewayResult:
        answer = self._call(
            self._client.refund,
            out_refund_no=refund_id,
            amount={"refund": amount_minor, "total": amount_minor, "currency": currency.upper()},
            out_trade_no=out_trade_no(payment_id),
            reason=reason[:80] or None,
            notify_url=self.refund_notify_url or None,
        )
        if isinstance(answer, GatewayResult):
            return answer
        status = answer.get("status", "")
        return GatewayResult(
            status=REFUND_STATUS.get(status, ResultStatus.UNKNOWN),
            reference=answer.get("refund_id", ""),
            amount_minor=(answer.get("amount") or {}).get("refund"),
            currency=(answer.get("amount") or {}).get("currency", "CNY"),
            error_code="" if status in ("SUCCESS", "PROCESSING") else status,
            raw=answer,
        )

    def _call(
        self, function, *, status: ResultStatus = ResultStatus.FAILED, **kwargs
    ) -> dict[str, Any] | GatewayResult:
        """The answer of one API call, or the GatewayResult that says why there is none:
        UNKNOWN when the call may have done its work (network failure, 5xx, an answer
        whose signature fails), otherwise `status` with WeChat Pay's code and message."""
        try:
            code, text = function(**kwargs)
        except requests.RequestException as exc:
            return GatewayResult(
                status=ResultStatus.UNKNOWN,
                error_code=type(exc).__name__,
                error_message=str(exc)[:300],
            )
        except Exception as exc:  # the SDK reports an answer with a bad signature this way
            return GatewayResult(
                status=ResultStatus.UNKNOWN, error_code="bad_response", error_message=str(exc)[:300]
            )
        try:
            body = json.loads(text) if text else {}
        except (TypeError, ValueError):
            body = {}
        if 200 <= code < 300:
            return body
        error_code = body.get("code", f"HTTP_{code}")
        unsettled = code >= 500 or code == 429 or error_code in UNSETTLED_CODES
        return GatewayResult(
            status=ResultStatus.UNKNOWN if unsettled else status,
            error_code=error_code,
            error_message=str(body.get("message", ""))[:300],
            raw=body,
        )

    # -- webhooks ----------------------------------------------------------------------

    def parse_webhook(self, *, headers: dict[str, str], body: bytes) -> WebhookEvent:
        signature = header(headers, "Wechatpay-Signature")
        timestamp = header(headers, "Wechatpay-Timestamp")
        nonce = header(headers, "Wechatpay-Nonce")
        serial = header(headers, "Wechatpay-Serial")
        if not (signature and timestamp and nonce and serial):
            raise InvalidWebhook("missing Wechatpay-* signature headers")
        if header(headers, "Wechatpay-Signature-Type") not in ("", SIGNATURE_TYPE):
            raise InvalidWebhook("unsupported Wechatpay-Signature-Type")
        if serial.upper() != self.platform_serial_no.upper():
            raise InvalidWebhook(f"signed under serial {serial!r}, not ours")
        try:
            skew = abs(time.time() - int(timestamp))
        except ValueError as exc:
            raise InvalidWebhook("bad Wechatpay-Timestamp") from exc
        if skew > self._tolerance:
            raise InvalidWebhook("Wechatpay-Timestamp outside the tolerance")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidWebhook("body is not UTF-8") from exc
        if not rsa_verify(timestamp, nonce, text, signature, self._platform_key):
            raise InvalidWebhook("bad signature")

        try:
            envelope = json.loads(text)
            resource = envelope["resource"]
            event_id, event_type = envelope["id"], envelope["event_type"]
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidWebhook("not a WeChat Pay notification") from exc
        if resource.get("algorithm") != "AEAD_AES_256_GCM":
            raise InvalidWebhook(f"unsupported algorithm {resource.get('algorithm')!r}")
        try:
            plaintext = aes_decrypt(
                nonce=resource["nonce"],
                ciphertext=resource["ciphertext"],
                associated_data=resource.get("associated_data") or "",
                apiv3_key=self._api_v3_key,
            )
            data = json.loads(plaintext) if plaintext else None
        except (KeyError, ValueError, TypeError) as exc:
            raise InvalidWebhook("cannot decrypt resource") from exc
        if not isinstance(data, dict):
            raise InvalidWebhook("cannot decrypt resource")
        if data.get("mchid", self.mchid) != self.mchid:
            raise InvalidWebhook(f"notification for mchid {data.get('mchid')!r}")
        if data.get("appid", self.appid) != self.appid:
            raise InvalidWebhook(f"notification for appid {data.get('appid')!r}")

        kind = EVENT_KINDS.get(event_type, EventKind.IGNORED)
        if kind == EventKind.PAYMENT_SUCCEEDED and data.get("trade_state") != "SUCCESS":
            kind = EventKind.IGNORED
        amount = data.get("amount") or {}
        is_refund = event_type.startswith("REFUND.")
        return WebhookEvent(
            event_id=event_id,
            kind=kind,
            payment_id=data.get("attach") or _payment_id(data.get("out_trade_no", "")),
            refund_id=data.get("out_refund_no", "") if is_refund else "",
            reference=data.get("refund_id" if is_refund else "transaction_id", ""),
            amount_minor=amount.get("refund" if is_refund else "total"),
            currency=amount.get("currency", "CNY"),
            error_code=data.get("refund_status", "") if kind == EventKind.REFUND_FAILED else "",
            raw={**envelope, "resource": data},
        )

    def webhook_ack(self, event: WebhookEvent | None) -> WebhookAck:
        # v3 documents both "200/204, no body" and 200 + {"code": "SUCCESS"}: this is both.
        return WebhookAck(
            status=200,
            body=b'{"code": "SUCCESS", "message": "OK"}',
            content_type="application/json",
        )


def _payment_id(trade_no: str) -> str:
    """out_trade_no back to our payment id, for orders without `attach` (none of ours)."""
    try:
        return str(uuid.UUID(hex=trade_no)) if len(trade_no) == 32 else trade_no
    except ValueError:
        return trade_no
