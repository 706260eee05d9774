"""Alipay (支付宝) through the Open Platform, with python-alipay-sdk: the computer-website
("page") or mobile-website ("wap") cashier, the query, close and refund APIs, the async
notify; and, for merchants with the merchant-deduction product (商家扣款), deduction
agreements the payer signs and the merchant deducts from without them."""

import binascii
import dataclasses
import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qsl

import requests
from alipay import AliPay
from alipay.exceptions import AliPayException, AliPayValidationError

from roamcard.core.money import Money, minor_digits

from ._support import deadline, pem
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

# Alipay reads and writes its timestamps in China Standard Time (no daylight saving).
ALIPAY_TZ = timezone(timedelta(hours=8), "CST")
FUTURE_SKEW = timedelta(minutes=5)

TRADE_STATUS = {
    "TRADE_SUCCESS": ResultStatus.SUCCEEDED,
    "TRADE_FINISHED": ResultStatus.SUCCEEDED,  # paid, and the refund window is over
    "TRADE_CLOSED": ResultStatus.FAILED,  # never paid before the time-out (or fully refunded)
    "WAIT_BUYER_PAY": ResultStatus.PENDING,
}
NOTIFY_KINDS = {
    ResultStatus.SUCCEEDED: EventKind.PAYMENT_SUCCEEDED,
    ResultStatus.FAILED: EventKind.PAYMENT_FAILED,
    ResultStatus.PENDING: EventKind.IGNORED,
}
# Answers that say "ask again", not "no": Alipay's own system errors.
TRANSIENT_SUB_CODES = frozenset({"ACQ.SYSTEM_ERROR", "aop.ACQ.SYSTEM_ERROR", "isp.unknow-error"})
# A deduction agreement: signed and usable (NORMAL), signed but not yet in force (TEMP), or
# suspended (STOP).
AGREEMENT_STATUS = {
    "NORMAL": ResultStatus.SUCCEEDED,
    "TEMP": ResultStatus.PENDING,
    "STOP": ResultStatus.FAILED,
}
# No such agreement: not signed (yet), or ended.
AGREEMENT_MISSING = frozenset({"USER_AGREEMENT_NOT_EXIST", "ACQ.USER_AGREEMENT_NOT_EXIST"})
# A deduction accepted and still being processed: its outcome comes by notify or query.
DEDUCTION_IN_PROCESS = "10003"
WITHHOLDING_PRODUCT = "GENERAL_WITHHOLDING"


class _AliPayClient(AliPay):
    """The SDK's client, with three changes: requests go through `requests` (a timeout we
    choose, and mockable in tests) instead of urllib, answers are read as UTF-8, and the
    `timestamp` every request carries is China time, as Alipay expects, whatever the
    server's local zone."""

    def __init__(self, *, http_timeout: float, **kwargs: Any):
        super().__init__(**kwargs)
        self._http_timeout = http_timeout

    def build_body(self, method, biz_content=None, **kwargs):
        data = super().build_body(method, biz_content, **kwargs)
        data["timestamp"] = datetime.now(ALIPAY_TZ).strftime("%Y-%m-%d %H:%M:%S")
        return data

    def verified_sync_response(self, data, response_type):
        response = requests.get(self.url(self.sign_data(data)), timeout=self._http_timeout)
        response.raise_for_status()
        # Alipay answers in the charset the request names (the SDK's is utf-8), whatever
        # its Content-Type says: requests would read a body without one as Latin-1, and
        # the signature over Chinese text would then fail.
        return self._verify_and_return_sync_response(
            response.content.decode("utf-8"), response_type
        )

    def url(self, signed_query: str) -> str:
        return f"{self._gateway}?{signed_query}"


class AlipayGateway:
    """Alipay Open Platform (a China mainland merchant app, RSA2 public-key mode).

    Options (PAYMENT_GATEWAYS[...]["OPTIONS"]):
        app_id: the app's APPID on open.alipay.com.
        app_private_key_pem: the app's RSA private key (PEM, or the bare base64 the
            Alipay key tool prints).
        alipay_public_key_pem: "支付宝公钥", Alipay's public key shown after uploading the
            app public key (PEM or bare base64). Certificate mode is not supported.
        sign_type: "RSA2" (SHA256withRSA, default) or the legacy "RSA".
        sandbox: True to use Alipay's sandbox gateway.
        notify_timeout: seconds after its notify_time an async notify is still accepted
            (default 26 h: Alipay retries for about 25 h). One stamped more than 5 minutes
            in the future is rejected too.
        timeout: seconds per HTTP request to Alipay (default 15).
        trade_type: "page" (computer-website cashier, default), "wap" (mobile-website
            cashier) or "auto": wap when the payer is on a phone's browser, page otherwise.
            "wap" and "auto" need the 手机网站支付 product signed.
        currencies: currencies this merchant may price in (default ("CNY",)); others than
            CNY are sent as `trans_currency` (cross-border merchants only).
        seller_id: if set, the merchant's PID, checked against every notify.
        agreement_sign_scene: the sign scene (签约场景, e.g. "INDUSTRY|MOBILE") Alipay gave
            with the merchant-deduction product (商家扣款); set, travellers can save Alipay
            for automatic renewal. Empty (default): they cannot.
        agreement_product_code: the personal product code of those agreements (default
            "GENERAL_WITHHOLDING_P").
        agreement_channel: where the payer signs: "QRCODEORSMS" (default: scan the code, or
            confirm by SMS on a phone), "QRCODE" or "ALIPAYAPP" (inside the Alipay app).

    Our payment id is `out_trade_no`; our refund id is `out_request_no`. The gateway
    reference is Alipay's `trade_no`, known once the payer opened the cashier. The payment's
    deadline goes as `time_expire`: after it the cashier refuses the payer.

    A saved method is an agreement (alipay.user.agreement.page.sign): our setup id, without
    hyphens, is its `external_agreement_no`; the token is Alipay's `agreement_no`. A charge
    is alipay.trade.pay with product GENERAL_WITHHOLDING and the agreement: it needs no
    confirmation from the payer, so it never answers REQUIRES_ACTION.
    """

    methods = (PaymentMethod.ALIPAY,)

    def __init__(
        self,
        *,
        name: str,
        app_id: str,
        app_private_key_pem: str,
        alipay_public_key_pem: str,
        sign_type: str = "RSA2",
        sandbox: bool = False,
        notify_timeout: float = 26 * 3600,
        timeout: float = 15,
        trade_type: str = "page",
        currencies: tuple[str, ...] | list[str] = ("CNY",),
        seller_id: str = "",
        agreement_sign_scene: str = "",
        agreement_product_code: str = "GENERAL_WITHHOLDING_P",
        agreement_channel: str = "QRCODEORSMS",
    ):
        if trade_type not in ("page", "wap", "auto"):
            raise ValueError("AlipayGateway trade_type is 'page', 'wap' or 'auto'")
        self.name = name
        self.app_id = str(app_id)
        self.seller_id = seller_id
        self.sign_type = sign_type
        self.trade_type = trade_type
        self.currencies = frozenset(c.upper() for c in currencies)
        self.notify_timeout = timedelta(seconds=notify_timeout)
        self.agreement_sign_scene = agreement_sign_scene
        self.agreement_product_code = agreement_product_code
        self.agreement_channel = agreement_channel
        self.saves = self.methods if agreement_sign_scene else ()
        self._client = _AliPayClient(
            appid=self.app_id,
            app_private_key_string=pem(app_private_key_pem, "PRIVATE KEY"),
            alipay_public_key_string=pem(alipay_public_key_pem, "PUBLIC KEY"),
            sign_type=sign_type,
            debug=sandbox,
            http_timeout=timeout,
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
        currency = currency.upper()
        if currency not in self.currencies:
            return self._unsupported_currency(currency)
        expires = deadline(expires_at).astimezone(ALIPAY_TZ).replace(microsecond=0)
        extra: dict[str, Any] = {"time_expire": expires.strftime("%Y-%m-%d %H:%M:%S")}
        if currency != "CNY":
            extra["trans_currency"] = currency
        wap = self.trade_type == "wap" or (self.trade_type == "auto" and on_mobile)
        build = (
            self._client.api_alipay_trade_wap_pay if wap else self._client.api_alipay_trade_page_pay
        )
        # The cashier is a signed URL built here; Alipay hears of the trade when the payer
        # opens it, so nothing can time out yet.
        order_string = build(
            subject=description[:256],
            out_trade_no=payment_id,
            total_amount=str(Money(amount_minor, currency).decimal),
            return_url=return_url,
            notify_url=notify_url,
            **extra,
        )
        return GatewayResult(
            status=ResultStatus.PENDING,
            redirect_url=self._client.url(order_string),
            amount_minor=amount_minor,
            currency=currency,
            expires_at=expires,
        )

    def _unsupported_currency(self, currency: str) -> GatewayResult:
        return GatewayResult(
            status=ResultStatus.FAILED,
            error_code="unsupported_currency",
            error_message=f"Alipay gateway {self.name!r} does not take {currency}; "
            f"it takes {', '.join(sorted(self.currencies))}.",
        )

    def query_payment(self, *, payment_id: str, reference: str) -> GatewayResult:
        try:
            answer = self._client.api_alipay_trade_query(out_trade_no=payment_id)
        except _CALL_ERRORS as exc:
            return _unknown(exc)
        if answer.get("code") != "10000":
            if answer.get("sub_code") == "ACQ.TRADE_NOT_EXIST":
                # Alipay creates the trade when the payer opens the cashier.
                return _answer_result(ResultStatus.PENDING, answer)
            return _answer_result(ResultStatus.UNKNOWN, answer)
        status = TRADE_STATUS.get(answer.get("trade_status", ""), ResultStatus.UNKNOWN)
        currency = answer.get("trans_currency") or "CNY"
        return GatewayResult(
            status=status,
            reference=answer.get("trade_no", ""),
            amount_minor=_minor(answer.get("total_amount"), currency),
            currency=currency,
            raw=answer,
        )

    def cancel_payment(self, *, payment_id: str, reference: str) -> GatewayResult:
        """alipay.trade.close. Alipay refuses to close a trade that is paid or closed
        already (then the query says which), and has no trade to close until the payer
        opens the cashier: that answers PENDING, since the payer may still open it until
        the payment's deadline (`time_expire`), after which the cashier refuses."""
        try:
            answer = self._client.api_alipay_trade_close(out_trade_no=payment_id)
        except _CALL_ERRORS as exc:
            return _unknown(exc)
        if answer.get("code") == "10000":
            return GatewayResult(
                status=ResultStatus.FAILED,
                reference=answer.get("trade_no", ""),
                error_code="TRADE_CLOSED",
                raw=answer,
            )
        if answer.get("sub_code") == "ACQ.TRADE_NOT_EXIST":
            return _answer_result(ResultStatus.PENDING, answer)
        settled = self.query_payment(payment_id=payment_id, reference=reference)
        if settled.status in (ResultStatus.SUCCEEDED, ResultStatus.FAILED):
            return settled
        return _answer_result(ResultStatus.UNKNOWN, answer)

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
        # notify_url is unused: Alipay reports a refund to the payment's own notify_url.
        amount = str(Money(amount_minor, currency.upper()).decimal)
        try:
            answer = self._client.api_alipay_trade_refund(
                refund_amount=amount,
                out_trade_no=payment_id,
                out_request_no=refund_id,
                refund_reason=reason[:256],
            )
            if answer.get("code") == "10000" and answer.get("fund_change") != "Y":
                # "N" is also what a repeated request for a refund already made answers:
                # Alipay's advice is to ask the refund query which it was.
                return self._refund_status(refund_id=refund_id, payment_id=payment_id)
        except _CALL_ERRORS as exc:
            return _unknown(exc)
        if answer.get("code") == "10000":
            # refund_fee is all the trade has given back so far; this refund is ours.
            return dataclasses.replace(
                _answer_result(ResultStatus.SUCCEEDED, answer), amount_minor=amount_minor
            )
        transient = answer.get("code") == "20000" or answer.get("sub_code") in TRANSIENT_SUB_CODES
        return _answer_result(ResultStatus.UNKNOWN if transient else ResultStatus.FAILED, answer)

    def _refund_status(self, *, refund_id: str, payment_id: str) -> GatewayResult:
        answer = self._client.api_alipay_trade_fastpay_refund_query(
            out_request_no=refund_id, out_trade_no=payment_id
        )
        if answer.get("code") != "10000" or not answer.get("refund_amount"):
            return _answer_result(ResultStatus.UNKNOWN, answer, error_code="refund_not_confirmed")
        # Alipay leaves refund_status out for a refund that went through.
        if answer.get("refund_status", "REFUND_SUCCESS") != "REFUND_SUCCESS":
            return _answer_result(ResultStatus.PENDING, answer)
        return _answer_result(ResultStatus.SUCCEEDED, answer)

    # -- deduction agreements ----------------------------------------------------------

    def _agreement(self) -> dict[str, str]:
        return {
            "personal_product_code": self.agreement_product_code,
            "sign_scene": self.agreement_sign_scene,
        }

    def start_saving_method(
        self,
        *,
        setup_id: str,
        method: PaymentMethod,
        customer_ref: str,
        return_url: str,
        notify_url: str,
        language: str = "en",
    ) -> SetupResult:
        # notify_url is unused: agreement notifications go to the app's gateway address
        # (应用网关); we learn the outcome by asking (query_saved_method).
        if PaymentMethod(method) not in self.saves:
            raise NotSupported(
                f"Alipay gateway {self.name!r} cannot save a payment method: set its "
                "agreement_sign_scene once the merchant has Alipay's merchant-deduction "
                "product (商家扣款), which gives it."
            )
        # Like the cashier, the signing page is a signed URL built here: nothing to call.
        signed = self._client.client_api(
            "alipay.user.agreement.page.sign",
            biz_content={
                **self._agreement(),
                "product_code": WITHHOLDING_PRODUCT,
                "external_agreement_no": _agreement_number(setup_id),
                "access_params": {"channel": self.agreement_channel},
            },
            return_url=return_url,
        )
        return SetupResult(
            status=ResultStatus.PENDING,
            redirect_url=self._client.url(signed),
            customer_ref=customer_ref,
            expires_at=deadline(None),
        )

    def query_saved_method(self, *, setup_id: str, reference: str) -> SetupResult:
        try:
            answer = self._client.server_api(
                "alipay.user.agreement.query",
                biz_content={
                    **self._agreement(),
                    "external_agreement_no": _agreement_number(setup_id),
                },
            )
        except _CALL_ERRORS as exc:
            return _setup_answer(_unknown(exc))
        if answer.get("code") != "10000":
            # Not signed (yet): the payer may still sign until the setup's deadline.
            missing = answer.get("sub_code") in AGREEMENT_MISSING
            status = ResultStatus.PENDING if missing else ResultStatus.UNKNOWN
            return _setup_answer(_answer_result(status, answer))
        status = AGREEMENT_STATUS.get(answer.get("status", ""), ResultStatus.UNKNOWN)
        if status != ResultStatus.SUCCEEDED:
            return SetupResult(
                status=status,
                error_code=f"agreement_{answer.get('status', '').lower()}",
                raw=answer,
            )
        return SetupResult(
            status=ResultStatus.SUCCEEDED,
            reference=answer.get("agreement_no", ""),
            token=answer.get("agreement_no", ""),
            # The Alipay account, masked by Alipay (e.g. 138******00).
            label=answer.get("alipay_logon_id", ""),
            brand=PaymentMethod.ALIPAY,
            raw=answer,
        )

    def charge_saved_method(
        self,
        *,
        payment_id: str,
        token: str,
        customer_ref: str,
        amount_minor: int,
        currency: str,
        description: str,
        return_url: str,
        notify_url: str,
    ) -> GatewayResult:
        currency = currency.upper()
        if currency not in self.currencies:
            return self._unsupported_currency(currency)
        biz: dict[str, Any] = {
            "out_trade_no": payment_id,
            "total_amount": str(Money(amount_minor, currency).decimal),
            "subject": description[:256],
            "product_code": WITHHOLDING_PRODUCT,
            "agreement_params": {"agreement_no": token},
        }
        if currency != "CNY":
            biz["trans_currency"] = currency
        try:
            answer = self._client.server_api("alipay.trade.pay", biz, notify_url=notify_url)
        except _CALL_ERRORS as exc:
            return _unknown(exc)
        code = answer.get("code")
        if code == "10000":
            return GatewayResult(
                status=ResultStatus.SUCCEEDED,
                reference=answer.get("trade_no", ""),
                amount_minor=_minor(answer.get("total_amount"), currency),
                currency=currency,
                raw=answer,
            )
        if code == DEDUCTION_IN_PROCESS:
            return _answer_result(ResultStatus.PENDING, answer)
        if answer.get("sub_code") == "ACQ.TRADE_HAS_SUCCESS":
            # A repeated deduction of a trade already paid: what was paid is the answer.
            return self.query_payment(payment_id=payment_id, reference="")
        transient = code == "20000" or answer.get("sub_code") in TRANSIENT_SUB_CODES
        return _answer_result(ResultStatus.UNKNOWN if transient else ResultStatus.FAILED, answer)

    def remove_saved_method(self, *, token: str, customer_ref: str) -> None:
        answer = self._client.server_api(
            "alipay.user.agreement.unsign",
            biz_content={**self._agreement(), "agreement_no": token},
        )
        if answer.get("code") != "10000" and answer.get("sub_code") not in AGREEMENT_MISSING:
            raise AliPayException(
                answer.get("code"),
                f"unsign refused: {answer.get('sub_code')} {answer.get('sub_msg')}",
            )

    # -- webhooks ----------------------------------------------------------------------

    def parse_webhook(self, *, headers: dict[str, str], body: bytes) -> WebhookEvent:
        try:
            params = dict(
                parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True)
            )
        except (UnicodeDecodeError, ValueError) as exc:
            raise InvalidWebhook("body is not a form") from exc
        signature = params.pop("sign", "")
        if not signature:
            raise InvalidWebhook("unsigned notify")
        if params.get("sign_type", self.sign_type) != self.sign_type:
            raise InvalidWebhook(f"sign_type {params.get('sign_type')!r} is not {self.sign_type!r}")
        try:
            valid = self._client.verify(dict(params), signature)  # the SDK drops sign_type
        except (AliPayException, ValueError, binascii.Error):
            valid = False
        if not valid:
            raise InvalidWebhook("bad signature")
        if params.get("app_id") != self.app_id:
            raise InvalidWebhook(f"notify for app_id {params.get('app_id')!r}")
        if self.seller_id and params.get("seller_id") != self.seller_id:
            raise InvalidWebhook(f"notify for seller_id {params.get('seller_id')!r}")
        self._check_notify_time(params.get("notify_time", ""))
        if not params.get("notify_id"):
            raise InvalidWebhook("notify without notify_id")

        if not params.get("out_trade_no"):
            raise InvalidWebhook("notify without out_trade_no")
        currency = params.get("trans_currency") or "CNY"
        if params.get("out_biz_no") and params.get("refund_fee"):
            # A refund changes the trade too: its notify carries out_biz_no = our refund id.
            kind, refund_id, amount = (
                EventKind.REFUND_SUCCEEDED,
                params["out_biz_no"],
                params["refund_fee"],
            )
        else:
            status = TRADE_STATUS.get(params.get("trade_status", ""), ResultStatus.PENDING)
            kind, refund_id, amount = NOTIFY_KINDS[status], "", params.get("total_amount")
        amount_minor = _minor(amount, currency)
        if amount_minor is None and kind != EventKind.IGNORED:
            raise InvalidWebhook(f"amount {amount!r} is not a sum of {currency}")
        return WebhookEvent(
            event_id=params["notify_id"],
            kind=kind,
            payment_id=params["out_trade_no"],
            refund_id=refund_id,
            reference=params.get("trade_no", ""),
            amount_minor=amount_minor,
            currency=currency,
            raw=params,
        )

    def _check_notify_time(self, value: str) -> None:
        try:
            sent = datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=ALIPAY_TZ)
        except ValueError as exc:
            raise InvalidWebhook(f"bad notify_time {value!r}") from exc
        now = datetime.now(ALIPAY_TZ)
        if sent > now + FUTURE_SKEW:
            raise InvalidWebhook("notify_time in the future")
        if sent < now - self.notify_timeout:
            raise InvalidWebhook("notify_time too old")

    def webhook_ack(self, event: WebhookEvent | None) -> WebhookAck:
        # Alipay keeps re-sending until it reads exactly these seven characters.
        return WebhookAck(status=200, body=b"success", content_type="text/plain")

    def webhook_reject(self, reason: str) -> WebhookAck:
        # Anything but `success` makes Alipay send the notify again (for about 25 hours);
        # `fail` is the word its documentation uses.
        return WebhookAck(status=400, body=b"fail", content_type="text/plain")


_CALL_ERRORS = (requests.RequestException, AliPayException, AliPayValidationError, ValueError)


def _unknown(exc: Exception) -> GatewayResult:
    """No trustworthy answer: a network failure, an HTTP error, an unsigned error answer
    or one whose signature does not verify. Ask again later."""
    if isinstance(exc, AliPayValidationError):
        code, message = "bad_response_signature", "Alipay's answer failed signature verification."
    else:
        code, message = type(exc).__name__, str(exc)
    return GatewayResult(status=ResultStatus.UNKNOWN, error_code=code, error_message=message[:300])


def _answer_result(
    status: ResultStatus, answer: dict[str, Any], *, error_code: str = ""
) -> GatewayResult:
    failed = status != ResultStatus.SUCCEEDED
    currency = answer.get("trans_currency") or "CNY"
    return GatewayResult(
        status=status,
        reference=answer.get("trade_no", ""),
        amount_minor=_minor(answer.get("refund_fee") or answer.get("refund_amount"), currency),
        currency=currency,
        error_code=(error_code or answer.get("sub_code") or answer.get("code", ""))
        if failed
        else "",
        error_message=(answer.get("sub_msg") or answer.get("msg") or "")[:300] if failed else "",
        raw=answer,
    )


def _agreement_number(setup_id: str) -> str:
    """Alipay's external_agreement_no is at most 32 characters: our setup id, a UUID,
    without its hyphens."""
    return uuid.UUID(setup_id).hex


def _setup_answer(result: GatewayResult) -> SetupResult:
    return SetupResult(
        status=result.status,
        error_code=result.error_code,
        error_message=result.error_message,
        raw=result.raw,
    )


def _minor(amount: str | None, currency: str) -> int | None:
    """Alipay's decimal string ("19.99") -> minor units (1999)."""
    if not amount:
        return None
    try:
        value = Decimal(amount).scaleb(minor_digits(currency))
    except InvalidOperation:
        return None
    return int(value) if value == value.to_integral_value() else None
