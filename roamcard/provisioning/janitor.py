"""The periodic sweep that drives on whatever a crash, a lost job or a lost webhook left
behind. Each step is safe to run at any time, as often as you like."""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from roamcard.orders.choices import OrderState, TransitionCause
from roamcard.orders.models import Order
from roamcard.payments.choices import PaymentState, RefundState
from roamcard.payments.models import Payment, Refund, WebhookDelivery

from .models import ProvisioningJob

logger = logging.getLogger(__name__)


@dataclass
class SweepReport:
    jobs_run: int = 0
    payments_reconciled: int = 0
    refunds_retried: int = 0
    webhooks_processed: int = 0


def janitor_sweep(*, now=None) -> SweepReport:
    from roamcard.payments.services import payment_sync, refund_execute, webhook_process

    from .services import provisioning_job_record, provisioning_run

    now = now or timezone.now()
    report = SweepReport()

    # Paid orders whose job is missing (cannot happen through the services; cheap to check).
    for order in Order.objects.filter(state=OrderState.PAID, provisioning_job__isnull=True):
        provisioning_job_record(order=order)

    # Jobs due for a retry, and jobs whose worker died mid-run (lease expired).
    due = ProvisioningJob.objects.filter(
        Q(state=ProvisioningJob.State.PENDING, next_attempt_at__lte=now)
        | Q(
            state=ProvisioningJob.State.PENDING,
            next_attempt_at__isnull=True,
            created_at__lte=now - timedelta(seconds=30),
        )
        | Q(state=ProvisioningJob.State.RUNNING, lease_until__lte=now)
    ).values_list("pk", flat=True)
    for job_id in list(due):
        provisioning_run(job_id=job_id)
        report.jobs_run += 1

    # Payments whose outcome we do not know, and payments the payer has left waiting.
    open_payments = Payment.objects.filter(
        Q(state=PaymentState.UNKNOWN, next_reconcile_at__lte=now)
        | Q(
            state=PaymentState.PENDING,
            created_at__lte=now - timedelta(minutes=2),
            next_reconcile_at__isnull=True,
        )
        | Q(state=PaymentState.PENDING, next_reconcile_at__lte=now)
        | Q(state=PaymentState.CREATED, created_at__lte=now - timedelta(minutes=2))
    ).values_list("pk", flat=True)
    for payment_id in list(open_payments):
        payment = payment_sync(payment_id=payment_id, cause=TransitionCause.RECONCILE)
        report.payments_reconciled += 1
        _abandon_if_stale(payment, now=now)

    # Notifications stored and acknowledged whose processing job was lost.
    for delivery_id in WebhookDelivery.objects.filter(
        outcome=WebhookDelivery.Outcome.RECEIVED, received_at__lte=now - timedelta(minutes=1)
    ).values_list("pk", flat=True):
        webhook_process(delivery_id=delivery_id)
        report.webhooks_processed += 1

    # Refunds not known to be done.
    for refund_id in Refund.objects.filter(
        state__in=[RefundState.CREATED, RefundState.UNKNOWN, RefundState.PENDING],
        updated_at__lte=now - timedelta(seconds=30),
    ).values_list("pk", flat=True):
        refund_execute(refund_id=refund_id)
        report.refunds_retried += 1
    return report


def _abandon_if_stale(payment: Payment, *, now) -> None:
    """A payment the payer never finished is given up after PAYMENT_ABANDON_AFTER_SECONDS:
    marked failed so the order can be paid again. If its money arrives after all, the
    payment service confirms it (a failed payment can still succeed at the gateway only if
    the gateway says so; then it is refunded because the order moved on)."""
    from roamcard.payments.services import payment_fail

    payment.refresh_from_db()
    if payment.state != PaymentState.PENDING:
        return
    if payment.created_at > now - timedelta(seconds=settings.PAYMENT_ABANDON_AFTER_SECONDS):
        Payment.objects.filter(pk=payment.pk).update(next_reconcile_at=now + timedelta(minutes=5))
        return
    payment_fail(
        payment_id=payment.pk,
        error_code="abandoned",
        error_message="The payment was not completed in time.",
        cause=TransitionCause.JANITOR,
    )
