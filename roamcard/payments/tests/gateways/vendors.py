"""Stand-ins for the vendors' HTTP APIs, for the contract test that runs against every
adapter. Each keeps one payment's state at the vendor (none -> open -> paid | closed) and
answers the calls an adapter makes, signed as the vendor signs them, through `responses`.
The sandbox needs no stand-in: it is the real built-in vendor, in this process.

Each vendor also writes notifications of the shapes a careless or hostile sender might
sign: a JSON list, a string, `data` that is not an object, ids missing, amounts that are
not whole numbers of minor units."""

import json
import re
import secrets
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit

import responses

from roamcard.payments.gateways.base import PaymentMethod
from roamcard.payments.gateways.sandbox import SandboxGateway
from roamcard.payments.gateways.stripe_gateway import STRIPE_API_VERSION, StripeGateway

from . import test_alipay as alipay
from . import test_stripe as stripe
from . import test_wechatpay as wechat

PAYMENT_ID = "0b9f4f5e-7c1a-4d7e-9a59-4f1c2f3e8a10"
AMOUNT = 1999


class Vendor:
    """What the contract test needs from each vendor."""

    method = PaymentMethod.CARD
    currency = "CNY"
    state = "none"

    def gateway(self):
        raise NotImplementedError

    def payer_opens(self, gateway, started) -> None:
        """The payer reaches the vendor's page (Alipay creates its trade only then)."""
        self.state = "open" if self.state == "none" else self.state

    def payer_pays(self, gateway, started) -> None:
        self.state = "paid"

    def signed(self, gateway, payload) -> tuple[dict[str, str], bytes]:
        raise NotImplementedError

    def well_formed(self) -> object:
        """A payload `signed` turns into a notification the adapter accepts."""
        raise NotImplementedError

    def malformed(self) -> dict[str, object]:
        """Payloads of a wrong shape, by name; signed with `signed`."""
        raise NotImplementedError

    def start(self, gateway):
        return gateway.start_payment(
            payment_id=PAYMENT_ID,
            amount_minor=AMOUNT,
            currency=self.currency,
            method=self.method,
            description="Japan 5 GB, 7 days",
            return_url="https://roamcard.example/orders/42/return",
            notify_url="https://roamcard.example/payments/webhooks/x/",
        )


class SandboxVendor(Vendor):
    name = "sandbox"

    def gateway(self):
        return SandboxGateway(name="sandbox", secret="contract-secret")

    def payer_pays(self, gateway, started) -> None:
        from roamcard.sandbox import services

        services.sandbox_pay_by_card(charge_id=started.reference, number="4242424242424242")

    def signed(self, gateway, payload):
        from roamcard.sandbox import signing

        body = json.dumps(payload).encode()
        return {signing.HEADER: signing.sign(secret=gateway.secret, body=body)}, body

    def well_formed(self):
        data = {"charge": "ch_1", "merchant_payment_id": PAYMENT_ID, "amount": AMOUNT}
        return {"id": "evt_1", "type": "payment.succeeded", "data": data}

    def malformed(self):
        data = {"charge": "ch_1", "merchant_payment_id": PAYMENT_ID, "amount": AMOUNT}
        event = {"id": "evt_1", "type": "payment.succeeded"}
        return {
            "list": [event],
            "string": "payment.succeeded",
            "data-not-object": {**event, "data": [data]},
            "data-a-string": {**event, "data": "ch_1"},
            "missing-event-id": {"type": "payment.succeeded", "data": data},
            "missing-payment-id": {**event, "data": {"charge": "ch_1", "amount": AMOUNT}},
            "amount-a-string": {**event, "data": {**data, "amount": "19.99"}},
            "amount-a-float": {**event, "data": {**data, "amount": 19.99}},
        }


class StripeVendor(Vendor):
    name = "stripe"
    session_id = stripe.SESSION_ID
    expires_at = 0

    def gateway(self):
        self.webhook_secret = "whsec_" + secrets.token_hex(24)
        api = stripe.API
        sessions = re.compile(re.escape(f"{api}/checkout/sessions/{self.session_id}") + r"(\?.*)?$")
        responses.add_callback("POST", f"{api}/checkout/sessions", self._create)
        responses.add_callback("GET", sessions, self._retrieve)
        responses.add_callback(
            "POST", f"{api}/checkout/sessions/{self.session_id}/expire", self._expire
        )
        return StripeGateway(
            name="stripe",
            secret_key="sk_test_" + secrets.token_hex(12),
            webhook_secret=self.webhook_secret,
            max_network_retries=0,
        )

    def _session(self):
        fields = {
            "none": {},
            "open": {},
            "paid": {
                "status": "complete",
                "payment_status": "paid",
                "payment_intent": stripe.INTENT_ID,
            },
            "closed": {"status": "expired", "url": None},
        }[self.state]
        return stripe.session_json(currency="cny", expires_at=self.expires_at, **fields)

    def _create(self, request):
        self.state = "open"
        self.expires_at = int(parse_qs(request.body)["expires_at"][0])
        return 200, {}, json.dumps(self._session())

    def _retrieve(self, request):
        return 200, {}, json.dumps(self._session())

    def _expire(self, request):
        if self.state != "open":
            error = {
                "type": "invalid_request_error",
                "message": 'Only Checkout Sessions with a status in ["open"] can be expired.',
            }
            return 400, {}, json.dumps({"error": error})
        self.state = "closed"
        return 200, {}, json.dumps(self._session())

    def signed(self, gateway, payload):
        body = json.dumps(payload).encode()
        return stripe.signed(self.webhook_secret, body), body

    def well_formed(self):
        session = stripe.session_json(status="complete", payment_status="paid")
        return json.loads(stripe.event_body("checkout.session.completed", session))

    def malformed(self):
        event = {
            "id": "evt_1",
            "object": "event",
            "api_version": STRIPE_API_VERSION,
            "type": "checkout.session.completed",
        }
        session = stripe.session_json(status="complete", payment_status="paid")
        return {
            "list": [event],
            "string": "checkout.session.completed",
            "data-not-object": {**event, "data": [session]},
            "data-object-a-string": {**event, "data": {"object": stripe.SESSION_ID}},
            "missing-event-id": {
                k: v for k, v in {**event, "data": {"object": session}}.items() if k != "id"
            },
            "missing-payment-id": {
                **event,
                "data": {"object": {**session, "metadata": {}, "client_reference_id": None}},
            },
            "amount-a-string": {**event, "data": {"object": {**session, "amount_total": "1999"}}},
            "amount-a-float": {**event, "data": {"object": {**session, "amount_total": 19.99}}},
        }


class AlipayVendor(Vendor):
    name = "alipay"
    method = PaymentMethod.ALIPAY

    def gateway(self):
        responses.add_callback("GET", alipay.GATEWAY, self._call)
        return alipay.make_gateway()

    def _call(self, request):
        params = {k: v[0] for k, v in parse_qs(urlsplit(request.url).query).items()}
        method = params["method"]
        name = method.replace(".", "_") + "_response"
        if self.state == "none":
            content = {
                "code": "40004",
                "msg": "Business Failed",
                "sub_code": "ACQ.TRADE_NOT_EXIST",
                "sub_msg": "交易不存在",
            }
        elif method == "alipay.trade.query":
            status = {"open": "WAIT_BUYER_PAY", "paid": "TRADE_SUCCESS", "closed": "TRADE_CLOSED"}
            content = alipay.trade(trade_status=status[self.state])
        elif method == "alipay.trade.close" and self.state == "open":
            self.state = "closed"
            content = {
                "code": "10000",
                "msg": "Success",
                "trade_no": alipay.TRADE_NO,
                "out_trade_no": PAYMENT_ID,
            }
        elif method == "alipay.trade.close":
            content = {
                "code": "40004",
                "msg": "Business Failed",
                "sub_code": "ACQ.TRADE_STATUS_ERROR",
                "sub_msg": "交易状态不合法",
            }
        else:
            raise AssertionError(f"unexpected call {method}")
        return (
            200,
            {"Content-Type": "application/json; charset=utf-8"},
            alipay.answer(name, content),
        )

    def signed(self, gateway, payload):
        if isinstance(payload, bytes):
            return alipay.HEADERS, payload
        params = dict(parse_qsl(alipay.notify().decode()))
        params.update(payload)
        params = {k: v for k, v in params.items() if v is not None and k != "sign"}
        params["sign"] = alipay.sign_sha256_rsa(alipay.alipay_key, alipay.unsigned_string(params))
        return alipay.HEADERS, urlencode(params).encode()

    def well_formed(self):
        return {}

    def malformed(self):
        return {
            "list": b'[{"notify_id": "1"}]',
            "string": b'"trade_status_sync"',
            "missing-payment-id": {"out_trade_no": None},
            "missing-notify-id": {"notify_id": None},
            "amount-not-a-number": {"total_amount": "nineteen"},
            "amount-finer-than-fen": {"total_amount": "19.999"},
        }


class WeChatPayVendor(Vendor):
    name = "wechatpay"
    method = PaymentMethod.WECHAT_PAY

    def gateway(self):
        self.api_v3_key = secrets.token_hex(16)
        api = wechat.API
        order = f"{api}/v3/pay/transactions/out-trade-no/{wechat.OUT_TRADE_NO}"
        responses.add_callback("POST", f"{api}/v3/pay/transactions/native", self._create)
        responses.add_callback("GET", re.compile(re.escape(order) + r"\?.*"), self._query)
        responses.add_callback("POST", f"{order}/close", self._close)
        return wechat.make_gateway(self.api_v3_key)

    def _answer(self, status: int, payload: dict | None):
        body = json.dumps(payload) if payload is not None else ""
        headers = wechat.signed_headers(body) if status < 300 else {}
        return status, {**headers, "Content-Type": "application/json"}, body

    def _create(self, request):
        self.state = "open"
        return self._answer(200, {"code_url": "weixin://wxpay/bizpayurl?pr=contract"})

    def _query(self, request):
        if self.state == "none":
            return self._answer(404, {"code": "ORDER_NOT_EXIST", "message": "订单不存在"})
        trade_state = {"open": "NOTPAY", "paid": "SUCCESS", "closed": "CLOSED"}[self.state]
        return self._answer(200, wechat.transaction(trade_state))

    def _close(self, request):
        if self.state == "paid":
            return self._answer(400, {"code": "ORDERPAID", "message": "订单已支付"})
        self.state = "closed"
        return self._answer(204, None)

    def signed(self, gateway, payload):
        if isinstance(payload, dict) and "_resource" in payload:
            body = wechat.notification(self.api_v3_key, "TRANSACTION.SUCCESS", payload["_resource"])
        else:
            body = json.dumps(payload, ensure_ascii=False)
        return wechat.signed_headers(body), body.encode()

    def well_formed(self):
        return {"_resource": wechat.transaction()}

    def malformed(self):
        envelope = json.loads(
            wechat.notification(self.api_v3_key, "TRANSACTION.SUCCESS", wechat.transaction())
        )
        transaction = wechat.transaction()
        return {
            "list": [envelope],
            "string": "TRANSACTION.SUCCESS",
            "resource-not-object": {**envelope, "resource": [envelope["resource"]]},
            "resource-a-string": {**envelope, "resource": "ciphertext"},
            "missing-event-id": {k: v for k, v in envelope.items() if k != "id"},
            "missing-payment-id": {
                "_resource": {
                    k: v for k, v in transaction.items() if k not in ("attach", "out_trade_no")
                }
            },
            "amount-not-object": {"_resource": {**transaction, "amount": 1999}},
            "amount-a-string": {
                "_resource": {**transaction, "amount": {"total": "1999", "currency": "CNY"}}
            },
        }


VENDORS = [SandboxVendor, StripeVendor, AlipayVendor, WeChatPayVendor]
