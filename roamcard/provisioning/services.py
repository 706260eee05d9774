"""Writing provisioning jobs: one job applies one paid order's allowance to the network.

A job is claimed with a lease (so a crashed worker's job is picked up again), the network
is called outside any transaction with the job's request id (the network applies a request
id once), and the answer is recorded on the job. What a job's success or failure means for
the order, the card and the money is decided by the renewal flow (roamcard.renewals)."""

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from roamcard.cards.choices import StartMode
from roamcard.cards.models import Card
from roamcard.core.audit import audit_record
from roamcard.core.errors import InvalidInput
from roamcard.core.tasks import enqueue_on_commit

from .models import CardNetworkAction, ProvisioningJob
from .network import AllowanceRequest, NetworkError, NetworkResult, get_network
from .validity import renewal_window

logger = logging.getLogger(__name__)

NETWORK_WITHDRAW_JOB = "provisioning.network_withdraw"  # registered in tasks.py
CARD_NETWORK_ACTION_JOB = "provisioning.card_network_action"  # registered in tasks.py

FINAL_JOB_STATES = (ProvisioningJob.State.SUCCEEDED, ProvisioningJob.State.FAILED)


def provisioning_job_record(*, order_id: int) -> tuple[ProvisioningJob, bool]:
    """Record the job for a paid order, inside the transaction that marks it paid; returns
    (job, created). The caller runs it after commit."""
    return ProvisioningJob.objects.get_or_create(order_id=order_id)


def provisioning_job_lock(*, job_id: int) -> ProvisioningJob:
    # Lock the job row only (`of`): locking the joined order, card, plan and region too
    # would take the card before the plan while a completing renewal takes the plan (with
    # the order) before the card, a deadlock between two renewals of one card and plan.
    return (
        ProvisioningJob.objects.select_for_update(of=("self",))
        .select_related("order", "order__card", "order__plan__region")
        .get(pk=job_id)
    )


def provisioning_job_is_claimable(
    *, job: ProvisioningJob | CardNetworkAction, now: datetime
) -> bool:
    """Not final, and not held by a live worker's lease."""
    if job.state in FINAL_JOB_STATES:
        return False
    return not (
        job.state == ProvisioningJob.State.RUNNING and job.lease_until and job.lease_until > now
    )


def provisioning_job_claim(*, job: ProvisioningJob, now: datetime) -> ProvisioningJob:
    """Take a locked, claimable job for one attempt. Its window is fixed at the first
    attempt (none for a first-use allowance), so every retry asks the network for the same
    allowance; the card's row is locked while it is fixed, so two queued renewals fixed
    together still follow each other (renewal_window counts the windows of jobs under
    way)."""
    if job.attempts == 0 and job.valid_from is None:
        card = job.order.card
        type(card).objects.select_for_update().filter(pk=card.pk).first()
        job.valid_from, job.valid_until = renewal_window(
            card=card,
            region_id=job.order.plan.region_id,
            starts=job.order.starts,
            validity_days=job.order.validity_days,
            now=now,
        )
    job.state = ProvisioningJob.State.RUNNING
    job.attempts += 1
    job.lease_until = now + timedelta(seconds=settings.PROVISIONING_LEASE_SECONDS)
    job.save()
    return job


def provisioning_allowance_request(*, job: ProvisioningJob) -> AllowanceRequest:
    order = job.order
    return AllowanceRequest(
        request_id=job.request_id,
        iccid=order.card.iccid,
        data_bytes=order.data_bytes,
        fair_use_kbps=order.plan.fair_use_kbps,
        countries=sorted(order.plan.region.countries),
        valid_from=job.valid_from,
        valid_until=job.valid_until,
        starts=order.starts,
        validity_days=order.validity_days,
        activate_by=provisioning_activate_by(job=job),
    )


def provisioning_activate_by(*, job: ProvisioningJob) -> datetime | None:
    """A first-use allowance must be started within BUCKET_FIRST_USE_WITHIN_DAYS of its
    payment: the same date on every attempt and on our bucket."""
    order = job.order
    if order.starts != StartMode.FIRST_USE:
        return None
    paid = order.paid_at or order.created_at
    return paid + timedelta(days=settings.BUCKET_FIRST_USE_WITHIN_DAYS)


def provisioning_apply(*, request: AllowanceRequest) -> NetworkResult:
    """Call the network (never inside a transaction). Raises NetworkError."""
    return get_network().apply_allowance(request)


@dataclass(frozen=True)
class FailureOutcome:
    job: ProvisioningJob
    retry_in: timedelta | None  # try again after this long; None: given up (or not ours)
    gave_up: bool


def _backoff(attempts: int) -> timedelta:
    steps = settings.PROVISIONING_BACKOFF_SECONDS
    return timedelta(seconds=steps[min(attempts - 1, len(steps) - 1)])


def provisioning_job_record_failure(*, job_id: int, error: str, retryable: bool) -> FailureOutcome:
    """An attempt failed: schedule another with backoff, or give up after
    PROVISIONING_MAX_ATTEMPTS (or at once when retrying cannot help)."""
    with transaction.atomic():
        job = ProvisioningJob.objects.select_for_update().get(pk=job_id)
        if job.state != ProvisioningJob.State.RUNNING:
            return FailureOutcome(job=job, retry_in=None, gave_up=False)
        job.last_error = error[:300]
        job.lease_until = None
        if retryable and job.attempts < settings.PROVISIONING_MAX_ATTEMPTS:
            delay = _backoff(job.attempts)
            job.state = ProvisioningJob.State.PENDING
            job.next_attempt_at = timezone.now() + delay
            job.save()
            return FailureOutcome(job=job, retry_in=delay, gave_up=False)
        job.state = ProvisioningJob.State.FAILED
        job.next_attempt_at = None
        job.save()
    logger.error("Provisioning of order %s failed for good: %s", job.order_id, job.last_error)
    return FailureOutcome(job=job, retry_in=None, gave_up=True)


def provisioning_job_give_up(*, job: ProvisioningJob, reason: str) -> None:
    """The order no longer wants its allowance (refunded, cancelled): the locked job ends."""
    job.state = ProvisioningJob.State.FAILED
    job.last_error = reason[:300]
    job.lease_until = None
    job.next_attempt_at = None
    job.save()


def provisioning_job_succeed(*, job: ProvisioningJob, reference: str) -> None:
    job.state = ProvisioningJob.State.SUCCEEDED
    job.network_reference = reference
    job.lease_until = None
    job.next_attempt_at = None
    job.last_error = ""
    job.save()


def provisioning_withdraw_request(*, order_id: int) -> ProvisioningJob:
    """Record, in the caller's transaction, that the order's allowance must leave the
    network (its order was refunded). The network is told from a job; until it confirms a
    withdrawal begun after the latest request, the janitor asks again
    (provisioning_withdrawals_due). Asking again is right whenever the network may have
    applied the allowance since the last withdrawal (a refund racing its provisioning), and
    asked even when the job never succeeded: the network may have applied the request
    although its answer was lost."""
    job, _created = ProvisioningJob.objects.get_or_create(order_id=order_id)
    job.withdraw_requested_at = timezone.now()
    ProvisioningJob.objects.filter(pk=job.pk).update(
        withdraw_requested_at=job.withdraw_requested_at
    )
    return job


def provisioning_withdraw(*, job_id: int) -> None:
    """Tell the network to take back the job's allowance (idempotent on the network's side),
    then record when this withdrawal began: it settles every request made before that.
    Raises NetworkError when the network does not answer."""
    job = ProvisioningJob.objects.select_related("order__card").get(pk=job_id)
    began = timezone.now()
    get_network().withdraw_allowance(request_id=job.request_id, iccid=job.order.card.iccid)
    ProvisioningJob.objects.filter(pk=job.pk, withdraw_requested_at__lte=began).update(
        withdrawn_at=began
    )


# --- suspending, resuming and throttling a card on the network -------------------------------


def card_network_suspend(
    *, card_id: int, staff: Any, reason: str, ip_address: str | None = None
) -> CardNetworkAction:
    """Ask the network to stop the card's data service (run by a job after commit)."""
    return _card_network_action_record(
        card_id=card_id,
        action=CardNetworkAction.Action.SUSPEND,
        staff=staff,
        reason=reason,
        ip_address=ip_address,
    )


def card_network_resume(
    *, card_id: int, staff: Any, ip_address: str | None = None
) -> CardNetworkAction:
    """Ask the network to restore the card's data service (run by a job after commit)."""
    return _card_network_action_record(
        card_id=card_id, action=CardNetworkAction.Action.RESUME, staff=staff, ip_address=ip_address
    )


def card_network_throttle(
    *, card_id: int, staff: Any, kbps: int | None, ip_address: str | None = None
) -> CardNetworkAction:
    """Ask the network to limit the card's speed to `kbps`, or with None to lift the limit."""
    if kbps is not None and kbps <= 0:
        raise InvalidInput(_("The speed limit must be a whole number of kbps above zero."))
    return _card_network_action_record(
        card_id=card_id,
        action=CardNetworkAction.Action.THROTTLE,
        staff=staff,
        kbps=kbps,
        ip_address=ip_address,
    )


def _card_network_action_record(
    *,
    card_id: int,
    action: str,
    staff: Any,
    kbps: int | None = None,
    reason: str = "",
    ip_address: str | None = None,
) -> CardNetworkAction:
    """Record the request with its request id and audit it, in one transaction; the job
    that tells the network runs once it commits."""
    with transaction.atomic():
        card = Card.objects.get(pk=card_id)
        record = CardNetworkAction.objects.create(
            card=card,
            action=action,
            kbps=kbps,
            reason=reason[:200],
            request_id=f"card-{action}-{uuid.uuid4().hex}",
            requested_by=staff if getattr(staff, "pk", None) else None,
        )
        audit_record(
            actor=staff,
            action=f"card.network_{action}",
            obj=card,
            details={"request_id": record.request_id, "kbps": kbps, "reason": record.reason},
            ip_address=ip_address,
        )
        enqueue_on_commit(CARD_NETWORK_ACTION_JOB, record.pk)
    return record


def card_network_action_run(*, action_id: int) -> CardNetworkAction:
    """One attempt: claim the action with a lease, call the network outside any
    transaction with its request id, record the answer. A failure is retried with backoff
    (the same request id, so an answer lost in a timeout is reconciled: the network applies
    it once); a refusal for good, or PROVISIONING_MAX_ATTEMPTS failures, ends it as failed.
    An action waits while an earlier one for the same card is still under way."""
    now = timezone.now()
    with transaction.atomic():
        record = (
            CardNetworkAction.objects.select_for_update(of=("self",))
            .select_related("card")
            .get(pk=action_id)
        )
        if not provisioning_job_is_claimable(job=record, now=now):
            return record
        earlier = (
            CardNetworkAction.objects.filter(card_id=record.card_id, pk__lt=record.pk)
            .exclude(state__in=FINAL_JOB_STATES)
            .exists()
        )
        if earlier:
            delay = _backoff(1)
            record.next_attempt_at = now + delay
            record.save(update_fields=["next_attempt_at", "updated_at"])
            enqueue_on_commit(CARD_NETWORK_ACTION_JOB, record.pk, delay=delay.total_seconds())
            return record
        record.state = ProvisioningJob.State.RUNNING
        record.attempts += 1
        record.lease_until = now + timedelta(seconds=settings.PROVISIONING_LEASE_SECONDS)
        record.save()
    try:
        result = _card_network_call(record)
    except NetworkError as exc:
        return _card_network_action_failed(
            action_id=record.pk, error=str(exc), retryable=exc.retryable
        )
    except Exception as exc:
        logger.exception("Card network action %s crashed", record.pk)
        return _card_network_action_failed(
            action_id=record.pk, error=f"unexpected error: {exc}", retryable=True
        )
    with transaction.atomic():
        record = CardNetworkAction.objects.select_for_update().get(pk=record.pk)
        if record.state != ProvisioningJob.State.SUCCEEDED:
            record.state = ProvisioningJob.State.SUCCEEDED
            record.network_reference = result.reference
            record.lease_until = None
            record.next_attempt_at = None
            record.last_error = ""
            record.save()
    return record


def _card_network_call(record: CardNetworkAction) -> NetworkResult:
    network = get_network()
    iccid, request_id = record.card.iccid, record.request_id
    if record.action == CardNetworkAction.Action.SUSPEND:
        return network.suspend(iccid=iccid, request_id=request_id, reason=record.reason)
    if record.action == CardNetworkAction.Action.RESUME:
        return network.resume(iccid=iccid, request_id=request_id)
    return network.throttle(iccid=iccid, request_id=request_id, kbps=record.kbps)


def _card_network_action_failed(
    *, action_id: int, error: str, retryable: bool
) -> CardNetworkAction:
    with transaction.atomic():
        record = CardNetworkAction.objects.select_for_update().get(pk=action_id)
        if record.state != ProvisioningJob.State.RUNNING:
            return record
        record.last_error = error[:300]
        record.lease_until = None
        if retryable and record.attempts < settings.PROVISIONING_MAX_ATTEMPTS:
            delay = _backoff(record.attempts)
            record.state = ProvisioningJob.State.PENDING
            record.next_attempt_at = timezone.now() + delay
            record.save()
            enqueue_on_commit(CARD_NETWORK_ACTION_JOB, record.pk, delay=delay.total_seconds())
            return record
        record.state = ProvisioningJob.State.FAILED
        record.next_attempt_at = None
        record.save()
    logger.error("Card network action %s failed for good: %s", record.pk, record.last_error)
    return record


# --- when usage goes beyond every bucket, and when a renewal lands ---------------------------

LIMIT_FOR_NO_DATA_JOB = "provisioning.limit_for_no_data"  # named by usage_ingest


def card_network_limit_for_no_data(*, card_ids: list[int]) -> list[CardNetworkAction]:
    """Usage went beyond every bucket of these cards (usage_ingest marked them limited):
    ask the network to suspend them or throttle them (settings.USAGE_OVERAGE_ACTION), once
    per episode: the request id is the card's and the time it was marked, so a job run
    twice asks once. Cards no longer limited (a renewal landed meanwhile) are left alone."""
    throttle = settings.USAGE_OVERAGE_ACTION == "throttle"
    records = []
    for card in Card.objects.filter(pk__in=card_ids, data_limited_at__isnull=False):
        action = CardNetworkAction.Action.THROTTLE if throttle else CardNetworkAction.Action.SUSPEND
        records.append(
            _card_network_episode(
                card=card,
                action=action,
                kbps=settings.USAGE_OVERAGE_THROTTLE_KBPS if throttle else None,
                reason="data used up",
                request_id=f"card-nodata-{card.pk}-{card.data_limited_at.timestamp():.6f}",
            )
        )
    return records


def card_network_lift_limit(*, card_id: int) -> CardNetworkAction | None:
    """A renewal landed on a card limited for lack of data: clear the mark and ask the
    network to restore the service (resume, or lift the throttle). Runs in the caller's
    transaction; nothing to do for a card that was not limited."""
    card = Card.objects.select_for_update().get(pk=card_id)
    if card.data_limited_at is None:
        return None
    since = card.data_limited_at
    card.data_limited_at = None
    card.save(update_fields=["data_limited_at"])
    throttle = settings.USAGE_OVERAGE_ACTION == "throttle"
    return _card_network_episode(
        card=card,
        action=CardNetworkAction.Action.THROTTLE if throttle else CardNetworkAction.Action.RESUME,
        kbps=None,
        reason="renewed",
        request_id=f"card-renewed-{card.pk}-{since.timestamp():.6f}",
    )


def _card_network_episode(
    *, card: Card, action: str, kbps: int | None, reason: str, request_id: str
) -> CardNetworkAction:
    with transaction.atomic():
        record, created = CardNetworkAction.objects.get_or_create(
            request_id=request_id,
            defaults={"card": card, "action": action, "kbps": kbps, "reason": reason},
        )
        if created:
            audit_record(
                actor=None,
                action=f"card.network_{action}",
                obj=card,
                details={"request_id": request_id, "kbps": kbps, "reason": reason},
            )
            enqueue_on_commit(CARD_NETWORK_ACTION_JOB, record.pk)
    return record
