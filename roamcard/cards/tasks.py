"""The cards' background jobs: thin wrappers, each calling one service."""

from huey.contrib.djhuey import db_task

from roamcard.core.tasks import job

from . import services


@job(services.CARD_IMPORT_JOB)
@db_task()
def card_import_run_task(card_import_id: int) -> None:
    # No retries: an import that stopped is marked failed, and staff upload the file again
    # (importing a file again is safe).
    services.card_import_run(card_import_id=card_import_id)
