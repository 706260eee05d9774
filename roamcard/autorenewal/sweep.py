"""The safety net, every minute: policies whose next check is due (a validity trigger's
time, or a job that was lost) are evaluated, and automatic renewals whose next step is due
(a charge after its notice, a retry, a payment under way) are taken a step on.

Driven by two partial indexes, never a scan: each is one UPDATE that claims the due rows
(moving their time a lease ahead, so that the next sweep does not hand them out again while
their jobs run; the jobs set the real time) and returns them, at most
AUTORENEWAL_SWEEP_LIMIT of each, oldest first. Rows locked by a job at that moment are
left to the next sweep. The work itself is done by the jobs, spread over the workers."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from roamcard.core import rawsql
from roamcard.core.tasks import enqueue

from .evaluation import EVALUATE_JOB, STEP_JOB, chunks
from .models import AutoRenewal, RenewalPolicy


@dataclass(frozen=True)
class SweepReport:
    policies: int  # due policies handed to evaluation jobs
    renewals: int  # due automatic renewals handed to step jobs


def autorenewal_sweep(*, now: datetime | None = None) -> SweepReport:
    now = now or timezone.now()
    lease_end = now + timedelta(seconds=settings.AUTORENEWAL_SWEEP_LEASE_SECONDS)
    card_ids = _claim(RenewalPolicy, "card_id", "due_at", now, lease_end)
    renewal_ids = _claim(AutoRenewal, "id", "next_step_at", now, lease_end)
    for chunk in chunks(card_ids):
        enqueue(EVALUATE_JOB, chunk)
    for renewal_id in renewal_ids:
        enqueue(STEP_JOB, renewal_id)
    return SweepReport(policies=len(card_ids), renewals=len(renewal_ids))


def _claim(model, key: str, due: str, now: datetime, lease_end: datetime) -> list[int]:
    """One statement: the due rows' time moved to the lease's end, their keys returned."""
    table = rawsql.table(model)
    quote = connection.ops.quote_name
    key, due = quote(key), quote(due)
    skip_locked = " FOR UPDATE SKIP LOCKED" if rawsql.is_postgres() else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {due} = %s WHERE {key} IN (SELECT {key} FROM {table} "
            f"WHERE {due} <= %s ORDER BY {due} LIMIT %s{skip_locked}) RETURNING {key}",
            [
                rawsql.db_datetime(lease_end),
                rawsql.db_datetime(now),
                settings.AUTORENEWAL_SWEEP_LIMIT,
            ],
        )
        return sorted(row[0] for row in cursor.fetchall())
