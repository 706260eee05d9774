"""`make bench-import` with tiny numbers, so that the benchmark cannot rot between the runs
that measure: the file written, the raw baseline, `roamcard import-cards` in a child process
twice (the second time every card unchanged), the cards counted, with no timing asserted.

One stack per test run, the one the run itself uses (PostgreSQL when DATABASE_URL is set:
a database of its own beside it; else SQLite), so CI's two passes cover both."""

import json
import os
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def test_the_benchmark_imports_the_cards_twice_and_measures_the_importer(tmp_path):
    database_url = os.environ.get("DATABASE_URL", "")
    stack = "postgres" if database_url else "sqlite"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "BENCH_STACKS": stack,
        "BENCH_CARDS": "300",
        "BENCH_TIMEOUT": "300",
        "BENCH_TMP": str(tmp_path),
        "BENCH_RESULTS": str(tmp_path / "import.json"),
    }
    if database_url:
        parts = urllib.parse.urlsplit(database_url)
        own = parts._replace(path=f"{parts.path}_import_bench_test")
        env["BENCH_DATABASE_URL"] = urllib.parse.urlunsplit(own)

    completed = subprocess.run(
        [sys.executable, "-m", "bench.import_cards"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )

    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-5000:]
    result = json.loads((tmp_path / "import.json").read_text())
    assert result[f"{stack}_rows_per_s"] > 0
    assert 0 < result["peak_rss_mb"] < 1000
    run = result["stacks"][stack]
    assert "created: 300, updated: 0, unchanged: 0, bad: 0" in run["import"]["summary"]
    assert "created: 0, updated: 0, unchanged: 300, bad: 0" in run["reimport"]["summary"]
    assert set(run["import"]["phases_s"]) == {"reading", "comparing", "saving"}
