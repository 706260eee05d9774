from huey.contrib.djhuey import db_task

from roamcard.core.tasks import job

from . import services


@job(services.NETWORK_WITHDRAW_JOB)
@db_task(retries=10, retry_delay=60)
def network_withdraw_task(job_id: int) -> None:
    services.provisioning_withdraw(job_id=job_id)
