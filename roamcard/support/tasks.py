"""Customer service's background steps: thin wrappers, each calling one service."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from roamcard.core.tasks import job

from . import escalation


@job(escalation.ORDER_SETTLED_JOB)
@db_task()
def support_order_settled_task(order_id: int) -> None:
    """Named by the renewal flow when an order is fulfilled or refunded."""
    escalation.escalation_settle(order_id=order_id)


@db_periodic_task(crontab(minute="*"))
def support_escalation_sweep_task() -> None:
    escalation.escalation_sweep()
