"""Every request: its id (logcontext), its metrics (route, method, status class, duration) and
one log line when it ends. The first middleware, so it times everything the others do."""

import logging
import time

from django.http import HttpRequest, HttpResponse

from . import metrics
from .logcontext import (
    REQUEST_ID_HEADER,
    request_id_from_header,
    request_id_var,
    request_var,
    user_id_of,
)
from .probes import PROBE_PATHS

logger = logging.getLogger("roamcard.request")

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def route_of(request: HttpRequest) -> str:
    """The URL pattern that served the request ("cards/<int:card_id>/"), never the raw path
    (which holds ids and tokens, and would make every card its own time series)."""
    label = getattr(request, "route_label", None)
    if label:
        return label
    match = getattr(request, "resolver_match", None)
    if match is None or not match.route:
        return "unmatched"
    return "/" + match.route[:120]


class RequestObservabilityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        request_id = request_id_from_header(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = request_id
        id_token = request_id_var.set(request_id)
        request_token = request_var.set(request)
        try:
            response = self.get_response(request)
            duration = time.perf_counter() - started
            response[REQUEST_ID_HEADER] = request_id
            route = route_of(request)
            method = request.method if request.method in _METHODS else "other"
            metrics.http_requests.labels(route, method, f"{response.status_code // 100}xx").inc()
            metrics.http_request_duration.labels(route, method).observe(duration)
            if request.path_info not in PROBE_PATHS:  # a probe every few seconds is noise
                logger.info(
                    "%s %s %s",
                    method,
                    route,
                    response.status_code,
                    extra={
                        "method": method,
                        "route": route,
                        "status": response.status_code,
                        "duration_ms": round(duration * 1000, 1),
                        "user_id": user_id_of(request),
                    },
                )
            return response
        finally:
            request_var.reset(request_token)
            request_id_var.reset(id_token)
