"""The counters an operator watches move when the thing happens: a renewal through the
sandbox and its signed webhook, a usage batch, the janitor, a request."""

import json
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from prometheus_client import REGISTRY

from roamcard.orders.choices import OrderState
from roamcard.orders.services import order_create
from roamcard.payments.models import WebhookDelivery
from roamcard.renewals.janitor import janitor_sweep
from roamcard.renewals.services import renewal_pay
from roamcard.sandbox import services as sandbox
from roamcard.sandbox import signing
from roamcard.sandbox.models import SandboxEvent
from roamcard.testing import make_card, make_plan, make_region, make_user
from roamcard.usage.models import NetworkApiKey
from roamcard.usage.services import network_api_key_issue

pytestmark = pytest.mark.django_db(transaction=True)

GIB = 1024**3
MB = 1024**2


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


class Counts:
    """Sample values now, to compare with after (the registry lives as long as the process)."""

    def __init__(self, *samples: tuple[str, dict[str, str]]):
        self.samples = samples
        self.before = [value(name, **labels) for name, labels in samples]

    def moved(self) -> list[float]:
        return [
            value(name, **labels) - before
            for (name, labels), before in zip(self.samples, self.before, strict=True)
        ]


def paid_notification(renewal_setup):
    """A renewal paid on the sandbox's page whose notification has not reached us yet: its
    signed body, as the sandbox would post it."""
    traveller, card, plan = renewal_setup
    order = order_create(user=traveller, card_id=card.pk, plan_id=plan.pk, currency="CNY")
    payment = renewal_pay(user=traveller, order=order, method="card")
    charge = sandbox.sandbox_charge_get(merchant_payment_id=str(payment.public_id))
    sandbox.sandbox_pay_by_card(charge_id=charge.pk, number="4000000000000259")  # "lost"
    event = SandboxEvent.objects.get(charge=charge, type="payment.succeeded")
    body = json.dumps(event.payload, separators=(",", ":")).encode()
    return order, body


def post_notification(client, body, **headers):
    secret = settings.PAYMENT_GATEWAYS["sandbox"]["OPTIONS"]["secret"]
    return client.post(
        "/payments/webhooks/sandbox/",
        body,
        content_type="application/json",
        headers={signing.HEADER: signing.sign(secret=secret, body=body), **headers},
    )


def test_a_renewal_by_webhook_counts_paid_fulfilled_the_webhook_and_its_lag(client, renewal_setup):
    order, body = paid_notification(renewal_setup)
    counts = Counts(
        ("roamcard_order_transitions_total", {"state": "paid"}),
        ("roamcard_order_transitions_total", {"state": "fulfilled"}),
        ("roamcard_renewal_paid_to_fulfilled_seconds_count", {}),
        ("roamcard_webhooks_settled_total", {"gateway": "sandbox", "outcome": "processed"}),
        ("roamcard_webhook_lag_seconds_count", {"gateway": "sandbox"}),
    )

    assert post_notification(client, body).status_code == 200
    order.refresh_from_db()
    assert order.state == OrderState.FULFILLED
    assert counts.moved() == [1, 1, 1, 1, 1]

    # The same notification again (the gateway retries): stored as a duplicate, nothing counted.
    assert post_notification(client, body).status_code == 200
    assert counts.moved() == [1, 1, 1, 1, 1]
    assert WebhookDelivery.objects.filter(outcome="processed").count() == 1


def test_a_usage_batch_counts_its_events_by_result_and_its_time(client, renewal_setup):
    _, card, _ = renewal_setup
    _key, secret = network_api_key_issue(
        name="feed", scope=NetworkApiKey.Scope.USAGE_WRITE, staff=None, ip_address=None
    )
    at = timezone.now() - timedelta(minutes=30)
    good = {
        "event_id": "ev-1",
        "iccid": card.iccid,
        "bytes_up": MB,
        "bytes_down": MB,
        "started_at": at.isoformat(),
        "ended_at": (at + timedelta(minutes=5)).isoformat(),
        "country": "FR",
    }
    bad = {**good, "event_id": "ev-2", "country": "??"}
    counts = Counts(
        ("roamcard_usage_events_total", {"result": "accepted"}),
        ("roamcard_usage_events_total", {"result": "duplicate"}),
        ("roamcard_usage_events_total", {"result": "rejected"}),
        ("roamcard_usage_batch_duration_seconds_count", {}),
    )
    response = client.post(
        "/api/v1/network/usage-events",
        {"events": [good, good, bad]},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 200, response.content
    assert counts.moved() == [1, 1, 1, 1]


def test_the_janitor_counts_what_it_drove_on(renewal_setup):
    order, _ = paid_notification(renewal_setup)
    # The notification never came and the payer's window closed: the janitor asks the gateway.
    counts = Counts(("roamcard_janitor_actions_total", {"action": "payments_reconciled"}))
    report = janitor_sweep(now=timezone.now() + timedelta(hours=2))
    assert report.payments_reconciled >= 1
    assert counts.moved() == [report.payments_reconciled]


def test_requests_count_by_route_pattern_not_by_path(client):
    region = make_region()
    plan = make_plan(region=region, data_bytes=GIB, days=1, prices={"USD": 100})
    make_card(region=region, owner=make_user())
    counts = Counts(
        ("roamcard_http_requests_total", {"route": "/store/", "method": "GET", "status": "2xx"}),
        ("roamcard_http_requests_total", {"route": "unmatched", "method": "GET", "status": "4xx"}),
    )
    assert client.get("/store/").status_code == 200
    assert client.get(f"/no-such-page-{plan.pk}/").status_code == 404
    assert counts.moved() == [1, 1]
    routes = {
        sample.labels["route"]
        for family in REGISTRY.collect()
        if family.name == "roamcard_http_requests"
        for sample in family.samples
    }
    assert not any("no-such-page" in route for route in routes)
