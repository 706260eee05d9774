"""What a load balancer and a scraper ask: /healthz, /readyz and /metrics.

They are answered by ProbeMiddleware, placed right after the request's observability and
before everything else (security redirects, host checks, sessions, CSRF, authentication,
rate limits), so a probe over plain HTTP to a machine's own address is answered, costs no
session or user lookup, and is never redirected:

- /healthz: the process is alive and serving; touches nothing.
- /readyz: the database answers a trivial query and the task queue (Huey's Redis or SQLite)
  answers, each within READINESS_TIMEOUT_SECONDS; 200 or 503, with a JSON body naming each
  check and its outcome (no addresses, no secrets).
- /metrics: Prometheus text for a bearer of METRICS_TOKEN; a 404 while METRICS_TOKEN is
  unset (the safe default: nothing is served until an operator chooses a token), 401 without
  the token or with a wrong one."""

import hmac
import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse

from .metrics import CONTENT_TYPE, metrics_exposition

HEALTHZ, READYZ, METRICS = "/healthz", "/readyz", "/metrics"
PROBE_PATHS = frozenset({HEALTHZ, READYZ, METRICS})

# One thread per check and process: a check that hangs past its timeout makes the next
# probes fail fast (their turn never comes in time) instead of piling up threads.
_executors = {
    "database": ThreadPoolExecutor(max_workers=1, thread_name_prefix="readyz-db"),
    "queue": ThreadPoolExecutor(max_workers=1, thread_name_prefix="readyz-queue"),
}


def _database_check() -> None:
    # In the check's own thread, on its own connection, closed at once: a broken connection
    # is never reused, and no connection lingers between probes.
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        connection.close()


def _queue_check() -> None:
    from huey.contrib.djhuey import HUEY

    HUEY.pending_count()


READINESS_CHECKS: dict[str, Callable[[], None]] = {
    "database": _database_check,
    "queue": _queue_check,
}


def readiness() -> tuple[bool, dict[str, dict[str, object]]]:
    """Run every check, at once and each bounded in time; (all passed, each one's report)."""
    timeout = settings.READINESS_TIMEOUT_SECONDS
    started = time.monotonic()
    futures = {name: _executors[name].submit(check) for name, check in READINESS_CHECKS.items()}
    report: dict[str, dict[str, object]] = {}
    for name, future in futures.items():
        remaining = max(0.0, timeout - (time.monotonic() - started))
        try:
            future.result(timeout=remaining)
        except FutureTimeout:
            report[name] = {"ok": False, "error": "timeout"}
        except Exception as exc:  # the kind of failure only: messages may hold addresses
            report[name] = {"ok": False, "error": type(exc).__name__}
        else:
            report[name] = {"ok": True}
        report[name]["ms"] = round((time.monotonic() - started) * 1000, 1)
    return all(item["ok"] for item in report.values()), report


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


def healthz() -> HttpResponse:
    return _no_store(JsonResponse({"status": "ok"}))


def readyz() -> HttpResponse:
    ready, checks = readiness()
    body = {"status": "ok" if ready else "unavailable", "checks": checks}
    return _no_store(JsonResponse(body, status=200 if ready else 503))


def metrics(request: HttpRequest) -> HttpResponse:
    token = settings.METRICS_TOKEN
    if not token:
        return HttpResponse(status=404)
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.encode(), token.encode()):
        response = HttpResponse(
            json.dumps({"code": "not_authenticated"}),
            status=401,
            content_type="application/json",
        )
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return _no_store(HttpResponse(metrics_exposition(), content_type=CONTENT_TYPE))


class ProbeMiddleware:
    """Answers the probes before the rest of the stack sees them (GET and HEAD only)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if path not in PROBE_PATHS or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        request.route_label = path  # for the request metrics: the probe, not "unmatched"
        if path == HEALTHZ:
            return healthz()
        if path == READYZ:
            return readyz()
        return metrics(request)
