"""`make bench-api`: the API under the production server, against a trivial endpoint.

Creates a throwaway database (an SQLite file in a temporary folder, or a fresh PostgreSQL
database beside the one DATABASE_URL names) with a traveller, a card with buckets and an
API token; serves config.wsgi with granian (2 WSGI workers, production settings with a
generated SECRET_KEY, DEBUG off, persistent database connections) on 127.0.0.1 on a free
port; and measures requests/s and p99 latency of GET /api/v1/health (no database) and of
GET /api/v1/cards/{id} with the token, in the same run, with wrk (installed from Debian when
missing and running as root) or else a Python load generator in separate processes. Prints
both and their ratio and writes bench/results/api.json. Every load run is bounded in time.

Environment: BENCH_DURATION (seconds per measurement, default 5), BENCH_ROUNDS (alternating
rounds, default 3; the median round counts), BENCH_CONNECTIONS (default 16),
BENCH_BLOCKING_THREADS (granian threads per worker, default 1 as `make run` and
docs/operations.md use).

`python -m bench.api --profile` looks inside instead: the same database and settings, the
requests handed straight to the WSGI application in one process (no server, no sockets);
it prints each endpoint's time per request and the card detail's cProfile over 2,000
requests (BENCH_PROFILE_REQUESTS), and saves it for pstats where BENCH_PROFILE_DUMP says."""

import contextlib
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "api.json"
DURATION = int(os.environ.get("BENCH_DURATION", "5"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
WARM_UP = 3
WORKERS = 2
BAR = 0.5


def main() -> int:
    load_before = round(os.getloadavg()[0], 2)
    load = choose_load_generator()
    with throwaway_database() as (env, database):
        run_django(env, "manage.py", "migrate", "--noinput", "-v", "0")
        run_django(env, "manage.py", "createcachetable")
        seed = json.loads(run_django(env, "-m", "bench.api", "--seed").stdout)
        with serving(env) as base:
            trivial_url = f"{base}/api/v1/health"
            card_url = f"{base}/api/v1/cards/{seed['card_id']}"
            auth = f"Bearer {seed['token']}"
            expect_ok(trivial_url, None)
            expect_ok(card_url, auth)
            for url, header in ((trivial_url, None), (card_url, auth)):
                load.measure(url, header, WARM_UP)
            # Alternating rounds, median of each: a burst of other work on the machine
            # then weighs on both endpoints alike.
            trivial_runs, card_runs = [], []
            for _ in range(ROUNDS):
                trivial_runs.append(load.measure(trivial_url, None, DURATION))
                card_runs.append(load.measure(card_url, auth, DURATION))
            trivial, card = median_run(trivial_runs), median_run(card_runs)

    ratio = card["rps"] / trivial["rps"]
    result = {
        "trivial_rps": round(trivial["rps"], 1),
        "trivial_p99_ms": round(trivial["p99_ms"], 2),
        "card_detail_rps": round(card["rps"], 1),
        "card_detail_p99_ms": round(card["p99_ms"], 2),
        "ratio": round(ratio, 3),
        "bar": BAR,
        "setup": {
            "server": f"granian {granian_version()}, {WORKERS} WSGI workers, "
            f"blocking threads {os.environ.get('BENCH_BLOCKING_THREADS', '1')}",
            "settings": "config.settings.production, DEBUG off, persistent DB connections",
            "database": database,
            "load_generator": load.name,
            "connections": CONNECTIONS,
            "duration_s": DURATION,
            "rounds": ROUNDS,
            "load_average_before": load_before,
        },
        "machine": machine(),
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")

    print(f"GET /api/v1/health        {trivial['rps']:9.1f} req/s   p99 {trivial['p99_ms']:.2f} ms")
    print(f"GET /api/v1/cards/{{id}}    {card['rps']:9.1f} req/s   p99 {card['p99_ms']:.2f} ms")
    verdict = "meets" if ratio >= BAR else "is BELOW"
    print(f"ratio card detail / trivial = {ratio:.3f} ({verdict} the bar of {BAR})")
    print(f"machine: {result['machine']['description']}")
    print(f"written to {RESULTS.relative_to(ROOT)}")
    return 0


def median_run(runs: list[dict[str, float]]) -> dict[str, float]:
    return sorted(runs, key=lambda run: run["rps"])[len(runs) // 2]


# --- The database and the server ------------------------------------------------------------


@contextlib.contextmanager
def throwaway_database() -> Iterator[tuple[dict[str, str], str]]:
    with tempfile.TemporaryDirectory(prefix="roamcard-bench-") as tmp:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "SECURE_SSL_REDIRECT": "0",  # plain HTTP on the loopback
            "SECRET_KEY": secrets.token_urlsafe(50),
            "CARD_PASSWORD_KEYS": f"1:{secrets.token_urlsafe(32)}",
            "DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "ROAMCARD_VAR_DIR": tmp,
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
        url = os.environ.get("DATABASE_URL")
        if not url:
            yield env, "SQLite (WAL) in a temporary folder"
            return
        with throwaway_postgres(url) as bench_url:
            env["DATABASE_URL"] = bench_url
            yield env, "PostgreSQL (a throwaway database beside DATABASE_URL's)"


@contextlib.contextmanager
def throwaway_postgres(url: str) -> Iterator[str]:
    import psycopg

    name = f"roamcard_bench_{secrets.token_hex(4)}"
    parts = urllib.parse.urlsplit(url)
    admin = urllib.parse.urlunsplit(parts._replace(scheme="postgresql"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_django(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )


def seed() -> None:
    """Run inside the benchmark's environment: a traveller, a bound card with buckets, a token."""
    import django

    django.setup()
    from roamcard.accounts.tokens import api_token_create
    from roamcard.testing import GIB, make_bucket, make_card, make_region, make_user

    user = make_user(email="bench@example.com")
    card = make_card(owner=user, region=make_region())
    make_bucket(card=card, bytes_granted=3 * GIB, bytes_remaining=GIB, days=7)
    make_bucket(card=card, bytes_granted=GIB, days=30)
    _, token = api_token_create(user=user, name="bench")
    print(json.dumps({"card_id": card.pk, "token": token}))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(env: dict[str, str]) -> Iterator[str]:
    port = free_port()
    command = [
        sys.executable, "-m", "granian",
        "--interface", "wsgi",
        "--host", "127.0.0.1",
        "--port", str(port),
        "--workers", str(WORKERS),
        "--no-ws",
        "config.wsgi:application",
    ]  # fmt: skip
    if threads := os.environ.get("BENCH_BLOCKING_THREADS", "1"):
        command[-1:-1] = ["--blocking-threads", threads]
    log_path = Path(env["ROAMCARD_VAR_DIR"]) / "granian.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(f"{base}/api/v1/health", server, log_path)
        yield base
    finally:
        stop(server)


def wait_until_up(url: str, server: subprocess.Popen, log_path: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            break
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2) as response:
            if response.status == 200:
                return
        time.sleep(0.2)
    sys.exit(f"granian did not come up:\n{log_path.read_text()[-3000:]}")


def stop(server: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def expect_ok(url: str, authorization: str | None) -> None:
    request = urllib.request.Request(
        url, headers={"Authorization": authorization} if authorization else {}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, body = exc.code, exc.read()
    if status != 200:
        sys.exit(f"{url} answered {status}: {body[:500]!r}")


# --- Load generators ------------------------------------------------------------------------


class Wrk:
    name = "wrk"

    def measure(self, url: str, authorization: str | None, seconds: int) -> dict[str, float]:
        command = [
            "wrk",
            "-t2",
            f"-c{CONNECTIONS}",
            f"-d{seconds}s",
            "--latency",
            "--timeout",
            "5s",
        ]
        if authorization:
            command += ["-H", f"Authorization: {authorization}"]
        output = subprocess.run(
            [*command, url], check=True, capture_output=True, text=True, timeout=seconds + 30
        ).stdout
        if match := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
            sys.exit(f"{url}: {match.group(1)} responses were not 2xx\n{output}")
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
        value, unit = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s)\s*$", output, re.M).groups()
        p99_ms = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
        return {"rps": rps, "p99_ms": p99_ms}


class PythonLoad:
    """Keep-alive HTTP/1.1 from two separate processes, several connections each."""

    name = "Python (http.client, 2 processes)"

    def measure(self, url: str, authorization: str | None, seconds: int) -> dict[str, float]:
        processes = 2
        per_process = max(1, CONNECTIONS // processes)
        with ProcessPoolExecutor(max_workers=processes) as pool:
            futures = [
                pool.submit(_python_load_worker, url, authorization, seconds, per_process)
                for _ in range(processes)
            ]
            parts = [f.result(timeout=seconds + 60) for f in futures]
        latencies = sorted(latency for part in parts for latency in part["latencies"])
        errors = sum(part["errors"] for part in parts)
        if errors:
            sys.exit(f"{url}: {errors} requests failed or were not 2xx")
        return {
            "rps": len(latencies) / seconds,
            "p99_ms": latencies[int(0.99 * (len(latencies) - 1))] * 1000,
        }


def _python_load_worker(
    url: str, authorization: str | None, seconds: int, connections: int
) -> dict:
    parts = urllib.parse.urlsplit(url)
    headers = {"Authorization": authorization} if authorization else {}
    deadline = time.monotonic() + seconds
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def connection_loop() -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
        mine = []
        while (start := time.monotonic()) < deadline:
            try:
                conn.request("GET", parts.path, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = 200 <= response.status < 400
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
            if ok:
                mine.append(time.monotonic() - start)
            else:
                with lock:
                    errors[0] += 1
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=connection_loop) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"latencies": latencies, "errors": errors[0]}


def choose_load_generator() -> Wrk | PythonLoad:
    if shutil.which("wrk") is None and os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk is missing: installing Debian's package…", flush=True)
        for step in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "wrk"]):
            subprocess.run(step, check=False, capture_output=True, timeout=300)
    if shutil.which("wrk"):
        return Wrk()
    print("wrk is not available: using the Python load generator.", flush=True)
    return PythonLoad()


# --- The machine ------------------------------------------------------------------------------


def machine() -> dict[str, object]:
    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory_gib = None
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_gib = round(int(line.split()[1]) / 1024**2, 1)
    nproc = os.cpu_count()
    return {
        "nproc": nproc,
        "cpu": cpu,
        "memory_gib": memory_gib,
        "os": platform.platform(),
        "python": platform.python_version(),
        "description": f"{nproc} CPUs ({cpu}), {memory_gib} GiB, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}",
    }


def granian_version() -> str:
    from importlib.metadata import version

    return version("granian")


# --- Where the time goes: `python -m bench.api --profile` ------------------------------------


PROFILE_REQUESTS = int(os.environ.get("BENCH_PROFILE_REQUESTS", "2000"))


def profile() -> int:
    with throwaway_database() as (env, _database):
        run_django(env, "manage.py", "migrate", "--noinput", "-v", "0")
        run_django(env, "manage.py", "createcachetable")
        seed = json.loads(run_django(env, "-m", "bench.api", "--seed").stdout)
        print(run_django(env, "-m", "bench.api", "--profile-worker", json.dumps(seed)).stdout)
    return 0


def profile_worker(seed: dict) -> None:
    import cProfile
    import io
    import pstats

    from config.wsgi import application

    def environ(path: str, authorization: str | None) -> dict:
        env = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "127.0.0.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(),
            "wsgi.errors": sys.stderr,
        }
        if authorization:
            env["HTTP_AUTHORIZATION"] = authorization
        return env

    def call(path: str, authorization: str | None) -> None:
        statuses = []
        body = application(environ(path, authorization), lambda s, h: statuses.append(s))
        b"".join(body)
        if not statuses[0].startswith("200"):
            sys.exit(f"{path} answered {statuses[0]}")

    auth = f"Bearer {seed['token']}"
    endpoints = {
        "GET /api/v1/health": ("/api/v1/health", None),
        "GET /api/v1/cards/{id}": (f"/api/v1/cards/{seed['card_id']}", auth),
    }
    for path, header in endpoints.values():
        for _ in range(200):
            call(path, header)
    costs = {}
    for name, (path, header) in endpoints.items():
        start = time.process_time()
        for _ in range(PROFILE_REQUESTS):
            call(path, header)
        costs[name] = (time.process_time() - start) / PROFILE_REQUESTS * 1000
        print(f"{name:24} {costs[name]:.3f} ms CPU per request")
    ratio = costs["GET /api/v1/health"] / costs["GET /api/v1/cards/{id}"]
    print(f"in-process ratio (trivial cost / card detail cost) = {ratio:.3f}")

    path, header = endpoints["GET /api/v1/cards/{id}"]
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(PROFILE_REQUESTS):
        call(path, header)
    profiler.disable()
    if dump := os.environ.get("BENCH_PROFILE_DUMP"):
        profiler.dump_stats(dump)
    print(f"\ncProfile of {PROFILE_REQUESTS} card detail requests (the profiler slows Python):")
    stats = pstats.Stats(profiler, stream=sys.stdout).strip_dirs()
    stats.sort_stats("cumulative").print_stats(45)
    stats.sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    if sys.argv[1:] == ["--seed"]:
        seed()
    elif sys.argv[1:] == ["--profile"]:
        sys.exit(profile())
    elif sys.argv[1:2] == ["--profile-worker"]:
        profile_worker(json.loads(sys.argv[2]))
    else:
        sys.exit(main())
