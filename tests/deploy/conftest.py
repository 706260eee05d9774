"""Helpers for running roamcard the way an operator does: a fresh process with the
production settings and nothing in its environment but what the test puts there."""

import json
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent

# Variables of the outer environment that would change what the settings build: the test
# decides each of them.
_CONTROLLED_PREFIXES = (
    "STRIPE_",
    "ALIPAY_",
    "WECHATPAY_",
    "SANDBOX_",
    "SECURE_",
    "DEV_INBOX_",
    "API_DOCS_",
)
_CONTROLLED = {
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",  # set by the browser tests in this process
    "SECRET_KEY",
    "CARD_PASSWORD_KEYS",
    "CARD_PASSWORD_KEYS_FILE",
    "CARD_PASSWORD_KEY_VERSION",
    "DEBUG",
    "ALLOWED_HOSTS",
    "ADMIN_PATH",
    "DATABASE_URL",
    "REDIS_URL",
    "ROAMCARD_VAR_DIR",
    "STATIC_ROOT",
}


def production_env(var_dir: Path, **variables: str | None) -> dict[str, str]:
    """The environment of a production process with a fresh secret key and card password
    key, an embedded database in `var_dir` and static files collected there; `variables`
    add to it, or remove one when None."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in _CONTROLLED and not key.startswith(_CONTROLLED_PREFIXES)
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50),
        CARD_PASSWORD_KEYS=f"1:{secrets.token_urlsafe(32)}",
        ALLOWED_HOSTS="example.org,testserver",
        ROAMCARD_VAR_DIR=str(var_dir),
        STATIC_ROOT=str(var_dir / "static"),
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    for key, value in variables.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def run(argv: list[str], env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def manage(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return run([sys.executable, "manage.py", *args], env=env, timeout=timeout)


@pytest.fixture(scope="session")
def prepared_release(tmp_path_factory) -> Path:
    """What an operator prepares once per release: the database migrated (with the cache
    table) and the static files collected. Each site starts from a copy."""
    var_dir = tmp_path_factory.mktemp("release")
    env = production_env(var_dir)
    for args in (
        ("migrate", "--noinput", "-v0"),
        ("createcachetable",),
        ("collectstatic", "--noinput", "-v0"),
    ):
        done = manage(*args, env=env, timeout=300)
        assert done.returncode == 0, done.stderr
    return var_dir


@pytest.fixture(scope="module")
def production_site(prepared_release, tmp_path_factory):
    """Serve requests from a production process: `site(requests, **env)` runs
    tests/deploy/site_probe.py with the production settings and `env`, on a copy of the
    prepared release, and returns what each request got back (see site_probe.py)."""

    def site(requests: list[dict], **variables: str | None) -> list[dict]:
        var_dir = tmp_path_factory.mktemp("site")
        shutil.copy(prepared_release / "roamcard.sqlite3", var_dir / "roamcard.sqlite3")
        env = production_env(var_dir, **variables, STATIC_ROOT=str(prepared_release / "static"))
        done = subprocess.run(
            [sys.executable, "-m", "tests.deploy.site_probe"],
            cwd=ROOT,
            env=env,
            input=json.dumps(requests),
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert done.returncode == 0, done.stderr
        marker = site_probe_marker()
        line = next(line for line in done.stdout.splitlines() if line.startswith(marker))
        return json.loads(line[len(marker) :])

    return site


def site_probe_marker() -> str:
    from tests.deploy.site_probe import MARKER

    return MARKER
