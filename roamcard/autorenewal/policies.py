"""The traveller sets a card's automatic renewal policy: checked as a whole (every field's
problem said at once, in their language), saved with an audit entry of what changed, and
evaluated at once, so that a card already low renews (with its notice) as soon as it is
switched on."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from roamcard.cards.models import Card
from roamcard.cards.selectors import card_get_for
from roamcard.catalog.models import Plan
from roamcard.catalog.selectors import region_fits
from roamcard.core.audit import audit_record
from roamcard.core.errors import InvalidInput
from roamcard.core.money import Money
from roamcard.payments.models import SavedPaymentMethod
from roamcard.payments.selectors import saved_methods_of

from .choices import RenewalStart, SkipReason
from .evaluation import policies_evaluate
from .models import RenewalPolicy
from .services import auto_renewals_skip_open

# The sane ranges of each number a traveller sets.
PERCENT_RANGE = (1, 99)
MB_RANGE = (1, 1024 * 1024)  # up to 1 TB
HOURS_RANGE = (1, 720)  # up to 30 days
MAX_RENEWALS_RANGE = (1, 30)
NOTICE_MINUTES_RANGE = (0, 1440)  # up to a day


@dataclass(frozen=True)
class PolicyInput:
    """Everything a traveller sets, as the page's form and the API's body give it."""

    enabled: bool
    plan_id: int | None
    currency: str
    saved_method_id: int | None
    starts: str
    trigger_percent: int | None
    trigger_mb: int | None
    trigger_hours: int | None
    max_renewals: int
    monthly_limit_minor: int | None
    notice_minutes: int


def policy_update(
    *,
    user: Any,
    card_id: int,
    data: PolicyInput,
    ip_address: str | None = None,
    now: datetime | None = None,
) -> RenewalPolicy:
    """Save the traveller's policy for their card (CardNotFound for anyone else's).
    Switching it off skips the renewals not being charged; switching it on (or changing it)
    evaluates it at once."""
    now = now or timezone.now()
    card = card_get_for(user=user, card_id=card_id)
    plan, method = _check(user=user, card=card, data=data)
    with transaction.atomic():
        Card.objects.select_for_update(no_key=True).filter(pk=card.pk).first()
        policy = RenewalPolicy.objects.select_for_update().filter(card=card).first()
        before = _figures(policy) if policy is not None and policy.user_id == user.pk else None
        policy = policy or RenewalPolicy(card=card)
        policy.user = user
        policy.enabled = data.enabled
        policy.plan = plan
        policy.currency = data.currency
        policy.saved_method = method
        policy.starts = data.starts
        policy.trigger_percent = data.trigger_percent
        policy.trigger_mb = data.trigger_mb
        policy.trigger_hours = data.trigger_hours
        policy.max_renewals = data.max_renewals
        policy.monthly_limit_minor = data.monthly_limit_minor
        policy.notice_minutes = data.notice_minutes
        policy.due_at = None  # the evaluation below sets it
        if data.enabled:
            policy.off_reason, policy.off_at = "", None
        policy.save()
        after = _figures(policy)
        if after != before:
            audit_record(
                actor=user,
                action="autorenewal.policy",
                obj=policy,
                details={"before": before, "after": after},
                ip_address=ip_address,
            )
        if not data.enabled:
            auto_renewals_skip_open(card_id=card.pk, reason=SkipReason.POLICY_OFF, now=now)
        policies_evaluate(card_ids=[card.pk], now=now)
    policy.refresh_from_db()
    return policy


def _figures(policy: RenewalPolicy) -> dict[str, Any]:
    return {
        "enabled": policy.enabled,
        "plan": policy.plan_id,
        "currency": policy.currency,
        "saved_method": policy.saved_method_id,
        "starts": policy.starts,
        "trigger_percent": policy.trigger_percent,
        "trigger_mb": policy.trigger_mb,
        "trigger_hours": policy.trigger_hours,
        "max_renewals": policy.max_renewals,
        "monthly_limit_minor": policy.monthly_limit_minor,
        "notice_minutes": policy.notice_minutes,
    }


def _check(
    *, user: Any, card: Card, data: PolicyInput
) -> tuple[Plan | None, SavedPaymentMethod | None]:
    """Every problem with the input at once, as InvalidInput naming the fields. A policy
    switched off may be incomplete (no plan, no method yet); what it has must make sense."""
    errors: dict[str, list[str]] = {}

    def problem(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    plan = None
    if data.currency not in settings.CURRENCIES:
        problem("currency", _("Choose one of the allowed values."))
    if data.plan_id is not None:
        plan = Plan.objects.select_related("region").filter(pk=data.plan_id, active=True).first()
        if plan is None or not region_fits(plan_region=plan.region, coverage=card.region):
            problem("plan_id", _("This plan cannot be bought for this card."))
            plan = None
    elif data.enabled:
        problem("plan_id", _("Choose the plan to renew with."))
    price = None
    if plan is not None and "currency" not in errors:
        price = plan.prices.filter(currency=data.currency).first()
        if price is None:
            problem(
                "currency",
                _("This plan is not sold in %(currency)s. Choose another currency.")
                % {"currency": data.currency},
            )
    method = None
    if data.saved_method_id is not None:
        method = saved_methods_of(user=user).filter(pk=data.saved_method_id).first()
        if method is None:
            problem(
                "saved_method_id",
                _("This payment method cannot be used. Choose another, or add one."),
            )
    elif data.enabled:
        problem("saved_method_id", _("Choose a saved payment method, or add one."))
    if data.starts not in RenewalStart.values:
        problem("starts", _("Choose one of the allowed values."))
    ranges = (
        ("trigger_percent", data.trigger_percent, PERCENT_RANGE),
        ("trigger_mb", data.trigger_mb, MB_RANGE),
        ("trigger_hours", data.trigger_hours, HOURS_RANGE),
        ("max_renewals", data.max_renewals, MAX_RENEWALS_RANGE),
        ("notice_minutes", data.notice_minutes, NOTICE_MINUTES_RANGE),
    )
    for field, value, (low, high) in ranges:
        if value is not None and not low <= value <= high:
            problem(
                field,
                _("Enter a number from %(low)s to %(high)s.") % {"low": low, "high": high},
            )
    if data.trigger_percent is None and data.trigger_mb is None and data.trigger_hours is None:
        problem(
            "trigger_percent",
            _("Choose when to renew: when the data left is low, or when the validity ends soon."),
        )
    limit = data.monthly_limit_minor
    if limit is not None and price is not None and limit < price.amount_minor:
        problem(
            "monthly_limit_minor",
            _("The limit is lower than the plan's price (%(price)s): no renewal could be charged.")
            % {"price": Money(price.amount_minor, data.currency).format()},
        )
    if errors:
        raise InvalidInput(fields=errors)
    return plan, method
