"""Production refuses to start with a development tool switched on or a default secret:
`manage.py check`, `migrate`, the task worker and the WSGI application each exit with the
reason instead of serving.

Each refusal is shown once end to end, in a process of its own with the production settings;
the remaining conditions are checked in this process against the same system check."""

import re
import secrets
import sqlite3
import sys

import pytest
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key

from config.settings.base import (
    DEVELOPMENT_CARD_PASSWORD_KEY,
    DEVELOPMENT_SECRET_KEY,
    card_password_keys,
    payment_gateways,
)
from roamcard.core.checks import TAG

from .conftest import manage, production_env, run

STRIPE_WITHOUT_WEBHOOK_SECRET = {"STRIPE_SECRET_KEY": "sk_live_123"}
EVERY_GATEWAY_WITH_ITS_SECRETS = {
    "STRIPE_SECRET_KEY": "sk_live_123",
    "STRIPE_WEBHOOK_SECRET": "whsec_123",
    "ALIPAY_APP_ID": "2021000000000000",
    "ALIPAY_APP_PRIVATE_KEY": "-----BEGIN PRIVATE KEY-----",
    "ALIPAY_PUBLIC_KEY": "-----BEGIN PUBLIC KEY-----",
    "WECHATPAY_MCHID": "1900000001",
    "WECHATPAY_API_V3_KEY": "a" * 32,
    "WECHATPAY_MERCHANT_PRIVATE_KEY": "-----BEGIN PRIVATE KEY-----",
    "WECHATPAY_MERCHANT_SERIAL_NO": "4A5B",
    "WECHATPAY_PUBLIC_KEY": "-----BEGIN PUBLIC KEY-----",
    "WECHATPAY_PUBLIC_KEY_ID": "PUB_KEY_ID_1",
}


def _assert_refused(done, reason: str) -> None:
    output = done.stdout + done.stderr
    assert done.returncode != 0, output
    assert "refuses to start" in output, output
    assert reason in output, output


# --- In a process of its own ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variables", "reason"),
    [
        ({"SANDBOX_ENABLED": "1"}, "SANDBOX_ENABLED"),
        ({"DEV_INBOX_ENABLED": "1"}, "DEV_INBOX_ENABLED"),
        ({"SECRET_KEY": DEVELOPMENT_SECRET_KEY}, "SECRET_KEY"),
        (STRIPE_WITHOUT_WEBHOOK_SECRET, "STRIPE_WEBHOOK_SECRET"),
        ({"CARD_PASSWORD_KEYS": None}, "card password keys"),
    ],
    ids=[
        "sandbox on",
        "dev inbox on",
        "development secret key",
        "Stripe without webhook secret",
        "no card password key",
    ],
)
def test_manage_check_refuses(variables, reason, tmp_path):
    done = manage("check", env=production_env(tmp_path, **variables))

    _assert_refused(done, reason)


def test_migrate_refuses_and_creates_no_table(tmp_path):
    done = manage("migrate", "--noinput", env=production_env(tmp_path, SANDBOX_ENABLED="1"))

    _assert_refused(done, "SANDBOX_ENABLED")
    tables = []
    if (tmp_path / "roamcard.sqlite3").exists():
        with sqlite3.connect(tmp_path / "roamcard.sqlite3") as connection:
            tables = connection.execute("SELECT name FROM sqlite_master").fetchall()
    assert tables == []


def test_the_task_worker_refuses(tmp_path):
    # A worker that did start would run until the timeout: that fails the test too.
    done = manage("run_huey", env=production_env(tmp_path, DEV_INBOX_ENABLED="1"), timeout=60)

    _assert_refused(done, "DEV_INBOX_ENABLED")


def test_the_wsgi_application_refuses(tmp_path):
    env = production_env(tmp_path, SECRET_KEY=DEVELOPMENT_SECRET_KEY)

    done = run([sys.executable, "-c", "import config.wsgi"], env=env)

    _assert_refused(done, "SECRET_KEY")


def test_a_safe_configuration_starts_and_passes_the_deployment_checks(tmp_path):
    # What the team's pre-stop hook runs: a fresh 50-character key, one host, nothing else.
    env = production_env(tmp_path, SECRET_KEY=get_random_secret_key(), ALLOWED_HOSTS="example.org")

    checked = manage("check", "--deploy", env=env)
    served = run([sys.executable, "-c", "import config.wsgi"], env=env)

    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.strip() == "System check identified no issues (0 silenced).", (
        checked.stdout + checked.stderr
    )
    assert served.returncode == 0, served.stdout + served.stderr


# --- The same check, in this process ----------------------------------------------------------


@pytest.fixture
def production(settings, monkeypatch):
    """This process's settings as production builds them from `variables`."""

    def configure(**variables: str):
        for name in ("STRIPE_SECRET_KEY", "ALIPAY_APP_ID", "WECHATPAY_MCHID", "ALIPAY_SANDBOX"):
            monkeypatch.delenv(name, raising=False)
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
        settings.PRODUCTION = True
        settings.DEBUG = False
        settings.SANDBOX_ENABLED = False
        settings.DEV_INBOX_ENABLED = False
        settings.SECRET_KEY = secrets.token_urlsafe(50)
        settings.CARD_PASSWORD_KEYS = {1: secrets.token_urlsafe(32).encode()}
        settings.CARD_PASSWORD_KEY_VERSION = 1
        settings.PAYMENT_GATEWAYS, settings.PAYMENT_METHOD_GATEWAYS = payment_gateways(
            sandbox=False
        )
        return settings

    return configure


def _refusals() -> str:
    return "\n".join(str(error) for error in checks.run_checks(tags=[TAG]) if error.is_serious())


def test_a_safe_production_configuration_passes(production):
    production(**EVERY_GATEWAY_WITH_ITS_SECRETS)

    assert _refusals() == ""


@pytest.mark.parametrize("secret_key", ["", "short-key", "a" * 60, "django-insecure-" + "x1" * 30])
def test_a_weak_secret_key_is_refused(production, secret_key):
    production().SECRET_KEY = secret_key

    assert "SECRET_KEY" in _refusals()


def test_a_short_metrics_token_is_refused_and_none_or_a_long_one_passes(production):
    settings = production()
    settings.METRICS_TOKEN = "guessable"
    assert "METRICS_TOKEN" in _refusals()
    for passes in ("", secrets.token_urlsafe(32)):
        settings.METRICS_TOKEN = passes
        assert _refusals() == ""


def test_debug_is_refused(production):
    production().DEBUG = True

    assert "DEBUG" in _refusals()


@pytest.mark.parametrize(
    "missing",
    [
        "STRIPE_WEBHOOK_SECRET",
        "ALIPAY_APP_PRIVATE_KEY",
        "ALIPAY_PUBLIC_KEY",
        "WECHATPAY_API_V3_KEY",
        "WECHATPAY_MERCHANT_PRIVATE_KEY",
        "WECHATPAY_PUBLIC_KEY",
    ],
)
def test_a_real_gateway_without_one_of_its_secrets_is_refused(production, missing):
    production(**{**EVERY_GATEWAY_WITH_ITS_SECRETS, missing: ""})

    assert missing in _refusals()


def test_the_sandbox_secret_default_is_refused(production, monkeypatch):
    monkeypatch.delenv("SANDBOX_WEBHOOK_SECRET", raising=False)
    settings = production()
    settings.PAYMENT_GATEWAYS, _ = payment_gateways(sandbox=True)

    refusals = _refusals()

    assert "SANDBOX_WEBHOOK_SECRET" in refusals
    assert "sandbox payment gateway is switched on" in refusals


def test_development_and_test_settings_are_not_refused(settings):
    assert settings.SANDBOX_ENABLED and settings.DEV_INBOX_ENABLED

    assert _refusals() == ""


# --- Card password keys (docs/decisions/0002) ------------------------------------------------


@pytest.mark.parametrize(
    "keys",
    [{}, {1: DEVELOPMENT_CARD_PASSWORD_KEY.encode()}, {1: b"short-key"}, {1: b"a" * 43}],
    ids=["none", "development key", "short", "one character"],
)
def test_a_missing_or_weak_card_password_key_is_refused(production, keys):
    production().CARD_PASSWORD_KEYS = keys

    assert "card password keys are missing" in _refusals()


def test_a_current_card_password_key_version_that_is_not_listed_is_refused(production):
    settings = production()
    settings.CARD_PASSWORD_KEY_VERSION = 3

    assert "CARD_PASSWORD_KEY_VERSION 3 is not one of the card password keys" in _refusals()


def _keys_from(monkeypatch, **variables: str):
    for name in ("CARD_PASSWORD_KEYS", "CARD_PASSWORD_KEYS_FILE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    return card_password_keys()


def test_card_password_keys_come_from_the_environment_or_a_key_file(monkeypatch, tmp_path):
    key_file = tmp_path / "card-password-keys"
    key_file.write_text("# rotated 2026-11\n1:first-key-0123456789abcdef0123456789\n\n2:second\n")

    assert _keys_from(monkeypatch, CARD_PASSWORD_KEYS="1:aaa, 2:bbb") == {1: b"aaa", 2: b"bbb"}
    assert _keys_from(monkeypatch, CARD_PASSWORD_KEYS_FILE=str(key_file)) == {
        1: b"first-key-0123456789abcdef0123456789",
        2: b"second",
    }
    assert _keys_from(monkeypatch) == {1: DEVELOPMENT_CARD_PASSWORD_KEY.encode()}


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"CARD_PASSWORD_KEYS": "no-version-here"}, "<version>:<key>"),
        ({"CARD_PASSWORD_KEYS": "1:a,1:b"}, "version 1 is repeated"),
        ({"CARD_PASSWORD_KEYS": "1:a", "CARD_PASSWORD_KEYS_FILE": "/x"}, "not both"),
        ({"CARD_PASSWORD_KEYS_FILE": "/nonexistent/keys"}, "/nonexistent/keys"),
    ],
)
def test_malformed_card_password_keys_stop_the_settings(monkeypatch, variables, message):
    with pytest.raises(ImproperlyConfigured, match=re.escape(message)):
        _keys_from(monkeypatch, **variables)
