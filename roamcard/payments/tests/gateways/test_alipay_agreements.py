"""AlipayGateway's deduction agreements (商家扣款): the signing page, the agreement query, the
deduction and the unsigning, as sent to Alipay; Alipay's answers signed with a generated
key (the whole cycle is in test_contract.py)."""

import json

import pytest
import requests
import responses

from roamcard.payments.gateways.base import NotSupported, PaymentMethod, ResultStatus

from .test_alipay import GATEWAY, PAYMENT_ID, answer, make_gateway, sent_params

SETUP_ID = "6f1d2c3b-4a59-4e6f-8a7b-9c0d1e2f3a41"
SCENE = "INDUSTRY|MOBILE"


@pytest.fixture
def gateway():
    return make_gateway(agreement_sign_scene=SCENE)


def start(gateway):
    return gateway.start_saving_method(
        setup_id=SETUP_ID,
        method=PaymentMethod.ALIPAY,
        customer_ref="",
        return_url="https://roamcard.example/accounts/payment-methods/setups/x/",
        notify_url="https://roamcard.example/payments/webhooks/alipay/",
    )


def test_without_the_merchant_deduction_product_nothing_can_be_saved():
    gateway = make_gateway()

    assert gateway.saves == ()
    with pytest.raises(NotSupported) as refused:
        start(gateway)
    assert "agreement_sign_scene" in refused.value.reason


def test_the_signing_page_is_a_signed_url_naming_our_setup(gateway):
    started = start(gateway)

    assert started.status == ResultStatus.PENDING
    params = sent_params(started.redirect_url)
    assert params["method"] == "alipay.user.agreement.page.sign"
    assert params["return_url"] == "https://roamcard.example/accounts/payment-methods/setups/x/"
    assert "notify_url" not in params  # agreement notices go to the app gateway; we ask
    biz = json.loads(params["biz_content"])
    assert biz["external_agreement_no"] == SETUP_ID.replace("-", "")
    assert (biz["personal_product_code"], biz["sign_scene"]) == ("GENERAL_WITHHOLDING_P", SCENE)
    assert biz["product_code"] == "GENERAL_WITHHOLDING"
    assert biz["access_params"] == {"channel": "QRCODEORSMS"}


def agreement_answer(**content):
    responses.get(GATEWAY, body=answer("alipay_user_agreement_query_response", content))


@responses.activate
def test_a_signed_agreement_is_saved_with_the_masked_account(gateway):
    agreement_answer(
        code="10000",
        msg="Success",
        status="NORMAL",
        agreement_no="20215425001234567890",
        alipay_logon_id="138******00",
    )

    saved = gateway.query_saved_method(setup_id=SETUP_ID, reference="")

    assert saved.status == ResultStatus.SUCCEEDED
    assert (saved.token, saved.label, saved.brand) == (
        "20215425001234567890",
        "138******00",
        "alipay",
    )
    biz = json.loads(sent_params(responses.calls[0].request.url)["biz_content"])
    assert biz == {
        "personal_product_code": "GENERAL_WITHHOLDING_P",
        "sign_scene": SCENE,
        "external_agreement_no": SETUP_ID.replace("-", ""),
    }


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            {"code": "40004", "msg": "Business Failed", "sub_code": "USER_AGREEMENT_NOT_EXIST"},
            "pending",
        ),
        ({"code": "10000", "msg": "Success", "status": "TEMP"}, "pending"),
        ({"code": "10000", "msg": "Success", "status": "STOP"}, "failed"),
        ({"code": "20000", "msg": "Service Currently Unavailable"}, "unknown"),
    ],
    ids=["not-signed-yet", "not-in-force-yet", "suspended", "alipay-down"],
)
@responses.activate
def test_an_agreement_not_usable_yet_is_not_saved(gateway, content, expected):
    agreement_answer(**content)

    assert gateway.query_saved_method(setup_id=SETUP_ID, reference="").status == expected


def deduct(gateway):
    return gateway.charge_saved_method(
        payment_id=PAYMENT_ID,
        token="20215425001234567890",
        customer_ref="",
        amount_minor=6800,
        currency="CNY",
        description="roamcard 日本 5GB",
        return_url="https://roamcard.example/orders/1/return/",
        notify_url="https://roamcard.example/payments/webhooks/alipay/",
    )


@responses.activate
def test_a_deduction_is_a_withholding_trade_pay_under_the_agreement(gateway):
    content = {
        "code": "10000",
        "msg": "Success",
        "trade_no": "2024061622001412345678901234",
        "out_trade_no": PAYMENT_ID,
        "total_amount": "68.00",
    }
    responses.get(GATEWAY, body=answer("alipay_trade_pay_response", content))

    charged = deduct(gateway)

    assert (charged.status, charged.amount_minor, charged.currency) == ("succeeded", 6800, "CNY")
    assert charged.reference == "2024061622001412345678901234"
    params = sent_params(responses.calls[0].request.url)
    assert params["method"] == "alipay.trade.pay"
    assert params["notify_url"] == "https://roamcard.example/payments/webhooks/alipay/"
    biz = json.loads(params["biz_content"])
    assert (biz["out_trade_no"], biz["total_amount"]) == (PAYMENT_ID, "68.00")
    assert biz["product_code"] == "GENERAL_WITHHOLDING"
    assert biz["agreement_params"] == {"agreement_no": "20215425001234567890"}


@pytest.mark.parametrize(
    ("mock", "expected"),
    [
        (
            {"body": answer("alipay_trade_pay_response", {"code": "10003", "msg": "in process"})},
            "pending",
        ),
        (
            {
                "body": answer(
                    "alipay_trade_pay_response",
                    {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.SYSTEM_ERROR"},
                )
            },
            "unknown",
        ),
        ({"body": requests.exceptions.ReadTimeout()}, "unknown"),
        (
            {
                "body": answer(
                    "alipay_trade_pay_response",
                    {
                        "code": "40004",
                        "msg": "Business Failed",
                        "sub_code": "ACQ.BUYER_BALANCE_NOT_ENOUGH",
                        "sub_msg": "买家余额不足",
                    },
                )
            },
            "failed",
        ),
    ],
    ids=["in-process", "system-error", "timeout", "balance-too-low"],
)
@responses.activate
def test_deduction_answers(gateway, mock, expected):
    responses.get(GATEWAY, **mock)

    charged = deduct(gateway)

    assert charged.status == expected
    if expected == "failed":
        assert (charged.error_code, charged.error_message) == (
            "ACQ.BUYER_BALANCE_NOT_ENOUGH",
            "买家余额不足",
        )


@responses.activate
def test_unsigning_an_agreement_alipay_no_longer_has_is_done(gateway):
    content = {"code": "40004", "msg": "Business Failed", "sub_code": "USER_AGREEMENT_NOT_EXIST"}
    responses.get(GATEWAY, body=answer("alipay_user_agreement_unsign_response", content))

    gateway.remove_saved_method(token="20215425001234567890", customer_ref="")

    biz = json.loads(sent_params(responses.calls[0].request.url)["biz_content"])
    assert biz["agreement_no"] == "20215425001234567890"


@responses.activate
def test_an_unsigning_alipay_refuses_is_an_error_to_retry(gateway):
    content = {
        "code": "20000",
        "msg": "Service Currently Unavailable",
        "sub_code": "isp.unknow-error",
    }
    responses.get(GATEWAY, body=answer("alipay_user_agreement_unsign_response", content))

    with pytest.raises(Exception, match="unsign refused"):
        gateway.remove_saved_method(token="20215425001234567890", customer_ref="")
