"""When a renewal starts, through the real services, the sandbox gateway and the simulated
network (docs/decisions/0003): every case of the decision, and what the network is told."""

from datetime import timedelta

import pytest
from django.utils import timezone

from roamcard.cards.models import Bucket
from roamcard.cards.selectors import card_balance
from roamcard.cards.services import bucket_first_use
from roamcard.notifications.models import Message
from roamcard.orders.choices import OrderState, TransitionCause
from roamcard.orders.errors import IdempotencyKeyReused
from roamcard.orders.services import order_create
from roamcard.renewals.services import renewal_pay, renewal_payment_sync
from roamcard.simnet.models import SimAllowance
from roamcard.testing import make_bucket, make_plan, make_region

from .helpers import pay_with

GIB = 1024**3

pytestmark = pytest.mark.django_db(transaction=True)


def renew(traveller, card, plan, starts=""):
    """Order, pay and come back: the order fulfilled, its bucket returned."""
    order = order_create(
        user=traveller, card_id=card.pk, plan_id=plan.pk, currency="CNY", starts=starts
    )
    payment = renewal_pay(user=traveller, order=order, method="card")
    pay_with(payment)
    renewal_payment_sync(payment_id=payment.pk, cause=TransitionCause.RETURN)
    order.refresh_from_db()
    assert order.state == OrderState.FULFILLED
    return order, order.bucket


def allowance(order):
    return SimAllowance.objects.get(request_id=f"order-{order.public_id}")


def test_a_first_purchase_starts_now_for_exactly_its_days(renewal_setup):
    traveller, card, plan = renewal_setup
    before = timezone.now()

    order, bucket = renew(traveller, card, plan)

    assert order.starts == "now"
    assert before <= bucket.valid_from <= timezone.now()
    assert bucket.valid_until - bucket.valid_from == timedelta(days=7)
    sent = allowance(order)
    assert (sent.starts, sent.valid_from, sent.valid_until) == (
        "now",
        bucket.valid_from,
        bucket.valid_until,
    )


def test_renewing_early_queues_after_the_current_plan_for_exactly_its_days(renewal_setup):
    traveller, card, plan = renewal_setup
    current = make_bucket(card=card, bytes_granted=GIB, days=14)

    order, bucket = renew(traveller, card, plan)

    assert order.starts == "queued"
    assert bucket.valid_from == current.valid_until
    assert bucket.valid_until == current.valid_until + timedelta(days=7)
    assert (allowance(order).starts, allowance(order).valid_from) == ("queued", bucket.valid_from)
    balance = card_balance(card=card)
    assert balance.bytes_remaining == GIB  # the queued 5 GB is not usable yet
    assert balance.valid_until == bucket.valid_until
    [line] = balance.lines
    assert [b.pk for b in line.queued] == [bucket.pk]
    # The confirmation does not promise data at once.
    [sms] = Message.objects.filter(kind="renewal_confirmed", channel="sms")
    assert "It starts when your current plan ends or runs out" in sms.body


def test_renewing_early_but_choosing_now_adds_the_data_at_once_for_its_days(renewal_setup):
    traveller, card, plan = renewal_setup
    make_bucket(card=card, bytes_granted=GIB, days=14)

    order, bucket = renew(traveller, card, plan, starts="now")

    assert order.starts == "now"
    assert bucket.valid_until - bucket.valid_from == timedelta(days=7)
    assert bucket.valid_from <= timezone.now()
    assert card_balance(card=card).bytes_remaining == 6 * GIB


def test_renewing_after_running_out_starts_now(renewal_setup):
    traveller, card, plan = renewal_setup
    make_bucket(card=card, bytes_granted=GIB, bytes_remaining=0, days=14)

    order, bucket = renew(traveller, card, plan)

    assert order.starts == "now"
    assert card_balance(card=card).bytes_remaining == 5 * GIB


def test_a_day_pass_on_a_card_with_14_days_left_lasts_a_day_from_its_first_use(renewal_setup):
    traveller, card, _month = renewal_setup
    make_bucket(card=card, bytes_granted=GIB, days=14)
    day_pass = make_plan(
        region=card.region, data_bytes=None, days=1, kind="day_pass", prices={"CNY": 1800}
    )

    order, bucket = renew(traveller, card, day_pass)

    assert order.starts == "first_use"
    assert (bucket.valid_from, bucket.valid_until) == (None, None)
    sent = allowance(order)
    assert (sent.starts, sent.valid_from, sent.valid_until) == ("first_use", None, None)
    assert sent.activate_by == bucket.activate_by
    assert bucket.activate_by - order.paid_at == timedelta(days=180)
    assert not card_balance(card=card).unlimited  # not started: nothing unlimited yet
    [sms] = Message.objects.filter(kind="renewal_confirmed", channel="sms")
    assert "It starts the first time you use data in Europe" in sms.body

    first_use = timezone.now() + timedelta(days=3)
    bucket = bucket_first_use(bucket=bucket, at=first_use)

    assert bucket.valid_until - bucket.valid_from == timedelta(hours=24)
    assert bucket.valid_from == first_use


def test_an_add_on_queues_too_so_it_takes_over_when_the_current_data_runs_out(renewal_setup):
    traveller, card, _plan = renewal_setup
    current = make_bucket(card=card, bytes_granted=GIB, days=14)
    add_on = make_plan(
        region=card.region, data_bytes=GIB, days=7, kind="add_on", prices={"CNY": 900}
    )

    order, bucket = renew(traveller, card, add_on)

    assert order.starts == "queued"
    assert bucket.valid_from == current.valid_until


def test_a_one_country_plan_on_a_wider_card_starts_now_on_its_own_coverage_line(renewal_setup):
    traveller, card, plan = renewal_setup  # a Europe card (FR, DE, IT)
    make_bucket(card=card, bytes_granted=3 * GIB, days=14)
    france = make_region(code="france", name="France", countries=("FR",))
    france_plan = make_plan(region=france, data_bytes=10 * GIB, days=7, prices={"CNY": 3000})

    order, bucket = renew(traveller, card, france_plan)

    assert order.starts == "now"  # nothing of France's own coverage was live
    assert card_balance(card=card, country="FR").bytes_remaining == 13 * GIB
    assert card_balance(card=card, country="DE").bytes_remaining == 3 * GIB
    lines = card_balance(card=card).lines
    assert [(line.region.code, line.bytes_remaining) for line in lines] == [
        ("france", 10 * GIB),
        ("europe-33", 3 * GIB),
    ]


def test_the_idempotency_key_covers_the_start_mode(renewal_setup):
    traveller, card, plan = renewal_setup
    first = order_create(
        user=traveller, card_id=card.pk, plan_id=plan.pk, currency="CNY", idempotency_key="k1"
    )
    again = order_create(
        user=traveller, card_id=card.pk, plan_id=plan.pk, currency="CNY", idempotency_key="k1"
    )
    assert again.pk == first.pk

    with pytest.raises(IdempotencyKeyReused):
        order_create(
            user=traveller,
            card_id=card.pk,
            plan_id=plan.pk,
            currency="CNY",
            idempotency_key="k1",
            starts="queued",
        )
    assert Bucket.objects.count() == 0
