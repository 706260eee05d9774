"""Helpers for handing work to the task queue."""

from collections.abc import Callable
from typing import Any

from django.db import transaction


def enqueue_on_commit(task: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Enqueue a Huey task once the surrounding transaction commits (at once outside one),
    so a worker never sees a row that a rollback is about to erase."""
    transaction.on_commit(lambda: task(*args, **kwargs))
