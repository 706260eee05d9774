"""`make bench-sweep`: automatic renewal's periodic sweep over 1,000,000 cards, 1 % due.

Creates a throwaway PostgreSQL database beside DATABASE_URL's (default: the local server)
and a fresh Redis-backed queue (REDIS_URL, default the local Redis; no consumer takes from
it), migrates, and loads BENCH_SWEEP_CARDS cards (default 1,000,000) with statements that
run in the server (generate_series): each bound to one of 1,000 travellers, with a live
5 GB bucket, and an automatic renewal policy on, paid with the traveller's saved method.
BENCH_SWEEP_DUE_PERCENT (default 1) % of them are down to 5 % of their data and due since
a minute (their evaluation job was lost); the others are due when their validity trigger
fires, days from now. Then, in one process with the production settings:

- **the sweep** (`autorenewal_sweep`, what the task worker runs every minute), timed and
  its SQL statements counted: it claims the due policies and automatic renewals through
  their partial indexes and hands the due cards to evaluation jobs on the queue;
- then, apart, **the evaluation** those jobs do (`policies_evaluate` of the claimed
  cards): one automatic renewal per card, its first step handed to the queue.

The bar (5 s on PostgreSQL) is on the sweep; the evaluation's figures are written beside
it. Writes bench/results/sweep.json (keys cards, due, seconds, queries, and the rest)."""

import json
import os
import secrets
import subprocess
import sys
import tempfile
import time

from bench.api import ROOT, machine, run_django, throwaway_postgres
from bench.stack import DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL, forget_redis_keys, unreachable

RESULTS = ROOT / "bench" / "results" / "sweep.json"
CARDS = int(os.environ.get("BENCH_SWEEP_CARDS", "1000000"))
DUE_PERCENT = float(os.environ.get("BENCH_SWEEP_DUE_PERCENT", "1"))
TRAVELLERS = 1000
BAR_SECONDS = 5
GIB = 1024**3


def main() -> int:
    database_url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    redis_url = os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    if problem := unreachable(database_url, redis_url):
        print(f"bench-sweep needs PostgreSQL and Redis: {problem}")
        return 1
    load_before = round(os.getloadavg()[0], 2)
    queue = f"roamcard-bench-{secrets.token_hex(4)}"
    with tempfile.TemporaryDirectory(prefix="roamcard-bench-sweep-") as tmp:
        env = {
            **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "CARD_PASSWORD_KEYS": f"1:{secrets.token_urlsafe(32)}",
            "DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "ROAMCARD_VAR_DIR": tmp,
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
            "REDIS_URL": redis_url,
            "HUEY_NAME": queue,
            "CACHE_KEY_PREFIX": queue,
        }
        try:
            with throwaway_postgres(database_url) as bench_url:
                env["DATABASE_URL"] = bench_url
                print("Migrating a throwaway database…", flush=True)
                _django(env, "manage.py", "migrate", "--noinput", "-v", "0")
                print(f"Loading {CARDS:,} cards with policies ({DUE_PERCENT:g} % due)…", flush=True)
                started = time.monotonic()
                _django(env, "-m", "bench.sweep", "--seed")
                loaded_in = time.monotonic() - started
                print(f"  loaded in {loaded_in:.0f} s; sweeping…", flush=True)
                run = json.loads(_django(env, "-m", "bench.sweep", "--run"))
        finally:
            forget_redis_keys(redis_url, queue)

    result = {
        "cards": CARDS,
        "due": run["due"],
        "seconds": run["seconds"],
        "queries": run["queries"],
        "bar_seconds": BAR_SECONDS,
        "jobs_enqueued": run["jobs_enqueued"],
        "evaluation": run["evaluation"],
        "setup": {
            "database": "PostgreSQL (a throwaway database beside DATABASE_URL's)",
            "queue": "Redis-backed Huey (a fresh queue; no consumer)",
            "settings": "config.settings.production, DEBUG off",
            "seed": f"{TRAVELLERS:,} travellers; one live 5 GB bucket and one policy on per "
            f"card; {DUE_PERCENT:g} % at 5 % of their data and due since a minute",
            "seed_seconds": round(loaded_in, 1),
            "load_average_before": load_before,
        },
        "machine": machine(),
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    verdict = "meets" if run["seconds"] < BAR_SECONDS else "is ABOVE"
    print(
        f"sweep over {CARDS:,} cards, {run['due']:,} due: {run['seconds']:.3f} s, "
        f"{run['queries']} SQL statements ({verdict} the bar of {BAR_SECONDS} s)"
    )
    evaluation = run["evaluation"]
    print(
        f"then the evaluation of the due cards (the jobs' work): {evaluation['seconds']:.2f} s, "
        f"{evaluation['queries']} SQL statements, {evaluation['renewals']:,} automatic renewals"
    )
    print(f"machine: {result['machine']['description']}")
    print(f"written to {RESULTS.relative_to(ROOT)}")
    return 0


def _django(env: dict[str, str], *args: str) -> str:
    """Run a Django process of the benchmark; its output, or its errors and an exit."""
    try:
        return run_django(env, *args).stdout
    except subprocess.CalledProcessError as failed:
        sys.stderr.write(failed.stderr)
        raise SystemExit(f"bench-sweep: {' '.join(args)} failed") from failed


# --- Inside the benchmark's Django process ----------------------------------------------------


def _setup():
    import django

    django.setup()


def seed() -> None:
    """Everything in the server, one statement per table."""
    _setup()
    from django.db import connection

    from roamcard.autorenewal.models import RenewalPolicy
    from roamcard.cards.models import Bucket, Card
    from roamcard.catalog.models import Plan, PlanPrice, Region
    from roamcard.payments.models import SavedPaymentMethod
    from roamcard.testing import make_user

    region = Region.objects.create(code="bench", name="Bench", countries=["FR", "DE", "IT"])
    plan = Plan.objects.create(
        code="bench-5-gb", name="5 GB", kind="week", region=region, data_bytes=5 * GIB,
        validity_days=7,
    )  # fmt: skip
    PlanPrice.objects.create(plan=plan, currency="USD", amount_minor=990)
    first = make_user(email="bench-0@example.com")
    due_every = round(100 / DUE_PERCENT)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_table(first)} (password, is_superuser, username, first_name, "
            "last_name, is_staff, is_active, date_joined, email, phone, phone_verified, "
            "preferred_language, preferred_currency, time_zone) "
            "SELECT '!', false, 'bench-' || n, '', '', false, true, now(), "
            "'bench-' || n || '@example.com', NULL, false, 'en', 'USD', 'UTC' "
            "FROM generate_series(1, %s) n",
            [TRAVELLERS - 1],
        )
        cursor.execute(f"SELECT min(id), max(id) FROM {_table(first)}")
        low, high = cursor.fetchone()
        assert high - low + 1 == TRAVELLERS, "the travellers' ids are not consecutive"
        cursor.execute(
            f"INSERT INTO {_table(SavedPaymentMethod)} (public_id, user_id, gateway, method, "
            "token, customer_ref, label, brand, expires_month, expires_year, state, created_at, "
            "vendor_removal_attempts) SELECT gen_random_uuid(), id, 'sandbox', 'card', "
            "'pm_bench_' || id, '', 'Visa •••• 4242', 'visa', 12, 2031, 'active', now(), 0 "
            f"FROM {_table(first)}"
        )
        cursor.execute(f"SELECT min(id) FROM {_table(SavedPaymentMethod)}")
        (first_method,) = cursor.fetchone()
        cursor.execute(
            f"INSERT INTO {_table(Card)} (iccid, password_hash, form, status, region_id, msisdn, "
            "activation_code, owner_id, label, bound_at, created_at) "
            "SELECT '89' || lpad(n::text, 17, '0'), '!', 'physical', 'active', %s, '', '', "
            "%s + n %% %s, '', now(), now() FROM generate_series(1, %s) n",
            [region.pk, low, TRAVELLERS, CARDS],
        )
        cursor.execute(
            f"INSERT INTO {_table(Bucket)} (card_id, plan_id, region_id, bytes_granted, "
            "bytes_remaining, starts, validity_days, valid_from, valid_until, updated_at, "
            "created_at) "
            "SELECT c.id, %s, %s, %s, CASE WHEN c.id %% %s = 0 THEN %s ELSE %s END, 'now', 7, "
            "now() - interval '1 day', now() + interval '6 days', now(), now() "
            f"FROM {_table(Card)} c",
            [plan.pk, region.pk, 5 * GIB, due_every, GIB // 4, 4 * GIB],
        )
        cursor.execute(
            f"INSERT INTO {_table(RenewalPolicy)} (card_id, user_id, enabled, plan_id, currency, "
            "saved_method_id, starts, trigger_percent, trigger_hours, max_renewals, "
            "notice_minutes, due_at, off_reason, created_at, updated_at) "
            "SELECT c.id, c.owner_id, true, %s, 'USD', %s + (c.owner_id - %s), 'queued', 10, "
            "24, 3, 60, CASE WHEN c.id %% %s = 0 THEN now() - interval '1 minute' "
            "ELSE now() + interval '5 days' END, '', now(), now() "
            f"FROM {_table(Card)} c",
            [plan.pk, first_method, low, due_every],
        )
        cursor.execute("ANALYZE")


def _table(model_or_instance) -> str:
    from django.db import connection

    return connection.ops.quote_name(model_or_instance._meta.db_table)


def run() -> None:
    """The sweep, then the evaluation of what it claimed; prints JSON."""
    _setup()
    from datetime import timedelta

    from django.db import connection
    from django.utils import timezone
    from huey.contrib.djhuey import HUEY

    from roamcard.autorenewal.evaluation import policies_evaluate
    from roamcard.autorenewal.models import AutoRenewal, RenewalPolicy
    from roamcard.autorenewal.sweep import autorenewal_sweep

    statements: list[str] = []

    def counted(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    connection.ensure_connection()
    with connection.execute_wrapper(counted):
        started = time.perf_counter()
        report = autorenewal_sweep()
        seconds = time.perf_counter() - started
    sweep_statements = len(statements)
    jobs = HUEY.pending_count()
    # What it claimed: the due policies, now leased for a few minutes (the rest: days away).
    claimed = list(
        RenewalPolicy.objects.filter(due_at__lt=timezone.now() + timedelta(days=1)).values_list(
            "card_id", flat=True
        )
    )
    assert report.policies == len(claimed), "the sweep did not claim every due policy"

    statements.clear()
    with connection.execute_wrapper(counted):
        started = time.perf_counter()
        created = policies_evaluate(card_ids=claimed)
        evaluation_seconds = time.perf_counter() - started
    assert len(created) == AutoRenewal.objects.count() == len(claimed)
    print(
        json.dumps(
            {
                "due": report.policies,
                "seconds": round(seconds, 3),
                "queries": sweep_statements,
                "jobs_enqueued": jobs,
                "evaluation": {
                    "seconds": round(evaluation_seconds, 3),
                    "queries": len(statements),
                    "renewals": len(created),
                    "note": "the work of the evaluation jobs the sweep enqueued, run here one "
                    "chunk after another (each renewal's first step enqueued, not run); with "
                    "a consumer it is spread over the workers",
                },
            }
        )
    )


if __name__ == "__main__":
    if sys.argv[1:] == ["--seed"]:
        seed()
    elif sys.argv[1:] == ["--run"]:
        run()
    else:
        sys.exit(main())
