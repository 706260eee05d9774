"""Stand-ins for the vendors' HTTP APIs, for the contract test that runs against every
adapter. Each keeps one payment's state at the vendor (none -> open -> paid | closed) and
answers the calls an adapter makes, signed as the vendor signs them, through `responses`.
The sandbox needs no stand-in: it is the real built-in vendor, in this process.

Each vendor also writes notifications of the shapes a careless or hostile sender might
sign: a JSON list, a string, `data` that is not an object, ids missing, amounts that are
not whole numbers of minor units.

For saved payment methods each keeps the payer's saved methods (cards or agreements), each
with what its issuer does with a charge made without the payer: "succeed", "decline", or
"action" (the payer must confirm it; a vendor with no such step refuses the charge)."""

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
# What the payer types on a card form, by what its issuer does later (sandbox test cards).
CARD_NUMBERS = {
    "succeed": "4242424242424242",
    "decline": "4000000000000341",
    "action": "4000002760003184",
}


def _form(body) -> dict[str, str]:
    body = body.decode() if isinstance(body, bytes) else body or ""
    return {k: v[0] for k, v in parse_qs(body).items()}


class Vendor:
    """What the contract test needs from each vendor."""

    method = PaymentMethod.CARD
    currency = "CNY"
    state = "none"
    saves = True  # whether the vendor can save the method for charges without the payer
    confirms = True  # whether it can ask the payer to confirm such a charge

    def gateway(self):
        raise NotImplementedError

    def payer_saves(self, gateway, started, behaviour: str) -> None:
        """The payer completes the setup on the vendor's page; the method they save does
        `behaviour` with later charges."""
        raise NotImplementedError

    def payer_confirms(self, gateway, charged) -> None:
        """The payer confirms a charge the vendor asked them about."""
        raise NotImplementedError

    def charges(self, payment_id: str) -> int:
        """How many charges the vendor made for one of our payment ids."""
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

    def payer_saves(self, gateway, started, behaviour):
        from roamcard.sandbox import services

        services.sandbox_save_card(
            mandate_id=started.reference, number=CARD_NUMBERS[behaviour], expiry=(12, 2031)
        )

    def payer_confirms(self, gateway, charged):
        from roamcard.sandbox import services

        services.sandbox_confirm_action(charge_id=charged.reference, approve=True)

    def charges(self, payment_id):
        from roamcard.sandbox.models import SandboxCharge

        return SandboxCharge.objects.filter(merchant_payment_id=payment_id).count()

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
        self.setups, self.methods, self.intents, self.replies = {}, {}, {}, {}
        api = stripe.API
        sessions = re.compile(re.escape(f"{api}/checkout/sessions/{self.session_id}") + r"(\?.*)?$")
        setups = re.compile(re.escape(f"{api}/checkout/sessions/") + r"(cs_setup_\w+)(\?.*)?$")
        intents = re.escape(f"{api}/payment_intents/") + r"(pi_\w+)"
        methods = re.escape(f"{api}/payment_methods/") + r"(pm_\w+)"
        responses.add_callback("POST", f"{api}/checkout/sessions", self._create)
        responses.add_callback("GET", sessions, self._retrieve)
        responses.add_callback(
            "POST", f"{api}/checkout/sessions/{self.session_id}/expire", self._expire
        )
        responses.add_callback("POST", f"{api}/customers", self._customer)
        responses.add_callback("GET", setups, self._retrieve_setup)
        responses.add_callback("POST", f"{api}/payment_intents", self._charge)
        responses.add_callback("POST", re.compile(intents + "/confirm$"), self._confirm)
        responses.add_callback("GET", re.compile(intents + r"(\?.*)?$"), self._intent)
        responses.add_callback("POST", re.compile(methods + "/detach$"), self._detach)
        responses.add_callback("GET", re.compile(methods + r"(\?.*)?$"), self._method)
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
        if _form(request.body).get("mode") == "setup":
            return self._create_setup(request)
        self.state = "open"
        self.expires_at = int(parse_qs(request.body)["expires_at"][0])
        return 200, {}, json.dumps(self._session())

    # -- saving a card: a Customer, Checkout in setup mode, off-session PaymentIntents ----

    def _replayed(self, request, answer):
        """Stripe answers a repeated idempotency key with its first answer."""
        key = request.headers.get("Idempotency-Key")
        if key not in self.replies:
            self.replies[key] = answer()
        return self.replies[key]

    def _customer(self, request):
        customer = {"id": f"cus_{secrets.token_hex(6)}", "object": "customer"}
        return self._replayed(request, lambda: (200, {}, json.dumps(customer)))

    def _create_setup(self, request):
        sent = _form(request.body)
        session_id = f"cs_setup_{len(self.setups) + 1}"
        self.setups[session_id] = {
            "customer": sent["customer"],
            "expires_at": int(sent["expires_at"]),
            "method": None,
        }
        return self._replayed(request, lambda: (200, {}, json.dumps(self._setup(session_id))))

    def _setup(self, session_id):
        setup = self.setups[session_id]
        method = self.methods.get(setup["method"])
        intent = {
            "id": f"seti_{session_id}",
            "object": "setup_intent",
            "status": "succeeded" if method else "requires_payment_method",
            "payment_method": method,
        }
        return {
            "id": session_id,
            "object": "checkout.session",
            "mode": "setup",
            "customer": setup["customer"],
            "status": "complete" if method else "open",
            "url": None if method else f"https://checkout.stripe.com/c/pay/{session_id}",
            "expires_at": setup["expires_at"],
            "setup_intent": intent if method else f"seti_{session_id}",
        }

    def _retrieve_setup(self, request):
        session_id = re.search(r"(cs_setup_\w+)", request.url).group(1)
        return 200, {}, json.dumps(self._setup(session_id))

    def payer_saves(self, gateway, started, behaviour):
        last4 = CARD_NUMBERS[behaviour][-4:]
        method_id = f"pm_{behaviour}_{len(self.methods)}"
        self.methods[method_id] = {
            "id": method_id,
            "object": "payment_method",
            "customer": self.setups[started.reference]["customer"],
            "card": {"brand": "visa", "last4": last4, "exp_month": 12, "exp_year": 2031},
            "behaviour": behaviour,
        }
        self.setups[started.reference]["method"] = method_id

    def _charge(self, request):
        return self._replayed(request, lambda: self._new_intent(_form(request.body)))

    def _new_intent(self, sent):
        method = self.methods.get(sent["payment_method"])
        if method is None or method["customer"] != sent["customer"]:
            error = {
                "type": "invalid_request_error",
                "code": "payment_method_not_attached",  # detached, or another customer's
                "message": "The PaymentMethod is not attached to this Customer.",
            }
            return 400, {}, json.dumps({"error": error})
        intent_id = f"pi_{len(self.intents) + 1}"
        intent = {
            "id": intent_id,
            "object": "payment_intent",
            "amount": int(sent["amount"]),
            "amount_received": 0,
            "currency": sent["currency"],
            "metadata": {"payment_id": sent["metadata[payment_id]"], "off_session": "true"},
            "status": "succeeded",
            "last_payment_error": None,
            "next_action": None,
        }
        self.intents[intent_id] = intent
        if method["behaviour"] == "succeed":
            intent["amount_received"] = intent["amount"]
            return 200, {}, json.dumps(intent)
        code = "authentication_required" if method["behaviour"] == "action" else "card_declined"
        error = {"type": "card_error", "code": code, "message": "Your card was declined."}
        if code == "card_declined":
            error["decline_code"] = "generic_decline"
        intent.update(status="requires_payment_method", last_payment_error=error)
        return 402, {}, json.dumps({"error": {**error, "payment_intent": intent}})

    def _confirm(self, request):
        intent = self.intents[re.search(r"(pi_\w+)", request.url).group(1)]
        assert _form(request.body)["return_url"]
        intent.update(
            status="requires_action",
            last_payment_error=None,
            next_action={
                "type": "redirect_to_url",
                "redirect_to_url": {"url": f"https://hooks.stripe.com/3d_secure/{intent['id']}"},
            },
        )
        return self._replayed(request, lambda: (200, {}, json.dumps(intent)))

    def _intent(self, request):
        return 200, {}, json.dumps(self.intents[re.search(r"(pi_\w+)", request.url).group(1)])

    def payer_confirms(self, gateway, charged):
        intent = self.intents[charged.reference]
        intent.update(status="succeeded", amount_received=intent["amount"], next_action=None)

    def charges(self, payment_id):
        return sum(i["metadata"]["payment_id"] == payment_id for i in self.intents.values())

    def _method(self, request):
        return 200, {}, json.dumps(self.methods[re.search(r"(pm_\w+)", request.url).group(1)])

    def _detach(self, request):
        method = self.methods[re.search(r"(pm_\w+)", request.url).group(1)]
        if method["customer"] is None:
            error = {
                "type": "invalid_request_error",
                "message": "The payment method you provided is not attached to a customer.",
            }
            return 400, {}, json.dumps({"error": error})
        method["customer"] = None
        return 200, {}, json.dumps(method)

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

    confirms = False  # a deduction from an agreement never asks the payer
    # What Alipay answers a deduction the payer's agreement refuses, by behaviour.
    REFUSALS = {
        "decline": ("ACQ.BUYER_BALANCE_NOT_ENOUGH", "买家余额不足"),
        "action": ("ACQ.AGREEMENT_STATUS_NOT_NORMAL", "用户协议状态非NORMAL"),
    }

    def gateway(self):
        self.agreements, self.trades = {}, {}
        responses.add_callback("GET", alipay.GATEWAY, self._call)
        return alipay.make_gateway(agreement_sign_scene="INDUSTRY|MOBILE")

    def _call(self, request):
        params = {k: v[0] for k, v in parse_qs(urlsplit(request.url).query).items()}
        method = params["method"]
        name = method.replace(".", "_") + "_response"
        biz = json.loads(params.get("biz_content") or "{}")
        content = self._agreements_call(method, biz)
        if content is None:
            content = self._trade_call(method)
        return (
            200,
            {"Content-Type": "application/json; charset=utf-8"},
            alipay.answer(name, content),
        )

    # -- deduction agreements --------------------------------------------------------------

    NO_AGREEMENT = {
        "code": "40004",
        "msg": "Business Failed",
        "sub_code": "USER_AGREEMENT_NOT_EXIST",
        "sub_msg": "用户协议不存在",
    }

    def _agreements_call(self, method, biz):
        """Alipay's answer to an agreement or deduction call; None for the others."""
        if method == "alipay.user.agreement.query":
            agreement = self.agreements.get(biz["external_agreement_no"])
            if agreement is None or agreement["status"] != "NORMAL":
                return self.NO_AGREEMENT
            return {
                "code": "10000",
                "msg": "Success",
                "status": "NORMAL",
                "agreement_no": agreement["agreement_no"],
                "alipay_logon_id": "138******00",
                "personal_product_code": biz["personal_product_code"],
                "sign_scene": biz["sign_scene"],
            }
        if method == "alipay.user.agreement.unsign":
            agreement = self._by_number(biz["agreement_no"])
            if agreement is None or agreement["status"] != "NORMAL":
                return self.NO_AGREEMENT
            agreement["status"] = "UNSIGNED"
            return {"code": "10000", "msg": "Success"}
        if method == "alipay.trade.pay":
            assert biz["product_code"] == "GENERAL_WITHHOLDING"
            return self._deduct(biz)
        if method == "alipay.trade.query" and biz.get("out_trade_no") in self.trades:
            trade = self.trades[biz["out_trade_no"]]
            return alipay.trade(
                out_trade_no=trade["out_trade_no"],
                trade_no=trade["trade_no"],
                total_amount=trade["total_amount"],
            )
        return None

    def _by_number(self, agreement_no):
        return next(
            (a for a in self.agreements.values() if a["agreement_no"] == agreement_no), None
        )

    def _deduct(self, biz):
        if biz["out_trade_no"] in self.trades:
            return {
                "code": "40004",
                "msg": "Business Failed",
                "sub_code": "ACQ.TRADE_HAS_SUCCESS",
                "sub_msg": "交易已被支付",
            }
        agreement = self._by_number(biz["agreement_params"]["agreement_no"])
        if agreement is None or agreement["status"] != "NORMAL":
            refusal = ("ACQ.AGREEMENT_NOT_EXIST", "用户协议不存在或已解约")
        else:
            refusal = self.REFUSALS.get(agreement["behaviour"])
        if refusal is not None:
            return {
                "code": "40004",
                "msg": "Business Failed",
                "sub_code": refusal[0],
                "sub_msg": refusal[1],
            }
        trade = {
            "code": "10000",
            "msg": "Success",
            "trade_no": f"2024{len(self.trades) + 1:024d}",
            "out_trade_no": biz["out_trade_no"],
            "total_amount": biz["total_amount"],
        }
        self.trades[biz["out_trade_no"]] = trade
        return trade

    def payer_saves(self, gateway, started, behaviour):
        query = parse_qs(urlsplit(started.redirect_url).query)
        assert query["method"] == ["alipay.user.agreement.page.sign"]
        number = json.loads(query["biz_content"][0])["external_agreement_no"]
        self.agreements[number] = {
            "status": "NORMAL",
            "agreement_no": f"2020{len(self.agreements) + 1:016d}",
            "behaviour": behaviour,
        }

    def charges(self, payment_id):
        return int(payment_id in self.trades)

    # -- the one checkout payment of the other contract tests -------------------------------

    def _trade_call(self, method):
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
        return content

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
    saves = False  # docs/decisions/0009: papay is API v2, which wechatpayv3 does not speak

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
