"""The periodic sweep that drives on whatever a crash, a lost job or a lost notification
left behind. Each step is safe to run at any time, as often as you like (the task worker
runs it every minute; docs/operations.md shows how to run it by hand)."""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from roamcard.orders.choices import TransitionCause
from roamcard.orders.selectors import orders_paid_without_job
from roamcard.payments.selectors import (
    payments_past_payer_deadline,
    payments_to_reconcile,
    refunds_to_retry,
    webhook_deliveries_unprocessed,
)
from roamcard.provisioning.selectors import provisioning_jobs_due
from roamcard.provisioning.services import provisioning_job_record

from .services import (
    renewal_payment_sync,
    renewal_provision,
    renewal_refund_execute,
    renewal_webhook_process,
)


@dataclass
class SweepReport:
    jobs_run: int = 0
    payments_reconciled: int = 0
    refunds_retried: int = 0
    webhooks_processed: int = 0


def janitor_sweep(*, now: datetime | None = None) -> SweepReport:
    now = now or timezone.now()
    report = SweepReport()

    for order in orders_paid_without_job():
        provisioning_job_record(order_id=order.pk)

    for job_id in list(provisioning_jobs_due(now=now).values_list("pk", flat=True)):
        renewal_provision(job_id=job_id)
        report.jobs_run += 1

    # Payments whose next look is due, abandoned ones to close at the gateway, and closed
    # ones watched for a late success.
    due = set(payments_to_reconcile(now=now).values_list("pk", flat=True))
    due |= set(payments_past_payer_deadline(now=now).values_list("pk", flat=True))
    for payment_id in sorted(due):
        renewal_payment_sync(payment_id=payment_id, cause=TransitionCause.RECONCILE)
        report.payments_reconciled += 1

    for delivery_id in list(webhook_deliveries_unprocessed(now=now).values_list("pk", flat=True)):
        renewal_webhook_process(delivery_id=delivery_id)
        report.webhooks_processed += 1

    for refund_id in list(refunds_to_retry(now=now).values_list("pk", flat=True)):
        renewal_refund_execute(refund_id=refund_id)
        report.refunds_retried += 1
    return report
