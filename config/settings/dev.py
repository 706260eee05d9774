"""Development and demo defaults: the embedded SQLite database and queue, DEBUG on, and the
development tools (the sandbox gateway, the dev inbox, the API docs) switched on."""

from .base import *  # noqa: F403
from .base import env_bool, payment_gateways

DEBUG = env_bool("DEBUG", True)
SANDBOX_ENABLED = env_bool("SANDBOX_ENABLED", True)
PAYMENT_GATEWAYS, PAYMENT_METHOD_GATEWAYS = payment_gateways(sandbox=SANDBOX_ENABLED)
DEV_INBOX_ENABLED = env_bool("DEV_INBOX_ENABLED", True)
API_DOCS_ENABLED = env_bool("API_DOCS_ENABLED", True)
