"""`make run`: prepare the embedded database, load the demo data, then serve the app with
granian and run the task worker and the simulated network's traffic until Ctrl-C.

A child that dies (a crash, a kill -9) is started again after a short pause that grows when
it keeps dying at once; granian itself starts a new web worker when one dies. Ctrl-C stops
everything: the web server finishes its requests and the task worker its tasks (a second
Ctrl-C stops at once). See docs/operations.md.

Everything runs on the embedded defaults (SQLite, SQLite-backed Huey) unless DATABASE_URL /
REDIS_URL say otherwise."""

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
HOST = os.environ.get("HOST", "127.0.0.1")
PORT = os.environ.get("PORT", "8000")
WEB_WORKERS = os.environ.get("WEB_WORKERS", "2")

# Restart a dead child after 1 s, then 2, 4, ... up to 30 s while it keeps dying within a
# minute of starting; give up after this many such deaths in a row (a port taken, a broken
# configuration: restarting will not help).
RESTART_DELAYS = (1, 2, 4, 8, 16, 30)
STABLE_AFTER_SECONDS = 60
MAX_QUICK_DEATHS = 8
# The task worker drains for up to 25 s (run_worker); granian finishes its requests.
STOP_TIMEOUT_SECONDS = 30


@dataclass
class Child:
    name: str
    argv: list[str]
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    restart_at: float | None = None
    quick_deaths: int = 0

    def start(self) -> None:
        # Its own process group: Ctrl-C reaches only us, and we stop the children in order
        # instead of every process racing to exit.
        self.process = subprocess.Popen(self.argv, cwd=ROOT, start_new_session=True)
        self.started_at = time.monotonic()
        self.restart_at = None
        say(f"Started the {self.name} process (pid {self.process.pid}).")

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


def say(text: str) -> None:
    print(text, flush=True)


def manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, check=True)


def exit_description(returncode: int) -> str:
    if returncode < 0:
        return f"killed by {signal.Signals(-returncode).name}"
    return f"exit code {returncode}"


def web_command() -> list[str]:
    return [
        sys.executable, "-m", "granian",
        "--interface", "wsgi",
        "--host", HOST,
        "--port", PORT,
        "--workers", WEB_WORKERS,
        "--blocking-threads", "1",
        # A web worker that dies is replaced; the others go on serving meanwhile.
        "--respawn-failed-workers",
        "--respawn-interval", "1",
        "--log-level", "warning",
        "config.wsgi:application",
    ]  # fmt: skip


def demo_children() -> list[Child]:
    """The web server, the task worker and, unless DEMO_TRAFFIC=0, the simulated network's
    traffic: usage of the demo cards reported through the usage API, so that balances,
    records and alerts move while one watches."""
    children = [
        Child("web", web_command()),
        Child("worker", [sys.executable, "manage.py", "run_worker", "--quiet"]),
    ]
    if os.environ.get("DEMO_TRAFFIC", "1") != "0":
        children.append(Child("simulated network", [sys.executable, "manage.py", "simnet_traffic"]))
    return children


def supervise(children: list[Child], stop_requested) -> int:
    """Keep the children running until a stop is requested; 0, or 1 if one keeps dying."""
    while not stop_requested():
        now = time.monotonic()
        for child in children:
            if child.restart_at is not None:
                if now >= child.restart_at:
                    child.start()
                continue
            if child.running():
                continue
            returncode = child.process.returncode
            with contextlib.suppress(ProcessLookupError):
                # What it leaves behind (granian's workers, say) would hold the port.
                os.killpg(child.process.pid, signal.SIGKILL)
            if now - child.started_at < STABLE_AFTER_SECONDS:
                child.quick_deaths += 1
            else:
                child.quick_deaths = 1
            if child.quick_deaths > MAX_QUICK_DEATHS:
                say(
                    f"The {child.name} process keeps stopping right after it starts "
                    f"({exit_description(returncode)}); giving up."
                )
                return 1
            delay = RESTART_DELAYS[min(child.quick_deaths, len(RESTART_DELAYS)) - 1]
            say(
                f"The {child.name} process stopped ({exit_description(returncode)}); "
                f"restarting it in {delay} s."
            )
            child.restart_at = now + delay
        time.sleep(0.2)
    return 0


def stop_all(children: list[Child], stop_now_requested) -> None:
    """SIGTERM to each child (the web server finishes its requests, the task worker its
    tasks), then SIGKILL to whatever is left after the timeout or a second Ctrl-C."""
    running = [child for child in children if child.running()]
    for child in running:
        child.process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    while any(child.running() for child in running):
        if stop_now_requested() or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    for child in children:
        if child.process is None:
            continue
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.process.pid, signal.SIGKILL)  # the group: granian's workers too
        child.process.wait()


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    # The sandbox gateway sends its notifications, and the traveller's browser returns, here.
    os.environ.setdefault("PUBLIC_BASE_URL", f"http://{HOST}:{PORT}")
    # The web workers and the task worker add up their metrics here (/metrics, with
    # METRICS_TOKEN set); emptied at each start, as a machine's is at boot.
    var_dir = Path(os.environ.get("ROAMCARD_VAR_DIR", ROOT / "var"))
    metrics_dir = Path(os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(var_dir / "metrics")))
    shutil.rmtree(metrics_dir, ignore_errors=True)
    metrics_dir.mkdir(parents=True, exist_ok=True)
    say("Preparing the database…")
    manage("migrate", "--noinput", "-v0")
    manage("createcachetable")
    manage("seed_demo")

    signals_received = 0

    def on_signal(*_):
        nonlocal signals_received
        signals_received += 1
        if signals_received == 1:
            say("\nStopping… (press Ctrl-C again to stop at once)")

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    children = demo_children()
    for child in children:
        child.start()
    say(
        f"\nroamcard is running at http://{HOST}:{PORT}/  (back office: /admin/, "
        f"dev inbox: /dev/inbox/, API docs: /api/v1/docs)\n"
        "Sandbox payments: card 4242 4242 4242 4242 succeeds, 4000 0000 0000 0002 is\n"
        "declined, 4000 0000 0000 3220 asks for an extra confirmation; Alipay and WeChat Pay\n"
        "show a QR page.\n"
        "The simulated network uses the demo cards' data every few seconds (DEMO_TRAFFIC=0\n"
        "switches it off).\n"
        "Press Ctrl-C to stop.\n"
    )
    exit_code = supervise(children, stop_requested=lambda: signals_received >= 1)
    stop_all(children, stop_now_requested=lambda: signals_received >= 2)
    say("Stopped.")
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
