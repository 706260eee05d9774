"""`make run` (python -m roamcard.demo.run) keeps the demo up: a web worker killed is
replaced while the others serve, a task worker killed is started again, and Ctrl-C
(SIGINT) stops everything with exit code 0."""

import os
import re
import signal
import sys
from pathlib import Path

import pytest
import requests

from .conftest import child_pids, free_port, pid_alive, wait_for

pytestmark = pytest.mark.slow


def started(log: Path, name: str) -> list[int]:
    return [
        int(pid)
        for pid in re.findall(rf"Started the {name} process \(pid (\d+)\)", log.read_text())
    ]


def answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def test_make_run_restarts_what_dies_and_stops_on_ctrl_c(stack):
    port = free_port()
    run = stack.start(
        [sys.executable, "-m", "roamcard.demo.run"], "run",
        DJANGO_SETTINGS_MODULE="config.settings.dev", HOST="127.0.0.1", PORT=str(port),
        WEB_WORKERS="2",
    )  # fmt: skip
    log = Path(run.log_path)
    health = f"http://127.0.0.1:{port}/api/v1/health"
    wait_for(lambda: answers(health), "the site to answer", timeout=300)

    [web] = started(log, "web")
    web_workers = wait_for(lambda: len(child_pids(web)) >= 2 and child_pids(web), "2 web workers")
    victim = web_workers[0]
    os.kill(victim, signal.SIGKILL)
    wait_for(lambda: not pid_alive(victim), "the web worker to die", timeout=10)
    wait_for(
        lambda: len(set(child_pids(web)) - set(web_workers)) >= 1 and answers(health),
        "a new web worker, and the site answering", timeout=20,
    )  # fmt: skip
    assert pid_alive(web) and started(log, "web") == [web]

    [worker] = started(log, "worker")
    os.kill(worker, signal.SIGKILL)
    wait_for(
        lambda: len(started(log, "worker")) == 2, "the task worker to be restarted", timeout=20
    )
    new_worker = started(log, "worker")[1]
    assert "The worker process stopped (killed by SIGKILL); restarting it in" in log.read_text()
    assert pid_alive(new_worker)
    assert answers(health)

    every_pid = [web, new_worker, *child_pids(web)]
    run.send_signal(signal.SIGINT)
    assert run.wait(60) == 0
    assert "Stopped." in log.read_text()
    assert [pid for pid in every_pid if pid_alive(pid)] == []
