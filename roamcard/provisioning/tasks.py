from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from . import janitor, services


@db_task()
def provisioning_run_task(job_id: int) -> None:
    services.provisioning_run(job_id=job_id)


@db_periodic_task(crontab(minute="*"))
def janitor_task() -> None:
    janitor.janitor_sweep()
