"""An automatic renewal from its trigger to its end: the notice, the charge at its time,
retries after a decline, the traveller's confirmation, and everything that stops it."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from roamcard.autorenewal.choices import OffReason, RenewalState, SkipReason
from roamcard.autorenewal.models import AutoRenewal, RenewalPolicy
from roamcard.autorenewal.services import auto_renewal_skip
from roamcard.autorenewal.sweep import autorenewal_sweep
from roamcard.cards.choices import BucketState, CardStatus, StartMode
from roamcard.cards.models import Bucket, Card
from roamcard.core.models import AuditEvent
from roamcard.notifications.models import Message
from roamcard.orders.choices import OrderState
from roamcard.orders.models import Order

from .helpers import GIB, grant, saved_method, switch_on

pytestmark = pytest.mark.django_db(transaction=True)


def sweep_at(moment):
    with time_machine.travel(moment, tick=False):
        return autorenewal_sweep()


def messages(kind, channel="email"):
    return list(Message.objects.filter(kind=kind, channel=channel).order_by("id"))


def test_a_card_low_on_data_is_announced_then_charged_once_at_its_time(traveller, card, plan):
    current = grant(card, plan, remaining=GIB // 4)  # 5 % left
    switch_on(traveller, card, plan, saved_method(traveller))

    renewal = AutoRenewal.objects.get()
    assert renewal.state == RenewalState.SCHEDULED
    assert (renewal.trigger, renewal.bucket_id) == ("data", current.pk)
    assert renewal.amount_minor == 6800 and renewal.currency == "CNY"
    assert renewal.charge_at - renewal.announced_at == timedelta(minutes=60)
    [notice] = messages("autorenewal_coming")
    assert "/cards/auto-renewal/skip/" in notice.body
    assert "CN¥68.00" in notice.body
    assert Order.objects.count() == 0

    sweep_at(renewal.charge_at - timedelta(seconds=1))
    assert Order.objects.count() == 0

    sweep_at(renewal.charge_at + timedelta(seconds=1))
    renewal.refresh_from_db()
    assert renewal.state == RenewalState.SUCCEEDED
    assert renewal.order.state == OrderState.FULFILLED
    assert renewal.order.starts == StartMode.QUEUED
    assert renewal.order.idempotency_key == renewal.idempotency_key
    [queued] = Bucket.objects.exclude(pk=current.pk)
    assert queued.state_at(renewal.charge_at) == BucketState.QUEUED
    assert [a.outcome for a in renewal.attempt_set.all()] == ["succeeded"]

    # Nothing fires again: the coverage goes on with the plan just bought.
    sweep_at(renewal.charge_at + timedelta(minutes=5))
    assert AutoRenewal.objects.count() == 1
    assert Order.objects.count() == 1
    policy = RenewalPolicy.objects.get()
    assert policy.due_at == queued.valid_until - timedelta(hours=24)


def test_without_a_notice_it_is_charged_at_once(traveller, card, plan):
    grant(card, plan, remaining=GIB // 4)
    switch_on(traveller, card, plan, saved_method(traveller), notice_minutes=0)

    renewal = AutoRenewal.objects.get()
    assert renewal.state == RenewalState.SUCCEEDED
    assert messages("autorenewal_coming") == []


def test_a_card_with_data_enough_is_looked_at_when_its_validity_trigger_fires(
    traveller, card, plan
):
    current = grant(card, plan)  # full, ends in 7 days less 2 hours
    switch_on(traveller, card, plan, saved_method(traveller))
    policy = RenewalPolicy.objects.get()
    assert AutoRenewal.objects.count() == 0
    assert policy.due_at == current.valid_until - timedelta(hours=24)

    sweep_at(policy.due_at + timedelta(seconds=1))

    renewal = AutoRenewal.objects.get()
    assert (renewal.trigger, renewal.bucket_id) == ("validity", current.pk)


def test_declined_it_is_retried_after_1_6_and_24_hours_then_switched_off(traveller, card, plan):
    grant(card, plan, remaining=GIB // 4)
    switch_on(traveller, card, plan, saved_method(traveller, behaviour="decline"))
    renewal = AutoRenewal.objects.get()

    moment = renewal.charge_at + timedelta(seconds=1)
    retries = []
    for _ in range(4):
        sweep_at(moment)
        renewal.refresh_from_db()
        if renewal.state != RenewalState.RETRY_WAIT:
            break
        retries.append(renewal.charge_at - moment)
        moment = renewal.charge_at + timedelta(seconds=1)

    assert retries == [timedelta(hours=1), timedelta(hours=6), timedelta(hours=24)]
    assert renewal.state == RenewalState.FAILED
    assert [a.outcome for a in renewal.attempt_set.all()] == ["failed"] * 4
    assert len(messages("autorenewal_failed")) == 3
    [off] = messages("autorenewal_switched_off")
    assert "The payment failed after every retry" in off.body
    policy = RenewalPolicy.objects.get()
    assert not policy.enabled and policy.off_reason == OffReason.PAYMENT_FAILED
    assert policy.due_at is None
    assert AuditEvent.objects.filter(action="autorenewal.switched_off").count() == 1
    renewal.order.refresh_from_db()
    assert renewal.order.state == OrderState.CANCELLED
    # Nothing more is charged, whatever runs later.
    sweep_at(moment + timedelta(days=3))
    assert renewal.attempt_set.count() == 4


def test_each_failure_says_when_it_is_tried_again_and_links_to_renew_by_hand(traveller, card, plan):
    grant(card, plan, remaining=GIB // 4)
    switch_on(traveller, card, plan, saved_method(traveller, behaviour="decline"))
    renewal = AutoRenewal.objects.get()

    sweep_at(renewal.charge_at + timedelta(seconds=1))

    [failed] = messages("autorenewal_failed")
    assert f"/cards/{card.pk}/plans/" in failed.body
    # 1 h after the charge, on the traveller's clock (Hong Kong, UTC+8).
    retry = (renewal.charge_at + timedelta(hours=1, seconds=1)).astimezone(
        timezone.get_fixed_timezone(8 * 60)
    )
    assert retry.strftime("%-I:%M") in failed.body


def test_a_retry_paid_with_a_method_changed_meanwhile_succeeds(traveller, card, plan):
    grant(card, plan, remaining=GIB // 4)
    switch_on(traveller, card, plan, saved_method(traveller, behaviour="decline"))
    renewal = AutoRenewal.objects.get()
    sweep_at(renewal.charge_at + timedelta(seconds=1))
    renewal.refresh_from_db()

    switch_on(traveller, card, plan, saved_method(traveller, behaviour="succeed"))
    sweep_at(renewal.charge_at + timedelta(seconds=1))

    renewal.refresh_from_db()
    assert renewal.state == RenewalState.SUCCEEDED
    assert [a.outcome for a in renewal.attempt_set.all()] == ["failed", "succeeded"]
    assert Order.objects.get().state == OrderState.FULFILLED


def test_a_payment_to_confirm_sends_the_traveller_to_confirm_it(traveller, card, plan):
    grant(card, plan, remaining=GIB // 4)
    switch_on(traveller, card, plan, saved_method(traveller, behaviour="action"))
    renewal = AutoRenewal.objects.get()

    sweep_at(renewal.charge_at + timedelta(seconds=1))
    renewal.refresh_from_db()
    assert renewal.state == RenewalState.ACTION_REQUIRED
    [confirm] = messages("autorenewal_action_required")
    assert f"/cards/{card.pk}/auto-renewal/" in confirm.body

    # Looked at again while it waits: told once.
    sweep_at(renewal.charge_at + timedelta(minutes=5))
    assert len(messages("autorenewal_action_required")) == 1


def test_switched_off_between_the_notice_and_the_charge_nothing_is_charged(traveller, card, plan):
    grant(card, plan, remaining=GIB // 4)
    method = saved_method(traveller)
    switch_on(traveller, card, plan, method)
    renewal = AutoRenewal.objects.get()

    switch_on(traveller, card, plan, method, enabled=False)

    renewal.refresh_from_db()
    assert (renewal.state, renewal.skipped_reason) == ("skipped", SkipReason.POLICY_OFF)
    sweep_at(renewal.charge_at + timedelta(seconds=1))
    assert Order.objects.count() == 0


def test_switched_off_during_a_retry_nothing_more_is_charged(traveller, card, plan):
    grant(card, plan, remaining=GIB // 4)
    method = saved_method(traveller, behaviour="decline")
    switch_on(traveller, card, plan, method)
    renewal = AutoRenewal.objects.get()
    sweep_at(renewal.charge_at + timedelta(seconds=1))
    renewal.refresh_from_db()
    assert renewal.state == RenewalState.RETRY_WAIT

    switch_on(traveller, card, plan, method, enabled=False)
    sweep_at(renewal.charge_at + timedelta(seconds=1))

    renewal.refresh_from_db()
    assert (renewal.state, renewal.skipped_reason) == ("skipped", SkipReason.POLICY_OFF)
    assert renewal.attempt_set.count() == 1
    assert renewal.order.state == OrderState.CANCELLED


def test_skipped_by_the_traveller_it_is_not_charged_and_the_next_trigger_still_fires(
    traveller, card, plan
):
    current = grant(card, plan, remaining=GIB // 4)
    switch_on(traveller, card, plan, saved_method(traveller))
    renewal = AutoRenewal.objects.get()

    auto_renewal_skip(renewal=renewal)
    auto_renewal_skip(renewal=renewal)  # twice: the same

    renewal.refresh_from_db()
    assert (renewal.state, renewal.skipped_reason) == ("skipped", SkipReason.TRAVELLER)
    sweep_at(renewal.charge_at + timedelta(seconds=1))
    assert Order.objects.count() == 0
    # The data trigger on this bucket is spent; its validity trigger comes next.
    policy = RenewalPolicy.objects.get()
    assert policy.due_at == current.valid_until - timedelta(hours=24)
    sweep_at(policy.due_at + timedelta(seconds=1))
    assert AutoRenewal.objects.filter(trigger="validity", bucket=current).count() == 1


def test_renewed_by_hand_meanwhile_it_is_not_needed(traveller, card, plan):
    grant(card, plan, remaining=GIB // 4)
    switch_on(traveller, card, plan, saved_method(traveller))
    renewal = AutoRenewal.objects.get()

    grant(card, plan, starts=StartMode.QUEUED)  # the traveller bought one themselves
    sweep_at(renewal.charge_at + timedelta(seconds=1))

    renewal.refresh_from_db()
    assert (renewal.state, renewal.skipped_reason) == ("skipped", SkipReason.NOT_NEEDED)
    assert Order.objects.count() == 0


@pytest.mark.parametrize("status", [CardStatus.SUSPENDED, CardStatus.EXPIRED])
def test_a_suspended_or_expired_card_is_never_charged(traveller, card, plan, status):
    grant(card, plan, remaining=GIB // 4)
    switch_on(traveller, card, plan, saved_method(traveller))
    renewal = AutoRenewal.objects.get()
    Card.objects.filter(pk=card.pk).update(status=status)

    sweep_at(renewal.charge_at + timedelta(seconds=1))

    renewal.refresh_from_db()
    assert (renewal.state, renewal.skipped_reason) == ("skipped", SkipReason.CARD_INACTIVE)
    assert Order.objects.count() == 0
    assert RenewalPolicy.objects.get().enabled  # it may be reactivated


def test_a_card_now_someone_elses_is_not_charged_to_the_one_who_set_it_up(
    traveller, other_traveller, card, plan
):
    grant(card, plan, remaining=GIB // 4)
    switch_on(traveller, card, plan, saved_method(traveller))
    renewal = AutoRenewal.objects.get()
    Card.objects.filter(pk=card.pk).update(owner=other_traveller)

    sweep_at(renewal.charge_at + timedelta(seconds=1))

    renewal.refresh_from_db()
    assert (renewal.state, renewal.skipped_reason) == ("skipped", SkipReason.CARD_NOT_OWNED)
    policy = RenewalPolicy.objects.get()
    assert not policy.enabled and policy.off_reason == OffReason.CARD_NOT_OWNED
    assert Order.objects.count() == 0


def test_a_plan_no_longer_sold_switches_automatic_renewal_off(traveller, card, plan):
    grant(card, plan, remaining=GIB // 4)
    switch_on(traveller, card, plan, saved_method(traveller))
    renewal = AutoRenewal.objects.get()
    plan.active = False
    plan.save()

    sweep_at(renewal.charge_at + timedelta(seconds=1))

    renewal.refresh_from_db()
    assert renewal.skipped_reason == SkipReason.PLAN_UNAVAILABLE
    assert RenewalPolicy.objects.get().off_reason == OffReason.PLAN_UNAVAILABLE
    [off] = messages("autorenewal_switched_off")
    assert "The plan can no longer be bought for this card" in off.body


class Killed(BaseException):
    """The worker dies: nothing of ours catches it."""


def test_a_charge_whose_worker_died_before_the_gateway_is_made_once_after_its_lease(
    traveller, card, plan, settings, monkeypatch
):
    grant(card, plan, remaining=GIB // 4)
    switch_on(traveller, card, plan, saved_method(traveller))
    renewal = AutoRenewal.objects.get()

    def die(**kwargs):
        raise Killed()

    with monkeypatch.context() as patch:
        patch.setattr("roamcard.autorenewal.services.renewal_pay_saved", die)
        with pytest.raises(Killed):
            sweep_at(renewal.charge_at + timedelta(seconds=1))
    renewal.refresh_from_db()
    assert renewal.state == RenewalState.CHARGING

    sweep_at(renewal.charge_at + timedelta(minutes=2))  # within the lease: left alone
    assert Order.objects.get().payments.count() == 0
    lease = timedelta(seconds=settings.AUTORENEWAL_CHARGE_LEASE_SECONDS)
    sweep_at(renewal.charge_at + lease + timedelta(seconds=2))

    renewal.refresh_from_db()
    assert renewal.state == RenewalState.SUCCEEDED
    assert [a.outcome for a in renewal.attempt_set.all()] == ["succeeded"]
    assert Order.objects.get().payments.count() == 1
