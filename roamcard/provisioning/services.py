"""Applying paid orders to the network, and everything that follows a successful one.

A job is recorded in the same transaction that marks the order paid. Running it: claim it
(a lease, so a crashed worker's job is picked up again), call the network outside any
transaction with the job's request id (the network applies a request id once), then in one
transaction create the bucket, post the data to the ledger, mark the order fulfilled and
queue the confirmation. Whatever is retried or repeated, the order is fulfilled once."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from roamcard.cards.choices import CardStatus
from roamcard.cards.models import Bucket, Card
from roamcard.core.tasks import enqueue_on_commit
from roamcard.ledger.services import ledger_post_data_grant, ledger_post_data_reversal
from roamcard.orders.choices import OrderState, TransitionCause
from roamcard.orders.models import Order
from roamcard.orders.services import order_transition

from .models import ProvisioningJob
from .network import AllowanceRequest, NetworkError, get_network
from .notifications import notify_renewal_confirmed, notify_renewal_refunded
from .validity import renewal_window

logger = logging.getLogger(__name__)


def provisioning_job_record(*, order: Order) -> ProvisioningJob:
    """Called inside the transaction that marks the order paid; the job runs after commit."""
    from .tasks import provisioning_run_task

    job, created = ProvisioningJob.objects.get_or_create(order=order)
    if created:
        enqueue_on_commit(provisioning_run_task, job.pk)
    return job


def _backoff(attempts: int) -> timedelta:
    steps = settings.PROVISIONING_BACKOFF_SECONDS
    return timedelta(seconds=steps[min(attempts - 1, len(steps) - 1)])


def _claim(job_id: int) -> ProvisioningJob | None:
    now = timezone.now()
    with transaction.atomic():
        # Lock the job row only (`of`): locking the joined order, card, plan and region too
        # would take the card before the plan while _complete takes the plan (with the
        # order) before the card, a deadlock between two renewals of one card and plan.
        job = (
            ProvisioningJob.objects.select_for_update(of=("self",))
            .select_related("order", "order__card", "order__plan__region")
            .get(pk=job_id)
        )
        if job.state in (ProvisioningJob.State.SUCCEEDED, ProvisioningJob.State.FAILED):
            return None
        if job.state == ProvisioningJob.State.RUNNING and job.lease_until and job.lease_until > now:
            return None  # another worker is on it
        if job.order.state != OrderState.PAID:
            # Refunded (or otherwise closed) while waiting: nothing to apply.
            job.state = ProvisioningJob.State.FAILED
            job.last_error = f"order is {job.order.state}"
            job.save()
            return None
        if job.valid_from is None:
            # One window at a time per card, so that two renewals fixed together still
            # stack their days (renewal_window counts the windows of jobs under way).
            Card.objects.select_for_update().filter(pk=job.order.card_id).first()
            job.valid_from, job.valid_until = renewal_window(
                card=job.order.card, validity_days=job.order.validity_days, now=now
            )
        job.state = ProvisioningJob.State.RUNNING
        job.attempts += 1
        job.lease_until = now + timedelta(seconds=settings.PROVISIONING_LEASE_SECONDS)
        job.save()
    return job


def provisioning_run(*, job_id: int) -> ProvisioningJob:
    job = _claim(job_id)
    if job is None:
        return ProvisioningJob.objects.get(pk=job_id)
    order = job.order
    request = AllowanceRequest(
        request_id=job.request_id,
        iccid=order.card.iccid,
        data_bytes=order.data_bytes,
        fair_use_kbps=order.plan.fair_use_kbps,
        countries=sorted(order.plan.region.countries),
        valid_from=job.valid_from,
        valid_until=job.valid_until,
    )
    try:
        result = get_network().apply_allowance(request)
    except NetworkError as exc:
        return _record_failure(job_id=job.pk, error=str(exc), retryable=exc.retryable)
    except Exception as exc:  # an adapter bug must not leave the job claimed forever
        logger.exception("Provisioning job %s crashed", job.pk)
        return _record_failure(job_id=job.pk, error=f"unexpected error: {exc}", retryable=True)
    return _complete(job_id=job.pk, reference=result.reference)


def _record_failure(*, job_id: int, error: str, retryable: bool) -> ProvisioningJob:
    from .tasks import provisioning_run_task

    with transaction.atomic():
        job = ProvisioningJob.objects.select_for_update().select_related("order").get(pk=job_id)
        if job.state != ProvisioningJob.State.RUNNING:
            return job
        job.last_error = error[:300]
        job.lease_until = None
        if retryable and job.attempts < settings.PROVISIONING_MAX_ATTEMPTS:
            delay = _backoff(job.attempts)
            job.state = ProvisioningJob.State.PENDING
            job.next_attempt_at = timezone.now() + delay
            job.save()
            transaction.on_commit(
                lambda: provisioning_run_task.schedule((job.pk,), delay=delay.total_seconds())
            )
            return job
        job.state = ProvisioningJob.State.FAILED
        job.next_attempt_at = None
        job.save()
        _refund_after_failure(job)
    return job


def _refund_after_failure(job: ProvisioningJob) -> None:
    """The network would not take the order after every retry: give the money back."""
    from roamcard.payments.models import Payment
    from roamcard.payments.services import refund_request

    payment = Payment.objects.filter(order=job.order, paid_order=True).first()
    logger.error(
        "Provisioning of order %s failed for good: %s", job.order.public_id, job.last_error
    )
    if payment is not None:
        refund_request(payment=payment, reason="provisioning failed")
    notify_renewal_refunded(order=job.order)


def _complete(*, job_id: int, reference: str) -> ProvisioningJob:
    with transaction.atomic():
        job = ProvisioningJob.objects.select_for_update().get(pk=job_id)
        order = (
            Order.objects.select_for_update(of=("self",))
            .select_related("plan", "user")
            .get(pk=job.order_id)
        )
        if job.state == ProvisioningJob.State.SUCCEEDED or order.bucket_id:
            return job
        if order.state != OrderState.PAID:
            # Refunded while the network was applying it: take the allowance back.
            job.state = ProvisioningJob.State.FAILED
            job.last_error = f"order became {order.state} during provisioning"
            job.save()
            _withdraw_on_commit(request_id=job.request_id, iccid=order.card.iccid)
            return job
        card = Card.objects.select_for_update().get(pk=order.card_id)
        bucket = Bucket.objects.create(
            card=card,
            plan=order.plan,
            region=order.plan.region,
            bytes_granted=order.data_bytes,
            bytes_remaining=order.data_bytes,
            valid_from=job.valid_from,
            valid_until=job.valid_until,
        )
        order.bucket = bucket
        order.save(update_fields=["bucket", "updated_at"])
        order_transition(
            order_id=order.pk,
            to_state=OrderState.FULFILLED,
            cause=TransitionCause.PROVISIONING,
            details={"bucket": bucket.pk, "network_reference": reference},
        )
        if order.data_bytes:
            ledger_post_data_grant(
                key=f"order:{order.public_id}:grant",
                card_id=card.pk,
                bytes_granted=order.data_bytes,
                memo=order.plan_name,
            )
        if card.status in (CardStatus.IN_STOCK, CardStatus.EXPIRED):
            card.status = CardStatus.ACTIVE
            card.save(update_fields=["status"])
        job.state = ProvisioningJob.State.SUCCEEDED
        job.network_reference = reference
        job.lease_until = None
        job.next_attempt_at = None
        job.last_error = ""
        job.save()
        notify_renewal_confirmed(order=order, card=card)
    return job


def provisioning_withdraw_for_refund(*, order_id: int) -> None:
    """A refunded order's data leaves the card: what is left of its bucket is removed (the
    ledger records exactly that) and the network is told. Runs in the refund's transaction."""
    order = Order.objects.select_related("bucket", "card").get(pk=order_id)
    request_id = f"order-{order.public_id}"
    iccid = order.card.iccid
    # Told even when we never created the bucket: the network may have applied the
    # request although its answer was lost (withdrawing is idempotent).
    _withdraw_on_commit(request_id=request_id, iccid=iccid)
    bucket = order.bucket
    if bucket is None:
        return
    bucket = Bucket.objects.select_for_update().get(pk=bucket.pk)
    now = timezone.now()
    if bucket.bytes_remaining:
        ledger_post_data_reversal(
            key=f"order:{order.public_id}:reversal",
            card_id=order.card_id,
            bytes_removed=bucket.bytes_remaining,
            memo="refund",
        )
    bucket.bytes_remaining = 0 if bucket.bytes_granted is not None else None
    bucket.valid_until = max(bucket.valid_from + timedelta(seconds=1), min(bucket.valid_until, now))
    bucket.save(update_fields=["bytes_remaining", "valid_until", "updated_at"])


def _withdraw_on_commit(*, request_id: str, iccid: str) -> None:
    """Tell the network, after commit, to take an allowance back; a task retries until the
    network has answered (withdrawing is idempotent on the network's side)."""
    from .tasks import network_withdraw_task

    enqueue_on_commit(network_withdraw_task, request_id, iccid)


def network_withdraw(*, request_id: str, iccid: str) -> None:
    get_network().withdraw_allowance(request_id=request_id, iccid=iccid)
