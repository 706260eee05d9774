from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from roamcard.core.tasks import job

from . import services


@job(services.DELIVER_JOB)
@db_task()
def message_deliver_task(message_id: int) -> None:
    # No retries here: a failed attempt is rescheduled on the message itself and the sweep
    # drives it on, so a retry survives a restart of the queue.
    services.message_deliver(message_id=message_id)


@db_periodic_task(crontab(minute="*"))
def outbox_sweep_task() -> None:
    services.outbox_sweep()
