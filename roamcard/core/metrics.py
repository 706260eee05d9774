"""Prometheus metrics, served at /metrics (roamcard/core/probes.py) to a scraper holding
METRICS_TOKEN.

Several processes, one sum: with PROMETHEUS_MULTIPROC_DIR set (a folder per machine, emptied
when the machine starts), prometheus_client keeps each process's counters and histograms in
memory-mapped files there, and a scrape of any web process on the machine adds up every
process's files — the granian workers' and the task workers' alike, the dead ones' included
(their counts stay counted). Without it (development, tests) each process counts for itself.
Queue depth is not counted but asked of the queue at scrape time. docs/operations.md,
"Metrics", lists them all.

Labels are bounded: a route is its URL pattern, never the raw path; a state, outcome, task or
gateway is one of a known few."""

import os
from collections.abc import Callable, Iterator
from typing import Any

from django.db import transaction
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

CONTENT_TYPE = CONTENT_TYPE_LATEST

# Seconds: from a fast page to a slow CSV export.
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
# Seconds: from a renewal landing at once to one retried for minutes.
_FLOW_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800)

http_requests = Counter(
    "roamcard_http_requests",
    "Requests answered, by route (the URL pattern), method and status class.",
    ["route", "method", "status"],
)
http_request_duration = Histogram(
    "roamcard_http_request_duration_seconds",
    "Time to answer a request, by route and method.",
    ["route", "method"],
    buckets=_LATENCY_BUCKETS,
)
order_transitions = Counter(
    "roamcard_order_transitions",
    "Orders that entered a state (paid, fulfilled, refunded, payment_failed, cancelled...).",
    ["state"],
)
renewal_paid_to_fulfilled = Histogram(
    "roamcard_renewal_paid_to_fulfilled_seconds",
    "From an order paid to its plan on the card (the order fulfilled).",
    buckets=_FLOW_BUCKETS,
)
webhooks_settled = Counter(
    "roamcard_webhooks_settled",
    "Gateway notifications processed, by gateway and outcome.",
    ["gateway", "outcome"],
)
webhook_lag = Histogram(
    "roamcard_webhook_lag_seconds",
    "From a gateway notification's receipt (stored and acknowledged) to it being processed.",
    ["gateway"],
    buckets=_FLOW_BUCKETS,
)
janitor_actions = Counter(
    "roamcard_janitor_actions",
    "What the janitor's sweep drove on: jobs run, payments reconciled, refunds retried, "
    "webhooks processed, withdrawals retried.",
    ["action"],
)
usage_events = Counter(
    "roamcard_usage_events",
    "Usage events received, by result (accepted, duplicate, rejected).",
    ["result"],
)
usage_batch_duration = Histogram(
    "roamcard_usage_batch_duration_seconds",
    "Time to check, store, rate and book one usage batch.",
    buckets=_LATENCY_BUCKETS,
)
task_runs = Counter(
    "roamcard_task_runs",
    "Tasks the worker ran, by task and outcome (ok, error).",
    ["task", "outcome"],
)
task_duration = Histogram(
    "roamcard_task_duration_seconds",
    "Time a task ran, by task.",
    ["task"],
    buckets=_LATENCY_BUCKETS,
)


def on_commit(record: Callable[[], Any]) -> None:
    """Count once the surrounding transaction commits (at once outside one): a rolled-back
    transition was never made."""
    transaction.on_commit(record)


def multiprocess_dir() -> str:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


class QueueCollector:
    """The task queue's depth, asked at scrape time: pending (ready to run) and scheduled
    (delayed or retrying) tasks, and whether the queue answered at all."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from huey.contrib.djhuey import HUEY

        pending = GaugeMetricFamily(
            "roamcard_queue_pending_tasks", "Tasks waiting for a worker.", labels=["queue"]
        )
        scheduled = GaugeMetricFamily(
            "roamcard_queue_scheduled_tasks",
            "Tasks waiting for their time (delays, retries).",
            labels=["queue"],
        )
        up = GaugeMetricFamily(
            "roamcard_queue_up", "1 when the queue answered the scrape.", labels=["queue"]
        )
        try:
            pending.add_metric([HUEY.name], HUEY.pending_count())
            scheduled.add_metric([HUEY.name], HUEY.scheduled_count())
            up.add_metric([HUEY.name], 1)
        except Exception:  # the queue is down: say so rather than fail the scrape
            up.add_metric([HUEY.name], 0)
            yield up
            return
        yield pending
        yield scheduled
        yield up


def metrics_exposition() -> bytes:
    """The text a scrape gets: every process's counts (or this process's), then the queue."""
    if multiprocess_dir():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    at_scrape = CollectorRegistry()
    at_scrape.register(QueueCollector())
    return generate_latest(registry) + generate_latest(at_scrape)
