"""Automatic renewal, top to bottom (docs/decisions/0010): a trigger is met (evaluation.py
records the AutoRenewal), the traveller is told it is coming and may skip it, the order is
charged to their saved method, a decline is retried with backoff and, after the last one,
automatic renewal switches off; every step tells the traveller.

Every step runs in a transaction holding the card's lock and then the renewal's, and
changes the renewal's state only from the state it expects, so a step job run twice, the
sweep and a job racing, or a traveller skipping at the same instant, change nothing the
second time. The order is created with the renewal's own idempotency key (one order,
however often), and charging is claimed before the gateway is called (one attempt per
claim): never a transaction held across the gateway's call (decision 0004)."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from roamcard.cards.choices import CardStatus
from roamcard.cards.errors import CardNotFound
from roamcard.cards.models import Bucket, Card
from roamcard.core.audit import audit_record
from roamcard.core.errors import DomainError
from roamcard.core.formatting import resolve_zone
from roamcard.core.tasks import enqueue_on_commit
from roamcard.orders.choices import CLOSED_STATES, OrderState, TransitionCause
from roamcard.orders.errors import CardNotRenewable
from roamcard.orders.models import Order
from roamcard.orders.services import order_create_or_replay, order_transition
from roamcard.payments.choices import PaymentState
from roamcard.payments.models import Payment, SavedPaymentMethod
from roamcard.payments.selectors import payments_of_order
from roamcard.renewals.services import renewal_pay_saved

from .choices import (
    CAP_REASONS,
    SKIPPABLE_STATES,
    SWITCH_OFF_REASONS,
    AttemptOutcome,
    OffReason,
    RenewalState,
    SkipReason,
)
from .errors import AutoRenewalNotFound, AutoRenewalNotSkippable
from .evaluation import EVALUATE_JOB
from .models import AutoRenewal, AutoRenewalAttempt, RenewalPolicy
from .notifications import (
    notify_action_required,
    notify_cap_reached,
    notify_charge_failed,
    notify_coming,
    notify_switched_off,
)
from .triggers import policy_outlook

_SKIP_SALT = "roamcard.autorenewal.skip"
CAP_WINDOW = timedelta(days=30)
_COUNTED = (OrderState.PAID, OrderState.FULFILLED)


@dataclass(frozen=True)
class _Charge:
    """A charge claimed under the locks, to be made once they are released."""

    renewal_id: int
    attempt_id: int
    order: Order
    saved_method: Any


def auto_renewal_step(*, renewal_id: int, now: datetime | None = None) -> AutoRenewal:
    """Take an automatic renewal one step on: announce it, charge it when its time has
    come, or look at the payment under way. What is not due yet is left for later. Safe to
    run at any time, as often as you like."""
    now = now or timezone.now()
    with transaction.atomic():
        renewal = _lock(renewal_id)
        charge = _step(renewal, now) if renewal.is_open else None
    if charge is not None:
        _charge(charge, now)
    return AutoRenewal.objects.get(pk=renewal_id)


def _step(renewal: AutoRenewal, now: datetime) -> _Charge | None:
    if renewal.state == RenewalState.SCHEDULED and renewal.announced_at is None:
        return _announce(renewal, now)
    if renewal.state in (RenewalState.SCHEDULED, RenewalState.RETRY_WAIT):
        if now < renewal.charge_at:
            _save(renewal, next_step_at=renewal.charge_at)
            return None
        return _claim_charge(renewal, now)
    return _follow_payment(renewal, now)


def _lock(renewal_id: int) -> AutoRenewal:
    """The renewal's card locked first (as everything that writes a card's renewals, its
    policy or its buckets locks it), then the renewal."""
    card_id = AutoRenewal.objects.values_list("card_id", flat=True).get(pk=renewal_id)
    Card.objects.select_for_update(no_key=True).filter(pk=card_id).first()
    return (
        AutoRenewal.objects.select_for_update(of=("self",))
        .select_related("card", "user", "plan", "order", "bucket__region")
        .get(pk=renewal_id)
    )


def _save(renewal: AutoRenewal, **changes: Any) -> None:
    for name, value in changes.items():
        setattr(renewal, name, value)
    renewal.save(update_fields=[*changes, "updated_at"])


def _policy(renewal: AutoRenewal) -> RenewalPolicy | None:
    return (
        RenewalPolicy.objects.select_for_update(of=("self",))
        .select_related("saved_method")
        .filter(card_id=renewal.card_id)
        .first()
    )


# --- 1. The trigger was met: tell the traveller, or say why not -------------------------------


def _announce(renewal: AutoRenewal, now: datetime) -> _Charge | None:
    """The renewal's first step. Not to be charged: skipped now, with the reason. With a
    notice: the traveller is told when it will be charged (at least the notice's length
    from now, however late this step runs) and how to skip it. Without: charged at once."""
    policy = _policy(renewal)
    reason = _why_not(renewal, policy, now)
    if reason is not None:
        _skip(renewal, reason, now, policy=policy)
        return None
    notice = timedelta(minutes=policy.notice_minutes)
    if not notice:
        _save(renewal, announced_at=now)
        return _claim_charge(renewal, now, policy=policy)
    _save(
        renewal,
        announced_at=now,
        charge_at=max(renewal.charge_at, now + notice),
        next_step_at=max(renewal.charge_at, now + notice),
    )
    notify_coming(renewal=renewal, skip_url_path=auto_renewal_skip_path(renewal), now=now)
    return None


def _why_not(
    renewal: AutoRenewal, policy: RenewalPolicy | None, now: datetime
) -> SkipReason | None:
    """Why this renewal must not be charged now, or None. Asked before the notice and again
    before every charge: anything may have changed meanwhile."""
    if policy is None or not policy.enabled:
        return SkipReason.POLICY_OFF
    card = renewal.card
    if card.owner_id != renewal.user_id or policy.user_id != renewal.user_id:
        return SkipReason.CARD_NOT_OWNED
    if card.status != CardStatus.ACTIVE:
        return SkipReason.CARD_INACTIVE
    if not renewal.plan.active or not renewal.amount_minor:
        return SkipReason.PLAN_UNAVAILABLE
    if not _method_usable(policy, renewal):
        return SkipReason.NO_METHOD
    if not _still_needed(renewal, policy, now):
        return SkipReason.NOT_NEEDED
    return _cap_reached(renewal, policy, now)


def _method_usable(policy: RenewalPolicy, renewal: AutoRenewal) -> bool:
    method = policy.saved_method
    return (
        method is not None
        and method.state == SavedPaymentMethod.State.ACTIVE
        and method.user_id == renewal.user_id
    )


def _still_needed(renewal: AutoRenewal, policy: RenewalPolicy, now: datetime) -> bool:
    """The trigger still holds: the traveller has not renewed by hand meanwhile, or changed
    the thresholds so that it no longer fires."""
    region_id = renewal.bucket.region_id
    buckets = Bucket.objects.filter(
        card_id=renewal.card_id, region_id=region_id, withdrawn_at__isnull=True
    ).exclude(valid_until__lte=now)
    pending = (
        Order.objects.filter(
            card_id=renewal.card_id, state=OrderState.PAID, plan__region_id=region_id
        )
        .exclude(pk=renewal.order_id)
        .exists()
    )
    outlook = policy_outlook(policy=policy, buckets=buckets, now=now, order_pending=pending)
    return outlook.trigger is not None


def _cap_reached(renewal: AutoRenewal, policy: RenewalPolicy, now: datetime) -> SkipReason | None:
    """The caps, over the card's automatic renewals that were paid (and not refunded)."""
    counted = AutoRenewal.objects.filter(
        card_id=renewal.card_id, order__state__in=_COUNTED
    ).exclude(pk=renewal.pk)
    if counted.filter(finished_at__gt=now - CAP_WINDOW).count() >= policy.max_renewals:
        return SkipReason.RENEWALS_CAP
    if policy.monthly_limit_minor is not None and renewal.currency == policy.currency:
        spent = counted.filter(
            currency=policy.currency, finished_at__gte=_month_start(renewal.user, now)
        ).aggregate(total=Sum("amount_minor"))["total"]
        if (spent or 0) + renewal.amount_minor > policy.monthly_limit_minor:
            return SkipReason.SPENDING_CAP
    return None


def _month_start(user: Any, now: datetime) -> datetime:
    """The start of the calendar month the traveller is in, on their clock."""
    local = now.astimezone(resolve_zone(user.time_zone or "UTC"))
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _cap_period_start(reason: str, user: Any, now: datetime) -> datetime:
    return now - CAP_WINDOW if reason == SkipReason.RENEWALS_CAP else _month_start(user, now)


# --- 2. Charging the order with the saved method --------------------------------------------


def _claim_charge(
    renewal: AutoRenewal, now: datetime, *, policy: RenewalPolicy | None = None
) -> _Charge | None:
    """Its time has come: checked again, the order made (once: the renewal's idempotency
    key) and the attempt claimed, under the locks. The caller charges once they are
    released."""
    order = renewal.order
    if order is not None and order.state in _COUNTED:
        # Paid meanwhile (the traveller paid this order by hand): nothing to charge.
        _succeed(renewal, None, now)
        return None
    policy = policy or _policy(renewal)
    reason = _why_not(renewal, policy, now)
    if reason is not None:
        _skip(renewal, reason, now, policy=policy)
        return None
    if order is None:
        try:
            order, _created = order_create_or_replay(
                user=renewal.user,
                card_id=renewal.card_id,
                plan_id=renewal.plan_id,
                currency=renewal.currency,
                idempotency_key=renewal.idempotency_key,
                starts=renewal.starts,
            )
        except DomainError as error:
            _skip(renewal, _order_refusal(error), now, policy=policy)
            return None
    number = renewal.attempt_set.count() + 1
    attempt = AutoRenewalAttempt.objects.create(renewal=renewal, number=number, started_at=now)
    _save(
        renewal,
        order=order,
        state=RenewalState.CHARGING,
        next_step_at=now + timedelta(seconds=settings.AUTORENEWAL_CHARGE_LEASE_SECONDS),
    )
    return _Charge(renewal.pk, attempt.pk, order, policy.saved_method)


def _order_refusal(error: DomainError) -> SkipReason:
    if isinstance(error, CardNotFound):
        return SkipReason.CARD_NOT_OWNED
    if isinstance(error, CardNotRenewable):
        return SkipReason.CARD_INACTIVE
    return SkipReason.PLAN_UNAVAILABLE


def _charge(charge: _Charge, now: datetime) -> None:
    """Charge the order off-session (outside any transaction), then apply the answer."""
    try:
        payment = renewal_pay_saved(order=charge.order, saved_method=charge.saved_method)
    except DomainError as error:
        # Refused before reaching the gateway (the method went away meanwhile, say).
        with transaction.atomic():
            renewal = _lock(charge.renewal_id)
            attempt = renewal.attempt_set.select_for_update().get(pk=charge.attempt_id)
            if renewal.state == RenewalState.CHARGING and attempt.outcome == AttemptOutcome.PENDING:
                _attempt_failed(
                    renewal, attempt, code=error.code, message=str(error.message), now=now
                )
        return
    with transaction.atomic():
        renewal = _lock(charge.renewal_id)
        attempt = renewal.attempt_set.select_for_update().get(pk=charge.attempt_id)
        if renewal.is_open:
            _apply_payment(renewal, attempt, payment, now)


def _follow_payment(renewal: AutoRenewal, now: datetime) -> _Charge | None:
    """A payment is under way (or waits for the traveller's confirmation): apply what it
    has become. No payment at all after the lease: the charge died before the gateway was
    called, so the same attempt charges now."""
    attempt = renewal.attempt_set.select_for_update().order_by("-number").first()
    payment = attempt.payment or (
        payments_of_order(order_id=renewal.order_id)
        .filter(created_at__gte=attempt.started_at)
        .first()
    )
    if payment is not None:
        _apply_payment(renewal, attempt, payment, now)
        return None
    lease_end = attempt.started_at + timedelta(seconds=settings.AUTORENEWAL_CHARGE_LEASE_SECONDS)
    if now < lease_end:
        _save(renewal, next_step_at=lease_end)
        return None
    # Checked again, as before any charge: the traveller may have switched it off meanwhile.
    policy = _policy(renewal)
    reason = _why_not(renewal, policy, now)
    if reason is not None:
        _finish_attempt(attempt, AttemptOutcome.FAILED, now, code="not_charged")
        _skip(renewal, reason, now, policy=policy)
        return None
    _save(renewal, next_step_at=now + timedelta(seconds=settings.AUTORENEWAL_CHARGE_LEASE_SECONDS))
    return _Charge(renewal.pk, attempt.pk, renewal.order, policy.saved_method)


def _apply_payment(
    renewal: AutoRenewal, attempt: AutoRenewalAttempt, payment: Payment, now: datetime
) -> None:
    payment.refresh_from_db()
    order = Order.objects.get(pk=renewal.order_id)
    if attempt.payment_id is None:
        attempt.payment = payment
        attempt.save(update_fields=["payment"])
    if order.state in _COUNTED:
        _succeed(renewal, attempt, now)
    elif order.state in CLOSED_STATES:
        # Cancelled or refunded under it (any money taken goes back by the renewal flow).
        _finish_attempt(attempt, AttemptOutcome.FAILED, now, message=f"order {order.state}")
        _save(renewal, state=RenewalState.FAILED, finished_at=now, next_step_at=None)
        _reevaluate(renewal)
    elif payment.state == PaymentState.FAILED:
        _attempt_failed(
            renewal, attempt, code=payment.error_code, message=payment.error_message, now=now
        )
    elif payment.state == PaymentState.REQUIRES_ACTION:
        check = now + timedelta(seconds=settings.AUTORENEWAL_PAYMENT_CHECK_SECONDS)
        if renewal.state != RenewalState.ACTION_REQUIRED:
            attempt.outcome = AttemptOutcome.ACTION_REQUIRED
            attempt.save(update_fields=["outcome"])
            _save(renewal, state=RenewalState.ACTION_REQUIRED, next_step_at=check)
            notify_action_required(renewal=renewal, now=now)
        else:
            _save(renewal, next_step_at=check)
    else:
        check = now + timedelta(seconds=settings.AUTORENEWAL_PAYMENT_CHECK_SECONDS)
        _save(renewal, next_step_at=check)


def _finish_attempt(
    attempt: AutoRenewalAttempt | None,
    outcome: str,
    now: datetime,
    *,
    code: str = "",
    message: str = "",
) -> None:
    if attempt is None or attempt.outcome in (AttemptOutcome.SUCCEEDED, AttemptOutcome.FAILED):
        return
    attempt.outcome = outcome
    attempt.error_code = code[:60]
    attempt.error_message = message[:300]
    attempt.finished_at = now
    attempt.save(update_fields=["outcome", "error_code", "error_message", "finished_at"])


def _succeed(renewal: AutoRenewal, attempt: AutoRenewalAttempt | None, now: datetime) -> None:
    """Paid. The renewal flow applies the plan and sends its confirmation (it says the
    renewal was automatic); the card is evaluated again now and when the plan lands."""
    _finish_attempt(attempt, AttemptOutcome.SUCCEEDED, now)
    _save(renewal, state=RenewalState.SUCCEEDED, finished_at=now, next_step_at=None)
    _reevaluate(renewal)


# --- 3. Declined: retry with backoff, then switch off -------------------------------------------


def _attempt_failed(
    renewal: AutoRenewal, attempt: AutoRenewalAttempt, *, code: str, message: str, now: datetime
) -> None:
    """Retried after AUTORENEWAL_RETRY_BACKOFF_SECONDS (1 h, 6 h, 24 h), the traveller told
    each time, with a link to pay by hand; after the last, automatic renewal switches off
    and they are told why."""
    _finish_attempt(attempt, AttemptOutcome.FAILED, now, code=code, message=message)
    backoff = settings.AUTORENEWAL_RETRY_BACKOFF_SECONDS
    if attempt.number <= len(backoff):
        retry_at = now + timedelta(seconds=backoff[attempt.number - 1])
        _save(renewal, state=RenewalState.RETRY_WAIT, charge_at=retry_at, next_step_at=retry_at)
        notify_charge_failed(renewal=renewal, attempt=attempt, retry_at=retry_at, now=now)
        return
    _save(renewal, state=RenewalState.FAILED, finished_at=now, next_step_at=None)
    _close_order(renewal)
    policy = _policy(renewal)
    if policy is not None and policy.enabled:
        policy_switch_off(policy=policy, reason=OffReason.PAYMENT_FAILED, now=now)
        notify_switched_off(renewal=renewal, reason=OffReason.PAYMENT_FAILED, now=now)
    _reevaluate(renewal)


# --- 4. Not charged: skipped, with the reason ---------------------------------------------------


def _skip(
    renewal: AutoRenewal, reason: str, now: datetime, *, policy: RenewalPolicy | None
) -> None:
    """Record why it is not charged. A reason that would stop every later renewal too
    switches automatic renewal off (and says so); a cap tells the traveller once per its
    period."""
    _save(
        renewal,
        state=RenewalState.SKIPPED,
        skipped_reason=reason,
        finished_at=now,
        next_step_at=None,
    )
    _close_order(renewal)
    if reason in SWITCH_OFF_REASONS and policy is not None and policy.enabled:
        policy_switch_off(policy=policy, reason=OffReason(reason), now=now)
        notify_switched_off(renewal=renewal, reason=OffReason(reason), now=now)
    elif reason in CAP_REASONS and not _cap_told(renewal, reason, now):
        notify_cap_reached(renewal=renewal, reason=reason, policy=policy, now=now)
    _reevaluate(renewal)


def _cap_told(renewal: AutoRenewal, reason: str, now: datetime) -> bool:
    since = _cap_period_start(reason, renewal.user, now)
    return (
        AutoRenewal.objects.filter(
            card_id=renewal.card_id, skipped_reason=reason, finished_at__gte=since
        )
        .exclude(pk=renewal.pk)
        .exists()
    )


def _close_order(renewal: AutoRenewal) -> None:
    """The order of a renewal that will not be charged again is cancelled, so that it is
    not left waiting for a payment (one that still arrives is refunded)."""
    if renewal.order_id is not None:
        order_transition(
            order_id=renewal.order_id,
            to_state=OrderState.CANCELLED,
            cause=TransitionCause.SYSTEM,
            only_from={OrderState.PENDING_PAYMENT, OrderState.PAYMENT_FAILED},
            details={"auto_renewal": str(renewal.public_id)},
        )


def _reevaluate(renewal: AutoRenewal) -> None:
    """A renewal finished: the card's policy may fire on something else (or later)."""
    enqueue_on_commit(EVALUATE_JOB, [renewal.card_id])


def policy_switch_off(*, policy: RenewalPolicy, reason: str, now: datetime) -> None:
    """The system switches automatic renewal off (never the traveller's own choice), with
    the reason the page shows; audited."""
    policy.enabled = False
    policy.due_at = None
    policy.off_reason = reason
    policy.off_at = now
    policy.save(update_fields=["enabled", "due_at", "off_reason", "off_at", "updated_at"])
    audit_record(
        actor=None,
        action="autorenewal.switched_off",
        obj=policy,
        details={"reason": reason},
    )


def auto_renewals_skip_open(*, card_id: int, reason: str, now: datetime) -> int:
    """Skip the card's renewals that are not being charged (the traveller switched
    automatic renewal off). In the caller's transaction, which holds the card's lock."""
    skipped = 0
    for renewal_id in AutoRenewal.objects.filter(
        card_id=card_id, state__in=SKIPPABLE_STATES
    ).values_list("pk", flat=True):
        renewal = _lock(renewal_id)
        if renewal.state in SKIPPABLE_STATES:
            _skip(renewal, reason, now, policy=None)
            skipped += 1
    return skipped


# --- 5. The traveller skips it (from the page, the API, or the link in the notice) -------------


def auto_renewal_skip(*, renewal: AutoRenewal, now: datetime | None = None) -> AutoRenewal:
    """Skip an automatic renewal not being charged. Skipping one already skipped by the
    traveller changes nothing; one that is being charged, was charged or failed is
    refused."""
    now = now or timezone.now()
    with transaction.atomic():
        renewal = _lock(renewal.pk)
        if renewal.state in SKIPPABLE_STATES:
            _skip(renewal, SkipReason.TRAVELLER, now, policy=None)
        elif not (
            renewal.state == RenewalState.SKIPPED and renewal.skipped_reason == SkipReason.TRAVELLER
        ):
            raise AutoRenewalNotSkippable()
    return renewal


def auto_renewal_skip_token(renewal: AutoRenewal) -> str:
    """The signed token of a skip link: it names the renewal and nothing else, so it works
    without logging in and only for that renewal; once the renewal is skipped (or charged)
    it does nothing more."""
    return signing.Signer(salt=_SKIP_SALT).sign(renewal.public_id.hex)


def auto_renewal_skip_path(renewal: AutoRenewal) -> str:
    return reverse("autorenewal:skip_link", kwargs={"token": auto_renewal_skip_token(renewal)})


def auto_renewal_from_token(*, token: str) -> AutoRenewal:
    """The renewal a skip link names; AutoRenewalNotFound for a token we did not sign."""
    try:
        public_id = signing.Signer(salt=_SKIP_SALT).unsign(token)
    except signing.BadSignature as error:
        raise AutoRenewalNotFound() from error
    renewal = (
        AutoRenewal.objects.select_related("card", "plan", "user")
        .filter(public_id=public_id)
        .first()
    )
    if renewal is None:
        raise AutoRenewalNotFound()
    return renewal
