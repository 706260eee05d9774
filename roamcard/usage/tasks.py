"""Usage's background jobs: thin wrappers, each calling one service."""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from roamcard.core.tasks import job

from . import alerts, ingest


@job(ingest.CHARGED_JOB)
@db_task()
def usage_charged_task(card_ids: list[int], bucket_ids: list[int]) -> None:
    # Each bucket names its card: the alerts need only the buckets. No retries: an alert
    # missed by a failed job is caught by the next batch that charges the coverage.
    alerts.usage_alerts_check(bucket_ids=bucket_ids, now=timezone.now())


@db_periodic_task(crontab(minute="*/10"))
def usage_validity_alerts_task() -> None:
    alerts.usage_validity_alerts_check(now=timezone.now())
