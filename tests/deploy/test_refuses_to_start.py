"""Production refuses to start with a development tool switched on or a default secret:
`manage.py check`, `migrate`, the task worker and the WSGI application each exit with the
reason instead of serving."""

import sqlite3
import sys

import pytest

from .conftest import manage, production_env, run

DEVELOPMENT_SECRET_KEY = "roamcard-development-key-not-for-production"

UNSAFE = {
    "sandbox on": ({"SANDBOX_ENABLED": "1"}, "SANDBOX_ENABLED"),
    "dev inbox on": ({"DEV_INBOX_ENABLED": "1"}, "DEV_INBOX_ENABLED"),
    "DEBUG on": ({"DEBUG": "1"}, "DEBUG"),
    "development secret key": ({"SECRET_KEY": DEVELOPMENT_SECRET_KEY}, "SECRET_KEY"),
    "no secret key": ({"SECRET_KEY": None}, "SECRET_KEY"),
    "short secret key": ({"SECRET_KEY": "x" * 20}, "SECRET_KEY"),
    "sandbox webhook secret's default": (
        {"SANDBOX_ENABLED": "1", "SANDBOX_WEBHOOK_SECRET": None},
        "SANDBOX_WEBHOOK_SECRET",
    ),
    "Stripe without its webhook secret": (
        {"STRIPE_SECRET_KEY": "sk_live_123"},
        "STRIPE_WEBHOOK_SECRET",
    ),
    "Alipay without its keys": ({"ALIPAY_APP_ID": "2021000000000000"}, "ALIPAY_APP_PRIVATE_KEY"),
    "WeChat Pay without its API v3 key": (
        {
            "WECHATPAY_MCHID": "1900000001",
            "WECHATPAY_MERCHANT_PRIVATE_KEY": "-----BEGIN PRIVATE KEY-----",
            "WECHATPAY_MERCHANT_SERIAL_NO": "4A5B",
            "WECHATPAY_PUBLIC_KEY": "-----BEGIN PUBLIC KEY-----",
            "WECHATPAY_PUBLIC_KEY_ID": "PUB_KEY_ID_1",
        },
        "WECHATPAY_API_V3_KEY",
    ),
}

IMPORT_WSGI = [sys.executable, "-c", "import config.wsgi"]


def _assert_refused(done, reason: str) -> None:
    output = done.stdout + done.stderr
    assert done.returncode != 0, output
    assert "refuses to start" in output, output
    assert reason in output, output


@pytest.mark.parametrize("name", list(UNSAFE))
def test_check_refuses_an_unsafe_configuration(name, tmp_path):
    variables, reason = UNSAFE[name]

    done = manage("check", env=production_env(tmp_path, **variables))

    _assert_refused(done, reason)


@pytest.mark.parametrize(
    "argv",
    [
        ["manage.py", "migrate", "--noinput"],
        ["manage.py", "run_huey"],
        ["-c", "import config.wsgi"],
    ],
    ids=["migrate", "run_huey", "wsgi"],
)
@pytest.mark.parametrize("name", ["sandbox on", "development secret key", "dev inbox on"])
def test_every_entry_point_refuses_an_unsafe_configuration(argv, name, tmp_path):
    variables, reason = UNSAFE[name]

    # A worker that did start would run until the timeout: that fails the test too.
    done = run([sys.executable, *argv], env=production_env(tmp_path, **variables), timeout=60)

    _assert_refused(done, reason)


def test_a_refused_migrate_creates_no_table(tmp_path):
    manage("migrate", "--noinput", env=production_env(tmp_path, SANDBOX_ENABLED="1"))

    database = tmp_path / "roamcard.sqlite3"
    tables = []
    if database.exists():
        with sqlite3.connect(database) as connection:
            tables = connection.execute("SELECT name FROM sqlite_master").fetchall()
    assert tables == []


def test_a_safe_configuration_starts(tmp_path):
    env = production_env(tmp_path)

    checked = manage("check", env=env)
    served = run(IMPORT_WSGI, env=env)

    assert checked.returncode == 0, checked.stderr
    assert served.returncode == 0, served.stderr


def test_every_real_gateway_with_its_secrets_starts(tmp_path):
    done = manage(
        "check",
        env=production_env(
            tmp_path,
            STRIPE_SECRET_KEY="sk_live_123",
            STRIPE_WEBHOOK_SECRET="whsec_123",
            ALIPAY_APP_ID="2021000000000000",
            ALIPAY_APP_PRIVATE_KEY="-----BEGIN PRIVATE KEY-----",
            ALIPAY_PUBLIC_KEY="-----BEGIN PUBLIC KEY-----",
            WECHATPAY_MCHID="1900000001",
            WECHATPAY_API_V3_KEY="a" * 32,
            WECHATPAY_MERCHANT_PRIVATE_KEY="-----BEGIN PRIVATE KEY-----",
            WECHATPAY_MERCHANT_SERIAL_NO="4A5B",
            WECHATPAY_PUBLIC_KEY="-----BEGIN PUBLIC KEY-----",
            WECHATPAY_PUBLIC_KEY_ID="PUB_KEY_ID_1",
        ),
    )

    assert done.returncode == 0, done.stdout + done.stderr


def test_development_settings_keep_their_tools(tmp_path):
    env = production_env(tmp_path, DJANGO_SETTINGS_MODULE="config.settings.dev", SECRET_KEY=None)

    done = manage("check", env=env)

    assert done.returncode == 0, done.stdout + done.stderr
