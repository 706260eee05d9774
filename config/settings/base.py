"""Settings shared by every environment; each value can be overridden from the environment."""

import json
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_EVAL, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("ROAMCARD_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEVELOPMENT_SECRET_KEY = "roamcard-development-key-not-for-production"


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY") or DEVELOPMENT_SECRET_KEY
# The name travellers know the service by: page titles, the greeting and subject of e-mails.
SITE_NAME = os.environ.get("SITE_NAME", "roamcard")
DEBUG = env_bool("DEBUG", False)
# True in config.settings.production: the settings serve real travellers, and the system
# check in roamcard/core/checks.py refuses to start with development tools or secrets.
PRODUCTION = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "unfold",
    "unfold.contrib.filters",
    # Per-language columns for what staff write for travellers (plan and region names):
    # after unfold, before the admin (docs/decisions/0006-translatable-catalogue.md).
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "django_htmx",
    "huey.contrib.djhuey",
    "ninja",
    "roamcard.core",
    "roamcard.accounts",
    "roamcard.notifications",
    "roamcard.help",
    "roamcard.catalog",
    "roamcard.cards",
    "roamcard.ledger",
    "roamcard.orders",
    "roamcard.payments",
    "roamcard.provisioning",
    "roamcard.usage",
    "roamcard.renewals",
    "roamcard.autorenewal",
    "roamcard.support",
    "roamcard.simnet",
    "roamcard.sandbox",
    "roamcard.reports",
    "roamcard.demo",
]

MIDDLEWARE = [
    # The request id, metrics and log line of every request; then /healthz, /readyz and
    # /metrics, answered before redirects, host checks, sessions and authentication.
    "roamcard.core.observability.RequestObservabilityMiddleware",
    "roamcard.core.probes.ProbeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "roamcard.accounts.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "roamcard.accounts.middleware.UserTimezoneMiddleware",
    # Before anything reads a request body (the CSRF check in process_view, the views).
    "roamcard.support.middleware.SupportUploadLimitMiddleware",
    "roamcard.accounts.middleware.StaffMfaRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "roamcard.accounts.middleware.SignInActivityMiddleware",
    "roamcard.accounts.middleware.RateLimitedMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "roamcard" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "roamcard.core.context_processors.site",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
# SQLite in WAL mode is the embedded default; DATABASE_URL switches to PostgreSQL.
SQLITE_PATH = VAR_DIR / "roamcard.sqlite3"
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(DATABASE_URL, conn_max_age=600, conn_health_checks=True)
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            "CONN_MAX_AGE": None,
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA foreign_keys=ON;"
                    "PRAGMA busy_timeout=20000;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and task queue -------------------------------------------------------
# The cache backs rate limits and one-time-code throttles, so it must be shared by every
# web process: the database by default, Redis at scale.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "roamcard"),
        }
    }
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": os.environ.get("HUEY_NAME", "roamcard"),
        "url": REDIS_URL,
        "immediate": False,
        "consumer": {"workers": 4, "worker_type": "thread"},
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "roamcard_cache",
        }
    }
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "roamcard",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": False,
        # The SQLite queue is polled, not pushed: poll often so a renewal never waits
        # seconds for the worker to notice its job (bench/renewal.py measures this).
        "consumer": {
            "workers": 2,
            "worker_type": "thread",
            "initial_delay": 0.01,
            "backoff": 1.05,
            "max_delay": 0.5,
        },
    }

# --- Auth ----------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "cards:list"
LOGOUT_REDIRECT_URL = "home"

ACCOUNT_ADAPTER = "roamcard.accounts.adapter.AccountAdapter"
# How a user is named in messages ("Signed in as …"): their e-mail or phone, never the
# generated username.
ACCOUNT_USER_DISPLAY = "roamcard.accounts.models.user_display"
ACCOUNT_LOGIN_METHODS = {"email", "phone"}
# allauth insists that the e-mail field is "required" when verification is mandatory; our
# SignupForm makes it optional and asks for an e-mail address or a mobile number instead.
ACCOUNT_SIGNUP_FIELDS = ["email*", "phone", "password1*", "password2*"]
ACCOUNT_FORMS = {
    "signup": "roamcard.accounts.forms.SignupForm",
    "login": "roamcard.accounts.forms.LoginForm",
    "verify_phone": "roamcard.accounts.forms.VerifyPhoneForm",
    "confirm_email_verification_code": "roamcard.accounts.forms.ConfirmEmailCodeForm",
    "change_phone": "roamcard.accounts.forms.ChangePhoneForm",
    "add_email": "roamcard.accounts.forms.AddEmailForm",
}
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_TIMEOUT = 10 * 60
ACCOUNT_PHONE_VERIFICATION_ENABLED = True
ACCOUNT_PHONE_VERIFICATION_TIMEOUT = 10 * 60
ACCOUNT_UNIQUE_EMAIL = True
# A traveller has at most one e-mail address: adding one to a phone-only account, or
# changing it, takes effect once the new address is verified by its code.
ACCOUNT_CHANGE_EMAIL = True
# Changing the e-mail address or the mobile number (the keys to a password reset) asks for
# the password again unless the traveller signed in within the last five minutes.
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_REAUTHENTICATION_TIMEOUT = 5 * 60
# "Send the code again" on the verification pages, this many times per code...
ACCOUNT_EMAIL_VERIFICATION_SUPPORTS_RESEND = 3
ACCOUNT_PHONE_VERIFICATION_SUPPORTS_RESEND = 3
# ...and never sooner than this after the last code to the same address or number (the
# pages count it down; the server refuses earlier requests, ours and allauth's alike).
VERIFICATION_CODE_RESEND_SECONDS = 60
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_DEFAULT_HTTP_PROTOCOL = os.environ.get("ACCOUNT_DEFAULT_HTTP_PROTOCOL", "http")
# allauth would prefix every e-mail subject with "[<host name>] "; ours names the site.
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
ALLAUTH_USER_CODE_FORMAT = {"numeric": True, "length": 6, "dashed": False}
ACCOUNT_RATE_LIMITS = {
    # Not per user: during sign-up the traveller is not logged in yet.
    "verify_phone": f"1/{VERIFICATION_CODE_RESEND_SECONDS}s/key,5/h/key,3/m/ip",
    "confirm_email": f"1/{VERIFICATION_CODE_RESEND_SECONDS}s/key,10/h/ip",
    # Adding or changing the mobile number (each new number also has the limits above).
    "change_phone": "5/m/user,20/h/user",
    # Password logins are limited by roamcard.accounts.lockout (web and API alike); allauth
    # still applies this to the MFA code step of staff logins.
    "login_failed": "10/m/ip,5/5m/key",
}
# Failed password logins allowed per window, per normalised login and per client address.
LOGIN_FAILURE_LIMITS = {"login": (5, 5 * 60), "ip": (20, 10 * 60)}
# The signed-in devices page lists allauth's user sessions; the last-active time is
# refreshed at most once a minute per session (roamcard.accounts.middleware).
USERSESSIONS_TRACK_ACTIVITY = False
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "roamcard"

# One-time codes of our own flows (password reset by SMS or e-mail).
ONE_TIME_CODE_TTL_SECONDS = 10 * 60
ONE_TIME_CODE_LENGTH = 6
ONE_TIME_CODE_MAX_ATTEMPTS = 5
# "count/seconds" limits on sending codes, per account, per destination and per IP.
ONE_TIME_CODE_RATE_LIMITS = {
    "account": (5, 60 * 60),
    "destination": (5, 60 * 60),
    "ip": (20, 60 * 60),
}

# Binding a card: wrong card passwords lock binding that card number for an hour.
CARD_BIND_MAX_FAILURES = 5
CARD_BIND_LOCK_SECONDS = 60 * 60

# Card passwords are stored as HMAC-SHA256 under a secret key kept outside the database
# (docs/decisions/0002). Keys are numbered versions, "1:<key>,2:<key>" in CARD_PASSWORD_KEYS
# or one "<version>:<key>" per line in the file CARD_PASSWORD_KEYS_FILE; every listed
# version verifies, CARD_PASSWORD_KEY_VERSION (default: the highest) hashes. Development and
# tests use the development key below; production refuses to start with it (core/checks.py).
DEVELOPMENT_CARD_PASSWORD_KEY = "card-password-key-for-development"


def card_password_keys() -> dict[int, bytes]:
    from django.core.exceptions import ImproperlyConfigured

    inline = os.environ.get("CARD_PASSWORD_KEYS", "").strip()
    path = os.environ.get("CARD_PASSWORD_KEYS_FILE", "").strip()
    if inline and path:
        raise ImproperlyConfigured("Set CARD_PASSWORD_KEYS or CARD_PASSWORD_KEYS_FILE, not both.")
    if path:
        try:
            text = Path(path).read_text()
        except OSError as exc:
            raise ImproperlyConfigured(f"CARD_PASSWORD_KEYS_FILE {path}: {exc.strerror}") from exc
        entries = [line.strip() for line in text.splitlines()]
        entries = [entry for entry in entries if entry and not entry.startswith("#")]
    elif inline:
        entries = [entry.strip() for entry in inline.split(",") if entry.strip()]
    else:
        return {1: DEVELOPMENT_CARD_PASSWORD_KEY.encode()}
    keys: dict[int, bytes] = {}
    for entry in entries:
        version, separator, key = entry.partition(":")
        if not separator or not version.strip().isdigit() or not key.strip():
            raise ImproperlyConfigured(
                "A card password key is written <version>:<key>, e.g. 2:<random text>; "
                f"found {entry[:12]!r}..."
            )
        if int(version) in keys:
            raise ImproperlyConfigured(f"Card password key version {int(version)} is repeated.")
        keys[int(version)] = key.strip().encode()
    return keys


CARD_PASSWORD_KEYS = card_password_keys()
CARD_PASSWORD_KEY_VERSION = int(
    os.environ.get("CARD_PASSWORD_KEY_VERSION") or max(CARD_PASSWORD_KEYS)
)

# --- Internationalisation --------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("zh-hans", "简体中文"),
    ("zh-hant", "繁體中文"),
    ("ja", "日本語"),
    ("ko", "한국어"),
]
LOCALE_PATHS = [BASE_DIR / "roamcard" / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"
# The browser's time zone (IANA name), written by app.js: a signed-out visitor's times are
# shown in it, and a new account starts with it when the sign-up form did not send one.
TIME_ZONE_COOKIE_NAME = "roamcard_tz"

# The catalogue's translated fields (roamcard/catalog/translation.py): one column per
# language; English is the one staff must fill. An empty translation falls back along
# these chains, Chinese to the other Chinese script first (docs/decisions/0006).
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_PREPOPULATE_LANGUAGE = "en"
# Code that creates a plan or region with plain `name=` while another language is active
# still fills in the required English column (the back office sets each column itself).
MODELTRANSLATION_AUTO_POPULATE = "required"
MODELTRANSLATION_FALLBACK_LANGUAGES = {
    "default": ("en",),
    "zh-hant": ("zh-hans", "en"),
    "zh-hans": ("zh-hant", "en"),
}


def _localized_verbose_name(verbose_name, language: str) -> str:
    """The back office's label of one language version: "name · 简体中文"."""
    return f"{verbose_name} · {dict(LANGUAGES)[language]}"


MODELTRANSLATION_BUILD_LOCALIZED_VERBOSE_NAME = _localized_verbose_name

CURRENCIES = ["CNY", "HKD", "USD", "EUR", "JPY", "KRW", "TWD", "SGD", "GBP"]
DEFAULT_CURRENCY = "USD"

# --- Static files ------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "roamcard" / "static"]
# Uploaded files (the back office's card imports, while they run) are kept here. Nothing
# serves this folder: there is no MEDIA_URL route and whitenoise serves STATIC_ROOT only.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Customer service ------------------------------------------------------------------
# Images attached to tickets: at most this many per message, each at most this large.
SUPPORT_ATTACHMENT_MAX_FILES = int(os.environ.get("SUPPORT_ATTACHMENT_MAX_FILES", "4"))
SUPPORT_ATTACHMENT_MAX_BYTES = int(
    os.environ.get("SUPPORT_ATTACHMENT_MAX_BYTES", str(5 * 1024 * 1024))
)
SUPPORT_ATTACHMENT_MAX_PIXELS = 40_000_000
# A paid renewal not applied after this many minutes opens a ticket on the traveller's behalf.
SUPPORT_ESCALATE_AFTER_MINUTES = int(os.environ.get("SUPPORT_ESCALATE_AFTER_MINUTES", "10"))

# --- Outbound messages ---------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "roamcard <no-reply@roamcard.test>")
# Which adapter delivers SMS from the outbox (the console one writes them to the log).
SMS_SENDER = os.environ.get("SMS_SENDER", "roamcard.notifications.senders.ConsoleSmsSender")
# The outbox (docs/operations.md): an attempt older than this is presumed dead and a queued
# message whose job has not run by then is re-driven by the sweep; a message the provider
# keeps refusing is given up after OUTBOX_MAX_ATTEMPTS, retried after these delays.
OUTBOX_ATTEMPT_TIMEOUT_SECONDS = int(os.environ.get("OUTBOX_ATTEMPT_TIMEOUT_SECONDS", "120"))
OUTBOX_MAX_ATTEMPTS = 6
OUTBOX_RETRY_BACKOFF_SECONDS = [30, 120, 600, 1800, 3600]

# --- Payments, provisioning ------------------------------------------------------------
# The sandbox gateway (roamcard.sandbox: its pay pages and its webhook) is a development
# tool: development and test settings switch it on, production refuses to start with it.
SANDBOX_ENABLED = env_bool("SANDBOX_ENABLED", False)
SANDBOX_DEVELOPMENT_SECRET = "sandbox-webhook-secret-for-development"


def payment_gateways(*, sandbox: bool) -> tuple[dict[str, dict], dict[str, str]]:
    """PAYMENT_GATEWAYS and PAYMENT_METHOD_GATEWAYS from the environment (see
    roamcard/payments/gateways/registry.py and docs/payments-going-live.md).

    A payment method is offered only when a gateway backs it: the sandbox (when on) backs
    all of them, and each real gateway whose credentials are in the environment takes over
    its own. Each gateway's SECRETS name its secret options and the variables they come
    from, so that production can refuse to start with one of them empty; CHECKOUT_ORIGINS
    are where its hosted checkout takes the payer (the Content-Security-Policy allows them)."""
    gateways: dict[str, dict] = {}
    methods: dict[str, str] = {}
    if sandbox:
        gateways["sandbox"] = {
            "BACKEND": "roamcard.payments.gateways.sandbox.SandboxGateway",
            "OPTIONS": {
                "secret": os.environ.get("SANDBOX_WEBHOOK_SECRET", SANDBOX_DEVELOPMENT_SECRET)
            },
            "SECRETS": {"secret": "SANDBOX_WEBHOOK_SECRET"},
        }
        methods.update(card="sandbox", alipay="sandbox", wechat_pay="sandbox")
    if os.environ.get("STRIPE_SECRET_KEY"):
        gateways["stripe"] = {
            "BACKEND": "roamcard.payments.gateways.stripe_gateway.StripeGateway",
            "OPTIONS": {
                "secret_key": os.environ["STRIPE_SECRET_KEY"],
                "webhook_secret": os.environ.get("STRIPE_WEBHOOK_SECRET", ""),
                "publishable_key": os.environ.get("STRIPE_PUBLISHABLE_KEY", ""),
                # Pinned in the adapter; the webhook endpoint must send events in it too.
                **(
                    {"api_version": os.environ["STRIPE_API_VERSION"]}
                    if os.environ.get("STRIPE_API_VERSION")
                    else {}
                ),
            },
            "SECRETS": {
                "secret_key": "STRIPE_SECRET_KEY",
                "webhook_secret": "STRIPE_WEBHOOK_SECRET",
            },
            "CHECKOUT_ORIGINS": ["https://checkout.stripe.com"],
        }
        methods["card"] = "stripe"
    if os.environ.get("ALIPAY_APP_ID"):
        gateways["alipay"] = {
            "BACKEND": "roamcard.payments.gateways.alipay_gateway.AlipayGateway",
            "OPTIONS": {
                "app_id": os.environ["ALIPAY_APP_ID"],
                "app_private_key_pem": os.environ.get("ALIPAY_APP_PRIVATE_KEY", ""),
                "alipay_public_key_pem": os.environ.get("ALIPAY_PUBLIC_KEY", ""),
                "seller_id": os.environ.get("ALIPAY_SELLER_ID", ""),
                "sandbox": os.environ.get("ALIPAY_SANDBOX") == "1",
                # "page" (the desktop cashier), "wap" or "auto" (wap on phones).
                "trade_type": os.environ.get("ALIPAY_TRADE_TYPE", "page"),
                # With the merchant-deduction product: travellers can save Alipay.
                "agreement_sign_scene": os.environ.get("ALIPAY_AGREEMENT_SIGN_SCENE", ""),
            },
            "SECRETS": {
                "app_private_key_pem": "ALIPAY_APP_PRIVATE_KEY",
                "alipay_public_key_pem": "ALIPAY_PUBLIC_KEY",
            },
            "CHECKOUT_ORIGINS": [
                "https://openapi-sandbox.dl.alipaydev.com"
                if os.environ.get("ALIPAY_SANDBOX") == "1"
                else "https://openapi.alipay.com"
            ],
        }
        methods["alipay"] = "alipay"
    if os.environ.get("WECHATPAY_MCHID"):
        gateways["wechatpay"] = {
            "BACKEND": "roamcard.payments.gateways.wechatpay_gateway.WeChatPayGateway",
            "OPTIONS": {
                "mchid": os.environ["WECHATPAY_MCHID"],
                "appid": os.environ.get("WECHATPAY_APPID", ""),
                "api_v3_key": os.environ.get("WECHATPAY_API_V3_KEY", ""),
                "merchant_private_key_pem": os.environ.get("WECHATPAY_MERCHANT_PRIVATE_KEY", ""),
                "merchant_serial_no": os.environ.get("WECHATPAY_MERCHANT_SERIAL_NO", ""),
                "platform_public_key_pem": os.environ.get("WECHATPAY_PUBLIC_KEY", ""),
                "platform_serial_no": os.environ.get("WECHATPAY_PUBLIC_KEY_ID", ""),
                "platform_certificate_pem": os.environ.get("WECHATPAY_PLATFORM_CERTIFICATE", ""),
                # During a key rotation: {"serial": "PEM", ...}, both accepted.
                "platform_keys": json.loads(os.environ.get("WECHATPAY_PLATFORM_KEYS") or "{}"),
                "refund_notify_url": os.environ.get("WECHATPAY_REFUND_NOTIFY_URL", ""),
                "h5": os.environ.get("WECHATPAY_H5") == "1",
                "h5_payer_client_ip": os.environ.get("WECHATPAY_H5_PAYER_CLIENT_IP", ""),
            },
            "SECRETS": {
                "api_v3_key": "WECHATPAY_API_V3_KEY",
                "merchant_private_key_pem": "WECHATPAY_MERCHANT_PRIVATE_KEY",
                # One way or another WeChat Pay's key must be there to verify its answers.
                **(
                    {}
                    if os.environ.get("WECHATPAY_PLATFORM_KEYS")
                    or os.environ.get("WECHATPAY_PLATFORM_CERTIFICATE")
                    else {"platform_public_key_pem": "WECHATPAY_PUBLIC_KEY"}
                ),
            },
            # H5 payments send a phone's browser to WeChat Pay's page.
            "CHECKOUT_ORIGINS": ["https://wx.tenpay.com"],
        }
        methods["wechat_pay"] = "wechatpay"
    return gateways, methods


PAYMENT_GATEWAYS, PAYMENT_METHOD_GATEWAYS = payment_gateways(sandbox=SANDBOX_ENABLED)
# The address gateways and the traveller's browser use to reach us (webhooks, return URLs).
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000")
WEBHOOK_TOLERANCE_SECONDS = 300
# The mobile network's adapter (a class implementing roamcard.provisioning.network's
# NetworkAdapter) and its options, passed to it as keyword arguments: an operator's
# endpoint and credentials. NETWORK_ADAPTER (the class) and NETWORK_OPTIONS (JSON) set them.
NETWORK = {
    "ADAPTER": os.environ.get("NETWORK_ADAPTER", "roamcard.simnet.adapter.SimulatedNetwork"),
    "OPTIONS": json.loads(os.environ.get("NETWORK_OPTIONS") or "{}"),
}
PROVISIONING_MAX_ATTEMPTS = 6
PROVISIONING_BACKOFF_SECONDS = [2, 5, 15, 60, 300]
PROVISIONING_LEASE_SECONDS = 60
# A bucket that starts on first use (a day pass) must be started within this many days of
# its purchase; unused after that, it ends (docs/decisions/0003).
BUCKET_FIRST_USE_WITHIN_DAYS = 180
# Usage the network reports (docs/decisions/0007). Usage beyond every bucket that covers
# the country makes us ask the network to "suspend" the card or "throttle" it to
# USAGE_OVERAGE_THROTTLE_KBPS, until a renewal lands.
USAGE_OVERAGE_ACTION = os.environ.get("USAGE_OVERAGE_ACTION", "suspend")
USAGE_OVERAGE_THROTTLE_KBPS = 64
USAGE_BATCH_MAX_EVENTS = 10_000
# Events older than this, or starting later than the clock skew allows, are rejected.
USAGE_MAX_AGE_DAYS = 90
USAGE_MAX_CLOCK_SKEW_SECONDS = 300
# Usage alerts (docs/decisions/0008): when a coverage's data left falls to these percentages
# of what its live buckets granted, and these many days before its validity ends.
USAGE_ALERT_THRESHOLDS = [50, 20, 10, 0]
USAGE_VALIDITY_ALERT_DAYS = [3, 1]
RECONCILE_BACKOFF_SECONDS = [10, 30, 60, 300, 900, 3600]
# How long a payer has to pay at the gateway; the gateway is told (its own session ends
# then). After it and a grace period the payment is closed at the gateway, and the gateway
# is asked once more a grace period later, in case the payer got through at the last moment.
PAYMENT_PAYER_WINDOW_SECONDS = 30 * 60
PAYMENT_CLOSE_GRACE_SECONDS = 2 * 60
# How long a traveller has to confirm a charge to a saved method that the gateway wants them
# to confirm (3-D Secure): told by a message, they may be asleep or on a plane.
PAYMENT_CONFIRM_WINDOW_SECONDS = 24 * 3600
# Automatic renewal (docs/decisions/0010). A declined charge is tried again after each of
# these delays, then automatic renewal switches off; a charge whose payment is still open
# is looked at again this often; a charge that has not recorded its payment within the
# lease is presumed dead and made again. The sweep (every minute) hands out at most
# AUTORENEWAL_SWEEP_LIMIT due policies and renewals, each claimed for its lease.
AUTORENEWAL_RETRY_BACKOFF_SECONDS = [3600, 6 * 3600, 24 * 3600]
AUTORENEWAL_PAYMENT_CHECK_SECONDS = 60
AUTORENEWAL_CHARGE_LEASE_SECONDS = 5 * 60
AUTORENEWAL_SWEEP_LEASE_SECONDS = 5 * 60
AUTORENEWAL_SWEEP_LIMIT = 50_000

# --- API --------------------------------------------------------------------------------
API_TOKEN_TTL_DAYS = int(os.environ.get("API_TOKEN_TTL_DAYS", "90"))
# Each process keeps a checked token this many seconds (0: never) so that most API requests
# cost no token query; a revocation still takes effect on the very next request, through
# the revocation stamps every process shares (roamcard.core.stamps).
API_TOKEN_CACHE_SECONDS = float(os.environ.get("API_TOKEN_CACHE_SECONDS", "5"))
# Where the stamps live: "auto" (Redis when REDIS_URL is set, else a shared memory file on
# SQLite, else none, so no token is cached), "redis", "file" (every process on one
# machine), or "off".
STAMPS_BACKEND = os.environ.get("STAMPS_BACKEND", "auto")
if STAMPS_BACKEND not in ("auto", "redis", "file", "off"):
    raise ImproperlyConfigured("STAMPS_BACKEND must be auto, redis, file or off.")
# The API's docs page (/api/v1/docs) and schema (/api/v1/openapi.json): on in development.
API_DOCS_ENABLED = env_bool("API_DOCS_ENABLED", False)

# --- Development tools and the back office's path --------------------------------------------
# The dev inbox (/dev/inbox/: every SMS and e-mail sent) is a development tool, like the
# sandbox: off unless switched on; production refuses to start with either on.
DEV_INBOX_ENABLED = env_bool("DEV_INBOX_ENABLED", False)
# Where the back office is served, e.g. ADMIN_PATH=backoffice-7f3a/.
ADMIN_PATH = (os.environ.get("ADMIN_PATH", "").strip().strip("/") or "admin") + "/"

# --- HTTP security ----------------------------------------------------------------------------
# Trust a header saying the request came over HTTPS only behind a proxy that sets it on every
# request (SECURE_PROXY_SSL_HEADER=X-Forwarded-Proto): without one, any client could send it.
_PROXY_SSL_HEADER = os.environ.get("SECURE_PROXY_SSL_HEADER", "").strip()
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_" + _PROXY_SSL_HEADER.upper().replace("-", "_"), "https") if _PROXY_SSL_HEADER else None
)
# The Content-Security-Policy of every page and API answer (django-csp), in every
# environment: scripts, styles, images and fonts come from this site only (images also as
# data: URIs, e.g. the authenticator set-up QR code), nothing inline.
# Forms post here, or to a real gateway's hosted checkout (a redirect after a form post is
# checked against form-action too). The back office's relaxation for Alpine.js and its
# inline styles is added for its path only (roamcard.accounts.middleware).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [
            SELF,
            *(
                origin
                for gateway in PAYMENT_GATEWAYS.values()
                for origin in gateway.get("CHECKOUT_ORIGINS", ())
            ),
        ],
    },
}
ADMIN_CONTENT_SECURITY_POLICY_ADDITIONS = {
    # Alpine.js (django-unfold) compiles its x-data expressions with the Function constructor;
    # unfold's templates carry <style> elements and style attributes.
    "script-src": [UNSAFE_EVAL],
    "style-src": [UNSAFE_INLINE],
}

UNFOLD = {
    "SITE_TITLE": "roamcard back office",
    "SITE_HEADER": "roamcard",
    "SITE_SYMBOL": "sim_card",
}

# --- Operations: logs, metrics, probes (docs/operations.md) ----------------------------------
# /metrics answers a bearer of this token and is a 404 while it is unset.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
# Several processes' metrics add up through files in this folder, one per machine, emptied
# when the machine starts (roamcard/core/metrics.py); unset, each process counts alone.
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).mkdir(parents=True, exist_ok=True)
# /readyz: how long the database and the queue each have to answer.
READINESS_TIMEOUT_SECONDS = float(os.environ.get("READINESS_TIMEOUT_SECONDS", "2"))


def logging_config(log_format: str) -> dict:
    """ "json": one JSON object per line (production's default); "plain": readable lines.
    Both carry the request id (roamcard/core/logcontext.py)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": "roamcard.core.logcontext.ContextFilter"}},
        "formatters": {
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": "%(levelname)s %(name)s %(message)s",
                "rename_fields": {"levelname": "level", "name": "logger"},
                "timestamp": True,
            },
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "json" if log_format == "json" else "plain",
                "filters": ["context"],
            }
        },
        "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
        "loggers": {
            "django.db.backends": {"level": "WARNING"},
            # Configured here, Huey's consumer does not add a handler of its own.
            "huey": {"handlers": ["console"], "propagate": False},
        },
    }


LOGGING = logging_config(os.environ.get("LOG_FORMAT", "plain"))
