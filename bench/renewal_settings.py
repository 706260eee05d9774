"""The settings of bench/renewal.py's processes: production's, with the sandbox as the payment
gateway (the one gateway the benchmark can drive end to end) and plain HTTP on the loopback.

Production refuses to start with the sandbox on, so these are not production settings
(PRODUCTION = False): they exist for the benchmark only and never serve travellers."""

from config.settings.base import payment_gateways
from config.settings.production import *  # noqa: F403

PRODUCTION = False
SANDBOX_ENABLED = True
PAYMENT_GATEWAYS, PAYMENT_METHOD_GATEWAYS = payment_gateways(sandbox=SANDBOX_ENABLED)
SECURE_SSL_REDIRECT = False
