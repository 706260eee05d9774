"""/healthz, /readyz and /metrics: what a load balancer and a scraper get."""

import json
import time

import pytest
from django.db import OperationalError
from django.test import override_settings
from huey.contrib.djhuey import HUEY
from prometheus_client.parser import text_string_to_metric_families

from roamcard.core import probes

TOKEN = "metrics-token-" + "x" * 40

pytestmark = pytest.mark.django_db(transaction=True)


def test_healthz_answers_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


@override_settings(
    ALLOWED_HOSTS=["roamcard.example"], SECURE_SSL_REDIRECT=True, SESSION_COOKIE_SECURE=True
)
def test_probes_over_plain_http_to_the_machines_address_are_neither_redirected_nor_refused(client):
    # A load balancer probes 10.0.0.7:8000 over HTTP: not an allowed host, not HTTPS.
    for path in ("/healthz", "/readyz"):
        response = client.get(path, HTTP_HOST="10.0.0.7:8000")
        assert response.status_code == 200, path
        assert "Set-Cookie" not in response
    # Everything else still is refused (the host) or redirected (HTTPS).
    assert client.get("/", HTTP_HOST="10.0.0.7:8000").status_code == 400
    assert client.get("/", HTTP_HOST="roamcard.example").status_code == 301


def test_readyz_names_each_check_when_all_pass(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "queue"}
    assert all(check["ok"] for check in body["checks"].values())


def test_readyz_is_503_naming_the_database_when_it_fails(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("could not connect to server at 10.1.2.3 password=hunter2")

    monkeypatch.setattr("django.db.backends.base.base.BaseDatabaseWrapper.cursor", refuse)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == {
        "ok": False,
        "error": "OperationalError",
        "ms": body["checks"]["database"]["ms"],
    }
    assert body["checks"]["queue"]["ok"] is True
    # The failure's message (addresses, credentials) stays out of the answer.
    assert "10.1.2.3" not in response.content.decode()
    assert "hunter2" not in response.content.decode()


@override_settings(READINESS_TIMEOUT_SECONDS=0.2)
def test_readyz_is_503_when_the_queue_hangs_past_the_timeout(client, monkeypatch):
    monkeypatch.setattr(HUEY, "pending_count", lambda: time.sleep(1))
    started = time.monotonic()
    response = client.get("/readyz")
    assert time.monotonic() - started < 0.9
    assert response.status_code == 503
    assert response.json()["checks"]["queue"]["error"] == "timeout"
    time.sleep(1)  # let the hung check finish before the next test uses its thread


@override_settings(METRICS_TOKEN="")
def test_metrics_are_not_served_while_no_token_is_set(client):
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


@override_settings(METRICS_TOKEN=TOKEN)
def test_metrics_refuse_a_missing_or_wrong_token(client):
    missing = client.get("/metrics")
    assert missing.status_code == 401
    assert missing.json() == {"code": "not_authenticated"}
    assert missing["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Basic {TOKEN}").status_code == 401


@override_settings(METRICS_TOKEN=TOKEN)
def test_metrics_parse_as_prometheus_text_with_requests_and_the_queue(client):
    client.get("/healthz")
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    families = {f.name: f for f in text_string_to_metric_families(response.content.decode())}
    assert "roamcard_http_requests" in families
    assert "roamcard_http_request_duration_seconds" in families
    healthz = [
        s
        for s in families["roamcard_http_requests"].samples
        if s.labels.get("route") == "/healthz" and s.name == "roamcard_http_requests_total"
    ]
    assert healthz and healthz[0].labels == {"route": "/healthz", "method": "GET", "status": "2xx"}
    assert families["roamcard_queue_up"].samples[0].value == 1
    assert families["roamcard_queue_pending_tasks"].samples[0].value >= 0


def test_the_readiness_report_holds_no_secret_or_address(settings):
    ready, report = probes.readiness()
    text = json.dumps(report)
    assert ready
    for secret in (settings.SECRET_KEY, str(settings.DATABASES["default"]["NAME"])):
        assert secret not in text
