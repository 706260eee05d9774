"""Staff refund in full or in part (renewal_refund_by_staff): what the money and the data
do, the ledger after each step, what is refused, and what the traveller is told."""

import logging

import pytest
from django.utils import translation

from roamcard.cards.models import Bucket
from roamcard.core.errors import InvalidInput
from roamcard.core.models import AuditEvent
from roamcard.ledger.selectors import account_balance, card_data_balance, unit_totals
from roamcard.notifications.models import Message, Notice
from roamcard.orders.choices import OrderState
from roamcard.orders.errors import OrderNotRefundable
from roamcard.orders.models import Order
from roamcard.orders.services import order_create
from roamcard.payments.choices import RefundState
from roamcard.payments.errors import NothingLeftToRefund, RefundTooLarge
from roamcard.payments.gateways.base import GatewayResult, ResultStatus
from roamcard.payments.models import Refund
from roamcard.renewals.selectors import order_refundable, refund_data_share, refund_preview
from roamcard.renewals.services import renewal_pay, renewal_payment_sync, renewal_refund_by_staff
from roamcard.testing import GIB, make_plan

pytestmark = pytest.mark.django_db

GRANTED = 5 * GIB  # the plan's data; it costs CN¥138.00


def pay(traveller, card, plan, gateway, committed, *, fulfil=True) -> Order:
    order = order_create(user=traveller, card_id=card.pk, plan_id=plan.pk, currency="CNY")
    payment = renewal_pay(user=traveller, order=order, method="alipay")
    gateway.will_succeed(payment, reference="trade-1")
    if fulfil:
        with committed():
            renewal_payment_sync(payment_id=payment.pk, cause="return")
    else:
        renewal_payment_sync(payment_id=payment.pk, cause="return")  # its job never runs
    order.refresh_from_db()
    return order


@pytest.fixture
def order(traveller, card, plan, gateway, committed):
    order = pay(traveller, card, plan, gateway, committed)
    assert order.state == OrderState.FULFILLED
    return order


def refund(order, staff, amount_minor, *, key="form-1", reason="service_quality", note=""):
    return renewal_refund_by_staff(
        order=order,
        staff=staff,
        amount_minor=amount_minor,
        reason=reason,
        note=note,
        idempotency_key=key,
        ip_address="203.0.113.9",
    )


def remaining(order) -> int:
    return Bucket.objects.get(order=order).bytes_remaining


def assert_books_balance(order, *, kept_minor):
    """Every unit's entries sum to zero; the card's data account is what its buckets hold;
    the gateway holds the money not given back."""
    assert set(unit_totals().values()) == {0}
    held = sum(b.bytes_remaining or 0 for b in Bucket.objects.filter(card_id=order.card_id))
    assert card_data_balance(card_id=order.card_id) == held
    assert account_balance(code="gateway:fake:CNY") == kept_minor
    assert account_balance(code="refunds:CNY") == 13800 - kept_minor


def test_a_partial_refund_gives_back_part_of_the_money_and_the_same_share_of_data(
    order, staff, gateway, committed
):
    with committed():
        made = refund(order, staff, 3450)  # a quarter of CN¥138.00

    made.refresh_from_db()
    order.refresh_from_db()
    assert (made.state, made.amount_minor, made.currency) == (RefundState.SUCCEEDED, 3450, "CNY")
    assert order.state == OrderState.FULFILLED  # the rest of the plan stays
    assert made.bytes_withdrawn == GRANTED // 4
    assert remaining(order) == GRANTED - GRANTED // 4
    [call] = gateway.refunded
    assert call["refund_id"] == str(made.public_id)  # our id is the gateway's key
    assert (call["amount_minor"], call["payment_amount_minor"]) == (3450, 13800)
    assert_books_balance(order, kept_minor=13800 - 3450)
    assert order_refundable(order=order).refundable.amount_minor == 13800 - 3450


def test_a_second_partial_refund_follows_the_first(order, staff, committed):
    with committed():
        refund(order, staff, 3450, key="form-1")
    with committed():
        refund(order, staff, 6900, key="form-2")

    order.refresh_from_db()
    assert order.state == OrderState.FULFILLED
    assert Refund.objects.filter(state=RefundState.SUCCEEDED).count() == 2
    assert remaining(order) == GRANTED - GRANTED // 4 - GRANTED // 2
    assert_books_balance(order, kept_minor=3450)


def test_more_than_is_left_is_refused_with_what_is_left_in_the_readers_language(
    order, staff, committed
):
    with committed():
        refund(order, staff, 10350, key="form-1")

    with pytest.raises(RefundTooLarge) as refused, translation.override("ja"):
        refund(order, staff, 3451, key="form-2")

    with translation.override("ja"):
        assert str(refused.value.message) == "このお支払いで返金できるのは残り 元34.50 までです。"
    assert refused.value.code == "refund_too_large" and refused.value.status == 409
    assert Refund.objects.count() == 1  # nothing half-applied
    assert_books_balance(order, kept_minor=3450)


def test_the_rest_after_partial_refunds_refunds_the_order_and_takes_what_is_left(
    order, staff, committed
):
    with committed():
        refund(order, staff, 3450, key="form-1")
    with committed():
        last = refund(order, staff, None, key="form-2")  # all that is left

    order.refresh_from_db()
    last.refresh_from_db()
    assert last.amount_minor == 13800 - 3450
    assert order.state == OrderState.REFUNDED
    bucket = Bucket.objects.get(order=order)
    assert bucket.bytes_remaining == 0 and bucket.withdrawn_at is not None
    assert last.bytes_withdrawn == GRANTED - GRANTED // 4
    assert_books_balance(order, kept_minor=0)
    with pytest.raises(NothingLeftToRefund):
        refund(order, staff, 1, key="form-3")


def test_data_already_used_is_not_taken_twice(order, staff, committed):
    bucket = Bucket.objects.get(order=order)
    Bucket.objects.filter(pk=bucket.pk).update(bytes_remaining=GIB // 2)  # as if used
    from roamcard.ledger.services import ledger_post_data_usage

    ledger_post_data_usage(key="usage:test", card_id=order.card_id, bytes_used=GRANTED - GIB // 2)

    with committed():
        made = refund(order, staff, 6900)  # half the price: half the data, but only ½ GB is left

    made.refresh_from_db()
    assert made.bytes_withdrawn == GIB // 2
    assert remaining(order) == 0
    assert_books_balance(order, kept_minor=6900)


def test_other_needs_a_note_and_an_unknown_reason_is_refused(order, staff):
    with pytest.raises(InvalidInput) as no_note:
        refund(order, staff, 100, reason="other", note="  ")
    with pytest.raises(InvalidInput) as unknown:
        refund(order, staff, 100, reason="payment_not_kept")

    assert "note" in no_note.value.fields
    assert "reason" in unknown.value.fields
    assert not Refund.objects.exists()
    assert not AuditEvent.objects.filter(action="order.refund").exists()


def test_a_form_submitted_twice_refunds_once(order, staff, gateway, committed):
    with committed():
        first = refund(order, staff, 3450, key="form-1")
    with committed():
        again = refund(order, staff, 3450, key="form-1")

    assert again.pk == first.pk
    assert Refund.objects.count() == 1 and len(gateway.refunded) == 1
    assert remaining(order) == GRANTED - GRANTED // 4
    audits = AuditEvent.objects.filter(action="order.refund").order_by("id")
    assert [a.details["already_requested"] for a in audits] == [False, True]
    assert audits[0].details["amount_minor"] == 3450
    assert audits[0].details["reason"] == "service_quality"
    assert audits[0].ip_address == "203.0.113.9"


def test_a_plan_not_yet_on_the_card_is_refunded_in_full_only(
    traveller, card, plan, gateway, committed, staff
):
    paid = pay(traveller, card, plan, gateway, committed, fulfil=False)
    assert paid.state == OrderState.PAID

    with pytest.raises(InvalidInput):
        refund(paid, staff, 3450)
    with committed():
        refund(paid, staff, 13800)

    paid.refresh_from_db()
    assert paid.state == OrderState.REFUNDED


def test_an_unpaid_order_is_not_refundable(traveller, card, plan, staff):
    unpaid = order_create(user=traveller, card_id=card.pk, plan_id=plan.pk, currency="CNY")

    with pytest.raises(OrderNotRefundable):
        refund(unpaid, staff, 100)


def test_a_refund_that_fails_tells_the_traveller_nothing_and_frees_the_amount(
    order, staff, gateway, committed, caplog
):
    gateway.refund_answer = GatewayResult(
        status=ResultStatus.FAILED, error_code="REFUND_AMT_INVALID", error_message="refused"
    )

    with committed(), caplog.at_level(logging.ERROR):
        made = refund(order, staff, 3450)

    made.refresh_from_db()
    assert made.state == RefundState.FAILED
    assert not Message.objects.filter(kind="refund_sent").exists()
    assert not Notice.objects.filter(kind="refund_sent").exists()
    assert remaining(order) == GRANTED
    assert any("failed at the gateway" in r.message for r in caplog.records)
    assert order_refundable(order=order).refundable.amount_minor == 13800
    assert_books_balance(order, kept_minor=13800)


def test_an_unlimited_plan_keeps_its_data_on_a_partial_refund(
    traveller, card, europe, gateway, committed, staff
):
    unlimited = make_plan(region=europe, data_bytes=None, days=7, prices={"CNY": 9900})
    order = pay(traveller, card, unlimited, gateway, committed)

    with committed():
        made = refund(order, staff, 4950)

    made.refresh_from_db()
    assert made.state == RefundState.SUCCEEDED and made.bytes_withdrawn is None
    assert Bucket.objects.get(order=order).bytes_remaining is None
    assert refund_preview(order=order, amount_minor=100).bytes_withdrawn is None


def test_the_data_share_is_rounded_half_up_to_a_byte(order):
    # 1 fen of 138 yuan is 389,036.89 bytes of 5 GiB, 3 fen 1,167,110.67: up both times.
    assert refund_data_share(order=order, amount_minor=1) == 389037
    assert refund_data_share(order=order, amount_minor=3) == 1167111
    assert refund_data_share(order=order, amount_minor=13800) == GRANTED


def test_the_preview_shows_what_a_refund_would_take(order):
    quarter = refund_preview(order=order, amount_minor=3450)
    everything = refund_preview(order=order, amount_minor=13800)

    assert (quarter.full, quarter.bytes_withdrawn) == (False, GRANTED // 4)
    assert (everything.full, everything.bytes_withdrawn) == (True, GRANTED)
