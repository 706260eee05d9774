"""The periodic sweep that drives on whatever a crash, a lost job or a lost notification
left behind. Each step is safe to run at any time, as often as you like (the task worker
runs it every minute; docs/operations.md shows how to run it by hand)."""

import logging
from dataclasses import asdict, dataclass
from datetime import datetime

from django.utils import timezone

from roamcard.core import metrics
from roamcard.orders.choices import TransitionCause
from roamcard.orders.selectors import orders_paid_without_job
from roamcard.payments.selectors import (
    payments_past_payer_deadline,
    payments_to_reconcile,
    refunds_to_retry,
    webhook_deliveries_unprocessed,
)
from roamcard.provisioning.network import NetworkError
from roamcard.provisioning.selectors import provisioning_jobs_due, provisioning_withdrawals_due
from roamcard.provisioning.services import provisioning_job_record, provisioning_withdraw

from .services import (
    renewal_payment_sync,
    renewal_provision,
    renewal_refund_execute,
    renewal_webhook_process,
)

logger = logging.getLogger(__name__)


@dataclass
class SweepReport:
    jobs_run: int = 0
    payments_reconciled: int = 0
    refunds_retried: int = 0
    webhooks_processed: int = 0
    withdrawals_retried: int = 0


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
        renewal_payment_sync(payment_id=payment_id, cause=TransitionCause.RECONCILE, now=now)
        report.payments_reconciled += 1

    for delivery_id in list(webhook_deliveries_unprocessed(now=now).values_list("pk", flat=True)):
        renewal_webhook_process(delivery_id=delivery_id)
        report.webhooks_processed += 1

    for refund_id in list(refunds_to_retry(now=now).values_list("pk", flat=True)):
        renewal_refund_execute(refund_id=refund_id)
        report.refunds_retried += 1

    # Allowances of refunded orders the network has not confirmed taking back.
    for job_id in list(provisioning_withdrawals_due(now=now).values_list("pk", flat=True)):
        try:
            provisioning_withdraw(job_id=job_id)
        except NetworkError as exc:
            logger.warning("Withdrawing provisioning job %s failed: %s", job_id, exc)
        report.withdrawals_retried += 1
    for action, count in asdict(report).items():
        if count:
            metrics.janitor_actions.labels(action).inc(count)
    return report
