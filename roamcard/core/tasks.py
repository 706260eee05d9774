"""Handing work to the task queue.

Services name the job they want done; each app's tasks.py registers its Huey tasks under
those names. So a service never imports its tasks module (which imports the service): the
dependency runs one way, tasks → services."""

from collections.abc import Callable
from typing import Any

from django.db import transaction
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .counters import counters_purge

_JOBS: dict[str, Any] = {}


def job(name: str) -> Callable[[Any], Any]:
    """Register a Huey task under a job name (decorate the task, above `@db_task()`)."""

    def register(task: Any) -> Any:
        _JOBS[name] = task
        return task

    return register


def job_task(name: str) -> Any:
    try:
        return _JOBS[name]
    except KeyError as exc:
        raise LookupError(f"no task is registered for the job {name!r}") from exc


def enqueue(name: str, *args: Any, delay: float | None = None) -> None:
    """Enqueue the job now; with `delay` (seconds), not before then."""
    task = job_task(name)
    if delay is None:
        task(*args)
    else:
        task.schedule(args, delay=delay)


def enqueue_on_commit(name: str, *args: Any, delay: float | None = None) -> None:
    """Enqueue the job once the surrounding transaction commits (at once outside one), so a
    worker never sees a row that a rollback is about to erase."""
    transaction.on_commit(lambda: enqueue(name, *args, delay=delay))


def enqueue_on_commit_if_registered(name: str, *args: Any) -> None:
    """As enqueue_on_commit, for a job that a higher app may or may not provide (customer
    service hearing that an order was settled): with no task registered under the name (the
    app not installed), nothing happens, and the caller's work is not disturbed."""

    def enqueue_if_registered() -> None:
        if name in _JOBS:
            enqueue(name, *args)

    transaction.on_commit(enqueue_if_registered)


@db_periodic_task(crontab(minute="17"))
def counters_purge_task() -> None:
    """Hourly: forget rate-limit counts whose window has ended."""
    counters_purge()
