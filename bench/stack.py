"""The stacks the benchmarks run on, shared by bench/renewal.py, bench/ingest.py,
bench/sweep.py and bench/soak.py: the environment of the processes (production settings,
plain HTTP on the loopback, a folder of their own), PostgreSQL + Redis when reachable (a
throwaway database, a fresh queue name, both forgotten afterwards), the task worker, and the
Procfile's commands."""

import contextlib
import os
import re
import secrets
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

from bench.api import ROOT, stop, throwaway_postgres

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
PROCFILE = ROOT / "Procfile"


def base_environment(var_dir: Path, *, settings_module: str) -> dict[str, str]:
    """This process's environment without its database and queue, for production-like
    settings: a generated SECRET_KEY, DEBUG off, plain HTTP on the loopback."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": settings_module,
            "SECURE_SSL_REDIRECT": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "CARD_PASSWORD_KEYS": f"1:{secrets.token_urlsafe(32)}",
            "DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "ROAMCARD_VAR_DIR": str(var_dir),
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
    )
    return env


@contextlib.contextmanager
def stack_environment(
    name: str, var_dir: Path, *, settings_module: str = "config.settings.production"
) -> Iterator[tuple[dict[str, str] | None, str]]:
    """The environment of one stack's processes ("sqlite": the embedded defaults in var_dir;
    "postgres": a throwaway database beside DATABASE_URL's and a fresh queue on REDIS_URL),
    or (None, why) when it cannot run here."""
    var_dir.mkdir(parents=True, exist_ok=True)
    env = base_environment(var_dir, settings_module=settings_module)
    if name == "sqlite":
        yield env, "SQLite (WAL) + SQLite-backed Huey, in a temporary folder"
        return
    database_url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    redis_url = os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    if problem := unreachable(database_url, redis_url):
        yield None, problem
        return
    queue = f"roamcard-bench-{secrets.token_hex(4)}"
    env.update({"REDIS_URL": redis_url, "HUEY_NAME": queue, "CACHE_KEY_PREFIX": queue})
    try:
        with throwaway_postgres(database_url) as bench_url:
            env["DATABASE_URL"] = bench_url
            yield env, "PostgreSQL (a throwaway database) + Redis-backed Huey (a fresh queue)"
    finally:
        forget_redis_keys(redis_url, queue)


def unreachable(database_url: str, redis_url: str) -> str:
    """Why PostgreSQL or Redis cannot be used, or ""."""
    import psycopg
    import redis

    parts = urllib.parse.urlsplit(database_url)
    try:
        psycopg.connect(
            urllib.parse.urlunsplit(parts._replace(scheme="postgresql")), connect_timeout=3
        ).close()
    except psycopg.Error as exc:
        return f"PostgreSQL is not reachable at {parts.hostname}:{parts.port or 5432} ({exc})"
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        return f"Redis is not reachable at {redis_url} ({exc})"
    return ""


def forget_redis_keys(redis_url: str, queue: str) -> None:
    import redis

    with contextlib.suppress(redis.RedisError):
        client = redis.Redis.from_url(redis_url)
        for key in client.scan_iter(f"*{queue}*"):
            client.delete(key)


@contextlib.contextmanager
def consumer(env: dict[str, str]) -> Iterator[None]:
    """A Huey consumer (`manage.py run_huey`, the workers from settings) while inside."""
    log_path = Path(env["ROAMCARD_VAR_DIR"]) / "huey.log"
    with log_path.open("w") as log:
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "run_huey"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        time.sleep(1.5)
        if worker.poll() is not None:
            sys.exit(f"the Huey consumer stopped:\n{log_path.read_text()[-3000:]}")
        yield
    finally:
        stop(worker)


# --- The Procfile -------------------------------------------------------------------------------


def procfile() -> dict[str, str]:
    """The Procfile's process types and their shell commands."""
    commands = {}
    for line in PROCFILE.read_text().splitlines():
        if match := re.fullmatch(r"([a-z]+):\s*(.+)", line.strip()):
            commands[match.group(1)] = match.group(2)
    return commands


def procfile_environment(env: dict[str, str]) -> dict[str, str]:
    """`python` in the Procfile's commands is this interpreter (its virtualenv's)."""
    return {**env, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"}


def procfile_start(kind: str, env: dict[str, str], log_path: Path) -> subprocess.Popen:
    """Start one process of a Procfile type the way a process manager does (`sh -c`), in a
    session of its own so that stopping it stops the shell's children (the command, and
    granian's workers)."""
    with log_path.open("w") as log:
        return subprocess.Popen(
            ["/bin/sh", "-c", procfile()[kind]],
            cwd=ROOT, env=procfile_environment(env), stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
