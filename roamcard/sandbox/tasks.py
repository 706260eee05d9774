from huey.contrib.djhuey import db_task

from roamcard.core.tasks import job

from . import services


@job(services.DELIVER_JOB)
@db_task()
def sandbox_deliver_task(event_id: str) -> None:
    services.sandbox_deliver(event_id=event_id)
