"""What every log line says about where it came from: the request id (one per web request,
carried into the tasks it enqueues and the tasks those enqueue), the route and the user
when known.

A web request takes the id of an incoming `X-Request-ID` header when it looks like one
(letters, digits, `.`, `_`, `-`, `:`; at most 128 characters), else a new one; the answer
carries it back in the same header. core/tasks.py folds it into the Huey task's id, and the
worker restores it around the task (see `task_id_for` and `request_id_from_task_id`), so one
traveller's renewal can be followed from the webhook to the provisioning and the SMS by
grepping one id. See docs/operations.md, "Logs"."""

import contextvars
import logging
import re
import uuid
from typing import Any

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# Between the request id and the task's own part in a Huey task id; never in a request id.
_TASK_ID_SEPARATOR = "+"

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "roamcard_request_id", default=None
)
# The request being served (its user is read lazily, only when a line is logged) and its
# route; None in the task worker.
request_var: contextvars.ContextVar[Any] = contextvars.ContextVar("roamcard_request", default=None)


def request_id_new() -> str:
    return uuid.uuid4().hex


def request_id_from_header(value: str | None) -> str:
    """The incoming id when it is sane (a proxy's or a client's), else a new one: a header
    is never trusted to be short or free of line breaks."""
    if value and _SANE_REQUEST_ID.fullmatch(value):
        return value
    return request_id_new()


def task_id_for(request_id: str | None) -> str:
    """A Huey task id that carries the request id of the work that enqueued it."""
    own = uuid.uuid4().hex
    return f"{request_id}{_TASK_ID_SEPARATOR}{own}" if request_id else own


def request_id_from_task_id(task_id: str) -> str:
    """The request id a task id carries; a task enqueued outside any request (a periodic
    task, a command) has its own id as its request id, so its follow-ups share it."""
    if _TASK_ID_SEPARATOR in task_id:
        return task_id.rsplit(_TASK_ID_SEPARATOR, 1)[0]
    return task_id


def user_id_of(request: Any) -> int | None:
    """The signed-in user's id, or the API token's user, without loading a session that
    nothing else loaded (that would cost a query on every request)."""
    user = getattr(request, "_cached_user", None)
    if user is not None and getattr(user, "is_authenticated", False):
        return user.pk
    auth = getattr(request, "auth", None)
    if auth is not None and getattr(auth, "is_authenticated", False) and hasattr(auth, "pk"):
        return auth.pk
    return None


class ContextFilter(logging.Filter):
    """Adds `request_id` and, during a web request, `user_id` to every record (a handler's
    filter: it sees the lines of every logger, Django's and libraries' too)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get() or "-"
        request = request_var.get()
        if request is not None and not hasattr(record, "user_id"):
            record.user_id = user_id_of(request)
        return True
