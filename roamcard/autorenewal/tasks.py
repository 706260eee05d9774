"""Automatic renewal's background steps: thin wrappers, each calling one service."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from roamcard.core.tasks import job

from . import evaluation, services, sweep


@job(evaluation.EVALUATE_JOB)
@db_task()
def autorenewal_evaluate_task(card_ids: list[int]) -> None:
    """Named by whatever changes buckets (usage_ingest, a renewal landing, staff adjusting
    one) and by the sweep."""
    evaluation.policies_evaluate(card_ids=card_ids)


@job(evaluation.STEP_JOB)
@db_task()
def autorenewal_step_task(renewal_id: int) -> None:
    services.auto_renewal_step(renewal_id=renewal_id)


@db_periodic_task(crontab(minute="*"))
def autorenewal_sweep_task() -> None:
    sweep.autorenewal_sweep()
