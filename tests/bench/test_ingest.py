"""`make bench-ingest` with tiny numbers, so that the benchmark cannot rot between the runs
that measure: the same code paths end to end (cards seeded in bulk, batches over HTTP to
granian, the database checked against what was sent, the raw baseline, the CDR importer in
a subprocess), with no timing asserted.

One stack per test run, the one the run itself uses (PostgreSQL + Redis when DATABASE_URL
is set, else SQLite), so CI's two passes cover both."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def test_the_benchmark_runs_end_to_end_and_checks_what_it_stored(tmp_path):
    stack = "postgres" if os.environ.get("DATABASE_URL") else "sqlite"
    results = tmp_path / "ingest.json"
    completed = subprocess.run(
        [sys.executable, "-m", "bench.ingest"],
        cwd=ROOT,
        env={
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "BENCH_STACKS": stack,
            "BENCH_CARDS": "40",
            "BENCH_EVENTS": "3000",
            "BENCH_BATCH": "500",
            "BENCH_IMPORT_LINES": "1500",
            "BENCH_TIMEOUT": "120",
            "BENCH_RESULTS": str(results),
        },
        capture_output=True,
        text=True,
        timeout=400,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-5000:]

    result = json.loads(results.read_text())
    assert result[f"{stack}_events_per_s"] > 0
    assert result[f"{stack}_raw_rows_per_s"] > 0
    assert result["importer_peak_rss_mb"] > 0
    run = result["stacks"][stack]
    # 0.5 % of 3,000 events were sent twice; none is rejected.
    assert run["answers"] == {"accepted": 2985, "duplicates": 15, "rejected": 0}
    assert result["importer"]["lines"] == 1500
