"""`make bench-ingest`: usage events through the HTTP batch endpoint, against raw inserts.

For each stack — PostgreSQL + Redis (a throwaway database beside DATABASE_URL's and a fresh
queue name; skipped with a message when either is not reachable), then the embedded
default, SQLite (WAL) in a temporary folder — it migrates, loads BENCH_CARDS cards (default
10,000) with live buckets in four coverages (a quarter unlimited; the rest limited, some
with two buckets, a few small enough to run into overage), their grants in the ledger, and
a network API key; then, served by granian as bench/api.py does (2 WSGI workers,
config.settings.production), it times BENCH_EVENTS usage events (default 1,000,000) sent
as batches of BENCH_BATCH (default 10,000) to POST /api/v1/network/usage-events by
BENCH_CLIENTS concurrent clients (default 4). The bodies are encoded before the clock
starts: events/s = events sent / wall time from the first request to the last answer.

The traffic is a network's stream: events in time order over the last day and a half, some
reported late, about 3 % in countries outside the card's coverage, one in ten naming its
network by MCC-MNC instead of the country, and 0.5 % sent again (a resend of an earlier
batch's event, or twice in one batch). After each run the database is checked against what
was sent: the answers' counts, every stored event, each card's bytes, charges and overage
(computed here from the cards' grants), each bucket's charges against what it has left,
the ledger (every card's balance equals its buckets', every unit sums to zero) and the
daily usage. A fast engine that gets any of it wrong fails the run.

The baseline, in the same run and database: the same rows inserted into a table of the same
shape as usage_usageevent (its columns, indexes and unique event id; no foreign keys), by
psycopg's COPY on PostgreSQL (one COPY and commit per batch) and by executemany in one
transaction on SQLite. Then a CDR file of BENCH_IMPORT_LINES lines (default BENCH_EVENTS)
is imported with `roamcard import-usage FILE --quiet` in a subprocess (on PostgreSQL, or on
SQLite when PostgreSQL is skipped), whose peak RSS the kernel reports to a small launcher
process that starts it, and the database is checked again.

Prints a table against the bars (50,000 events/s on PostgreSQL, 25,000 on SQLite, the
importer under 200 MB) and writes bench/results/ingest.json (BENCH_RESULTS to write
elsewhere). Every load run, check, baseline and import is bounded by BENCH_TIMEOUT seconds
(default 900). BENCH_STACKS (default "postgres,sqlite") runs fewer stacks."""

import contextlib
import csv
import http.client
import itertools
import json
import os
import random
import re
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from bench.api import ROOT, granian_version, machine, serving
from bench.raw import raw_copy_postgres, raw_executemany_sqlite
from bench.stack import stack_environment

RESULTS = Path(os.environ.get("BENCH_RESULTS") or ROOT / "bench" / "results" / "ingest.json")
EVENTS = int(os.environ.get("BENCH_EVENTS", "1000000"))
CARDS = int(os.environ.get("BENCH_CARDS", "10000"))
BATCH = int(os.environ.get("BENCH_BATCH", "10000"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "4"))
IMPORT_LINES = int(os.environ.get("BENCH_IMPORT_LINES", str(EVENTS)))
TIMEOUT = int(os.environ.get("BENCH_TIMEOUT", "900"))
STACKS = [s.strip() for s in os.environ.get("BENCH_STACKS", "postgres,sqlite").split(",") if s]

PATH = "/api/v1/network/usage-events"
BARS = {"postgres_events_per_s": 50_000, "sqlite_events_per_s": 25_000}
IMPORTER_BAR_MB = 200
SEED = 20261129
MIB = 1024**2

# --- The world: coverages, cards and their buckets ----------------------------------------

EUROPE = ("FR", "DE", "IT", "ES", "NL", "PT", "GR", "AT", "BE", "CH", "SE", "PL")
ASIA = ("JP", "KR", "TH", "SG", "MY", "VN", "HK", "TW", "ID", "PH")
COVERAGES = {
    "bench-europe": EUROPE,
    "bench-japan": ("JP",),
    "bench-asia": ASIA,
    "bench-global": EUROPE + ASIA + ("US", "CA", "GB", "AU", "NZ", "MX", "TR", "AE"),
}
COVERAGE_SHARES = {"bench-europe": 35, "bench-asia": 25, "bench-japan": 15, "bench-global": 25}
# Covered by none of the coverages above: the traveller roamed outside their plan.
OUTSIDE = ("BR", "AR", "ZA", "EG", "KE", "CL")
OUTSIDE_SHARE = 0.03
# Networks the stream names by MCC-MNC (one event in ten where the country has one here).
NETWORKS = {
    "JP": "44010",
    "FR": "20801",
    "DE": "26201",
    "IT": "22201",
    "ES": "21407",
    "KR": "45005",
    "TH": "52001",
    "GB": "23415",
    "US": "310-260",
    "BR": "72405",
}
NETWORK_SHARE = 0.1
DUPLICATE_SHARE = 0.005
# What a card uses on average over the whole stream: with the grants below, a card with a
# 100 MiB bucket runs into overage, most others do not.
USAGE_PER_CARD = 200 * MIB
GRANTS_MIB = (100, 250, 500, 1024, 2048)
GRANT_WEIGHTS = (10, 15, 25, 30, 20)
UNLIMITED_SHARE = 0.25
TWO_BUCKETS_SHARE = 0.15
SPAN_SECONDS = 36 * 3600


@dataclass(frozen=True)
class CardPlan:
    iccid: str
    coverage: str
    # One per bucket: bytes granted, or None for unlimited.
    grants: tuple[int | None, ...]

    @property
    def unlimited(self) -> bool:
        return None in self.grants


def build_world(cards: int, rng: random.Random) -> list[CardPlan]:
    from stdnum import luhn

    coverages, shares = zip(*COVERAGE_SHARES.items(), strict=True)
    world = []
    for number in range(cards):
        body = f"898529{number:013d}"
        coverage = rng.choices(coverages, shares)[0]
        if rng.random() < UNLIMITED_SHARE:
            grants: tuple[int | None, ...] = (None,)
        else:
            grant = rng.choices(GRANTS_MIB, GRANT_WEIGHTS)[0] * MIB
            grants = (150 * MIB, grant) if rng.random() < TWO_BUCKETS_SHARE else (grant,)
        world.append(CardPlan(body + luhn.calc_check_digit(body), coverage, grants))
    return world


# --- The traffic: a network's stream of usage events -----------------------------------------


class Event(NamedTuple):
    event_id: str
    card: int  # index into the world
    bytes_up: int
    bytes_down: int
    started_at: str  # ISO 8601, UTC ("2026-11-28T10:00:00Z")
    ended_at: str
    country: str  # ISO code, what the row stores
    network: str  # MCC-MNC when the event names its network instead of the country
    covered: bool


def usage_stream(world: list[CardPlan], count: int, rng: random.Random) -> list[Event]:
    """`count` unique events in time order over the last SPAN_SECONDS, ending ten minutes
    ago; an event is reported up to half an hour late, so batches overlap in time. Event
    ids are random UUIDs, as many networks send."""
    end = int(time.time()) - 600
    start = end - SPAN_SECONDS
    mean = USAGE_PER_CARD * len(world) // max(count, 1)
    down_max, up_max = 1.8 * mean, 0.2 * mean
    countries = [COVERAGES[card.coverage] for card in world]
    stamp = _iso_stamps()
    uniform, bits = rng.random, rng.getrandbits  # a third of randrange's time
    events = []
    for number in range(count):
        card = int(uniform() * len(world))
        if uniform() < OUTSIDE_SHARE:
            country, covered = OUTSIDE[int(uniform() * len(OUTSIDE))], False
        else:
            choices = countries[card]
            country, covered = choices[int(uniform() * len(choices))], True
        network = NETWORKS.get(country, "") if uniform() < NETWORK_SHARE else ""
        ended = start + SPAN_SECONDS * number // max(count, 1) - int(uniform() * 1800)
        started = ended - 30 - int(uniform() * 1770)
        hex_id = f"{bits(128):032x}"
        events.append(
            Event(
                f"{hex_id[:8]}-{hex_id[8:12]}-4{hex_id[13:16]}-{hex_id[16:20]}-{hex_id[20:]}",
                card,
                int(uniform() * up_max),
                int(uniform() * down_max),
                stamp(started),
                stamp(ended),
                country,
                network,
                covered,
            )
        )
    return events


def _iso_stamps():
    cache: dict[int, str] = {}

    def stamp(epoch: int) -> str:
        if (text := cache.get(epoch)) is None:
            text = cache[epoch] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))
        return text

    return stamp


def with_duplicates(events: list[Event], duplicates: int, rng: random.Random) -> list[Event]:
    """The stream as sent: the unique events in order, with `duplicates` resends mixed in,
    two in three of an event from at least five batches back (the network retrying a batch
    it thinks was lost), the rest of an event earlier in the same batch."""
    total = len(events) + duplicates
    resend_at = set(rng.sample(range(1, total), duplicates)) if duplicates else set()
    unique = iter(events)
    sent: list[Event] = []
    for position in range(total):
        if position not in resend_at:
            sent.append(next(unique))
            continue
        batch_start = position - position % BATCH
        far = batch_start - 5 * BATCH
        if far > 0 and rng.random() < 2 / 3:
            sent.append(sent[rng.randrange(far)])
        elif position > batch_start:
            sent.append(sent[rng.randrange(batch_start, position)])
        else:
            sent.append(sent[rng.randrange(position)])
    return sent


def encode_batches(world: list[CardPlan], sent: list[Event]) -> list[bytes]:
    import msgspec

    encoder = msgspec.json.Encoder()
    bodies = []
    for offset in range(0, len(sent), BATCH):
        bodies.append(
            encoder.encode(
                {
                    "events": [
                        {
                            "event_id": e.event_id,
                            "iccid": world[e.card].iccid,
                            "bytes_up": e.bytes_up,
                            "bytes_down": e.bytes_down,
                            "started_at": e.started_at,
                            "ended_at": e.ended_at,
                            "country": e.network or e.country,
                        }
                        for e in sent[offset : offset + BATCH]
                    ]
                }
            )
        )
    return bodies


def write_cdr_file(path: Path, world: list[CardPlan], events: list[Event]) -> None:
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(
            ("event_id", "iccid", "bytes_up", "bytes_down", "started_at", "ended_at", "country")
        )
        writer.writerows(
            (
                e.event_id,
                world[e.card].iccid,
                e.bytes_up,
                e.bytes_down,
                e.started_at,
                e.ended_at,
                e.network or e.country,
            )
            for e in events
        )


@dataclass
class Expected:
    """What the database must hold after the events so far: per card (world order)
    [events, bytes, bytes in coverage]."""

    accepted: int = 0
    cards: list[list[int]] = field(default_factory=list)

    def add(self, world: list[CardPlan], events: Sequence[Event]) -> None:
        if not self.cards:
            self.cards = [[0, 0, 0] for _ in world]
        for e in events:
            figures = self.cards[e.card]
            total = e.bytes_up + e.bytes_down
            figures[0] += 1
            figures[1] += total
            if e.covered:
                figures[2] += total
        self.accepted += len(events)


# --- The run ------------------------------------------------------------------------------------


def main() -> int:
    load_before = round(os.getloadavg()[0], 2)
    rng = random.Random(SEED)
    duplicates = round(EVENTS * DUPLICATE_SHARE)
    print(f"Preparing {CARDS:,} cards and {EVENTS:,} events ({duplicates:,} resent)…", flush=True)
    world = build_world(CARDS, rng)
    events = usage_stream(world, EVENTS - duplicates, rng)
    bodies = encode_batches(world, with_duplicates(events, duplicates, rng))
    sent_expected = Expected()
    sent_expected.add(world, events)

    result: dict[str, object] = {}
    stacks: dict[str, dict] = {}
    importer: dict[str, object] = {"peak_rss_mb": None}
    importer_stack = next((name for name in ("postgres", "sqlite") if name in STACKS), None)
    with tempfile.TemporaryDirectory(prefix="roamcard-bench-ingest-") as tmp:
        work = Path(tmp)
        world_path = work / "world.json"
        world_path.write_text(json.dumps([[c.iccid, c.coverage, c.grants] for c in world]))
        for name in ("postgres", "sqlite"):
            if name not in STACKS:
                continue
            with stack_environment(name, work / name) as (env, description):
                if env is None and name == importer_stack:
                    importer_stack = "sqlite" if "sqlite" in STACKS else None
                if env is None:
                    print(f"{name}: skipped — {description}", flush=True)
                    stacks[name] = {"skipped": description}
                    continue
                print(f"{name}: {description}", flush=True)
                run = measure_stack(name, env, world, world_path, events, bodies, sent_expected)
                stacks[name] = {"stack": description, **run}
                if name == importer_stack:
                    importer = run_import(name, env, world, world_path, work, sent_expected)
                    importer["database"] = description
        for name in ("postgres", "sqlite"):
            run = stacks.get(name, {})
            result[f"{name}_events_per_s"] = run.get("events_per_s")
            result[f"{name}_raw_rows_per_s"] = run.get("raw_rows_per_s")
        result["importer_peak_rss_mb"] = importer["peak_rss_mb"]

    result.update(
        {
            "bars": {**BARS, "importer_peak_rss_mb": IMPORTER_BAR_MB},
            "ratios_events_to_raw": {
                name: round(run["events_per_s"] / run["raw_rows_per_s"], 3)
                for name, run in stacks.items()
                if run.get("raw_rows_per_s")
            },
            "importer": importer,
            "stacks": stacks,
            "traffic": {
                "events": EVENTS,
                "unique_events": len(events),
                "resent": duplicates,
                "cards": CARDS,
                "batch": BATCH,
                "clients": CLIENTS,
                "outside_coverage_share": OUTSIDE_SHARE,
                "mcc_mnc_share": NETWORK_SHARE,
            },
            "setup": {
                "server": f"granian {granian_version()}, 2 WSGI workers, blocking threads "
                f"{os.environ.get('BENCH_BLOCKING_THREADS', '1')} (bench/api.py's serving)",
                "settings": "config.settings.production, DEBUG off, no task consumer running",
                "baseline": "PostgreSQL: psycopg COPY, one per batch; SQLite: executemany, "
                "one transaction; into a copy of usage_usageevent's table (columns, indexes, "
                "unique event id; no foreign keys)",
                "load_average_before": load_before,
                "load_average_after": round(os.getloadavg()[0], 2),
            },
            "machine": machine(),
            "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print_table(result)
    print(f"machine: {result['machine']['description']}")
    print(f"written to {RESULTS}")
    return 0


def measure_stack(
    name: str,
    env: dict[str, str],
    world: list[CardPlan],
    world_path: Path,
    events: list[Event],
    bodies: list[bytes],
    expected: Expected,
) -> dict:
    step = Steps(name)
    with step("migrating"):
        run_bounded(env, "manage.py", "migrate", "--noinput", "-v", "0")
        run_bounded(env, "manage.py", "createcachetable")
    with step(f"loading {len(world):,} cards, their buckets and grants"):
        seeded = json.loads(
            run_bounded(env, "-m", "bench.ingest", "--seed", str(world_path)).stdout
        )
    before = rows_written(name, env)
    with step(f"sending {EVENTS:,} events"), serving(env) as base, lock_waits(name, env) as waits:
        sent = send(base, seeded["api_key"], bodies)
    total_sent = sum(sent["answers"].values())
    expect_answers(name, sent["answers"], accepted=len(events), sent=total_sent)
    after = rows_written(name, env)
    per_event = {
        table: round((after[table] - before.get(table, 0)) / len(events), 2)
        for table in after
        if after[table] != before.get(table, 0)
    }
    print(
        f"  rows written per event ({'inserted or updated' if name == 'postgres' else 'inserted'}"
        f"): {per_event} = {sum(per_event.values()):.1f}",
        flush=True,
    )
    if waits:
        print(
            f"  sampled every {LOCK_SAMPLE_SECONDS}s, the server's connections were: {waits}",
            flush=True,
        )
    expected_path = Path(env["ROAMCARD_VAR_DIR"]) / "expected.json"
    with step("checking the database against what was sent"):
        check(env, world_path, expected, expected_path)
    rows = raw_rows(events, seeded["card_ids"], sqlite=name == "sqlite")
    with step(f"raw inserts of the same {len(rows):,} rows"):
        raw_seconds = raw_insert(name, env, rows)
    events_per_s = total_sent / sent["wall_s"]
    raw_per_s = len(rows) / raw_seconds
    print(
        f"  {events_per_s:,.0f} events/s over HTTP ({sent['wall_s']:.1f} s); raw inserts "
        f"{raw_per_s:,.0f} rows/s; ratio {events_per_s / raw_per_s:.3f}",
        flush=True,
    )
    return {
        "events_per_s": round(events_per_s),
        "raw_rows_per_s": round(raw_per_s),
        "wall_s": round(sent["wall_s"], 2),
        "raw_wall_s": round(raw_seconds, 2),
        "answers": sent["answers"],
        "batch_latency_s": sent["latency_s"],
        "rows_written_per_event": per_event,
        "server_connections_sampled": waits,
        "phases_s": step.durations,
    }


WRITTEN_TABLES = (
    "usage_usageevent", "usage_usagecharge", "usage_usageday", "usage_usagebatch",
    "cards_bucket", "cards_card", "ledger_transaction", "ledger_entry", "ledger_account",
)  # fmt: skip


def rows_written(name: str, env: dict[str, str]) -> dict[str, int]:
    """Per table, the rows written so far: inserted + updated on PostgreSQL (its statistics
    of the database, flushed as each connection closes), rows held on SQLite."""
    if name == "postgres":
        import psycopg

        parts = urllib.parse.urlsplit(env["DATABASE_URL"])
        with psycopg.connect(urllib.parse.urlunsplit(parts._replace(scheme="postgresql"))) as conn:
            rows = conn.execute(
                "SELECT relname, n_tup_ins + n_tup_upd FROM pg_stat_user_tables "
                "WHERE schemaname = 'public' AND relname = ANY(%s)",
                [list(WRITTEN_TABLES)],
            ).fetchall()
        return dict(rows)
    conn = sqlite3.connect(Path(env["ROAMCARD_VAR_DIR"]) / "roamcard.sqlite3")
    try:
        return {
            table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in WRITTEN_TABLES
        }
    finally:
        conn.close()


LOCK_SAMPLE_SECONDS = 0.05


@contextlib.contextmanager
def lock_waits(name: str, env: dict[str, str]) -> Iterator[dict[str, int]]:
    """On PostgreSQL, samples what the web workers' connections are doing while the batches
    are sent: running a statement, waiting for a row lock another batch holds, idle in its
    transaction (the worker is in Python holding its cards' locks: rating, building rows)
    or idle outside one (decoding, checking, answering, or no request). Shares in %,
    filled in at the end."""
    shares: dict[str, int] = {}
    if name != "postgres":
        yield shares
        return
    import psycopg

    parts = urllib.parse.urlsplit(env["DATABASE_URL"])
    database = parts.path.lstrip("/")
    counts = {"running": 0, "waiting for a lock": 0, "in Python, locks held": 0, "idle": 0}
    stop = threading.Event()

    def sample() -> None:
        url = urllib.parse.urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
        with psycopg.connect(url, autocommit=True) as conn:
            while not stop.wait(LOCK_SAMPLE_SECONDS):
                for state, wait_type in conn.execute(
                    "SELECT state, wait_event_type FROM pg_stat_activity "
                    "WHERE datname = %s AND backend_type = 'client backend' "
                    "AND pid <> pg_backend_pid()",
                    [database],
                ):
                    if wait_type == "Lock":
                        counts["waiting for a lock"] += 1
                    elif state == "active":
                        counts["running"] += 1
                    elif state == "idle in transaction":
                        counts["in Python, locks held"] += 1
                    else:
                        counts["idle"] += 1

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        yield shares
    finally:
        stop.set()
        sampler.join()
        total = sum(counts.values()) or 1
        shares.update({key: round(100 * value / total) for key, value in counts.items()})


class Steps:
    """Announces each step of a stack and keeps how long it took."""

    def __init__(self, stack: str):
        self.stack = stack
        self.durations: dict[str, float] = {}

    @contextlib.contextmanager
    def __call__(self, what: str) -> Iterator[None]:
        print(f"  {what}…", flush=True)
        start = time.perf_counter()
        yield
        self.durations[what.split(" ", 1)[0]] = round(time.perf_counter() - start, 2)


def expect_answers(name: str, answers: dict[str, int], *, accepted: int, sent: int) -> None:
    want = {"accepted": accepted, "duplicates": sent - accepted, "rejected": 0}
    if answers != want:
        sys.exit(f"{name}: the answers counted {answers}, expected {want}")


# --- The stacks -----------------------------------------------------------------------------


def run_bounded(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(
            [sys.executable, *args], cwd=ROOT, env=env, check=True, capture_output=True,
            text=True, timeout=TIMEOUT,
        )  # fmt: skip
    except subprocess.CalledProcessError as exc:
        sys.exit(f"{' '.join(args)} failed:\n{exc.stdout[-3000:]}\n{exc.stderr[-5000:]}")
    except subprocess.TimeoutExpired:
        sys.exit(f"{' '.join(args)} took longer than {TIMEOUT} s")


# --- Sending the batches --------------------------------------------------------------------


def send(base: str, api_key: str, bodies: list[bytes]) -> dict:
    """POST every body from CLIENTS keep-alive connections, each taking the next body when
    its answer is in. The answers are only kept while the clock runs and read afterwards."""
    parts = urllib.parse.urlsplit(base)
    headers = {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"}
    answers: list[tuple[int, bytes, float] | None] = [None] * len(bodies)
    next_body = itertools.count()
    deadline = time.monotonic() + TIMEOUT
    failures: list[str] = []

    def client() -> None:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=TIMEOUT)
        while not failures and (index := next(next_body)) < len(bodies):
            if time.monotonic() > deadline:
                failures.append(f"not done after {TIMEOUT} s (BENCH_TIMEOUT)")
                break
            start = time.perf_counter()
            try:
                connection.request("POST", PATH, body=bodies[index], headers=headers)
                response = connection.getresponse()
                answers[index] = (response.status, response.read(), time.perf_counter() - start)
            except (OSError, http.client.HTTPException) as exc:
                failures.append(f"batch {index}: {exc!r}")
        connection.close()

    clients = [threading.Thread(target=client) for _ in range(CLIENTS)]
    start = time.perf_counter()
    for thread in clients:
        thread.start()
    for thread in clients:
        thread.join()
    wall = time.perf_counter() - start
    if failures:
        sys.exit(f"sending failed: {failures[0]}")

    counts = {"accepted": 0, "duplicates": 0, "rejected": 0}
    reasons: dict[str, int] = {}
    for index, (status, body, _) in enumerate(answers):
        if status != 200:
            sys.exit(f"batch {index} answered {status}: {body[:500]!r}")
        answer = json.loads(body)
        for key in counts:
            counts[key] += answer[key]
        for item in answer["results"]:
            if item["result"] == "rejected":
                reasons[item["reason"]] = reasons.get(item["reason"], 0) + 1
    if reasons:
        print(f"  rejections by reason: {reasons}", flush=True)
    latencies = sorted(latency for _, _, latency in answers)
    return {
        "wall_s": wall,
        "answers": counts,
        "latency_s": {
            "p50": round(statistics.median(latencies), 3),
            "max": round(latencies[-1], 3),
        },
    }


# --- The baseline: the same rows, inserted raw ----------------------------------------------

RAW_TABLE = "bench_raw_usageevent"
RAW_COLUMNS = (
    "event_id", "batch_id", "card_id", "started_at", "ended_at", "bytes_up", "bytes_down",
    "country", "network", "charged_bytes", "overage_bytes", "out_of_coverage",
)  # fmt: skip


def raw_rows(events: list[Event], card_ids: list[int], *, sqlite: bool) -> list[tuple]:
    """The stored events' rows, built before the clock starts: times as each database
    takes them (SQLite: Django's 'YYYY-MM-DD HH:MM:SS' in UTC)."""

    def when(stamp: str) -> str:
        return f"{stamp[:10]} {stamp[11:19]}" if sqlite else stamp

    return [
        (
            e.event_id,
            1 + number // BATCH,
            card_ids[e.card],
            when(e.started_at),
            when(e.ended_at),
            e.bytes_up,
            e.bytes_down,
            e.country,
            e.network,
            e.bytes_up + e.bytes_down if e.covered else 0,
            0,
            not e.covered,
        )
        for number, e in enumerate(events)
    ]


def raw_insert(name: str, env: dict[str, str], rows: list[tuple]) -> float:
    """Seconds to insert `rows` into a fresh copy of usage_usageevent's table."""
    if name == "postgres":
        return raw_insert_postgres(env["DATABASE_URL"], rows)
    return raw_insert_sqlite(Path(env["ROAMCARD_VAR_DIR"]) / "roamcard.sqlite3", rows)


def raw_insert_postgres(url: str, rows: list[tuple]) -> float:
    return raw_copy_postgres(
        url,
        like="usage_usageevent",
        table=RAW_TABLE,
        columns=RAW_COLUMNS,
        rows=rows,
        batch=BATCH,
        timeout=TIMEOUT,
        commit_each_batch=True,
    )


def raw_insert_sqlite(path: Path, rows: list[tuple]) -> float:
    return raw_executemany_sqlite(
        path,
        like="usage_usageevent",
        table=RAW_TABLE,
        columns=RAW_COLUMNS,
        rows=rows,
        timeout=TIMEOUT,
    )


# --- The importer -------------------------------------------------------------------------------


# Runs the command in its argv[2:], then writes its children's peak RSS to argv[1].
LAUNCHER = (
    "import resource, subprocess, sys\n"
    "code = subprocess.call(sys.argv[2:])\n"
    "with open(sys.argv[1], 'w') as out:\n"
    "    out.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))\n"
    "sys.exit(code)\n"
)


def run_import(
    name: str,
    env: dict[str, str],
    world: list[CardPlan],
    world_path: Path,
    work: Path,
    expected: Expected,
) -> dict[str, object]:
    """`roamcard import-usage FILE --quiet` on a CDR file of new events for the same cards,
    started by a small launcher process that reports the importer's peak RSS (its
    RUSAGE_CHILDREN once the importer exited). Not wait4 from here: Linux counts the RSS a
    process had when it forked into its child's ru_maxrss, and this process holds the
    million events (about 900 MiB), which the importer would then seem to use."""
    command_file = ROOT / "roamcard" / "usage" / "management" / "commands" / "import_usage.py"
    if not command_file.exists():
        print("importer: `roamcard import-usage` is not there yet: skipped", flush=True)
        return {"peak_rss_mb": None, "skipped": "roamcard import-usage does not exist yet"}
    events = usage_stream(world, IMPORT_LINES, random.Random(SEED + 1))
    path = work / "cdr.csv"
    write_cdr_file(path, world, events)
    print(
        f"importer ({name}): roamcard import-usage of {IMPORT_LINES:,} lines "
        f"({path.stat().st_size / MIB:,.0f} MiB)…",
        flush=True,
    )
    log_path, peak_path = work / "import-usage.log", work / "import-usage.maxrss"
    command = [sys.executable, "-m", "roamcard.cli", "import-usage", str(path), "--quiet"]
    with log_path.open("w") as log:
        start = time.perf_counter()
        launcher = subprocess.Popen(
            [sys.executable, "-c", LAUNCHER, str(peak_path), *command],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        try:
            code = launcher.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(launcher.pid, signal.SIGKILL)
            launcher.wait()
            sys.exit(f"import-usage took longer than {TIMEOUT} s")
        seconds = time.perf_counter() - start
    output = log_path.read_text()
    if code != 0:
        sys.exit(f"import-usage exited with {code}:\n{output[-5000:]}")
    peak_mb = int(peak_path.read_text()) / 1024  # Linux counts it in KiB
    # The importer's own rate (its summary line), without Python's and Django's start.
    own = re.search(r"\(([\d,]+) events/s\)", output)
    own_rate = int(own.group(1).replace(",", "")) if own else None
    print(
        f"  {own_rate or 0:,} events/s by its own count, {IMPORT_LINES / seconds:,.0f} "
        f"counting its start ({seconds:.1f} s); peak RSS {peak_mb:.0f} MiB",
        flush=True,
    )
    expected = Expected(expected.accepted, [list(figures) for figures in expected.cards])
    expected.add(world, events)
    print("  checking the database against the file…", flush=True)
    check(env, world_path, expected, Path(env["ROAMCARD_VAR_DIR"]) / "expected-import.json")
    return {
        "peak_rss_mb": round(peak_mb, 1),
        "lines": IMPORT_LINES,
        "file_mib": round(path.stat().st_size / MIB, 1),
        "wall_s": round(seconds, 2),
        "events_per_s": own_rate,
        "events_per_s_with_start": round(IMPORT_LINES / seconds),
        "summary": output.strip().splitlines()[-3:],
    }


# --- Inside the stack's environment: seeding and checking -----------------------------------


def seed(world_path: str) -> None:
    """The coverages, the cards with their buckets, the grants in the ledger, in bulk; a
    network API key. Prints the key and the cards' ids in the world's order."""
    import django

    django.setup()
    from datetime import timedelta

    from django.db import transaction
    from django.utils import timezone

    from roamcard.cards.models import Bucket, Card
    from roamcard.cards.passwords import hash_card_password
    from roamcard.catalog.models import Region
    from roamcard.ledger.models import DATA_UNIT, Account, Entry, Transaction
    from roamcard.ledger.services import card_data_account
    from roamcard.usage.models import NetworkApiKey
    from roamcard.usage.services import network_api_key_issue

    world = json.loads(Path(world_path).read_text())
    now = timezone.now()
    with transaction.atomic():
        regions = {
            code: Region.objects.create(code=code, name=code, countries=list(countries))
            for code, countries in COVERAGES.items()
        }
        Card.objects.bulk_create(
            (
                Card(
                    iccid=iccid,
                    password_hash=hash_card_password(iccid=iccid, password="123456"),
                    region=regions[coverage],
                    status="active",
                )
                for iccid, coverage, _ in world
            ),
            batch_size=2000,
        )
        ids = dict(Card.objects.values_list("iccid", "pk"))
        card_ids = [ids[iccid] for iccid, _, _ in world]
        buckets = []
        for (_, coverage, grants), card_id in zip(world, card_ids, strict=True):
            for order, granted in enumerate(grants):
                buckets.append(
                    Bucket(
                        card_id=card_id,
                        region=regions[coverage],
                        bytes_granted=granted,
                        bytes_remaining=granted,
                        valid_from=now - timedelta(days=3),
                        # The first of two ends sooner: it is charged first.
                        valid_until=now + timedelta(days=2 if order < len(grants) - 1 else 30),
                    )
                )
        Bucket.objects.bulk_create(buckets, batch_size=2000)
        limited = list(
            Bucket.objects.filter(bytes_granted__isnull=False).values_list(
                "pk", "card_id", "bytes_granted"
            )
        )
        network = Account.objects.create(code="network:data_granted", unit=DATA_UNIT)
        Account.objects.bulk_create(
            (
                Account(code=card_data_account(card_id), unit=DATA_UNIT, card_id=card_id)
                for card_id in {card_id for _, card_id, _ in limited}
            ),
            batch_size=2000,
        )
        accounts = dict(Account.objects.filter(card__isnull=False).values_list("card_id", "pk"))
        Transaction.objects.bulk_create(
            (Transaction(key=f"bench:grant:{pk}", kind="data_grant") for pk, _, _ in limited),
            batch_size=2000,
        )
        transactions = dict(Transaction.objects.filter(kind="data_grant").values_list("key", "pk"))
        entries = []
        for pk, card_id, granted in limited:
            txn = transactions[f"bench:grant:{pk}"]
            entries.append(
                Entry(transaction_id=txn, account_id=accounts[card_id], unit=DATA_UNIT,
                      amount=granted)
            )  # fmt: skip
            entries.append(
                Entry(transaction_id=txn, account_id=network.pk, unit=DATA_UNIT, amount=-granted)
            )
        Entry.objects.bulk_create(entries, batch_size=2000)
    _, secret = network_api_key_issue(
        name="bench", scope=NetworkApiKey.Scope.USAGE_WRITE, staff=None, ip_address=None
    )
    print(json.dumps({"api_key": secret, "card_ids": card_ids}))


def check(env: dict[str, str], world_path: Path, expected: Expected, path: Path) -> None:
    path.write_text(json.dumps({"accepted": expected.accepted, "cards": expected.cards}))
    found = json.loads(
        run_bounded(env, "-m", "bench.ingest", "--check", str(world_path), str(path)).stdout
    )
    if found["problems"]:
        listed = "\n  ".join(found["problems"][:30])
        sys.exit(
            f"the database does not hold what was sent ({found['count']} problems):\n  {listed}"
        )


def verify(world_path: str, expected_path: str) -> None:
    """Compare the database with the events sent (expected_path) and the cards' grants
    (world_path); print the problems found, all at once."""
    import django

    django.setup()
    from django.db.models import Count, F, Q, Sum

    from roamcard.cards.models import Bucket, Card
    from roamcard.ledger.models import Entry
    from roamcard.ledger.selectors import unit_totals
    from roamcard.usage.models import UsageCharge, UsageDay, UsageEvent

    world = json.loads(Path(world_path).read_text())
    expected = json.loads(Path(expected_path).read_text())
    problems: list[str] = []
    stored = UsageEvent.objects.count()
    if stored != expected["accepted"]:
        problems.append(f"{stored} events stored, {expected['accepted']} accepted")

    total = F("bytes_up") + F("bytes_down")
    usage = {
        row["card_id"]: row
        for row in UsageEvent.objects.values("card_id").annotate(
            events=Count("id"),
            bytes=Sum(total),
            uncovered=Sum(total, filter=Q(out_of_coverage=True), default=0),
            charged=Sum("charged_bytes"),
            overage=Sum("overage_bytes"),
        )
    }
    cards = {row[0]: row[1:] for row in Card.objects.values_list("iccid", "pk", "data_limited_at")}
    used: dict[int, int] = {}
    remaining: dict[int, int] = {}
    charged_to: dict[int, int] = dict(
        UsageCharge.objects.values("bucket_id")
        .annotate(total=Sum("bytes"))
        .values_list("bucket_id", "total")
    )
    for bucket_id, card_id, granted, left in Bucket.objects.filter(
        bytes_granted__isnull=False
    ).values_list("pk", "card_id", "bytes_granted", "bytes_remaining"):
        used[card_id] = used.get(card_id, 0) + granted - left
        remaining[card_id] = remaining.get(card_id, 0) + left
        if granted - left != charged_to.get(bucket_id, 0):
            problems.append(
                f"bucket {bucket_id}: {granted - left} B used, {charged_to.get(bucket_id, 0)} "
                "B charged to it"
            )
    ledger = dict(
        Entry.objects.filter(account__card__isnull=False)
        .values("account__card_id")
        .annotate(total=Sum("amount"))
        .values_list("account__card_id", "total")
    )
    for (iccid, _, grants), (events, sent_bytes, covered) in zip(
        world, expected["cards"], strict=True
    ):
        card_id, limited_at = cards[iccid]
        row = usage.get(card_id, {"events": 0, "bytes": 0, "uncovered": 0, "charged": 0,
                                  "overage": 0})  # fmt: skip
        overage = 0 if None in grants else max(0, covered - sum(grants))
        want = {
            "events": events,
            "bytes": sent_bytes,
            "uncovered": sent_bytes - covered,
            "charged": covered - overage,
            "overage": overage,
        }
        got = {key: row[key] or 0 for key in want}
        if got != want:
            problems.append(f"card {iccid}: stored {got}, expected {want}")
        if None not in grants and used.get(card_id, 0) != covered - overage:
            problems.append(
                f"card {iccid}: its buckets used {used.get(card_id, 0)} B, "
                f"expected {covered - overage} B"
            )
        if (limited_at is not None) != (overage > 0):
            problems.append(f"card {iccid}: overage {overage} B but data_limited_at {limited_at}")
        if ledger.get(card_id, 0) != remaining.get(card_id, 0):
            problems.append(
                f"card {iccid}: the ledger holds {ledger.get(card_id, 0)} B, "
                f"its buckets {remaining.get(card_id, 0)} B"
            )
    for unit, amount in unit_totals().items():
        if amount:
            problems.append(f"ledger unit {unit} sums to {amount}, not 0")

    days = UsageDay.objects.aggregate(
        bytes=Sum("bytes"),
        charged=Sum("charged_bytes"),
        overage=Sum("overage_bytes"),
        uncovered=Sum("uncovered_bytes"),
        events=Sum("events"),
    )
    events_total = {
        "bytes": sum(row["bytes"] for row in usage.values()),
        "charged": sum(row["charged"] for row in usage.values()),
        "overage": sum(row["overage"] for row in usage.values()),
        "uncovered": sum(row["uncovered"] for row in usage.values()),
        "events": stored,
    }
    if {key: value or 0 for key, value in days.items()} != events_total:
        problems.append(f"daily usage sums to {days}, the events to {events_total}")
    print(json.dumps({"count": len(problems), "problems": problems}))


# --- Where the time goes: `python -m bench.ingest --profile` -----------------------------------


def profile() -> int:
    """The same world and traffic on one stack (the first of BENCH_STACKS that runs here),
    posted in process through Django's test client (no granian, no sockets): the first
    half of the batches timed, with each SQL statement's time summed by kind; the second
    half under cProfile. Use fewer events (BENCH_EVENTS=100000) for a quick look."""
    rng = random.Random(SEED)
    duplicates = round(EVENTS * DUPLICATE_SHARE)
    world = build_world(CARDS, rng)
    events = usage_stream(world, EVENTS - duplicates, rng)
    bodies = encode_batches(world, with_duplicates(events, duplicates, rng))
    with tempfile.TemporaryDirectory(prefix="roamcard-bench-ingest-") as tmp:
        work = Path(tmp)
        world_path = work / "world.json"
        world_path.write_text(json.dumps([[c.iccid, c.coverage, c.grants] for c in world]))
        bodies_dir = work / "bodies"
        bodies_dir.mkdir()
        for number, body in enumerate(bodies):
            (bodies_dir / f"{number:05d}.json").write_bytes(body)
        for name in STACKS:
            with stack_environment(name, work / name) as (env, description):
                if env is None:
                    print(f"{name}: skipped — {description}", flush=True)
                    continue
                print(f"{name}: {description}", flush=True)
                run_bounded(env, "manage.py", "migrate", "--noinput", "-v", "0")
                run_bounded(env, "manage.py", "createcachetable")
                seeded = json.loads(
                    run_bounded(env, "-m", "bench.ingest", "--seed", str(world_path)).stdout
                )
                profiled = run_bounded(
                    env, "-m", "bench.ingest", "--profile-worker", str(bodies_dir),
                    seeded["api_key"],
                )  # fmt: skip
                print(profiled.stdout)
                return 0
    return 1


def profile_worker(bodies_dir: str, api_key: str) -> None:
    import cProfile
    import pstats

    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {api_key}")
    bodies = sorted(Path(bodies_dir).iterdir())
    half = len(bodies) // 2
    spent: dict[str, list[float]] = {}

    def timed(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            kind = re.match(r"\s*(SELECT .*? FROM \S+|INSERT INTO \S+|UPDATE \S+|\w+)", sql, re.S)
            figures = spent.setdefault(kind.group(1)[:70] if kind else sql[:40], [0, 0.0])
            figures[0] += 1
            figures[1] += time.perf_counter() - start

    def post(path: Path) -> int:
        body = path.read_bytes()
        response = client.post(PATH, body, content_type="application/json")
        if response.status_code != 200:
            sys.exit(f"{path.name} answered {response.status_code}: {response.content[:300]!r}")
        return body.count(b'"event_id"')

    with connection.execute_wrapper(timed):
        start = time.perf_counter()
        sent = sum(post(path) for path in bodies[:half])
        wall = time.perf_counter() - start
    in_sql = sum(seconds for _, seconds in spent.values())
    print(f"{sent:,} events in {half} batches in process: {sent / wall:,.0f} events/s")
    print(f"  per batch {wall / half * 1000:,.0f} ms, of which SQL statements (not COPY) ")
    print(f"  {in_sql / half * 1000:,.0f} ms:")
    for kind, (count, seconds) in sorted(spent.items(), key=lambda item: -item[1][1]):
        print(f"  {seconds / half * 1000:8.1f} ms  {count / half:6.1f} x  {kind}")
    profiler = cProfile.Profile()
    profiler.enable()
    for path in bodies[half:]:
        post(path)
    profiler.disable()
    print(f"\ncProfile of the other {len(bodies) - half} batches (the profiler slows Python):")
    stats = pstats.Stats(profiler, stream=sys.stdout).strip_dirs()
    stats.sort_stats("cumulative").print_stats(35)
    stats.sort_stats("tottime").print_stats(25)
    stats.print_callers(12)


# --- The report -------------------------------------------------------------------------------


def print_table(result: dict) -> None:
    def figure(value: float | None, unit: str) -> str:
        return "skipped" if value is None else f"{value:,.0f} {unit}"

    ratios = result["ratios_events_to_raw"]
    rows = [
        (
            "PostgreSQL, events/s over HTTP",
            figure(result["postgres_events_per_s"], "/s"),
            f">= {BARS['postgres_events_per_s']:,}",
            verdict(result["postgres_events_per_s"], lambda v: v >= BARS["postgres_events_per_s"]),
            f"raw COPY {figure(result['postgres_raw_rows_per_s'], 'rows/s')}, "
            f"ratio {ratios.get('postgres', '–')}",
        ),
        (
            "SQLite, events/s over HTTP",
            figure(result["sqlite_events_per_s"], "/s"),
            f">= {BARS['sqlite_events_per_s']:,}",
            verdict(result["sqlite_events_per_s"], lambda v: v >= BARS["sqlite_events_per_s"]),
            f"raw executemany {figure(result['sqlite_raw_rows_per_s'], 'rows/s')}, "
            f"ratio {ratios.get('sqlite', '–')}",
        ),
        (
            "import-usage, peak RSS",
            figure(result["importer_peak_rss_mb"], "MiB"),
            f"< {IMPORTER_BAR_MB} MB",
            verdict(result["importer_peak_rss_mb"], lambda v: v < IMPORTER_BAR_MB),
            f"{figure(result['importer'].get('events_per_s'), 'events/s')}",
        ),
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    print()
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        print("  ".join(cells) + f"  ({row[4]})")
    print()


def verdict(value: float | None, meets) -> str:
    if value is None:
        return "not measured"
    return "met" if meets(value) else "MISSED"


if __name__ == "__main__":
    if sys.argv[1:2] == ["--seed"]:
        seed(sys.argv[2])
    elif sys.argv[1:2] == ["--check"]:
        verify(sys.argv[2], sys.argv[3])
    elif sys.argv[1:2] == ["--profile"]:
        sys.exit(profile())
    elif sys.argv[1:2] == ["--profile-worker"]:
        profile_worker(sys.argv[2], sys.argv[3])
    else:
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
        sys.exit(main())
