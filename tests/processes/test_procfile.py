"""The Procfile at scale: two web processes and two task workers started from its commands
against PostgreSQL + Redis make a renewal together, and either web process's /metrics shows
the sum of every process's counts.

Skipped unless the test run itself uses PostgreSQL and Redis (DATABASE_URL, REDIS_URL): the
processes get a throwaway database beside the run's and a fresh queue name (bench/stack.py)."""

import http.client
import json
import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from prometheus_client.parser import text_string_to_metric_families

from bench.api import free_port, stop
from bench.soak import wait_ready
from bench.stack import procfile, procfile_environment, procfile_start, stack_environment

from .conftest import ROOT

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
        or not os.environ.get("REDIS_URL"),
        reason="needs PostgreSQL and Redis (DATABASE_URL=postgres://..., REDIS_URL=redis://...)",
    ),
]


def get(base: str, path: str, **headers: str) -> tuple[int, bytes]:
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def samples(base: str, token: str) -> dict[tuple[str, tuple], float]:
    status, body = get(base, "/metrics", Authorization=f"Bearer {token}")
    assert status == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body.decode())
        for sample in family.samples
    }


def test_the_procfile_declares_release_web_worker_and_one_scheduler():
    kinds = procfile()
    assert set(kinds) == {"release", "web", "worker", "scheduler"}
    assert "migrate" in kinds["release"]
    assert "granian" in kinds["web"] and "config.wsgi:application" in kinds["web"]
    # Huey's consumer schedules periodic tasks in every process that runs them: the workers
    # that scale do not, the one scheduler does.
    assert "--no-periodic" in kinds["worker"]
    assert "--no-periodic" not in kinds["scheduler"]


def test_two_web_and_two_worker_processes_renew_and_sum_their_metrics(tmp_path):
    token = secrets.token_urlsafe(32)
    with stack_environment(
        "postgres", tmp_path / "var", settings_module="bench.renewal_settings"
    ) as (env, why):
        assert env is not None, why
        env.update(
            {
                "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
                "METRICS_TOKEN": token,
                "SANDBOX_WEBHOOK_SECRET": secrets.token_urlsafe(32),
                "WEB_WORKERS": "1",
                "WORKER_THREADS": "2",
                "HOST": "127.0.0.1",
                "SOAK_RENEWAL_CARDS": "1",
                "SOAK_USAGE_CARDS": "1",
            }
        )
        release = procfile_start("release", env, tmp_path / "release.log")
        assert release.wait(timeout=300) == 0, (tmp_path / "release.log").read_text()[-3000:]
        seed = tmp_path / "seed.json"
        subprocess.run(
            [sys.executable, "-m", "bench.soak", "--seed", str(seed)],
            cwd=ROOT, env=procfile_environment(env), check=True, timeout=300,
        )  # fmt: skip

        ports = [free_port(), free_port()]
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        processes = {}
        try:
            for number, port in enumerate(ports):
                processes[f"web{number}"] = procfile_start(
                    "web",
                    {**env, "PORT": str(port), "PUBLIC_BASE_URL": bases[0]},
                    tmp_path / f"web{number}.log",
                )
            for number in range(2):
                processes[f"worker{number}"] = procfile_start(
                    "worker", {**env, "PUBLIC_BASE_URL": bases[0]}, tmp_path / f"w{number}.log"
                )
            for base in bases:
                wait_ready(base, processes)

            # The order and payment through the first web process, the gateway's notification
            # through the second; a worker applies it.
            done = subprocess.run(
                [sys.executable, "-m", "bench.soak", "--renew-once", str(seed), ",".join(bases)],
                cwd=ROOT, env=procfile_environment(env), capture_output=True, text=True,
                timeout=120,
            )  # fmt: skip
            assert done.returncode == 0, done.stderr[-3000:]
            renewal = json.loads(done.stdout)
            assert renewal["errors"] == [] and renewal["latency_ms"] is not None

            for _ in range(3):
                assert get(bases[0], "/healthz")[0] == 200
            for _ in range(4):
                assert get(bases[1], "/healthz")[0] == 200

            healthz = (
                "roamcard_http_requests_total",
                (("method", "GET"), ("route", "/healthz"), ("status", "2xx")),
            )
            fulfilled = ("roamcard_order_transitions_total", (("state", "fulfilled"),))
            webhook = (
                "roamcard_webhooks_settled_total",
                (("gateway", "sandbox"), ("outcome", "processed")),
            )
            for base in bases:
                scraped = samples(base, token)
                # Counted by two different web processes, seen whole from either.
                assert scraped[healthz] == 7
                # Counted by a task worker, which serves no HTTP at all.
                assert scraped[fulfilled] == 1
                assert scraped[webhook] == 1
        finally:
            for process in processes.values():
                stop(process)
