"""Production settings: everything from the environment, HTTPS only.

Production refuses to start with a development tool switched on (the sandbox gateway, the
dev inbox, DEBUG) or a default or empty secret: the system check in roamcard/core/checks.py
stops `manage.py` commands, the task worker and the WSGI application (config/wsgi.py)."""

import os

from .base import *  # noqa: F403
from .base import env_bool, logging_config

PRODUCTION = True

DEBUG = env_bool("DEBUG", False)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
# A load balancer's health probe may come over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^api/v1/health$"]
# Browsers remember for a year to use HTTPS only, for subdomains too, and the domain may be
# submitted to the browsers' preload list.
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 60 * 60)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"
# One JSON object per line, for a log collector (LOG_FORMAT=plain for readable lines).
LOGGING = logging_config(os.environ.get("LOG_FORMAT", "json"))
