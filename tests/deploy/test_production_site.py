"""What an attacker meets on a production site: no sandbox, no dev inbox, no API docs
unless asked for, only the payment methods a real gateway backs, HTTPS enforced, and a
Content-Security-Policy on every page and API answer."""

import json
import re

import pytest

from roamcard.sandbox import signing

DEFAULT_SANDBOX_SECRET = "sandbox-webhook-secret-for-development"
FORGED_BODY = json.dumps(
    {"id": "evt_forged", "type": "charge.succeeded", "data": {"merchant_payment_id": "x"}}
).encode()
PAY_CARD = {"method": "POST", "path": "/api/v1/orders/{order}/payments", "as": "traveller"}


def _forged_webhook() -> dict:
    return {
        "method": "POST",
        "path": "/payments/webhooks/sandbox/",
        "json": json.loads(FORGED_BODY),
        "headers": {
            signing.HEADER: signing.sign(secret=DEFAULT_SANDBOX_SECRET, body=FORGED_BODY),
        },
    }


def _offered_methods(html: str) -> list[str]:
    return re.findall(r'<input type="radio" name="method" value="([^"]+)"', html)


def _directives(policy: str) -> dict[str, list[str]]:
    parts = (part.split() for part in policy.split(";") if part.strip())
    return {words[0]: words[1:] for words in parts}


# --- No gateway configured: nothing of the sandbox is reachable -------------------------------

DEFAULT_REQUESTS = {
    "sandbox pay page": {"path": "/sandbox/pay/{charge}/"},
    "forged webhook": _forged_webhook(),
    "pay by card in the API": {**PAY_CARD, "json": {"method": "card"}},
    "dev inbox": {"path": "/dev/inbox/", "as": "staff"},
    "API docs": {"path": "/api/v1/docs"},
    "OpenAPI schema": {"path": "/api/v1/openapi.json"},
    "home": {"path": "/"},
    "my cards": {"path": "/cards/", "as": "traveller"},
    "API": {"path": "/api/v1/cards", "as": "traveller"},
    "home over HTTP": {"path": "/", "secure": False},
    "home over HTTP claiming HTTPS": {
        "path": "/",
        "secure": False,
        "headers": {"X-Forwarded-Proto": "https"},
    },
    "admin": {"path": "/admin/", "as": "staff"},
}


@pytest.fixture(scope="module")
def default_site(production_site):
    answers = production_site(list(DEFAULT_REQUESTS.values()))
    return dict(zip(DEFAULT_REQUESTS, answers, strict=True))


def test_the_sandbox_pay_pages_are_not_served(default_site):
    assert default_site["sandbox pay page"]["status"] == 404


def test_a_webhook_signed_with_the_default_sandbox_secret_is_refused(default_site):
    assert default_site["forged webhook"]["status"] == 404


def test_the_api_refuses_a_method_no_gateway_backs(default_site):
    answer = default_site["pay by card in the API"]

    assert answer["status"] == 400
    assert json.loads(answer["body"])["error"]["code"] == "payment_method_not_available"


def test_the_dev_inbox_is_not_served_even_to_staff(default_site):
    assert default_site["dev inbox"]["status"] == 404


def test_the_api_docs_and_schema_are_off_by_default(default_site):
    assert default_site["API docs"]["status"] == 404
    assert default_site["OpenAPI schema"]["status"] == 404


def test_https_is_enforced_with_hsts(default_site):
    hsts = default_site["home"]["headers"]["Strict-Transport-Security"]

    max_age = int(re.search(r"max-age=(\d+)", hsts).group(1))
    assert max_age >= 365 * 24 * 3600
    assert "includeSubDomains" in hsts
    assert "preload" in hsts


def test_plain_http_is_redirected_to_https(default_site):
    answer = default_site["home over HTTP"]

    assert answer["status"] == 301
    assert answer["headers"]["Location"] == "https://example.org/"


def test_a_forwarded_proto_header_is_not_trusted_unless_configured(default_site):
    answer = default_site["home over HTTP claiming HTTPS"]

    assert answer["status"] == 301
    assert answer["headers"]["Location"] == "https://example.org/"


@pytest.mark.parametrize("name", ["home", "my cards", "API"])
def test_pages_and_the_api_carry_a_strict_content_security_policy(default_site, name):
    answer = default_site[name]
    assert answer["status"] == 200, answer["body"][:500]

    policy = _directives(answer["headers"]["Content-Security-Policy"])

    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]


def test_the_back_office_gets_only_what_its_scripts_need(default_site):
    answer = default_site["admin"]
    assert answer["status"] == 200

    policy = _directives(answer["headers"]["Content-Security-Policy"])

    # Alpine.js (django-unfold) compiles its attribute expressions; unfold writes inline
    # styles. Nothing else is loosened, and nothing loads from elsewhere.
    assert policy["script-src"] == ["'self'", "'unsafe-eval'"]
    assert "'unsafe-inline'" in policy["style-src"]
    assert policy["default-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]


# --- Only Stripe configured: only card payments are offered ----------------------------------

STRIPE_ONLY = {"STRIPE_SECRET_KEY": "sk_live_123", "STRIPE_WEBHOOK_SECRET": "whsec_123"}
STRIPE_REQUESTS = {
    "order page": {"path": "/orders/{order}/", "as": "traveller"},
    "pay with Alipay on the page": {
        "method": "POST",
        "path": "/orders/{order}/pay/",
        "as": "traveller",
        "data": {"method": "alipay"},
    },
    "pay with Alipay in the API": {**PAY_CARD, "json": {"method": "alipay"}},
    "pay with WeChat Pay in the API": {**PAY_CARD, "json": {"method": "wechat_pay"}},
    "forged webhook": _forged_webhook(),
}


@pytest.fixture(scope="module")
def stripe_site(production_site):
    answers = production_site(list(STRIPE_REQUESTS.values()), **STRIPE_ONLY)
    return dict(zip(STRIPE_REQUESTS, answers, strict=True))


def test_with_only_stripe_the_order_page_offers_only_card(stripe_site):
    answer = stripe_site["order page"]

    assert answer["status"] == 200
    assert _offered_methods(answer["body"]) == ["card"]


def test_with_only_stripe_the_page_refuses_alipay(stripe_site):
    answer = stripe_site["pay with Alipay on the page"]

    assert answer["status"] == 400
    assert "This payment method is not available." in answer["body"]


@pytest.mark.parametrize("name", ["pay with Alipay in the API", "pay with WeChat Pay in the API"])
def test_with_only_stripe_the_api_refuses_the_wallets(stripe_site, name):
    answer = stripe_site[name]

    assert answer["status"] == 400
    assert json.loads(answer["body"])["error"]["code"] == "payment_method_not_available"


def test_with_only_stripe_the_sandbox_webhook_is_still_refused(stripe_site):
    assert stripe_site["forged webhook"]["status"] == 404


# --- Configured paths and the proxy header ----------------------------------------------------

CONFIGURED = {
    "ADMIN_PATH": "backoffice-7f3a/",
    "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
    "API_DOCS_ENABLED": "1",
}
CONFIGURED_REQUESTS = {
    "admin at its path": {"path": "/backoffice-7f3a/", "as": "staff"},
    "a model in the admin": {"path": "/backoffice-7f3a/cards/card/", "as": "staff"},
    "admin at the default path": {"path": "/admin/", "as": "staff"},
    "admin for staff without an authenticator": {
        "path": "/backoffice-7f3a/",
        "as": "staff_without_mfa",
    },
    "home through the proxy": {
        "path": "/",
        "secure": False,
        "headers": {"X-Forwarded-Proto": "https"},
    },
    "home over HTTP": {"path": "/", "secure": False},
    "OpenAPI schema": {"path": "/api/v1/openapi.json"},
    "API docs": {"path": "/api/v1/docs"},
}


@pytest.fixture(scope="module")
def configured_site(production_site):
    answers = production_site(list(CONFIGURED_REQUESTS.values()), **CONFIGURED)
    return dict(zip(CONFIGURED_REQUESTS, answers, strict=True))


def test_the_admin_is_served_at_its_configured_path(configured_site):
    assert configured_site["admin at its path"]["status"] == 200
    assert configured_site["a model in the admin"]["status"] == 200
    assert configured_site["admin at the default path"]["status"] == 404


def test_staff_mfa_is_still_required_at_a_configured_admin_path(configured_site):
    answer = configured_site["admin for staff without an authenticator"]

    assert answer["status"] == 302
    assert "/accounts/2fa/totp/activate" in answer["headers"]["Location"]


def test_the_configured_proxy_header_is_honoured(configured_site):
    assert configured_site["home through the proxy"]["status"] == 200
    assert configured_site["home over HTTP"]["status"] == 301


def test_the_api_docs_can_be_switched_on(configured_site):
    assert configured_site["OpenAPI schema"]["status"] == 200
    assert configured_site["API docs"]["status"] == 200
