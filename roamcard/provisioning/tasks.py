from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from . import janitor, services


@db_task()
def provisioning_run_task(job_id: int) -> None:
    services.provisioning_run(job_id=job_id)


@db_task(retries=10, retry_delay=60)
def network_withdraw_task(request_id: str, iccid: str) -> None:
    services.network_withdraw(request_id=request_id, iccid=iccid)


@db_periodic_task(crontab(minute="*"))
def janitor_task() -> None:
    janitor.janitor_sweep()
