"""Setting a policy: its defaults, every problem said at once in the traveller's language,
an audit entry of what changed."""

from dataclasses import replace

import pytest
from django.utils import translation

from roamcard.autorenewal.models import RenewalPolicy
from roamcard.autorenewal.policies import policy_update
from roamcard.autorenewal.selectors import policy_for
from roamcard.cards.errors import CardNotFound
from roamcard.core.errors import InvalidInput
from roamcard.core.models import AuditEvent
from roamcard.orders.choices import OrderState
from roamcard.orders.services import order_create
from roamcard.testing import make_plan, make_region

from .helpers import POLICY, saved_method, switch_on

pytestmark = pytest.mark.django_db


def test_the_defaults_are_off_with_the_plan_last_bought_in_its_currency(traveller, card, plan):
    assert policy_for(user=traveller, card=card).plan is None
    order = order_create(user=traveller, card_id=card.pk, plan_id=plan.pk, currency="USD")
    order.state = OrderState.FULFILLED
    order.save()

    policy = policy_for(user=traveller, card=card)
    assert policy._state.adding and not policy.enabled
    assert (policy.plan, policy.currency) == (plan, "USD")
    assert (policy.trigger_percent, policy.trigger_mb, policy.trigger_hours) == (10, None, 24)
    assert (policy.starts, policy.max_renewals, policy.notice_minutes) == ("queued", 3, 60)


def test_changes_are_audited_with_what_was_and_what_is(traveller, card, plan):
    method = saved_method(traveller)
    switch_on(traveller, card, plan, method)
    switch_on(traveller, card, plan, method, trigger_percent=20)
    switch_on(traveller, card, plan, method, trigger_percent=20)  # nothing changed

    first, second = AuditEvent.objects.filter(action="autorenewal.policy").order_by("id")
    assert first.actor == traveller and first.details["before"] is None
    assert second.details["before"]["trigger_percent"] == 10
    assert second.details["after"]["trigger_percent"] == 20


def test_every_problem_is_named_at_once_in_the_travellers_language(traveller, card, europe):
    japan = make_region(code="japan", name="Japan", countries=("JP",))
    not_fitting = make_plan(region=japan, prices={"CNY": 100})
    data = replace(
        POLICY,
        plan_id=not_fitting.pk,
        trigger_percent=0,
        trigger_mb=None,
        trigger_hours=1000,
        max_renewals=0,
        notice_minutes=-1,
        starts="tomorrow",
    )
    with translation.override("ko"), pytest.raises(InvalidInput) as raised:
        policy_update(user=traveller, card_id=card.pk, data=data)

    fields = raised.value.fields
    assert set(fields) == {
        "plan_id",
        "saved_method_id",
        "starts",
        "trigger_percent",
        "trigger_hours",
        "max_renewals",
        "notice_minutes",
    }
    assert fields["plan_id"] == ["이 카드로는 이 요금제를 구매할 수 없어요."]
    assert RenewalPolicy.objects.count() == 0


def test_a_method_must_be_the_travellers_own_and_usable(traveller, other_traveller, card, plan):
    theirs = saved_method(other_traveller)
    with pytest.raises(InvalidInput) as raised:
        switch_on(traveller, card, plan, theirs)
    assert list(raised.value.fields) == ["saved_method_id"]
    removed = saved_method(traveller)
    removed.state = "removed"
    removed.save()
    with pytest.raises(InvalidInput):
        switch_on(traveller, card, plan, removed)


def test_no_trigger_a_currency_not_sold_and_a_limit_below_the_price_are_refused(
    traveller, card, plan
):
    method = saved_method(traveller)
    with pytest.raises(InvalidInput) as raised:
        switch_on(
            traveller, card, plan, method, trigger_percent=None, trigger_mb=None, trigger_hours=None
        )
    assert "Choose when to renew" in raised.value.fields["trigger_percent"][0]
    with pytest.raises(InvalidInput) as raised:
        switch_on(traveller, card, plan, method, currency="JPY")
    assert raised.value.fields["currency"] == [
        "This plan is not sold in JPY. Choose another currency."
    ]
    with pytest.raises(InvalidInput) as raised:
        switch_on(traveller, card, plan, method, monthly_limit_minor=5000)
    assert "CN¥68.00" in raised.value.fields["monthly_limit_minor"][0]


def test_off_it_may_be_incomplete(traveller, card):
    data = replace(POLICY, enabled=False)
    policy = policy_update(user=traveller, card_id=card.pk, data=data)
    assert not policy.enabled and policy.plan is None and policy.due_at is None


def test_only_the_owner_sets_it(traveller, other_traveller, card, plan):
    with pytest.raises(CardNotFound):
        switch_on(other_traveller, card, plan, saved_method(other_traveller))


def test_a_new_owner_starts_afresh_and_takes_the_policy_over(
    traveller, other_traveller, card, plan
):
    switch_on(traveller, card, plan, saved_method(traveller), trigger_percent=30)
    card.owner = other_traveller
    card.save()

    assert policy_for(user=other_traveller, card=card)._state.adding
    policy = switch_on(other_traveller, card, plan, saved_method(other_traveller))
    assert policy.user == other_traveller and policy.trigger_percent == 10
    assert RenewalPolicy.objects.count() == 1
