"""API: a card's automatic renewal — its policy (read, replace), its automatic renewals
(history, with their payment attempts) and skipping one. Owner only: anyone else's card
is a 404 `card_not_found`, as everywhere."""

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from django.http import HttpRequest
from django.utils.translation import get_language
from ninja import Path, Query, Router, Schema
from pydantic import Field

from roamcard.cards.api import CardId
from roamcard.cards.selectors import card_get_for
from roamcard.core.api import InSchema, error_responses
from roamcard.core.money import Money

from .choices import (
    SKIPPABLE_STATES,
    AttemptOutcome,
    OffReason,
    RenewalStart,
    RenewalState,
    SkipReason,
    TriggerKind,
)
from .errors import AutoRenewalNotFound
from .models import AutoRenewal, AutoRenewalAttempt, RenewalPolicy
from .policies import PolicyInput, policy_update
from .selectors import (
    auto_renewal_get_for,
    auto_renewal_list_for,
    auto_renewal_payment_to_confirm,
    policy_state_for,
)
from .services import auto_renewal_skip

router = Router(tags=["automatic renewal"])

DbId = Annotated[int, Field(ge=1, le=2**63 - 1)]
RenewalId = Annotated[UUID, Path(description="The automatic renewal's `id`.")]


class PolicyIn(InSchema):
    """The whole policy; a field left out takes its default."""

    enabled: bool = Field(description="Whether the card renews by itself.")
    plan_id: DbId | None = Field(
        None, description="A plan that fits the card (`id` from the card's plans). Needed when on."
    )
    currency: str = Field(
        pattern=r"^[A-Z]{3}$", description="ISO 4217 code of one of the plan's prices."
    )
    saved_method_id: DbId | None = Field(
        None,
        description="One of my saved payment methods (`GET /me/payment-methods`). Needed when on.",
    )
    starts: Literal["queued", "now"] = Field(
        "queued",
        description="`queued`: the new plan starts when the current one of its coverage ends "
        "or runs out; `now`: at once, beside it. A plan that starts on first use does so.",
    )
    trigger_percent: int | None = Field(
        10,
        description="Renew when the data left is at or below this share (1-99) of what "
        "the plans in use granted; null: not this trigger.",
    )
    trigger_mb: int | None = Field(
        None,
        description="Renew when the data left is at or below this many MB (1 MB = "
        "1,048,576 bytes); null: not this trigger.",
    )
    trigger_hours: int | None = Field(
        24,
        description="Renew when the validity ends within this many hours (1-720); null: "
        "not this trigger. At least one trigger is needed.",
    )
    max_renewals: int = Field(
        3, description="At most this many automatic renewals in 30 days (1-30)."
    )
    monthly_limit_minor: int | None = Field(
        None,
        ge=0,
        description="Spending limit per calendar month (in my time zone), in minor units of "
        "`currency`; null: none.",
    )
    notice_minutes: int = Field(
        60,
        description="Tell me this many minutes before charging, with a link to skip "
        "(0-1440; 0: no notice).",
    )


class MoneyOut(Schema):
    amount_minor: int
    currency: str
    formatted: str = Field(description="E.g. `CN¥68.00`, for the caller's language.")


class PlanRefOut(Schema):
    id: int
    name: str


class ReasonOut(Schema):
    code: str
    message: str = Field(description="In the caller's language.")


class AttemptOut(Schema):
    number: int
    outcome: AttemptOutcome
    payment_id: UUID | None
    error_code: str
    error_message: str
    started_at: datetime
    finished_at: datetime | None


class AutoRenewalOut(Schema):
    id: UUID
    state: RenewalState = Field(
        description="`scheduled` (announced, charged at `charge_at`), `charging`, "
        "`action_required` (confirm at `confirm_url`), `retry_wait` (the payment failed; "
        "tried again at `charge_at`), `succeeded`, `failed` (every try failed: automatic "
        "renewal is now off) or `skipped` (see `skipped_reason`)."
    )
    state_label: str
    trigger: TriggerKind
    bytes_remaining: int | None = Field(
        description="The coverage's data left when it was triggered; null when unlimited."
    )
    coverage_ends_at: datetime | None
    plan: PlanRefOut
    amount: MoneyOut
    starts: RenewalStart
    charge_at: datetime = Field(description="When it is (or was) due to be charged.")
    skippable: bool
    skipped_reason: ReasonOut | None = Field(
        description="Codes: `traveller`, `policy_off`, `card_inactive`, `card_not_owned`, "
        "`renewals_cap`, `spending_cap`, `plan_unavailable`, `no_method`, `not_needed`."
    )
    confirm_url: str | None = Field(
        description="Where to confirm the payment, while `action_required`."
    )
    order_id: UUID | None = Field(description="The order it created (`GET /orders/{id}`).")
    attempts: list[AttemptOut]
    created_at: datetime
    finished_at: datetime | None


class AutoRenewalListOut(Schema):
    auto_renewals: list[AutoRenewalOut]


class PolicyOut(Schema):
    card_id: int
    enabled: bool
    plan: PlanRefOut | None
    currency: str
    saved_method_id: int | None
    starts: RenewalStart
    trigger_percent: int | None
    trigger_mb: int | None
    trigger_hours: int | None
    max_renewals: int
    monthly_limit: MoneyOut | None
    notice_minutes: int
    next_check_at: datetime | None = Field(
        description="When the policy is next looked at by the clock (it is also looked at "
        "each time the card uses data); null when off or when only usage can make it fire."
    )
    switched_off: ReasonOut | None = Field(
        description="Why we switched it off (`payment_failed`, `card_not_owned`, "
        "`plan_unavailable`, `no_method`); null when on or switched off by you."
    )
    switched_off_at: datetime | None
    open_renewal: AutoRenewalOut | None = Field(
        description="The automatic renewal under way, if any."
    )


def _money(amount_minor: int, currency: str) -> dict:
    return Money(amount_minor, currency).as_json(get_language())


def _attempt(attempt: AutoRenewalAttempt) -> dict:
    return {
        "number": attempt.number,
        "outcome": attempt.outcome,
        "payment_id": attempt.payment.public_id if attempt.payment else None,
        "error_code": attempt.error_code,
        "error_message": attempt.error_message,
        "started_at": attempt.started_at,
        "finished_at": attempt.finished_at,
    }


def _renewal(renewal: AutoRenewal) -> dict:
    payment = (
        auto_renewal_payment_to_confirm(renewal=renewal)
        if renewal.state == RenewalState.ACTION_REQUIRED
        else None
    )
    reason = renewal.skipped_reason
    return {
        "id": renewal.public_id,
        "state": renewal.state,
        "state_label": str(renewal.get_state_display()),
        "trigger": renewal.trigger,
        "bytes_remaining": renewal.bytes_remaining,
        "coverage_ends_at": renewal.coverage_ends_at,
        "plan": {"id": renewal.plan_id, "name": renewal.plan.name},
        "amount": _money(renewal.amount_minor, renewal.currency),
        "starts": renewal.starts,
        "charge_at": renewal.charge_at,
        "skippable": renewal.state in SKIPPABLE_STATES,
        "skipped_reason": (
            {"code": reason, "message": str(SkipReason(reason).label)} if reason else None
        ),
        "confirm_url": payment.redirect_url if payment else None,
        "order_id": renewal.order.public_id if renewal.order else None,
        "attempts": [_attempt(a) for a in renewal.attempt_set.all()],
        "created_at": renewal.created_at,
        "finished_at": renewal.finished_at,
    }


def _policy(request: HttpRequest, card_id: int) -> dict:
    card = card_get_for(user=request.auth, card_id=card_id)
    state = policy_state_for(user=request.auth, card=card)
    policy: RenewalPolicy = state.policy
    limit = policy.monthly_limit
    off = policy.off_reason
    return {
        "card_id": card.pk,
        "enabled": policy.enabled,
        "plan": {"id": policy.plan_id, "name": policy.plan.name} if policy.plan else None,
        "currency": policy.currency,
        "saved_method_id": policy.saved_method_id,
        "starts": policy.starts,
        "trigger_percent": policy.trigger_percent,
        "trigger_mb": policy.trigger_mb,
        "trigger_hours": policy.trigger_hours,
        "max_renewals": policy.max_renewals,
        "monthly_limit": _money(limit.amount_minor, limit.currency) if limit else None,
        "notice_minutes": policy.notice_minutes,
        "next_check_at": state.next_check_at,
        "switched_off": (
            {"code": off, "message": str(OffReason(off).label)}
            if off and not policy.enabled
            else None
        ),
        "switched_off_at": policy.off_at if off and not policy.enabled else None,
        "open_renewal": _renewal(state.open_renewal) if state.open_renewal else None,
    }


@router.get(
    "/{card_id}/auto-renewal",
    response={200: PolicyOut, **error_responses(401, 404, 422)},
    summary="A card's automatic renewal policy",
)
def auto_renewal_policy(request: HttpRequest, card_id: CardId):
    """The policy (its defaults, off, until it is first set: the plan last bought for the
    card, in the currency it was paid in), when it is next looked at, and the automatic
    renewal under way."""
    return _policy(request, card_id)


@router.put(
    "/{card_id}/auto-renewal",
    response={200: PolicyOut, **error_responses(400, 401, 403, 404, 422)},
    summary="Set a card's automatic renewal policy",
)
def auto_renewal_policy_set(request: HttpRequest, card_id: CardId, payload: PolicyIn):
    """Replaces the whole policy. 400 `invalid_input` names each field at fault (a plan the
    card cannot take, a currency it is not sold in, a payment method that is not mine or
    no longer usable, numbers out of range, no trigger). Switching it off skips the
    renewal that is announced or waiting to be retried; switching it on while the card is
    already low starts one at once (with its notice)."""
    policy_update(
        user=request.auth,
        card_id=card_id,
        data=PolicyInput(**payload.model_dump()),
        ip_address=request.META.get("REMOTE_ADDR"),
    )
    return _policy(request, card_id)


@router.get(
    "/{card_id}/auto-renewals",
    response={200: AutoRenewalListOut, **error_responses(401, 404, 422)},
    summary="A card's automatic renewals",
)
def auto_renewal_list(
    request: HttpRequest,
    card_id: CardId,
    limit: Annotated[int, Query(ge=1, le=100, description="How many, newest first.")] = 50,
):
    card = card_get_for(user=request.auth, card_id=card_id)
    renewals = auto_renewal_list_for(card=card).filter(user=request.auth)[:limit]
    return {"auto_renewals": [_renewal(renewal) for renewal in renewals]}


@router.post(
    "/{card_id}/auto-renewals/{renewal_id}/skip",
    response={200: AutoRenewalOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Skip an automatic renewal",
)
def auto_renewal_skip_endpoint(request: HttpRequest, card_id: CardId, renewal_id: RenewalId):
    """Only a `scheduled` or `retry_wait` one: 409 `auto_renewal_not_skippable` when it is
    being charged or is over. Skipping twice is fine."""
    card = card_get_for(user=request.auth, card_id=card_id)
    renewal = auto_renewal_get_for(user=request.auth, card=card, public_id=renewal_id)
    if renewal is None:
        raise AutoRenewalNotFound()
    auto_renewal_skip(renewal=renewal)
    return _renewal(auto_renewal_get_for(user=request.auth, card=card, public_id=renewal_id))
