"""`make bench-import`: a provider's card file through `roamcard import-cards`, against raw
inserts of the same rows.

Writes a CSV file of BENCH_CARDS cards (default 1,000,000: a fifth of them eSIMs with an
activation code, a third with an MSISDN, in four coverages, 6 to 8 digit card passwords) to
a temporary folder (BENCH_TMP to choose where). Then, for each stack — PostgreSQL (the
database named by BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/
cardimport_bench, dropped and created again, and dropped at the end; skipped with a message
when the server is not reachable), then the embedded default, SQLite (WAL) in a temporary
folder — it migrates with config.settings.production (a generated SECRET_KEY and card
password key), creates the coverages, and:

1. the baseline: the same rows, already parsed and with a fixed hash, inserted into a copy
   of cards_card's table (its columns and indexes; no foreign keys): one COPY per 10,000
   rows on PostgreSQL, executemany in one transaction on SQLite;
2. `roamcard import-cards FILE --no-progress` in a child process started by a small
   launcher that reports its peak RSS (RUSAGE_CHILDREN, as bench/ingest.py does); rows/s
   is the importer's own count (the command prints it), and with the process's start;
3. the same file again: every card unchanged (compared by its keyed hash, nothing written).

After each import the number of cards in the database is checked. Prints a table against
the bars (PostgreSQL: 1,000,000 cards in under 2 minutes, >= 8,500 rows/s; the importer
under 200 MB) with the ratio to the raw insert, and writes bench/results/import.json
(BENCH_RESULTS to write elsewhere) with the machine and its load average (`uptime`) before
and after. Each step is bounded by BENCH_TIMEOUT seconds (default 900); BENCH_STACKS
(default "postgres,sqlite") runs fewer stacks."""

import contextlib
import json
import os
import random
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

from bench.api import ROOT, machine
from bench.raw import raw_copy_postgres, raw_executemany_sqlite

RESULTS = Path(os.environ.get("BENCH_RESULTS") or ROOT / "bench" / "results" / "import.json")
CARDS = int(os.environ.get("BENCH_CARDS", "1000000"))
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/cardimport_bench"
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL
TIMEOUT = int(os.environ.get("BENCH_TIMEOUT", "900"))
STACKS = [s.strip() for s in os.environ.get("BENCH_STACKS", "postgres,sqlite").split(",") if s]
BARS = {"postgres_rows_per_s": 8_500, "peak_rss_mb": 200}
COPY_BATCH = 10_000
SEED = 20261129
MIB = 1024**2

REGIONS = {"bench-europe": 40, "bench-asia": 25, "bench-japan": 15, "bench-global": 20}
ESIM_SHARE = 0.2
MSISDN_SHARE = 0.33
RAW_TABLE = "bench_raw_card"
RAW_COLUMNS = (
    "iccid", "password_hash", "form", "status", "region_id", "msisdn", "activation_code",
    "label", "created_at",
)  # fmt: skip
# What the raw rows store as a hash: the same length as a keyed hash.
RAW_HASH = "hmac-sha256$v1$" + "0" * 64


# Runs the command in its argv[2:], then writes its children's peak RSS (KiB) and CPU time
# (user + system seconds) to argv[1] (as bench/ingest.py's launcher, with the CPU time: on
# a machine shared with others, rows per CPU-second is the figure that noise moves least).
LAUNCHER = (
    "import json, resource, subprocess, sys\n"
    "code = subprocess.call(sys.argv[2:])\n"
    "usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "cpu = usage.ru_utime + usage.ru_stime\n"
    "with open(sys.argv[1], 'w') as out:\n"
    "    json.dump({'maxrss_kib': usage.ru_maxrss, 'cpu_s': cpu}, out)\n"
    "sys.exit(code)\n"
)


# --- The file -------------------------------------------------------------------------------


def card_rows(count: int) -> Iterator[tuple[str, str, str, str, str, str]]:
    """(iccid, card password, form, region, msisdn, activation code) for `count` cards."""
    from stdnum import luhn

    rng = random.Random(SEED)
    codes, weights = zip(*REGIONS.items(), strict=True)
    regions = rng.choices(codes, weights, k=count)
    for number in range(count):
        body = f"898520{number:013d}"
        esim = rng.random() < ESIM_SHARE
        yield (
            body + luhn.calc_check_digit(body),
            str(rng.randrange(10 ** (5 + rng.randrange(1, 4)))).zfill(6),
            "esim" if esim else "physical",
            regions[number],
            f"+8526{number:08d}" if rng.random() < MSISDN_SHARE else "",
            f"LPA:1$smdp.example.com${number:012X}" if esim else "",
        )


def write_file(path: Path, count: int) -> None:
    with path.open("w", newline="") as out:
        out.write("iccid,card_password,form,region,msisdn,activation_code\n")
        for row in card_rows(count):
            out.write(",".join(row) + "\n")


# --- The run ------------------------------------------------------------------------------------


def main() -> int:
    load_before = uptime()
    stacks: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(
        prefix="roamcard-bench-import-", dir=os.environ.get("BENCH_TMP")
    ) as tmp:
        work = Path(tmp)
        path = work / "cards.csv"
        print(f"Writing {CARDS:,} cards to {path}…", flush=True)
        write_file(path, CARDS)
        file_mib = path.stat().st_size / MIB
        print(f"  {file_mib:,.1f} MiB", flush=True)
        for name in ("postgres", "sqlite"):
            if name not in STACKS:
                continue
            with stack_environment(name, work / name) as (env, description):
                if env is None:
                    print(f"{name}: skipped — {description}", flush=True)
                    stacks[name] = {"skipped": description}
                    continue
                print(f"{name}: {description}", flush=True)
                stacks[name] = {"stack": description, **measure_stack(name, env, path, work)}

    def figure(name: str, key: str) -> object:
        return stacks.get(name, {}).get(key)

    peaks = [run["import"]["peak_rss_mb"] for run in stacks.values() if "import" in run]
    result: dict[str, object] = {
        "postgres_rows_per_s": figure("postgres", "rows_per_s"),
        "sqlite_rows_per_s": figure("sqlite", "rows_per_s"),
        "peak_rss_mb": max(peaks) if peaks else None,
        "postgres_seconds": figure("postgres", "seconds"),
        "postgres_reimport_rows_per_s": figure("postgres", "reimport_rows_per_s"),
        "sqlite_reimport_rows_per_s": figure("sqlite", "reimport_rows_per_s"),
        "bars": {**BARS, "postgres_seconds": 120},
        "ratios_to_raw": {
            name: round(run["rows_per_s"] / run["raw_rows_per_s"], 3)
            for name, run in stacks.items()
            if run.get("raw_rows_per_s")
        },
        "stacks": stacks,
        "file": {"cards": CARDS, "mib": round(file_mib, 1), "esim_share": ESIM_SHARE},
        "setup": {
            "settings": "config.settings.production, a generated card password key",
            "command": "roamcard import-cards FILE --no-progress, in a child process",
            "baseline": "PostgreSQL: psycopg COPY, one per 10,000 rows; SQLite: executemany, "
            "one transaction; the rows parsed beforehand, with a fixed hash, into a copy of "
            "cards_card's table (columns and indexes, no foreign keys)",
            "uptime_before": load_before,
            "uptime_after": uptime(),
        },
        "machine": machine(),
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print_table(result)
    print(f"machine: {result['machine']['description']}")
    print(f"load: before {load_before}; after {result['setup']['uptime_after']}")
    print(f"written to {RESULTS}")
    return 0


def measure_stack(name: str, env: dict[str, str], path: Path, work: Path) -> dict:
    phase_started = time.perf_counter()
    run_bounded(env, "manage.py", "migrate", "--noinput", "-v0")
    region_ids = json.loads(run_bounded(env, "-m", "bench.import_cards", "--seed").stdout)
    migrate_s = time.perf_counter() - phase_started

    print("  baseline: the same rows, inserted raw…", flush=True)
    raw_s = raw_insert(name, env, region_ids)
    print(f"  {CARDS / raw_s:,.0f} rows/s ({raw_s:.1f} s)", flush=True)

    print("  import-cards…", flush=True)
    first = run_import(env, path, work / f"{name}-import")
    expect_cards(name, env, CARDS)
    print("  import-cards again (the same file: every card unchanged)…", flush=True)
    again = run_import(env, path, work / f"{name}-reimport")
    if f"unchanged: {CARDS}," not in again["summary"]:
        sys.exit(f"{name}: the second import did not find every card unchanged:\n{again}")
    expect_cards(name, env, CARDS)
    return {
        "rows_per_s": first["rows_per_s"],
        "seconds": first["seconds"],
        "raw_rows_per_s": round(CARDS / raw_s),
        "raw_seconds": round(raw_s, 2),
        "reimport_rows_per_s": again["rows_per_s"],
        "reimport_seconds": again["seconds"],
        "import": first,
        "reimport": again,
        "migrate_and_seed_s": round(migrate_s, 2),
    }


def run_import(env: dict[str, str], path: Path, stem: Path) -> dict[str, object]:
    """`roamcard import-cards FILE`, started by a launcher that reports its peak RSS."""
    log_path, peak_path = stem.with_suffix(".log"), stem.with_suffix(".maxrss")
    command = [
        sys.executable, "-m", "roamcard.cli", "import-cards", str(path), "--no-progress", "-v2",
    ]  # fmt: skip
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
            sys.exit(f"import-cards took longer than {TIMEOUT} s")
        wall = time.perf_counter() - start
    output = log_path.read_text()
    if code != 0:
        sys.exit(f"import-cards exited with {code}:\n{output[-5000:]}")
    usage = json.loads(peak_path.read_text())
    peak_mb = usage["maxrss_kib"] / 1024  # Linux counts it in KiB
    own = re.search(r"in ([\d.]+) s \(([\d,]+) rows/s\)", output)
    seconds = float(own.group(1)) if own else wall
    phases = re.search(
        r"reading and checking: ([\d.]+) s, comparing: ([\d.]+) s, saving: ([\d.]+) s", output
    )
    rate = int(own.group(2).replace(",", "")) if own else round(CARDS / wall)
    print(
        f"  {rate:,} rows/s by its own count ({seconds:.1f} s), {CARDS / wall:,.0f} counting "
        f"its start ({wall:.1f} s); peak RSS {peak_mb:.0f} MiB; "
        f"{usage['cpu_s']:.1f} CPU-s in the importer's process",
        flush=True,
    )
    return {
        "rows_per_s": rate,
        "seconds": round(seconds, 2),
        "rows_per_s_with_start": round(CARDS / wall),
        "wall_s": round(wall, 2),
        "peak_rss_mb": round(peak_mb, 1),
        # The importer's own CPU (its start included), not the database server's.
        "cpu_s": round(usage["cpu_s"], 1),
        "rows_per_cpu_s": round(CARDS / usage["cpu_s"]) if usage["cpu_s"] else None,
        "phases_s": dict(
            zip(("reading", "comparing", "saving"), map(float, phases.groups()), strict=True)
        )
        if phases
        else None,
        "summary": " ".join(output.strip().splitlines()[-3:]),
    }


# --- The stacks -----------------------------------------------------------------------------


@contextlib.contextmanager
def stack_environment(name: str, var_dir: Path) -> Iterator[tuple[dict[str, str] | None, str]]:
    """The environment of one stack's processes (production settings, a fresh folder for
    its files), or (None, why) when it cannot run here."""
    var_dir.mkdir()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")
        and not key.startswith("CARD_PASSWORD_KEY")
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "CARD_PASSWORD_KEYS": f"1:{secrets.token_urlsafe(32)}",
            "ROAMCARD_VAR_DIR": str(var_dir),
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
    )
    if name == "sqlite":
        yield env, "SQLite (WAL), in a temporary folder"
        return
    if problem := recreate_postgres(DATABASE_URL):
        yield None, problem
        return
    env["DATABASE_URL"] = DATABASE_URL
    try:
        yield env, f"PostgreSQL, database {urllib.parse.urlsplit(DATABASE_URL).path[1:]}"
    finally:
        drop_postgres(DATABASE_URL)


def _postgres(url: str) -> str:
    return urllib.parse.urlunsplit(urllib.parse.urlsplit(url)._replace(scheme="postgresql"))


def recreate_postgres(url: str) -> str:
    """Drop and create the bench database; the reason when the server is not reachable."""
    import psycopg

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    admin = _postgres(urllib.parse.urlunsplit(parts._replace(path="/postgres")))
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        return f"PostgreSQL at {parts.hostname}:{parts.port} is not reachable ({exc})"
    return ""


def drop_postgres(url: str) -> None:
    import psycopg

    parts = urllib.parse.urlsplit(url)
    admin = _postgres(urllib.parse.urlunsplit(parts._replace(path="/postgres")))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')


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


def uptime() -> str:
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    return "load average: " + ", ".join(f"{value:.2f}" for value in os.getloadavg())


def expect_cards(name: str, env: dict[str, str], count: int) -> None:
    done = run_bounded(env, "-m", "bench.import_cards", "--count")
    if int(done.stdout) != count:
        sys.exit(f"{name}: {done.stdout.strip()} cards in the database, expected {count}")


# --- The baseline: the same rows, inserted raw ----------------------------------------------


def raw_rows(region_ids: dict[str, int], *, sqlite: bool) -> list[tuple]:
    now = "2026-11-29 00:00:00" if sqlite else "2026-11-29T00:00:00Z"
    return [
        (iccid, RAW_HASH, form, "in_stock", region_ids[region], msisdn, code, "", now)
        for iccid, _password, form, region, msisdn, code in card_rows(CARDS)
    ]


def raw_insert(name: str, env: dict[str, str], region_ids: dict[str, int]) -> float:
    """Seconds to insert the rows into a fresh copy of cards_card's table."""
    rows = raw_rows(region_ids, sqlite=name == "sqlite")
    if name == "postgres":
        return raw_insert_postgres(env["DATABASE_URL"], rows)
    return raw_insert_sqlite(Path(env["ROAMCARD_VAR_DIR"]) / "roamcard.sqlite3", rows)


def raw_insert_postgres(url: str, rows: list[tuple]) -> float:
    return raw_copy_postgres(
        url,
        like="cards_card",
        table=RAW_TABLE,
        columns=RAW_COLUMNS,
        rows=rows,
        batch=COPY_BATCH,
        timeout=TIMEOUT,
        commit_each_batch=False,
    )


def raw_insert_sqlite(path: Path, rows: list[tuple]) -> float:
    return raw_executemany_sqlite(
        path, like="cards_card", table=RAW_TABLE, columns=RAW_COLUMNS, rows=rows, timeout=TIMEOUT
    )


# --- Inside the stack's environment -------------------------------------------------------------


def seed() -> None:
    """The coverages the file names; prints their ids by code."""
    import django

    django.setup()
    from roamcard.catalog.models import Region

    ids = {
        code: Region.objects.create(code=code, name=code, countries=["FR"]).pk for code in REGIONS
    }
    print(json.dumps(ids))


def count_cards() -> None:
    import django

    django.setup()
    from roamcard.cards.models import Card

    print(Card.objects.count())


def print_table(result: dict) -> None:
    def figure(value: float | None, unit: str) -> str:
        return "skipped" if value is None else f"{value:,.0f} {unit}"

    ratios = result["ratios_to_raw"]
    stacks = result["stacks"]
    pg_rate, sqlite_rate, peak = (
        result["postgres_rows_per_s"],
        result["sqlite_rows_per_s"],
        result["peak_rss_mb"],
    )
    rows = [
        (
            "PostgreSQL, import-cards",
            figure(pg_rate, "rows/s"),
            f">= {BARS['postgres_rows_per_s']:,}",
            verdict(pg_rate, lambda v: v >= BARS["postgres_rows_per_s"]),
            f"{result['postgres_seconds']} s; raw COPY "
            f"{figure(stacks.get('postgres', {}).get('raw_rows_per_s'), 'rows/s')}, ratio "
            f"{ratios.get('postgres', '–')}; again, unchanged: "
            f"{figure(result['postgres_reimport_rows_per_s'], 'rows/s')}",
        ),
        (
            "SQLite, import-cards",
            figure(sqlite_rate, "rows/s"),
            "–",
            "",
            f"raw executemany {figure(stacks.get('sqlite', {}).get('raw_rows_per_s'), 'rows/s')}"
            f", ratio {ratios.get('sqlite', '–')}; again, unchanged: "
            f"{figure(result['sqlite_reimport_rows_per_s'], 'rows/s')}",
        ),
        (
            "import-cards, peak RSS",
            figure(peak, "MiB"),
            f"< {BARS['peak_rss_mb']} MB",
            verdict(peak, lambda v: v < BARS["peak_rss_mb"]),
            "the larger of the two stacks' imports",
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
    return "meets the bar" if meets(value) else "below the bar"


if __name__ == "__main__":
    if sys.argv[1:2] == ["--seed"]:
        seed()
    elif sys.argv[1:2] == ["--count"]:
        count_cards()
    else:
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
        sys.exit(main())
