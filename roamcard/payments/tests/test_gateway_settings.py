"""A provider goes live by setting environment variables; nothing else changes."""

import json
import os
import subprocess
import sys

PROBE = (
    "import django, json; django.setup(); from django.conf import settings; "
    "from roamcard.payments.gateways.registry import gateway_for_method; "
    "print(json.dumps({m: type(gateway_for_method(m)).__name__ "
    "for m in settings.PAYMENT_METHOD_GATEWAYS}))"
)


def _gateways_with(**variables: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("STRIPE_", "ALIPAY_", "WECHATPAY_"))
    }
    env.update(variables, DJANGO_SETTINGS_MODULE="config.settings.dev")
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_without_credentials_every_method_uses_the_sandbox():
    assert _gateways_with() == {
        "card": "SandboxGateway",
        "alipay": "SandboxGateway",
        "wechat_pay": "SandboxGateway",
    }


def test_stripe_credentials_take_over_card_payments_only():
    gateways = _gateways_with(STRIPE_SECRET_KEY="sk_test_123", STRIPE_WEBHOOK_SECRET="whsec_123")

    assert gateways == {
        "card": "StripeGateway",
        "alipay": "SandboxGateway",
        "wechat_pay": "SandboxGateway",
    }
