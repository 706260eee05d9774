import pytest
from django.utils import translation

from roamcard.payments.models import Payment
from roamcard.payments.selectors import payment_failure_text


def _failed(code: str, message: str = "") -> Payment:
    return Payment(state="failed", error_code=code, error_message=message)


def test_a_known_decline_reads_in_the_travellers_language():
    with translation.override("zh-hans"):
        text = payment_failure_text(payment=_failed("card_declined", "Your card was declined."))
    assert "拒" in text and "card" not in text


def test_an_unknown_code_shows_the_gateways_own_words():
    text = payment_failure_text(payment=_failed("do_not_honor", "Do not honor"))
    assert text == "Do not honor"


@pytest.mark.parametrize("payment", [None, Payment(state="failed")])
def test_without_details_a_general_sentence_is_shown(payment):
    assert payment_failure_text(payment=payment) == "The payment did not go through."


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("insufficient_balance", "钱包余额不足"),  # a wallet's deduction (sandbox agreements)
        ("ACQ.BUYER_BALANCE_NOT_ENOUGH", "支付宝余额不足"),
        ("ACQ.AGREEMENT_NOT_EXIST", "自动扣款协议已终止"),
        ("payment_method_unusable", "已保存的支付方式无法再扣款"),
        ("authentication_required", "银行需要您确认"),
    ],
)
def test_declines_of_charges_without_the_traveller_read_in_their_language(code, words):
    with translation.override("zh-hans"):
        text = payment_failure_text(payment=_failed(code, "vendor's own words"))
    assert words in text
