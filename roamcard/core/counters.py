"""Counting events in a window, atomically on the server, whatever the cache backend.

Rate limits that protect secrets (login failures, guesses at a one-time code) must hold
under concurrent requests. Django's database cache, the embedded default, increments with a
read and then a write, so two processes can both read 4 and both write 5. Here one
`INSERT … ON CONFLICT DO UPDATE … RETURNING` (SQLite 3.35+ and PostgreSQL) counts and
answers in a single statement: every request gets its own number."""

from datetime import datetime, timedelta

from django.db import connection
from django.db.models import F
from django.utils import timezone

from .models import Counter


def _table() -> tuple[str, str, str, str]:
    quote = connection.ops.quote_name
    return (
        quote(Counter._meta.db_table),
        quote("key"),
        quote("count"),
        quote("expires_at"),
    )


def _db_time(moment: datetime):
    return connection.ops.adapt_datetimefield_value(moment)


def counter_hit(*, key: str, window: int, now: datetime | None = None) -> int:
    """Count one event under `key`, in a window of `window` seconds that starts with the
    first event; returns the count including this one."""
    now = now or timezone.now()
    table, key_col, count_col, expires_col = _table()
    expires = _db_time(now + timedelta(seconds=window))
    current = _db_time(now)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({key_col}, {count_col}, {expires_col}) VALUES (%s, 1, %s) "
            f"ON CONFLICT ({key_col}) DO UPDATE SET "
            f"{count_col} = CASE WHEN {table}.{expires_col} <= %s THEN 1 "
            f"ELSE {table}.{count_col} + 1 END, "
            f"{expires_col} = CASE WHEN {table}.{expires_col} <= %s THEN excluded.{expires_col} "
            f"ELSE {table}.{expires_col} END "
            f"RETURNING {count_col}",
            [key[:200], expires, current, current],
        )
        return cursor.fetchone()[0]


def counter_give_back(*, key: str) -> None:
    """Take one event back (a login that turned out right)."""
    Counter.objects.filter(key=key[:200], count__gt=0).update(count=F("count") - 1)


def counters_purge(*, now: datetime | None = None) -> int:
    """Forget counts whose window has ended."""
    deleted, _ = Counter.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted
