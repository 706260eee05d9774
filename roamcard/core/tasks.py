"""Handing work to the task queue.

Services name the job they want done; each app's tasks.py registers its Huey tasks under
those names. So a service never imports its tasks module (which imports the service): the
dependency runs one way, tasks → services.

A job enqueued while a request (or a task) is being served carries its request id in the
Huey task's id; the worker restores it around the task, so the task's log lines, and the
jobs it enqueues in turn, carry the same id (roamcard/core/logcontext.py)."""

import time
from collections.abc import Callable
from typing import Any

from django.db import transaction
from huey import crontab
from huey.api import TaskWrapper
from huey.contrib.djhuey import HUEY, db_periodic_task

from . import metrics
from .counters import counters_purge
from .logcontext import request_id_from_task_id, request_id_var, task_id_for

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
    if not isinstance(task, TaskWrapper):
        # A stand-in for the task (tests replace a job to lose or record it): no task id.
        task(*args) if delay is None else task.schedule(args, delay=delay)
        return
    task_id = task_id_for(request_id_var.get())
    if delay is None:
        HUEY.enqueue(task.s(*args, id=task_id))
    else:
        task.schedule(args, delay=delay, id=task_id)


def enqueue_on_commit(name: str, *args: Any, delay: float | None = None) -> None:
    """Enqueue the job once the surrounding transaction commits (at once outside one), so a
    worker never sees a row that a rollback is about to erase."""
    transaction.on_commit(lambda: enqueue(name, *args, delay=delay))


# What a running task restores and times, by task id (a worker runs tasks in threads; in
# immediate mode, as in tests, a task's follow-ups run inside it).
_running: dict[str, tuple[Any, float]] = {}


@HUEY.pre_execute()
def _task_context_enter(task: Any) -> None:
    token = request_id_var.set(request_id_from_task_id(task.id))
    _running[task.id] = (token, time.perf_counter())


@HUEY.post_execute()
def _task_context_exit(task: Any, task_value: Any, exc: BaseException | None) -> None:
    entry = _running.pop(task.id, None)
    if entry is None:
        return
    token, started = entry
    name = type(task).__name__
    metrics.task_runs.labels(name, "ok" if exc is None else "error").inc()
    metrics.task_duration.labels(name).observe(time.perf_counter() - started)
    try:
        request_id_var.reset(token)
    except ValueError:  # set in another context (cannot happen in a worker thread)
        request_id_var.set(None)


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
