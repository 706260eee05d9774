"""WeChat Pay (微信支付) API v3, with wechatpayv3: Native pay (a QR code the payer scans) or
H5 pay (a phone's browser hands over to the WeChat app), order query and close, refunds,
and the signed, encrypted notifications."""

import dataclasses
import json
import re
import time
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

import requests
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from wechatpayv3 import WeChatPay, WeChatPayType
from wechatpayv3.utils import aes_decrypt, load_public_key, rsa_verify

from ._support import deadline, header, pem, required_text, whole_number
from .base import (
    EventKind,
    GatewayResult,
    InvalidWebhook,
    NotSupported,
    PaymentMethod,
    ResultStatus,
    SetupResult,
    WebhookAck,
    WebhookEvent,
)

SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
CHINA_TZ = timezone(timedelta(hours=8), "CST")
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
# Why this adapter saves nothing (docs/decisions/0009).
NO_SAVING = (
    "WeChat Pay gateway {name!r} cannot save a payment method: for a direct merchant, "
    "WeChat Pay's entrusted deduction (委托代扣, papay: contract signing, deduction, "
    "termination) is API v2 only (XML signed with the APIv2 key), which wechatpayv3 does "
    "not implement; its API v3 deduction is for service providers and WeChat Pay Global. "
    "Travellers pay WeChat Pay renewals by hand."
)


def out_trade_no(payment_id: str) -> str:
    """WeChat Pay's merchant order number is at most 32 characters: a UUID (36 with its
    hyphens) goes without them. The payment id itself travels in `attach`."""
    if OUT_TRADE_NO.match(payment_id):
        return payment_id
    return uuid.UUID(payment_id).hex


class WeChatPayGateway:
    """WeChat Pay API v3, direct merchant (直连商户), Native pay and, optionally, H5 pay.

    Options (PAYMENT_GATEWAYS[...]["OPTIONS"]):
        mchid: the merchant number (商户号).
        appid: the AppID bound to the merchant (公众号 / 小程序 / 移动应用 / 网站应用).
        api_v3_key: the 32-character APIv3 key set in the merchant platform.
        merchant_private_key_pem: apiclient_key.pem, the merchant API certificate's key.
        merchant_serial_no: the serial number of the merchant API certificate.
        platform_keys: WeChat Pay's keys by serial: {serial: PEM}, each PEM a public key
            ("微信支付公钥", pub_key.pem, serial "PUB_KEY_ID_...") or a platform certificate
            (平台证书). A notification or answer is verified with the key its
            Wechatpay-Serial names; any other serial is refused. Give two during a rotation.
        platform_public_key_pem + platform_serial_no, or platform_certificate_pem (its
            serial read from it unless platform_serial_no is given): one more key, the way
            a single key was configured before platform_keys. Its serial is the one sent
            to WeChat Pay; otherwise the first of platform_keys is.
        refund_notify_url: where WeChat Pay sends refund results, unless the core passes
            one with the refund; empty: the address set in the merchant platform.
        h5: True when the merchant has H5支付: a payer on a phone's browser then pays
            through H5 (redirect_url) instead of a QR code.
        h5_payer_client_ip: the IP address sent as the H5 payer's (scene_info), for want
            of the payer's own; WeChat Pay may refuse an H5 payment whose payer comes from
            another address.
        webhook_tolerance: seconds a notification's Wechatpay-Timestamp may be off from our
            clock, either way (default 300).
        timeout: seconds per HTTP request, or (connect, read) (default (5, 20)).

    The platform keys are given, never downloaded: nothing reaches the network until a
    payment is started. Our payment id is `attach` and, hyphens removed, `out_trade_no`;
    our refund id is `out_refund_no`. Amounts are fen; WeChat Pay v3 direct merchants are
    paid in CNY only. The payment's deadline goes as `time_expire`.
    """

    methods = (PaymentMethod.WECHAT_PAY,)
    saves: tuple[PaymentMethod, ...] = ()

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
        platform_keys: Mapping[str, str] | None = None,
        refund_notify_url: str = "",
        h5: bool = False,
        h5_payer_client_ip: str = "",
        webhook_tolerance: int = 300,
        timeout: float | tuple[float, float] = (5, 20),
    ):
        if len(api_v3_key.encode()) != 32:
            raise ValueError("WeChatPayGateway api_v3_key must be 32 bytes")
        if platform_public_key_pem and platform_certificate_pem:
            raise ValueError(
                "WeChatPayGateway takes platform_public_key_pem or platform_certificate_pem, "
                "not both"
            )
        if h5 and not h5_payer_client_ip:
            raise ValueError("WeChatPayGateway h5 needs h5_payer_client_ip")
        keys = {
            serial: _public_key_pem(value, certificate=_is_certificate(serial, value))
            for serial, value in (platform_keys or {}).items()
        }
        if platform_public_key_pem or platform_certificate_pem:
            serial = platform_serial_no or _certificate_serial(platform_certificate_pem)
            if not serial:
                raise ValueError("WeChatPayGateway needs platform_serial_no")
            single = _public_key_pem(
                platform_certificate_pem or platform_public_key_pem,
                certificate=bool(platform_certificate_pem),
            )
            keys = {serial: single, **keys}
        if not keys:
            raise ValueError(
                "WeChatPayGateway needs platform_keys (or platform_public_key_pem and "
                "platform_serial_no, or platform_certificate_pem)"
            )
        self.name = name
        self.mchid = str(mchid)
        self.appid = appid
        self.platform_serial_no = next(iter(keys))
        self.refund_notify_url = refund_notify_url
        self.h5 = h5
        self.h5_payer_client_ip = h5_payer_client_ip
        self._api_v3_key = api_v3_key
        self._tolerance = int(webhook_tolerance)
        self._platform_keys = {
            serial.upper(): load_public_key(key_pem) for serial, key_pem in keys.items()
        }
        # Given public_key and public_key_id the client never fetches /v3/certificates; it
        # names that serial to WeChat Pay. Answers are verified below, with every key.
        self._client = WeChatPay(
            wechatpay_type=WeChatPayType.NATIVE,
            mchid=self.mchid,
            private_key=pem(merchant_private_key_pem, "PRIVATE KEY"),
            cert_serial_no=merchant_serial_no,
            appid=appid,
            apiv3_key=api_v3_key,
            public_key=keys[self.platform_serial_no],
            public_key_id=self.platform_serial_no,
            timeout=timeout,
        )
        # The SDK verifies answers with its one key, and for any other serial downloads
        # platform certificates: during a rotation WeChat Pay may sign with the new key.
        self._client._core._verify_signature = self._signed_by_wechatpay

    def _signed_by_wechatpay(self, headers: Mapping[str, str], body: str) -> bool:
        """Whether a message carries a valid signature by one of the platform keys."""
        serial = header(headers, "Wechatpay-Serial").upper()
        key = self._platform_keys.get(serial)
        if key is None or header(headers, "Wechatpay-Signature-Type") not in ("", SIGNATURE_TYPE):
            return False
        return rsa_verify(
            header(headers, "Wechatpay-Timestamp"),
            header(headers, "Wechatpay-Nonce"),
            body,
            header(headers, "Wechatpay-Signature"),
            key,
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
        expires = deadline(expires_at).astimezone(CHINA_TZ).replace(microsecond=0)
        h5 = self.h5 and on_mobile
        answer = self._call(
            self._client.pay,
            description=description.encode()[:127].decode("utf-8", "ignore"),
            out_trade_no=out_trade_no(payment_id),
            amount={"total": amount_minor, "currency": "CNY"},
            attach=payment_id,
            notify_url=notify_url,
            time_expire=expires.isoformat(),
            pay_type=WeChatPayType.H5 if h5 else WeChatPayType.NATIVE,
            scene_info={
                "payer_client_ip": self.h5_payer_client_ip,
                "h5_info": {"type": "Wap"},
            }
            if h5
            else None,
        )
        if isinstance(answer, GatewayResult):
            return answer
        link = answer.get("h5_url" if h5 else "code_url")
        if not link:
            return GatewayResult(
                status=ResultStatus.UNKNOWN, error_code="no_payment_url", raw=answer
            )
        if h5:
            # WeChat brings the payer back to redirect_url, appended to h5_url, after paying.
            redirect_url, qr_code = f"{link}&redirect_url={quote(return_url, safe='')}", ""
        else:
            redirect_url, qr_code = "", link
        return GatewayResult(
            status=ResultStatus.PENDING,
            redirect_url=redirect_url,
            qr_code=qr_code,
            amount_minor=amount_minor,
            currency="CNY",
            raw=answer,
            expires_at=expires,
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

    def cancel_payment(self, *, payment_id: str, reference: str) -> GatewayResult:
        """Close the order. WeChat Pay refuses once it is paid (ORDERPAID): then the query
        answers the payment. An order it never had was never shown to a payer."""
        answer = self._call(
            self._client.close, out_trade_no=out_trade_no(payment_id), status=ResultStatus.UNKNOWN
        )
        if not isinstance(answer, GatewayResult):
            return GatewayResult(status=ResultStatus.FAILED, error_code="CLOSED", raw=answer)
        if answer.error_code in ("ORDER_NOT_EXIST", "ORDERCLOSED"):
            return dataclasses.replace(answer, status=ResultStatus.FAILED)
        if answer.error_code == "ORDERPAID":
            return self.query_payment(payment_id=payment_id, reference=reference)
        return answer

    def refund(
        self,
        *,
        refund_id: str,
        payment_id: str,
        reference: str,
        amount_minor: int,
        currency: str,
        payment_amount_minor: int,
        reason: str = "",
        notify_url: str = "",
    ) -> GatewayResult:
        answer = self._call(
            self._client.refund,
            out_refund_no=refund_id,
            amount={
                "refund": amount_minor,
                "total": payment_amount_minor,
                "currency": currency.upper(),
            },
            out_trade_no=out_trade_no(payment_id),
            reason=reason[:80] or None,
            notify_url=notify_url or self.refund_notify_url or None,
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
            code, answer_text = function(**kwargs)
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
            body = json.loads(answer_text) if answer_text else {}
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

    # -- saved methods: not with this library (NO_SAVING) ------------------------------

    def start_saving_method(self, **kwargs: Any) -> SetupResult:
        raise NotSupported(NO_SAVING.format(name=self.name))

    def query_saved_method(self, **kwargs: Any) -> SetupResult:
        raise NotSupported(NO_SAVING.format(name=self.name))

    def charge_saved_method(self, **kwargs: Any) -> GatewayResult:
        raise NotSupported(NO_SAVING.format(name=self.name))

    def remove_saved_method(self, **kwargs: Any) -> None:
        raise NotSupported(NO_SAVING.format(name=self.name))

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
        platform_key = self._platform_keys.get(serial.upper())
        if platform_key is None:
            raise InvalidWebhook(f"signed under serial {serial!r}, not one of ours")
        try:
            skew = abs(time.time() - int(timestamp))
        except ValueError as exc:
            raise InvalidWebhook("bad Wechatpay-Timestamp") from exc
        if skew > self._tolerance:
            raise InvalidWebhook("Wechatpay-Timestamp outside the tolerance")
        try:
            body_text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidWebhook("body is not UTF-8") from exc
        if not rsa_verify(timestamp, nonce, body_text, signature, platform_key):
            raise InvalidWebhook("bad signature")

        try:
            envelope = json.loads(body_text)
        except ValueError as exc:
            raise InvalidWebhook("body is not JSON") from exc
        if not isinstance(envelope, dict) or not isinstance(envelope.get("resource"), dict):
            raise InvalidWebhook("not a WeChat Pay notification: no resource object")
        resource = envelope["resource"]
        event_id = required_text(envelope.get("id"), "an event id")
        event_type = required_text(envelope.get("event_type"), "an event_type")
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
        amount = data.get("amount")
        if not isinstance(amount, dict):
            raise InvalidWebhook("notification without an amount object")
        is_refund = event_type.startswith("REFUND.")
        total = amount.get("refund" if is_refund else "total")
        payment_id = data.get("attach") or _payment_id(str(data.get("out_trade_no") or ""))
        if kind != EventKind.IGNORED:
            payment_id = required_text(payment_id, "attach or out_trade_no")
            total = whole_number(total, "amount")
        return WebhookEvent(
            event_id=event_id,
            kind=kind,
            payment_id=str(payment_id),
            refund_id=str(data.get("out_refund_no") or "") if is_refund else "",
            reference=str(data.get("refund_id" if is_refund else "transaction_id") or ""),
            amount_minor=total if isinstance(total, int) else None,
            currency=str(amount.get("currency") or "CNY"),
            error_code=str(data.get("refund_status") or "")
            if kind == EventKind.REFUND_FAILED
            else "",
            raw={**envelope, "resource": data},
        )

    def webhook_ack(self, event: WebhookEvent | None) -> WebhookAck:
        # v3 documents both "200/204, no body" and 200 + {"code": "SUCCESS"}: this is both.
        return WebhookAck(
            status=200,
            body=b'{"code": "SUCCESS", "message": "OK"}',
            content_type="application/json",
        )

    def webhook_reject(self, reason: str) -> WebhookAck:
        # v3: a 4xx or 5xx with {"code": "FAIL", "message": ...}; WeChat Pay then sends the
        # notification again (15 s, 15 s, 30 s, 3 min, ... for up to 24 h).
        return WebhookAck(
            status=400,
            body=json.dumps({"code": "FAIL", "message": reason}, ensure_ascii=False).encode(),
            content_type="application/json",
        )


def _is_certificate(serial: str, value: str) -> bool:
    """Whether a platform key was given as a certificate: its PEM says so, or, as bare
    base64, its serial is a certificate's (public keys' IDs start with PUB_KEY_ID_)."""
    if "-----BEGIN" in value:
        return "CERTIFICATE" in value
    return not serial.upper().startswith("PUB_KEY_ID_")


def _public_key_pem(value: str, *, certificate: bool) -> str:
    """A platform key as public-key PEM, given that or a platform certificate."""
    if not certificate:
        return pem(value, "PUBLIC KEY")
    certificate = x509.load_pem_x509_certificate(pem(value, "CERTIFICATE").encode())
    return (
        certificate.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def _certificate_serial(value: str) -> str:
    if not value:
        return ""
    certificate = x509.load_pem_x509_certificate(pem(value, "CERTIFICATE").encode())
    return f"{certificate.serial_number:X}"


def _payment_id(trade_no: str) -> str:
    """out_trade_no back to our payment id, for orders without `attach` (none of ours)."""
    try:
        return str(uuid.UUID(hex=trade_no)) if len(trade_no) == 32 else trade_no
    except ValueError:
        return trade_no
