"""The renewal's background steps: thin wrappers, each calling one service."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from roamcard.core.tasks import job

from . import janitor, services


@job(services.PROVISION_JOB)
@db_task()
def renewal_provision_task(job_id: int) -> None:
    services.renewal_provision(job_id=job_id)


@job(services.RECONCILE_JOB)
@db_task()
def renewal_reconcile_task(payment_id: int) -> None:
    services.renewal_reconcile(payment_id=payment_id)


@job(services.WEBHOOK_JOB)
@db_task(retries=5, retry_delay=10)
def renewal_webhook_process_task(delivery_id: int) -> None:
    services.renewal_webhook_process(delivery_id=delivery_id)


@job(services.REFUND_JOB)
@db_task(retries=5, retry_delay=30)
def renewal_refund_execute_task(refund_id: int) -> None:
    services.renewal_refund_execute(refund_id=refund_id)


@db_periodic_task(crontab(minute="*"))
def janitor_task() -> None:
    janitor.janitor_sweep()
