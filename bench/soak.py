"""`make soak` (not in CI): the Procfile's processes on PostgreSQL + Redis under mixed traffic
for SOAK_SECONDS (default 600), then the books are checked.

It creates the database SOAK_DATABASE_URL names afresh (default
postgres://postgres@127.0.0.1:5432/ops_soak) and empties the Redis database SOAK_REDIS_URL
names (default redis://127.0.0.1:6379/7: give the soak a database of its own), runs the
Procfile's `release`, seeds travellers with cards, sessions and API tokens and a network
API key, then starts two `web` processes (granian, WEB_WORKERS each, default 1), one
`worker` and the one `scheduler` (two task workers; periodic tasks on one), all sharing one
PROMETHEUS_MULTIPROC_DIR, with bench/renewal_settings (production's, with the sandbox).

The load generator (SOAK_DRIVERS processes on 127.0.0.1, default 2) mixes, against both
web processes in turn:

- renewals through the API (order, payment) paid on the sandbox with the test card whose
  notification the sandbox leaves to us, the signed notification posted to a web process,
  then the card polled through the API until the new balance shows: webhook → visible
  balance is the renewal's latency; SOAK_RENEWALS_PER_S (default 25) are offered;
- some notifications posted twice (a gateway's retry), which must change nothing;
- card list and card detail, as pages (a session) and through the API (a token);
- API logins (`POST /api/v1/auth/token`, Argon2 at full strength);
- usage batches through the network API, for cards that are not being renewed.

Then it waits for the queue to drain and checks: every paid order fulfilled exactly once
(one bucket per order, one ledger grant per order), the ledger balanced (every unit sums to
zero; each card's data account equals its buckets' remaining data), no 5xx answer (seen by
the load generator and counted by /metrics), and each process's memory flat (RSS sampled
every 5 s; growth from the end of the first minute, the warm-up, to the end). Writes
bench/results/soak.json. The machine is shared: the load average before and during the run
is written down with the results."""

import contextlib
import http.client
import json
import os
import random
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

from bench.api import ROOT, free_port, machine, stop
from bench.stack import base_environment, procfile_environment, procfile_start

RESULTS = ROOT / "bench" / "results" / "soak.json"
SECONDS = int(os.environ.get("SOAK_SECONDS", "600"))
DATABASE_URL = os.environ.get("SOAK_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ops_soak")
REDIS_URL = os.environ.get("SOAK_REDIS_URL", "redis://127.0.0.1:6379/7")
RENEWALS_PER_S = float(os.environ.get("SOAK_RENEWALS_PER_S", "25"))
READS_PER_S = float(os.environ.get("SOAK_READS_PER_S", "30"))
LOGINS_PER_S = float(os.environ.get("SOAK_LOGINS_PER_S", "1"))
USAGE_BATCHES_PER_S = float(os.environ.get("SOAK_USAGE_BATCHES_PER_S", "2"))
USAGE_BATCH_EVENTS = int(os.environ.get("SOAK_USAGE_BATCH_EVENTS", "200"))
DRIVERS = int(os.environ.get("SOAK_DRIVERS", "2"))
RENEWAL_THREADS = int(os.environ.get("SOAK_RENEWAL_THREADS", "8"))  # per driver
WEB_WORKERS = os.environ.get("WEB_WORKERS", "1")
WORKER_THREADS = os.environ.get("WORKER_THREADS", "4")
RENEWAL_CARDS = int(os.environ.get("SOAK_RENEWAL_CARDS", "400"))
USAGE_CARDS = int(os.environ.get("SOAK_USAGE_CARDS", "200"))
DUPLICATE_SHARE = 0.2
WARM_UP_SECONDS = 60
RSS_INTERVAL = 5
RENEWAL_TIMEOUT = 30
POLL_SECONDS = int(os.environ.get("SOAK_POLL_MS", "20")) / 1000
LOST_NOTIFICATION_CARD = "4000000000000259"
PASSWORD = "Soak-pass-4242"
GIB = 1024**3
MB = 1024**2
BAR_RENEWALS_PER_S = 20
BAR_P99_MS = 1000


def main() -> int:
    started_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="roamcard-soak-") as tmp:
        work = Path(tmp)
        env = soak_environment(work)
        fresh_database(DATABASE_URL)
        fresh_redis(REDIS_URL)
        release(env, work)
        seed_path = work / "seed.json"
        run_python(env, "-m", "bench.soak", "--seed", str(seed_path))
        print(f"seeded {RENEWAL_CARDS} renewal cards and {USAGE_CARDS} usage cards", flush=True)

        processes, bases = start_processes(env, work)
        sampler = RssSampler(processes)
        try:
            for base in bases:
                wait_ready(base, processes)
            sampler.start()
            load_during = LoadSampler()
            load_during.start()
            print(f"{SECONDS} s of traffic against {' and '.join(bases)}…", flush=True)
            traffic = drive_all(env, bases, seed_path, work)
            load_during.stop()
            drained = wait_drained(env)
            scrapes = [scrape(base, env["METRICS_TOKEN"]) for base in bases]
            books = json.loads(run_python(env, "-m", "bench.soak", "--verify").stdout)
        finally:
            sampler.stop()
            for process in processes.values():
                stop(process)

    result = summarise(traffic, books, scrapes, sampler, drained)
    result.update(
        {
            "seconds": SECONDS,
            "bar": {"renewals_per_s": BAR_RENEWALS_PER_S, "renewal_p99_ms": BAR_P99_MS},
            "setup": {
                "processes": "2 × web (granian, "
                f"{WEB_WORKERS} worker(s) each), 1 × worker + 1 × scheduler "
                f"(run_worker, {WORKER_THREADS} threads each), from the Procfile",
                "database": "PostgreSQL (fresh database) + Redis (emptied database)",
                "settings": "bench.renewal_settings (production's, with the sandbox), JSON logs",
                "offered": {
                    "renewals_per_s": RENEWALS_PER_S,
                    "reads_per_s": READS_PER_S,
                    "logins_per_s": LOGINS_PER_S,
                    "usage_batches_per_s": USAGE_BATCHES_PER_S,
                    "usage_batch_events": USAGE_BATCH_EVENTS,
                    "duplicate_webhook_share": DUPLICATE_SHARE,
                },
                "load_generator": f"{DRIVERS} Python processes on the same machine",
                "load_average_before": [round(x, 2) for x in load_before],
                "load_average_during": load_during.summary(),
            },
            "machine": machine(),
            "measured_at": started_at,
        }
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print_result(result)
    print(f"written to {RESULTS.relative_to(ROOT)}")
    return 0 if result["passed"] else 1


# --- The stack ---------------------------------------------------------------------------------


def soak_environment(work: Path) -> dict[str, str]:
    env = base_environment(work / "var", settings_module="bench.renewal_settings")
    env.update(
        {
            "DATABASE_URL": DATABASE_URL,
            "REDIS_URL": REDIS_URL,
            "HUEY_NAME": "roamcard-soak",
            "CACHE_KEY_PREFIX": "roamcard-soak",
            "PROMETHEUS_MULTIPROC_DIR": str(work / "metrics"),
            "METRICS_TOKEN": secrets.token_urlsafe(32),
            "SANDBOX_WEBHOOK_SECRET": secrets.token_urlsafe(32),
            "LOG_FORMAT": "json",
            "WEB_WORKERS": WEB_WORKERS,
            "WORKER_THREADS": WORKER_THREADS,
            "HOST": "127.0.0.1",
            "STATIC_ROOT": str(work / "static"),
        }
    )
    (work / "var").mkdir(parents=True, exist_ok=True)
    return env


def fresh_database(url: str) -> None:
    import psycopg

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urllib.parse.urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def fresh_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


def release(env: dict[str, str], work: Path) -> None:
    """The build's collectstatic (production serves hashed static files from STATIC_ROOT),
    then the Procfile's release."""
    run_python(env, "manage.py", "collectstatic", "--noinput", "-v", "0")
    process = procfile_start("release", env, work / "release.log")
    if process.wait(timeout=600) != 0:
        sys.exit(f"release failed:\n{(work / 'release.log').read_text()[-3000:]}")


def run_python(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(
            [sys.executable, *args], cwd=ROOT, env=procfile_environment(env), check=True,
            capture_output=True, text=True, timeout=1800,
        )  # fmt: skip
    except subprocess.CalledProcessError as exc:
        sys.exit(f"{' '.join(args)} failed:\n{exc.stdout[-2000:]}\n{exc.stderr[-5000:]}")


def start_processes(
    env: dict[str, str], work: Path
) -> tuple[dict[str, subprocess.Popen], list[str]]:
    processes: dict[str, subprocess.Popen] = {}
    bases = []
    ports = [free_port(), free_port()]
    for number, port in enumerate(ports, start=1):
        web_env = {**env, "PORT": str(port), "PUBLIC_BASE_URL": f"http://127.0.0.1:{ports[0]}"}
        processes[f"web{number}"] = procfile_start("web", web_env, work / f"web{number}.log")
        bases.append(f"http://127.0.0.1:{port}")
    worker_env = {**env, "PUBLIC_BASE_URL": bases[0]}
    processes["worker"] = procfile_start("worker", worker_env, work / "worker.log")
    processes["scheduler"] = procfile_start("scheduler", worker_env, work / "scheduler.log")
    return processes, bases


def wait_ready(base: str, processes: dict[str, subprocess.Popen], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for name, process in processes.items():
            if process.poll() is not None:
                sys.exit(f"the {name} process stopped at start (exit {process.returncode})")
        with contextlib.suppress(OSError, http.client.HTTPException):
            status, _ = request(base, "GET", "/readyz")
            if status == 200:
                return
        time.sleep(0.3)
    sys.exit(f"{base} did not become ready")


def wait_drained(env: dict[str, str], timeout: float = 120) -> dict:
    """Until no order is left paid but not fulfilled and the queue is empty."""
    started = time.monotonic()
    while True:
        state = json.loads(run_python(env, "-m", "bench.soak", "--pending").stdout)
        if (state["paid_not_fulfilled"] == 0 and state["queue_pending"] == 0) or (
            time.monotonic() - started > timeout
        ):
            return {**state, "seconds": round(time.monotonic() - started, 1)}
        time.sleep(1)


def scrape(base: str, token: str) -> dict[str, float]:
    from prometheus_client.parser import text_string_to_metric_families

    status, body = request(base, "GET", "/metrics", headers={"Authorization": f"Bearer {token}"})
    if status != 200:
        sys.exit(f"{base}/metrics answered {status}")
    totals: dict[str, float] = {}
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            if sample.name == "roamcard_http_requests_total":
                key = f"http_{sample.labels['status']}"
            elif sample.name == "roamcard_order_transitions_total":
                key = f"orders_{sample.labels['state']}"
            elif sample.name == "roamcard_task_runs_total":
                key = f"task_{sample.labels['task']}_{sample.labels['outcome']}"
            elif sample.name in ("roamcard_webhooks_settled_total", "roamcard_usage_events_total"):
                key = (
                    sample.name.removeprefix("roamcard_").removesuffix("_total")
                    + "_"
                    + (sample.labels.get("outcome") or sample.labels.get("result") or "")
                )
            else:
                continue
            totals[key] = totals.get(key, 0) + sample.value
    return totals


def request(
    base: str, method: str, path: str, *, body: bytes | None = None, headers: dict | None = None
) -> tuple[int, bytes]:
    parts = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


class RssSampler:
    """Every RSS_INTERVAL seconds, the resident memory of each process of the stack (a web
    process's granian workers are its children: each is sampled on its own)."""

    def __init__(self, processes: dict[str, subprocess.Popen]):
        self.processes = processes
        self.samples: dict[str, list[tuple[float, float]]] = {}
        # Per process: CPU seconds (user + system) at its first and at its last sample.
        self.cpu: dict[str, list[float]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.started = 0.0

    def start(self) -> None:
        self.started = time.monotonic()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        import psutil

        while not self._stop.is_set():
            now = time.monotonic() - self.started
            for name, process in self.processes.items():
                with contextlib.suppress(psutil.Error):
                    # The Procfile's shell, then its command and the command's own children
                    # (granian's workers): each Python process on its own.
                    members = psutil.Process(process.pid).children(recursive=True)
                    pythons = [m for m in members if m.name().startswith("python")]
                    for index, member in enumerate(pythons):
                        label = name if index == 0 else f"{name}.worker{index}"
                        self.samples.setdefault(label, []).append(
                            (now, member.memory_info().rss / MB)
                        )
                        times = member.cpu_times()
                        self.cpu.setdefault(label, [times.user + times.system, 0.0])[1] = (
                            times.user + times.system
                        )
            self._stop.wait(RSS_INTERVAL)

    def cpu_seconds(self) -> dict[str, float]:
        return {label: round(last - first, 1) for label, (first, last) in self.cpu.items()}

    def growth(self) -> dict[str, dict[str, float]]:
        """Per process: RSS at the end of the warm-up, at the end, and the growth between
        (each the median of the samples of a 30 s window, to smooth out one request)."""
        report = {}
        for label, samples in self.samples.items():
            after_warm_up = [
                rss for t, rss in samples if WARM_UP_SECONDS <= t < WARM_UP_SECONDS + 30
            ]
            last_t = samples[-1][0]
            at_end = [rss for t, rss in samples if t >= last_t - 30]
            if not after_warm_up or last_t < WARM_UP_SECONDS + 30:
                after_warm_up = [samples[0][1]]
            start, end = statistics.median(after_warm_up), statistics.median(at_end)
            report[label] = {
                "rss_after_warm_up_mb": round(start, 1),
                "rss_at_end_mb": round(end, 1),
                "growth_mb": round(end - start, 1),
            }
        return report


class LoadSampler:
    def __init__(self):
        self.values: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(15):
            self.values.append(os.getloadavg()[0])

    def summary(self) -> dict[str, float] | None:
        if not self.values:
            return None
        return {"min": round(min(self.values), 2), "max": round(max(self.values), 2)}


# --- The load generator -------------------------------------------------------------------------


def drive_all(env: dict[str, str], bases: list[str], seed_path: Path, work: Path) -> dict:
    drivers = []
    for number in range(DRIVERS):
        out = (work / f"driver{number}.json").open("w")
        err = (work / f"driver{number}.log").open("w")
        drivers.append(
            (
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "bench.soak",
                        "--drive",
                        str(seed_path),
                        str(number),
                        ",".join(bases),
                    ],
                    cwd=ROOT,
                    env=procfile_environment(env),
                    stdout=out,
                    stderr=err,
                    start_new_session=True,
                ),  # fmt: skip
                work / f"driver{number}.json",
                work / f"driver{number}.log",
            )
        )
    parts = []
    for process, out_path, err_path in drivers:
        try:
            returncode = process.wait(timeout=SECONDS + 300)
        except subprocess.TimeoutExpired:
            stop(process)
            sys.exit(f"a driver did not finish:\n{err_path.read_text()[-3000:]}")
        if returncode != 0:
            sys.exit(f"a driver failed:\n{err_path.read_text()[-5000:]}")
        parts.append(json.loads(out_path.read_text()))
    merged: dict = {"requests": {}, "renewals": [], "errors": [], "duplicates": 0}
    for part in parts:
        for kind, statuses in part["requests"].items():
            mine = merged["requests"].setdefault(kind, {})
            for status, count in statuses.items():
                mine[status] = mine.get(status, 0) + count
        merged["renewals"] += part["renewals"]
        merged["errors"] += part["errors"]
        merged["duplicates"] += part["duplicates"]
    return merged


class Driver:
    """One load generator process: its share of every kind of traffic, each kind in its own
    threads, paced to its offered rate (a late thread starts at once, never in a burst)."""

    def __init__(self, seed: dict, number: int, bases: list[str]):
        self.seed = seed
        self.number = number
        self.bases = bases
        self.deadline = time.monotonic() + SECONDS
        self.lock = threading.Lock()
        self.requests: dict[str, dict[str, int]] = {}
        self.renewals: list[dict] = []
        self.errors: list[str] = []
        self.duplicates = 0
        self.sandbox_secret = os.environ["SANDBOX_WEBHOOK_SECRET"]

    # -- recording

    def count(self, kind: str, status: int) -> None:
        with self.lock:
            statuses = self.requests.setdefault(kind, {})
            statuses[str(status)] = statuses.get(str(status), 0) + 1

    def error(self, text: str) -> None:
        with self.lock:
            if len(self.errors) < 50:
                self.errors.append(text)

    def call(self, client: "Client", kind: str, method: str, path: str, **kwargs) -> tuple:
        try:
            status, body = client.request(method, path, **kwargs)
        except (OSError, http.client.HTTPException) as exc:
            self.count(kind, 0)
            self.error(f"{kind} {method} {path}: {exc!r}")
            return 0, b""
        self.count(kind, status)
        if status >= 500:
            self.error(f"{kind} {method} {path}: {status} {body[:200]!r}")
        return status, body

    # -- pacing

    def paced(self, rate: float, worker) -> None:
        """Call worker() about `rate` times a second until the deadline."""
        if rate <= 0:
            return
        interval = 1 / rate
        next_at = time.monotonic() + random.random() * interval
        while next_at < self.deadline:
            delay = next_at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            worker()
            next_at = max(next_at + interval, time.monotonic())

    # -- the traffic

    def run(self) -> dict:
        share = DRIVERS
        mine = [c for i, c in enumerate(self.seed["renewal_cards"]) if i % share == self.number]
        per_thread = max(1, len(mine) // RENEWAL_THREADS)
        threads = [
            threading.Thread(
                target=self.renewing,
                args=(mine[i * per_thread : (i + 1) * per_thread], i),
            )
            for i in range(RENEWAL_THREADS)
        ]
        threads += [threading.Thread(target=self.reading, args=(i,)) for i in range(2)]
        threads.append(threading.Thread(target=self.logging_in))
        threads.append(threading.Thread(target=self.sending_usage))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return {
            "requests": self.requests,
            "renewals": self.renewals,
            "errors": self.errors,
            "duplicates": self.duplicates,
        }

    def client(self, index: int) -> "Client":
        return Client(self.bases[index % len(self.bases)])

    def renewing(self, cards: list[dict], index: int) -> None:
        if not cards:
            return
        api = self.client(index)
        other = self.client(index + 1)  # notifications come in through the other web process
        balances: dict[int, int | None] = {card["card_id"]: None for card in cards}
        rotation = iter(range(10**9))

        def one_renewal() -> None:
            card = cards[next(rotation) % len(cards)]
            latency_ms = self.renew(api, other, card, balances)
            if latency_ms is not None:
                with self.lock:
                    self.renewals.append({"at": time.time(), "ms": round(latency_ms, 1)})

        self.paced(RENEWALS_PER_S / DRIVERS / RENEWAL_THREADS, one_renewal)

    def renew(
        self, api: "Client", other: "Client", card: dict, balances: dict[int, int | None]
    ) -> float | None:
        """One renewal of the card, as a traveller and the gateway make it: the order and its
        payment through the API, the payer on the sandbox, the signed notification to the
        other web process; then the card polled until its balance shows the plan. Returns
        the milliseconds from the notification to the balance, or None (an error noted)."""
        from roamcard.sandbox import services as sandbox
        from roamcard.sandbox.models import SandboxEvent

        auth = {"Authorization": f"Bearer {card['token']}"}
        if balances.get(card["card_id"]) is None:
            balances[card["card_id"]] = self.bytes_remaining(api, card, auth)
        status, body = self.call(
            api, "api_order_create", "POST", "/api/v1/orders",
            json_body={"card_id": card["card_id"], "plan_id": self.seed["plan_id"],
                       "currency": "CNY", "starts": "now"},
            headers=auth,
        )  # fmt: skip
        if status != 201:
            self.error(f"order create answered {status}: {body[:200]!r}")
            return None
        order = data(body)
        status, body = self.call(
            api, "api_order_pay", "POST", f"/api/v1/orders/{order['id']}/payments",
            json_body={"method": "card"}, headers=auth,
        )  # fmt: skip
        if status != 201:
            self.error(f"pay answered {status}: {body[:200]!r}")
            return None
        payment = data(body)
        charge = sandbox.sandbox_charge_get(merchant_payment_id=str(payment["id"]))
        sandbox.sandbox_pay_by_card(charge_id=charge.pk, number=LOST_NOTIFICATION_CARD)
        event = SandboxEvent.objects.get(charge=charge, type="payment.succeeded")
        notification = json.dumps(event.payload, separators=(",", ":")).encode()
        expected = (balances[card["card_id"]] or 0) + GIB

        t0 = time.perf_counter()
        status, _ = self.notify(other, "webhook", notification)
        if status != 200:
            self.error(f"webhook answered {status}")
            return None
        while True:
            seen = self.bytes_remaining(api, card, auth)
            if seen is not None and seen >= expected:
                break
            if time.perf_counter() - t0 > RENEWAL_TIMEOUT:
                self.error(f"renewal of order {order['id']} not visible in {RENEWAL_TIMEOUT}s")
                balances[card["card_id"]] = None
                return None
            time.sleep(POLL_SECONDS)
        latency_ms = (time.perf_counter() - t0) * 1000
        balances[card["card_id"]] = seen
        if random.random() < DUPLICATE_SHARE:  # the gateway's retry: changes nothing
            self.notify(api, "webhook_duplicate", notification)
            with self.lock:
                self.duplicates += 1
        return latency_ms

    def notify(self, client: "Client", kind: str, notification: bytes) -> tuple[int, bytes]:
        from roamcard.sandbox import signing

        signature = signing.sign(secret=self.sandbox_secret, body=notification)
        return self.call(
            client, kind, "POST", "/payments/webhooks/sandbox/", body=notification,
            headers={"Content-Type": "application/json", signing.HEADER: signature},
        )  # fmt: skip

    def bytes_remaining(self, api: "Client", card: dict, auth: dict) -> int | None:
        status, body = self.call(
            api, "api_card_detail_poll", "GET", f"/api/v1/cards/{card['card_id']}", headers=auth
        )
        if status != 200:
            return None
        return data(body)["bytes_remaining"] or 0

    def reading(self, index: int) -> None:
        web = self.client(index)
        cards = self.seed["renewal_cards"] + self.seed["usage_cards"]
        kinds = ("page_card_list", "page_card_detail", "api_card_list", "api_card_detail")

        def one_read() -> None:
            card = random.choice(cards)
            kind = random.choice(kinds)
            if kind.startswith("page"):
                headers = {"Cookie": f"sessionid={card['session']}"}
                path = "/cards/" if kind == "page_card_list" else f"/cards/{card['card_id']}/"
            else:
                headers = {"Authorization": f"Bearer {card['token']}"}
                path = (
                    "/api/v1/cards"
                    if kind == "api_card_list"
                    else f"/api/v1/cards/{card['card_id']}"
                )
            status, _ = self.call(web, kind, "GET", path, headers=headers)
            if status != 200:
                self.error(f"{kind} answered {status}")

        self.paced(READS_PER_S / DRIVERS / 2, one_read)

    def logging_in(self) -> None:
        web = self.client(self.number)
        cards = self.seed["renewal_cards"]

        def one_login() -> None:
            card = random.choice(cards)
            status, body = self.call(
                web, "api_login", "POST", "/api/v1/auth/token",
                json_body={"login": card["email"], "password": PASSWORD, "name": "soak"},
            )  # fmt: skip
            if status != 201:
                self.error(f"login answered {status}: {body[:200]!r}")
                return
            token = data(body)["token"]
            self.call(
                web, "api_logout", "DELETE", "/api/v1/auth/token",
                headers={"Authorization": f"Bearer {token}"},
            )  # fmt: skip

        self.paced(LOGINS_PER_S / DRIVERS, one_login)

    def sending_usage(self) -> None:
        web = self.client(self.number + 1)
        cards = [c for i, c in enumerate(self.seed["usage_cards"]) if i % DRIVERS == self.number]
        headers = {"Authorization": f"Bearer {self.seed['network_key']}"}
        sequence = iter(range(10**9))

        def one_batch() -> None:
            from datetime import UTC, datetime, timedelta

            at = datetime.now(UTC) - timedelta(minutes=10)
            events = []
            for _ in range(USAGE_BATCH_EVENTS):
                card = random.choice(cards)
                n = next(sequence)
                events.append(
                    {
                        "event_id": f"soak-{self.number}-{n}",
                        "iccid": card["iccid"],
                        "bytes_up": 2048,
                        "bytes_down": 8192,
                        "started_at": at.isoformat(),
                        "ended_at": (at + timedelta(minutes=1)).isoformat(),
                        "country": "FR",
                    }
                )
            status, body = self.call(
                web, "usage_batch", "POST", "/api/v1/network/usage-events",
                json_body={"events": events}, headers=headers,
            )  # fmt: skip
            if status != 200:
                self.error(f"usage batch answered {status}: {body[:200]!r}")

        self.paced(USAGE_BATCHES_PER_S / DRIVERS, one_batch)


class Client:
    """Keep-alive HTTP/1.1 to one web process; reconnects after an error."""

    def __init__(self, base: str):
        parts = urllib.parse.urlsplit(base)
        self.host, self.port = parts.hostname, parts.port
        self.connection: http.client.HTTPConnection | None = None

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: dict | None = None,
        body: bytes | None = None,
        headers: dict | None = None,
    ) -> tuple[int, bytes]:
        headers = dict(headers or {})
        if json_body is not None:
            body = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                return response.status, response.read()
            except (ConnectionResetError, http.client.RemoteDisconnected, BrokenPipeError):
                # The server closed a kept-alive connection between requests: once more.
                self.connection.close()
                self.connection = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def data(body: bytes) -> dict:
    parsed = json.loads(body)
    return parsed.get("data", parsed) if isinstance(parsed, dict) else parsed


# --- Inside the stack's environment ------------------------------------------------------------


def seed(path: str) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.test import Client as DjangoClient

    from roamcard.accounts.tokens import api_token_create
    from roamcard.ledger.services import ledger_post_data_grant
    from roamcard.testing import make_bucket, make_card, make_plan, make_region, make_user
    from roamcard.usage.models import NetworkApiKey
    from roamcard.usage.services import network_api_key_issue

    password_hash = make_password(PASSWORD)
    region = make_region(code="europe", name="Europe", countries=("FR", "DE", "IT", "ES"))
    # Starting now: only live buckets count in the balance the renewal waits for.
    plan = make_plan(region=region, data_bytes=GIB, days=7, kind="week", prices={"CNY": 100})

    def traveller(n: int, kind: str) -> dict:
        email = f"soak-{kind}-{n}@example.com"
        user = make_user(email=email, password=None)
        user.password = password_hash  # Argon2 once for all: they share the password
        user.save(update_fields=["password"])
        card = make_card(owner=user, region=region)
        if kind == "usage":  # plenty of data, booked as a renewal books it
            bucket = make_bucket(card=card, bytes_granted=100 * GIB, days=30)
            ledger_post_data_grant(
                key=f"soak:{bucket.pk}:grant", card_id=card.pk, bytes_granted=100 * GIB
            )
        _, token = api_token_create(user=user, name="soak")
        browser = DjangoClient()  # a browser of its own: its session stays signed in
        browser.force_login(user)
        session = browser.cookies[settings.SESSION_COOKIE_NAME].value
        return {
            "card_id": card.pk,
            "iccid": card.iccid,
            "token": token,
            "session": session,
            "email": email,
        }

    _, network_key = network_api_key_issue(
        name="soak", scope=NetworkApiKey.Scope.USAGE_WRITE, staff=None, ip_address=None
    )
    seeded = {
        "plan_id": plan.pk,
        "network_key": network_key,
        "renewal_cards": [traveller(n, "renewal") for n in range(RENEWAL_CARDS)],
        "usage_cards": [traveller(n, "usage") for n in range(USAGE_CARDS)],
    }
    Path(path).write_text(json.dumps(seeded))


def drive(seed_path: str, number: str, bases: str) -> None:
    import django

    django.setup()
    seeded = json.loads(Path(seed_path).read_text())
    print(json.dumps(Driver(seeded, int(number), bases.split(",")).run()))


def renew_once(seed_path: str, bases: str) -> None:
    """One renewal of the first seeded card through the first web process (the notification
    through the second): for tests/processes/test_procfile.py."""
    import django

    django.setup()
    seeded = json.loads(Path(seed_path).read_text())
    driver = Driver(seeded, 0, bases.split(","))
    api, other = driver.client(0), driver.client(1)
    latency_ms = driver.renew(api, other, seeded["renewal_cards"][0], {})
    print(json.dumps({"latency_ms": latency_ms, "errors": driver.errors}))


def pending() -> None:
    import django

    django.setup()
    from huey.contrib.djhuey import HUEY

    from roamcard.orders.choices import OrderState
    from roamcard.orders.models import Order

    print(
        json.dumps(
            {
                "paid_not_fulfilled": Order.objects.filter(state=OrderState.PAID).count(),
                "queue_pending": HUEY.pending_count(),
            }
        )
    )


def verify() -> None:
    """The books after the run, as an auditor would check them."""
    import django

    django.setup()
    from django.db import connection

    from roamcard.ledger.selectors import unit_totals

    def one(sql: str) -> int:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchone()[0]

    def percentiles(sql: str) -> dict[str, float | None]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms),"
                f" percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) FROM ({sql}) AS x"
            )
            p50, p99 = cursor.fetchone()
        return {"p50_ms": p50 and round(p50, 1), "p99_ms": p99 and round(p99, 1)}

    report = {
        "webhook_received_to_processed": percentiles(
            "SELECT extract(epoch FROM processed_at - received_at) * 1000 AS ms"
            " FROM payments_webhookdelivery WHERE outcome = 'processed'"
        ),
        "order_paid_to_fulfilled": percentiles(
            "SELECT extract(epoch FROM fulfilled_at - paid_at) * 1000 AS ms"
            " FROM orders_order WHERE state = 'fulfilled'"
        ),
        "orders_paid": one(
            "SELECT count(*) FROM orders_order WHERE state IN ('paid', 'fulfilled', 'refunded')"
        ),
        "orders_fulfilled": one("SELECT count(*) FROM orders_order WHERE state = 'fulfilled'"),
        "orders_paid_not_fulfilled": one("SELECT count(*) FROM orders_order WHERE state = 'paid'"),
        "orders_fulfilled_without_bucket": one(
            "SELECT count(*) FROM orders_order WHERE state = 'fulfilled' AND bucket_id IS NULL"
        ),
        "buckets_shared_by_orders": one(
            "SELECT count(*) FROM (SELECT bucket_id FROM orders_order WHERE bucket_id IS NOT NULL"
            " GROUP BY bucket_id HAVING count(*) > 1) AS shared"
        ),
        "orders_fulfilled_twice": one(
            "SELECT count(*) FROM (SELECT order_id FROM orders_orderevent"
            " WHERE to_state = 'fulfilled' GROUP BY order_id HAVING count(*) > 1) AS twice"
        ),
        "grants": one("SELECT count(*) FROM ledger_transaction WHERE key LIKE 'order:%:grant'"),
        "payments_succeeded": one(
            "SELECT count(*) FROM payments_payment WHERE state = 'succeeded'"
        ),
        "webhook_duplicates_stored": one(
            "SELECT count(*) FROM payments_webhookdelivery WHERE outcome = 'duplicate'"
        ),
        "unit_totals": unit_totals(),
        "cards_whose_ledger_differs_from_buckets": one(
            """
            SELECT count(*) FROM (
                SELECT c.id,
                    COALESCE((SELECT sum(b.bytes_remaining) FROM cards_bucket b
                              WHERE b.card_id = c.id AND b.bytes_remaining IS NOT NULL), 0)
                      AS in_buckets,
                    COALESCE((SELECT sum(e.amount) FROM ledger_entry e
                              JOIN ledger_account a ON a.id = e.account_id
                              WHERE a.code = 'card:' || c.id || ':data'), 0) AS in_ledger
                FROM cards_card c
            ) AS per_card WHERE in_buckets <> in_ledger
            """
        ),
    }
    print(json.dumps(report))


# --- The result --------------------------------------------------------------------------------


def summarise(traffic: dict, books: dict, scrapes: list[dict], sampler, drained: dict) -> dict:
    from bench.renewal import quantile

    latencies = sorted(r["ms"] for r in traffic["renewals"])
    requests = sum(sum(statuses.values()) for statuses in traffic["requests"].values())
    errors_5xx = sum(
        count
        for statuses in traffic["requests"].values()
        for status, count in statuses.items()
        if status.startswith("5")
    )
    failed = sum(statuses.get("0", 0) for statuses in traffic["requests"].values())
    renewals = len(latencies)
    growth = sampler.growth()
    cpu = sampler.cpu_seconds()
    p99 = round(quantile(latencies, 0.99), 1) if latencies else None
    renewals_per_s = round(renewals / SECONDS, 2)
    checks = {
        "every_paid_order_fulfilled_once": books["orders_paid_not_fulfilled"] == 0
        and books["orders_fulfilled_without_bucket"] == 0
        and books["buckets_shared_by_orders"] == 0
        and books["orders_fulfilled_twice"] == 0
        and books["grants"] == books["orders_fulfilled"]
        and books["orders_fulfilled"] >= renewals,
        "ledger_balanced": all(total == 0 for total in books["unit_totals"].values())
        and books["cards_whose_ledger_differs_from_buckets"] == 0,
        "no_5xx": errors_5xx == 0 and all(scrape.get("http_5xx", 0) == 0 for scrape in scrapes),
        "no_failed_connection": failed == 0,
        "metrics_agree_across_web_processes": len({s.get("orders_fulfilled") for s in scrapes}) == 1
        and scrapes[0].get("orders_fulfilled") == books["orders_fulfilled"],
        "memory_flat": all(p["growth_mb"] < 50 for p in growth.values()),
        "renewals_per_s_bar": renewals_per_s >= BAR_RENEWALS_PER_S,
        "renewal_p99_bar": p99 is not None and p99 < BAR_P99_MS,
    }
    return {
        "requests": requests,
        "errors_5xx": errors_5xx,
        "failed_connections": failed,
        "renewals": renewals,
        "renewals_per_s": renewals_per_s,
        "renewal_p50_ms": round(quantile(latencies, 0.5), 1) if latencies else None,
        "renewal_p99_ms": p99,
        "renewal_max_ms": latencies[-1] if latencies else None,
        "rss_growth_mb_per_process": {label: p["growth_mb"] for label, p in growth.items()},
        "rss_mb_per_process": growth,
        "cpu_seconds_per_process": cpu,
        # Every process of the stack (not PostgreSQL, Redis or the load generator), for all
        # the traffic, per renewal: what a renewal costs with its share of the reads.
        "stack_cpu_ms_per_renewal": round(sum(cpu.values()) * 1000 / renewals, 1)
        if renewals
        else None,
        "duplicate_webhooks_sent": traffic["duplicates"],
        "requests_by_kind": traffic["requests"],
        "books": books,
        "metrics_scraped": scrapes,
        "drain": drained,
        "driver_errors": traffic["errors"][:20],
        "checks": checks,
        "passed": all(checks.values()),
    }


def print_result(result: dict) -> None:
    print(
        f"requests {result['requests']}  5xx {result['errors_5xx']}  renewals "
        f"{result['renewals']} ({result['renewals_per_s']}/s)  webhook → balance p50 "
        f"{result['renewal_p50_ms']} ms  p99 {result['renewal_p99_ms']} ms"
    )
    for label, growth in result["rss_growth_mb_per_process"].items():
        print(f"  RSS growth {label}: {growth} MB")
    for name, ok in result["checks"].items():
        print(f"  {'ok    ' if ok else 'FAILED'} {name}")
    if result["driver_errors"]:
        print("  first errors: " + "; ".join(result["driver_errors"][:5]))
    load = result["setup"]["load_average_during"]
    print(f"machine: {result['machine']['description']}; load average during the run {load}")


if __name__ == "__main__":
    command = sys.argv[1:2]
    if command == ["--seed"]:
        seed(sys.argv[2])
    elif command == ["--drive"]:
        drive(*sys.argv[2:5])
    elif command == ["--renew-once"]:
        renew_once(*sys.argv[2:4])
    elif command == ["--pending"]:
        pending()
    elif command == ["--verify"]:
        verify()
    else:
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
        sys.exit(main())
