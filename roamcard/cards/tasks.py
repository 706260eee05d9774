"""The cards' background jobs: thin wrappers, each calling one service."""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from roamcard.core.tasks import job

from . import services


@job(services.CARD_IMPORT_JOB)
@db_task()
def card_import_run_task(card_import_id: int) -> None:
    # No retries: an import that stopped is marked failed, and staff upload the file again
    # (importing a file again is safe).
    services.card_import_run(card_import_id=card_import_id)


@db_periodic_task(crontab(minute="*"))
def bucket_queue_catch_up_task() -> None:
    # A safety net: the charging path moves queued buckets up itself when one runs out.
    services.bucket_queue_catch_up(now=timezone.now())


@db_periodic_task(crontab(minute="*/5"))
def card_import_sweep_task() -> None:
    services.card_import_sweep(now=timezone.now())
