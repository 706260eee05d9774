from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from roamcard.core.tasks import job

from . import selectors, services


@job(services.NETWORK_WITHDRAW_JOB)
@db_task(retries=10, retry_delay=60)
def network_withdraw_task(job_id: int) -> None:
    services.provisioning_withdraw(job_id=job_id)


@job(services.CARD_NETWORK_ACTION_JOB)
@db_task()
def card_network_action_task(action_id: int) -> None:
    services.card_network_action_run(action_id=action_id)


@db_periodic_task(crontab(minute="*"))
def card_network_actions_sweep_task() -> None:
    """Every minute: run the card network actions due for a retry, lost, or abandoned."""
    due = selectors.card_network_actions_due(now=timezone.now()).values_list("pk", flat=True)
    for action_id in due[:200]:
        services.card_network_action_run(action_id=action_id)


@job(services.LIMIT_FOR_NO_DATA_JOB)
@db_task()
def card_network_limit_for_no_data_task(card_ids: list[int]) -> None:
    services.card_network_limit_for_no_data(card_ids=card_ids)
