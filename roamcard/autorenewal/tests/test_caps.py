"""The traveller's caps: at most K automatic renewals in 30 days, and a spending limit per
calendar month on their own clock. A renewal a cap stops is recorded (with the reason),
never charged, and the traveller hears once per period."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from roamcard.autorenewal.choices import RenewalState, SkipReason
from roamcard.autorenewal.evaluation import policies_evaluate
from roamcard.autorenewal.models import AutoRenewal
from roamcard.autorenewal.sweep import autorenewal_sweep
from roamcard.cards.models import Bucket
from roamcard.cards.services import bucket_activate_next
from roamcard.notifications.models import Message

from .helpers import GIB, grant, saved_method, switch_on

pytestmark = pytest.mark.django_db(transaction=True)

START = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)


def renew_now(card) -> AutoRenewal:
    """Run the card's data low, let its automatic renewal be charged (no notice), and start
    the plan it bought, as usage would: the newest renewal."""
    now = timezone.now()
    live = [b for b in Bucket.objects.filter(card=card) if b.is_live_at(now)]
    Bucket.objects.filter(pk__in=[b.pk for b in live]).update(bytes_remaining=0)
    with transaction.atomic():
        bucket_activate_next(card=card, region=card.region, now=now)
    started = [b for b in Bucket.objects.filter(card=card) if b.is_live_at(now)]
    Bucket.objects.filter(pk__in=[b.pk for b in started]).update(bytes_remaining=GIB // 4)
    policies_evaluate(card_ids=[card.pk])
    return AutoRenewal.objects.filter(card=card).order_by("-id").first()


def test_at_most_k_in_30_days_the_next_is_skipped_and_told_once(traveller, card, plan):
    with time_machine.travel(START, tick=False):
        grant(card, plan, remaining=GIB // 4)
        switch_on(traveller, card, plan, saved_method(traveller), notice_minutes=0, max_renewals=2)
        assert AutoRenewal.objects.get().state == RenewalState.SUCCEEDED
    with time_machine.travel(START + timedelta(days=5), tick=False):
        assert renew_now(card).state == RenewalState.SUCCEEDED
    with time_machine.travel(START + timedelta(days=10), tick=False):
        third = renew_now(card)
        assert (third.state, third.skipped_reason) == ("skipped", SkipReason.RENEWALS_CAP)
        [told] = Message.objects.filter(kind="autorenewal_cap_reached")
        assert "2 automatic renewals in 30 days" in told.body
        # The same card's validity trigger, a day before the end: stopped again, not told again.
        policy = card.renewal_policy
        policy.refresh_from_db()
    with time_machine.travel(policy.due_at + timedelta(seconds=1), tick=False):
        autorenewal_sweep()
        fourth = AutoRenewal.objects.order_by("-id").first()
        assert fourth.pk != third.pk and fourth.skipped_reason == SkipReason.RENEWALS_CAP
        assert Message.objects.filter(kind="autorenewal_cap_reached").count() == 1
    # 30 days after the first, one is allowed again (the traveller bought a plan by hand).
    with time_machine.travel(START + timedelta(days=30, minutes=1), tick=False):
        grant(card, plan, remaining=GIB // 4, start=timezone.now() - timedelta(hours=1))
        policies_evaluate(card_ids=[card.pk])
        assert AutoRenewal.objects.order_by("-id").first().state == RenewalState.SUCCEEDED


def test_the_monthly_limit_counts_the_month_on_the_travellers_clock(traveller, card, plan):
    december = datetime(2026, 12, 25, 12, 0, tzinfo=UTC)
    with time_machine.travel(december, tick=False):
        grant(card, plan, remaining=GIB // 4)
        switch_on(
            traveller,
            card,
            plan,
            saved_method(traveller),
            notice_minutes=0,
            monthly_limit_minor=10000,  # CN¥100: one CN¥68 renewal a month
        )
        assert AutoRenewal.objects.get().state == RenewalState.SUCCEEDED
    with time_machine.travel(december + timedelta(hours=8), tick=False):
        second = renew_now(card)  # its plan runs until January 1, 20:00 UTC
        assert (second.state, second.skipped_reason) == ("skipped", SkipReason.SPENDING_CAP)
        [told] = Message.objects.filter(kind="autorenewal_cap_reached")
        assert "CN¥100.00 a month" in told.body
    # Its validity trigger fires at 20:00 UTC on December 31: already January in Hong Kong
    # (UTC+8), the traveller's clock, so the month's limit starts afresh.
    policy = card.renewal_policy
    policy.refresh_from_db()
    assert policy.due_at == datetime(2026, 12, 31, 20, 0, tzinfo=UTC)
    with time_machine.travel(policy.due_at + timedelta(seconds=1), tick=False):
        autorenewal_sweep()
        third = AutoRenewal.objects.order_by("-id").first()
        assert (third.trigger, third.state) == ("validity", RenewalState.SUCCEEDED)


def test_a_refunded_automatic_renewal_does_not_count(traveller, card, plan):
    with time_machine.travel(START, tick=False):
        grant(card, plan, remaining=GIB // 4)
        switch_on(traveller, card, plan, saved_method(traveller), notice_minutes=0, max_renewals=1)
        first = AutoRenewal.objects.get()
        first.order.state = "refunded"
        first.order.save(update_fields=["state"])
    with time_machine.travel(START + timedelta(days=1), tick=False):
        assert renew_now(card).state == RenewalState.SUCCEEDED
