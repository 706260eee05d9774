"""Real processes, started and killed: the task worker, `make run`.

Each test gets its own embedded stack (SQLite database and SQLite queue in a directory of
its own, copied from one migrated once per session), whatever DATABASE_URL / REDIS_URL the
test run itself uses: these tests are about processes, not databases. The test reads the
outbox's rows straight from that database file, as an operator's SQL prompt would."""

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from .providers import read_journal

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = "tests.processes.settings"


def clean_environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    return {**env, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1", **extra}


def wait_for(condition: Callable[[], object], what: str, *, timeout: float = 60) -> object:
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (dead, not yet reaped) is not alive.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def child_pids(pid: int) -> list[int]:
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children += [int(c) for c in (task / "children").read_text().split()]
        except FileNotFoundError:
            continue
    return [c for c in children if pid_alive(c)]


class Stack:
    """One embedded roamcard: its directory, its environment, its processes."""

    def __init__(self, var_dir: Path, logs: Path) -> None:
        self.var_dir = var_dir
        self.logs = logs
        self.journal_path = var_dir / "sms-journal.jsonl"
        self.env = clean_environment(
            DJANGO_SETTINGS_MODULE=SETTINGS,
            ROAMCARD_VAR_DIR=str(var_dir),
            SMS_JOURNAL=str(self.journal_path),
        )
        self.processes: list[subprocess.Popen] = []

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env,
            capture_output=True, text=True, timeout=180,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    def queue_sms(self, body: str) -> int:
        code = (
            "from roamcard.notifications.services import message_queue;"
            f"print(message_queue(channel='sms', to='+85261234567', kind='test', body={body!r}).pk)"
        )
        return int(self.manage("shell", "-c", code).split()[-1])

    def start(self, argv: list[str], name: str, **env: str) -> subprocess.Popen:
        log = (self.logs / f"{name}-{len(self.processes)}.log").open("w")
        process = subprocess.Popen(
            argv, cwd=ROOT, env={**self.env, **env}, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        process.log_path = log.name  # type: ignore[attr-defined]
        self.processes.append(process)
        return process

    def start_worker(self, *args: str, **env: str) -> subprocess.Popen:
        """The task worker, one thread, no periodic tasks (the test sweeps by hand)."""
        argv = [sys.executable, "manage.py", "run_worker", "--workers", "1", "--no-periodic"]
        return self.start([*argv, *args], "worker", **env)

    def messages(self) -> dict[int, dict]:
        with sqlite3.connect(self.var_dir / "roamcard.sqlite3", timeout=30) as db:
            db.row_factory = sqlite3.Row
            rows = db.execute(
                "SELECT id, uuid, state, attempts, attempt_started_at, last_error, "
                "provider_message_id FROM notifications_message"
            ).fetchall()
        return {row["id"]: dict(row) for row in rows}

    def journal(self, event: str | None = None) -> list[dict]:
        entries = read_journal(self.journal_path)
        return [e for e in entries if event is None or e["event"] == event]

    def stop_everything(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def key(message: dict) -> str:
    """The idempotency key as the provider sees it (SQLite stores the uuid as hex)."""
    raw = message["uuid"].replace("-", "")
    return f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}"


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory) -> Path:
    var_dir = tmp_path_factory.mktemp("migrated")
    env = clean_environment(DJANGO_SETTINGS_MODULE=SETTINGS, ROAMCARD_VAR_DIR=str(var_dir))
    done = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return var_dir / "roamcard.sqlite3"


@pytest.fixture
def stack(tmp_path, migrated_database):
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    for path in migrated_database.parent.glob("roamcard.sqlite3*"):  # with any WAL left
        shutil.copy(path, var_dir / path.name)
    stack = Stack(var_dir, logs=tmp_path)
    yield stack
    stack.stop_everything()
