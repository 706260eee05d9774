"""Test settings: the same stack as development, tuned for speed and isolation."""

import os

from .base import *  # noqa: F403
from .base import CACHES, DEVELOPMENT_CARD_PASSWORD_KEY, HUEY, REDIS_URL, payment_gateways

DEBUG = False
# The development tools are part of what the tests exercise.
SANDBOX_ENABLED = True
PAYMENT_GATEWAYS, PAYMENT_METHOD_GATEWAYS = payment_gateways(sandbox=SANDBOX_ENABLED)
DEV_INBOX_ENABLED = True
API_DOCS_ENABLED = True
# Argon2 at full strength would dominate the run time; tests exercise hashing with a fast
# hasher, the production hasher list is unchanged.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Card passwords: the development key, whatever the environment says.
CARD_PASSWORD_KEYS = {1: DEVELOPMENT_CARD_PASSWORD_KEY.encode()}
CARD_PASSWORD_KEY_VERSION = 1
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tasks run in-process and at once, so a test sees their effects.
HUEY = {**HUEY, "immediate": True}
if REDIS_URL:
    CACHES = {
        "default": {
            **CACHES["default"],
            "KEY_PREFIX": f"roamcard-test-{os.getpid()}",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Nothing listens here: the sandbox's notifications fail fast unless a test serves the app
# (live_server) and points PUBLIC_BASE_URL at it.
PUBLIC_BASE_URL = "http://127.0.0.1:9"
# Serve static files from the apps' folders, as in development: no collectstatic in tests.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
