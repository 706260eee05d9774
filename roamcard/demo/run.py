"""`make run`: prepare the embedded database, load the demo data, then serve the app with
granian and run the task worker until Ctrl-C.

Everything runs on the embedded defaults (SQLite, SQLite-backed Huey) unless DATABASE_URL /
REDIS_URL say otherwise."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
HOST = os.environ.get("HOST", "127.0.0.1")
PORT = os.environ.get("PORT", "8000")
WEB_WORKERS = os.environ.get("WEB_WORKERS", "2")


def manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, check=True)


def start(name: str, argv: list[str]) -> subprocess.Popen:
    # Each child gets its own process group, so Ctrl-C reaches us once and we stop them
    # in order instead of every process racing to exit.
    return subprocess.Popen(argv, cwd=ROOT, start_new_session=True)


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    # The sandbox gateway sends its notifications, and the traveller's browser returns, here.
    os.environ.setdefault("PUBLIC_BASE_URL", f"http://{HOST}:{PORT}")
    print("Preparing the database…", flush=True)
    manage("migrate", "--noinput", "-v0")
    manage("createcachetable")
    manage("seed_demo")

    children = {
        "web": start(
            "web",
            [
                sys.executable,
                "-m",
                "granian",
                "--interface",
                "wsgi",
                "--host",
                HOST,
                "--port",
                PORT,
                "--workers",
                WEB_WORKERS,
                "--blocking-threads",
                "1",
                "--log-level",
                "warning",
                "config.wsgi:application",
            ],
        ),
        "worker": start("worker", [sys.executable, "manage.py", "run_huey", "--quiet"]),
    }
    print(
        f"\nroamcard is running at http://{HOST}:{PORT}/  (back office: /admin/, "
        f"dev inbox: /dev/inbox/, API docs: /api/v1/docs)\n"
        "Sandbox payments: card 4242 4242 4242 4242 succeeds, 4000 0000 0000 0002 is\n"
        "declined, 4000 0000 0000 3220 asks for an extra confirmation; Alipay and WeChat Pay\n"
        "show a QR page.\n"
        "Press Ctrl-C to stop.\n",
        flush=True,
    )

    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    exit_code = 0
    while not stopping:
        for name, child in children.items():
            if child.poll() is not None:
                print(f"The {name} process stopped (exit code {child.returncode}); shutting down.")
                exit_code = child.returncode or 1
                stopping = True
        time.sleep(0.3)

    print("\nStopping…", flush=True)
    for child in children.values():
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 10
    for child in children.values():
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
    print("Stopped.")
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
