"""Reading automatic renewal: a traveller's policy for a card (or the defaults they start
from), and the card's automatic renewals with their attempts."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Prefetch, QuerySet

from roamcard.cards.models import Card
from roamcard.catalog.selectors import region_fits
from roamcard.orders.choices import OrderState
from roamcard.orders.models import Order
from roamcard.payments.choices import PaymentState
from roamcard.payments.models import Payment

from .choices import OPEN_STATES
from .models import AutoRenewal, AutoRenewalAttempt, RenewalPolicy


def policy_for(*, user: Any, card: Card) -> RenewalPolicy:
    """The traveller's policy for their card: the saved one, or (unsaved, off) the defaults
    they start from: the plan last bought for the card, in the currency it was paid in.
    A policy someone who had the card before set up is not theirs: they start afresh."""
    policy = (
        RenewalPolicy.objects.select_related("plan__region", "saved_method")
        .filter(card=card, user=user)
        .first()
    )
    if policy is not None:
        return policy
    last = (
        Order.objects.filter(card=card, user=user, state=OrderState.FULFILLED)
        .select_related("plan__region")
        .order_by("-fulfilled_at", "-id")
        .first()
    )
    plan = None
    if (
        last is not None
        and last.plan.active
        and region_fits(plan_region=last.plan.region, coverage=card.region)
    ):
        plan = last.plan
    currency = last.currency if last is not None else user.preferred_currency
    return RenewalPolicy(card=card, user=user, plan=plan, currency=currency)


def auto_renewal_list_for(*, card: Card) -> QuerySet[AutoRenewal]:
    """The card's automatic renewals, newest first, with their attempts."""
    return (
        AutoRenewal.objects.filter(card=card)
        .select_related("plan", "order", "bucket__region")
        .prefetch_related(
            Prefetch(
                "attempt_set",
                queryset=AutoRenewalAttempt.objects.select_related("payment").order_by("number"),
            )
        )
        .order_by("-created_at", "-id")
    )


def auto_renewal_get_for(*, user: Any, card: Card, public_id: Any) -> AutoRenewal | None:
    try:
        return auto_renewal_list_for(card=card).filter(user=user, public_id=public_id).first()
    except (ValueError, TypeError):
        return None


@dataclass(frozen=True)
class PolicyState:
    """What the page and the API say about the policy now: the renewal under way, if any
    (and whether it can still be skipped), and when the policy is next looked at."""

    policy: RenewalPolicy
    open_renewal: AutoRenewal | None
    next_check_at: datetime | None


def policy_state_for(*, user: Any, card: Card) -> PolicyState:
    policy = policy_for(user=user, card=card)
    open_renewal = (
        auto_renewal_list_for(card=card).filter(user=user, state__in=OPEN_STATES).first()
        if not policy._state.adding
        else None
    )
    return PolicyState(
        policy=policy,
        open_renewal=open_renewal,
        next_check_at=policy.due_at if policy.enabled else None,
    )


def auto_renewal_payment_to_confirm(*, renewal: AutoRenewal) -> Payment | None:
    """The payment the traveller is asked to confirm (3-D Secure, a changed agreement), with
    where they confirm it; None when there is none."""
    attempt = renewal.attempt_set.exclude(payment=None).select_related("payment").last()
    if attempt is None:
        return None
    payment = attempt.payment
    if payment.state != PaymentState.REQUIRES_ACTION or not payment.redirect_url:
        return None
    return payment
