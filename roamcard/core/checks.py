"""Production refuses to start unless it is safe: a system check at error level.

With the production settings (PRODUCTION = True) the check fails when a development tool is
switched on (the sandbox gateway, the dev inbox, DEBUG) or a secret is a development
default or empty (SECRET_KEY, the payment gateways' secrets, the card password keys).
Django runs it before `manage.py` commands (`check`, `migrate`, `run_huey`, ...);
config/wsgi.py runs it before the WSGI application serves anything.
The messages are for the operator starting the process, so they stay in English."""

import sys

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

TAG = "roamcard_production"
REFUSAL = "roamcard refuses to start with the production settings"
DEVELOPMENT_DEFAULT_SUFFIX = "-for-development"
# Django's own bar for a secret key (its check --deploy warns below it).
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_UNIQUE_CHARACTERS = 5


def _error(number: int, problem: str, hint: str) -> checks.Error:
    return checks.Error(f"{REFUSAL}: {problem}", hint=hint, id=f"roamcard.E{number:03d}")


def _development_tools() -> list[checks.Error]:
    errors = []
    if settings.DEBUG:
        errors.append(
            _error(1, "DEBUG is on.", "Unset DEBUG: it shows tracebacks and settings to anyone.")
        )
    if settings.SANDBOX_ENABLED or "sandbox" in settings.PAYMENT_GATEWAYS:
        errors.append(
            _error(
                2,
                "the sandbox payment gateway is switched on (SANDBOX_ENABLED).",
                "Unset SANDBOX_ENABLED: its test cards renew for free and its default "
                "webhook secret is public. Configure a real gateway instead.",
            )
        )
    if settings.DEV_INBOX_ENABLED:
        errors.append(
            _error(
                3,
                "the dev inbox is switched on (DEV_INBOX_ENABLED).",
                "Unset DEV_INBOX_ENABLED: it shows every SMS and e-mail sent, codes included.",
            )
        )
    return errors


def _secret_key() -> list[checks.Error]:
    try:
        key = settings.SECRET_KEY
    except ImproperlyConfigured:  # Django's answer to an empty one
        key = ""
    if (
        key == settings.DEVELOPMENT_SECRET_KEY
        or key.startswith("django-insecure")
        or len(key) < SECRET_KEY_MIN_LENGTH
        or len(set(key)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS
    ):
        return [
            _error(
                4,
                "SECRET_KEY is empty, too short or a development key.",
                "Set SECRET_KEY to a long random value, e.g. the output of "
                "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`.",
            )
        ]
    return []


def _gateway_secrets() -> list[checks.Error]:
    errors = []
    for name, gateway in settings.PAYMENT_GATEWAYS.items():
        options = gateway.get("OPTIONS", {})
        for option, variable in gateway.get("SECRETS", {}).items():
            value = options.get(option) or ""
            if not value or value.endswith(DEVELOPMENT_DEFAULT_SUFFIX):
                errors.append(
                    _error(
                        5,
                        f"the payment gateway {name!r} is enabled but {variable} is empty "
                        "or a development default.",
                        f"Set {variable} (see docs/payments-going-live.md): without it "
                        "notifications cannot be verified, or payments cannot be made.",
                    )
                )
    return errors


# /metrics is served only with METRICS_TOKEN set (a 404 otherwise); a set one must be long
# enough not to be guessed.
METRICS_TOKEN_MIN_LENGTH = 32


def _metrics_token() -> list[checks.Error]:
    token = settings.METRICS_TOKEN
    if token and len(token) < METRICS_TOKEN_MIN_LENGTH:
        return [
            _error(
                20,
                f"METRICS_TOKEN is shorter than {METRICS_TOKEN_MIN_LENGTH} characters.",
                "Set METRICS_TOKEN to a long random value, e.g. the output of "
                "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`, or unset it "
                "to serve no metrics.",
            )
        ]
    return []


# A card password key is text of at least this many characters (secrets.token_urlsafe(32)
# gives 43): HMAC-SHA256 wants 256 bits of key.
CARD_PASSWORD_KEY_MIN_LENGTH = 32


def _card_password_keys() -> list[checks.Error]:
    keys = settings.CARD_PASSWORD_KEYS
    hint = (
        "Set CARD_PASSWORD_KEYS=1:<key> (or CARD_PASSWORD_KEYS_FILE, a file of <version>:<key> "
        "lines) with a key made by `python -c 'import secrets; print(secrets.token_urlsafe(32))'`"
        ", kept outside the database (docs/decisions/0002)."
    )
    problems = [
        problem
        for version, key in sorted(keys.items())
        if (problem := _card_password_key_problem(version, key))
    ]
    if not keys or problems:
        why = "; ".join(problems) or "none is configured"
        return [
            _error(
                10,
                f"the card password keys are missing, too short or a development key: {why}.",
                hint,
            )
        ]
    if settings.CARD_PASSWORD_KEY_VERSION not in keys:
        return [
            _error(
                11,
                f"CARD_PASSWORD_KEY_VERSION {settings.CARD_PASSWORD_KEY_VERSION} is not one of "
                f"the card password keys ({', '.join(map(str, sorted(keys)))}).",
                "List that version in CARD_PASSWORD_KEYS, or unset CARD_PASSWORD_KEY_VERSION "
                "to hash with the highest version.",
            )
        ]
    return []


def _card_password_key_problem(version: int, key: bytes) -> str:
    if key == settings.DEVELOPMENT_CARD_PASSWORD_KEY.encode():
        return (
            f"version {version} is the development key (CARD_PASSWORD_KEYS and "
            "CARD_PASSWORD_KEYS_FILE are not set)"
        )
    if key.decode(errors="replace").endswith(DEVELOPMENT_DEFAULT_SUFFIX):
        return f"version {version} is a development key"
    if len(key) < CARD_PASSWORD_KEY_MIN_LENGTH:
        return f"version {version} is shorter than {CARD_PASSWORD_KEY_MIN_LENGTH} characters"
    if len(set(key)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS:
        return f"version {version} repeats too few characters to be random"
    return ""


@checks.register(TAG)
def production_is_safe(app_configs=None, **kwargs) -> list[checks.Error]:
    if not getattr(settings, "PRODUCTION", False):
        return []
    return [
        *_development_tools(),
        *_secret_key(),
        *_gateway_secrets(),
        *_card_password_keys(),
        *_metrics_token(),
    ]


def refuse_to_serve_if_unsafe() -> None:
    """For processes Django's management commands do not start (the WSGI application):
    exit with the check's messages, as `manage.py check` would, instead of serving."""
    errors = [
        error
        for error in checks.run_checks(tags=[TAG])
        if error.is_serious() and not error.is_silenced()
    ]
    if errors:
        print("\n".join(str(error) for error in errors), file=sys.stderr, flush=True)
        raise SystemExit(1)
