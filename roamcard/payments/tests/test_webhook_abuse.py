"""The webhook endpoint as an attacker meets it: oversized bodies are refused before they are
read, malformed signed bodies are rejected (never a 500), a success that does not say how
much was paid is flagged and never applied, and rejected deliveries are kept small."""

import hashlib
import io
import json
import logging

import pytest

from roamcard.orders.choices import OrderState
from roamcard.payments.gateways.base import InvalidWebhook, WebhookAck
from roamcard.payments.gateways.registry import reset_gateway_cache
from roamcard.payments.models import WebhookDelivery
from roamcard.payments.webhooks import MAX_KEPT_BODY_BYTES, webhook_max_body_bytes

from .helpers import SANDBOX_URL, post_signed, succeeded_event_body

pytestmark = pytest.mark.django_db(transaction=True)

KIB = 1024


class CountingStream(io.BytesIO):
    """The server's request stream, counting what the application reads from it."""

    def __init__(self, data: bytes):
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk

    def readline(self, size=-1):
        line = super().readline(size)
        self.bytes_read += len(line)
        return line


def _post_stream(client, stream: CountingStream, *, content_length: int | None, headers=None):
    """POST a body from a stream, as a WSGI server hands it over: with the Content-Length it
    declared, or chunked (no Content-Length; the server marks the stream as terminated)."""
    environ = {"wsgi.input": stream, "CONTENT_TYPE": "application/json"}
    if content_length is None:
        environ["wsgi.input_terminated"] = True
    else:
        environ["CONTENT_LENGTH"] = str(content_length)
    return client.generic("POST", SANDBOX_URL, headers=headers, **environ)


def _stored_bytes() -> int:
    """How much of the deliveries' bodies and headers the database holds."""
    return sum(
        len(delivery.body.encode()) + len(json.dumps(delivery.headers))
        for delivery in WebhookDelivery.objects.all()
    )


# --- bodies over the limit --------------------------------------------------------------


def test_a_body_whose_declared_length_is_over_the_limit_is_refused_without_reading_it(client):
    size = 1_200_000
    stream = CountingStream(b"x" * size)

    response = _post_stream(client, stream, content_length=size)

    assert response.status_code == 413
    assert stream.bytes_read == 0
    delivery = WebhookDelivery.objects.get()
    assert delivery.outcome == WebhookDelivery.Outcome.REJECTED
    assert delivery.body == ""
    assert delivery.body_size == size
    assert _stored_bytes() < 2 * KIB


def test_an_absurd_declared_length_is_refused_too(client):
    stream = CountingStream(b"x" * 10)

    response = _post_stream(client, stream, content_length=10**20)

    assert response.status_code == 413
    assert stream.bytes_read == 0
    assert WebhookDelivery.objects.get().outcome == WebhookDelivery.Outcome.REJECTED


def test_a_chunked_body_is_read_only_up_to_the_limit_and_refused_when_longer(client):
    limit = webhook_max_body_bytes()
    stream = CountingStream(b"x" * 1_200_000)

    response = _post_stream(client, stream, content_length=None)

    assert response.status_code == 413
    assert stream.bytes_read <= limit + 1
    delivery = WebhookDelivery.objects.get()
    assert delivery.outcome == WebhookDelivery.Outcome.REJECTED
    assert delivery.body == ""
    assert _stored_bytes() < 2 * KIB


def test_a_chunked_notification_within_the_limit_is_read_and_applied(client, renewal_setup):
    from roamcard.sandbox import signing

    from .helpers import SECRET

    body, order = succeeded_event_body(renewal_setup)
    signature = signing.sign(secret=SECRET, body=body)

    response = _post_stream(
        client,
        CountingStream(body),
        content_length=None,
        headers={"Sandbox-Signature": signature},
    )

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.state == OrderState.FULFILLED


def test_the_limit_can_be_set(client, settings):
    settings.WEBHOOK_MAX_BODY_BYTES = 100
    response = client.post(SANDBOX_URL, data=b"y" * 101, content_type="application/json")
    assert response.status_code == 413


def test_an_unauthenticated_body_of_1_2_mb_is_refused_and_nothing_big_is_stored(client):
    response = client.post(SANDBOX_URL, data=b"A" * 1_200_000, content_type="application/json")

    assert response.status_code == 413
    assert _stored_bytes() < 2 * KIB


# --- rejected deliveries are kept small ---------------------------------------------------


def test_an_unauthenticated_body_of_60_kb_is_rejected_and_kept_truncated_with_its_size_and_hash(
    client,
):
    body = json.dumps({"id": "evt_x", "type": "payment.succeeded", "pad": "z" * 60_000}).encode()
    assert 60_000 < len(body) < webhook_max_body_bytes()

    response = post_signed(client, body, header="t=1,v1=" + "0" * 64)

    assert response.status_code == 400
    delivery = WebhookDelivery.objects.get()
    assert delivery.outcome == WebhookDelivery.Outcome.REJECTED
    assert len(delivery.body.encode()) <= MAX_KEPT_BODY_BYTES == 2 * KIB
    assert body.decode().startswith(delivery.body)
    assert delivery.body_size == len(body)
    assert delivery.body_sha256 == hashlib.sha256(body).hexdigest()


def test_huge_headers_of_a_rejected_delivery_are_trimmed(client):
    response = client.post(
        SANDBOX_URL,
        data=b"{}",
        content_type="application/json",
        headers={f"X-Filler-{n}": "h" * 4000 for n in range(10)},
    )

    assert response.status_code == 400
    assert len(json.dumps(WebhookDelivery.objects.get().headers)) <= 4 * KIB


def test_a_rejected_body_with_nul_bytes_and_broken_utf8_is_stored(client):
    body = b"\x00\xff\xfe{" + "日本".encode() * 1000

    response = client.post(SANDBOX_URL, data=body, content_type="application/json")

    assert response.status_code == 400
    delivery = WebhookDelivery.objects.get()
    assert "\x00" not in delivery.body
    assert len(delivery.body.encode()) <= MAX_KEPT_BODY_BYTES
    assert delivery.body_size == len(body)


def test_an_accepted_delivery_keeps_its_whole_body_with_its_size_and_hash(client, renewal_setup):
    body, _order = succeeded_event_body(renewal_setup)

    assert post_signed(client, body).status_code == 200

    delivery = WebhookDelivery.objects.get()
    assert delivery.body == body.decode()
    assert delivery.body_size == len(body)
    assert delivery.body_sha256 == hashlib.sha256(body).hexdigest()


# --- malformed signed bodies ----------------------------------------------------------------


@pytest.mark.parametrize("data", [["a", "list"], "a string", 42, None])
def test_a_signed_body_whose_data_is_not_an_object_is_rejected_and_stored(
    client, renewal_setup, data
):
    body, order = succeeded_event_body(renewal_setup)
    payload = json.loads(body)
    payload["data"] = data

    response = post_signed(client, json.dumps(payload).encode())

    assert response.status_code == 400
    delivery = WebhookDelivery.objects.get()
    assert delivery.outcome == WebhookDelivery.Outcome.REJECTED
    assert delivery.reason
    order.refresh_from_db()
    assert order.state == OrderState.PENDING_PAYMENT


class _ParserThatBreaks:
    """A vendor adapter whose parser fails in ways its author did not foresee."""

    methods = ()

    def __init__(self, *, name: str, reject: bool = False):
        self.name = name
        if reject:
            self.webhook_reject = self._reject

    def parse_webhook(self, *, headers, body):
        if body == b"invalid":
            raise InvalidWebhook("signature does not match")
        raise KeyError("resource")

    def webhook_ack(self, event):
        return WebhookAck(status=200, body=b"ok")

    def _reject(self, reason: str) -> WebhookAck:
        return WebhookAck(
            status=400,
            body=json.dumps({"code": "FAIL", "message": reason}).encode(),
            content_type="application/json",
        )


@pytest.fixture
def breaking_gateway(settings):
    def configure(*, reject: bool):
        settings.PAYMENT_GATEWAYS = {
            **settings.PAYMENT_GATEWAYS,
            "brittle": {
                "BACKEND": f"{__name__}._ParserThatBreaks",
                "OPTIONS": {"reject": reject},
            },
        }
        reset_gateway_cache()

    yield configure
    reset_gateway_cache()


def test_any_exception_from_a_parser_is_a_logged_400_not_a_500(client, breaking_gateway, caplog):
    breaking_gateway(reject=False)

    with caplog.at_level(logging.ERROR, logger="roamcard.payments.webhooks"):
        response = client.post(
            "/payments/webhooks/brittle/", data=b"{}", content_type="application/json"
        )

    assert response.status_code == 400
    delivery = WebhookDelivery.objects.get()
    assert delivery.outcome == WebhookDelivery.Outcome.REJECTED
    assert "KeyError" in delivery.reason
    assert any("brittle" in record.getMessage() for record in caplog.records)


def test_a_rejection_is_answered_in_the_vendors_format_when_the_adapter_has_one(
    client, breaking_gateway
):
    breaking_gateway(reject=True)

    response = client.post(
        "/payments/webhooks/brittle/", data=b"invalid", content_type="application/json"
    )

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "FAIL"


# --- a success that does not say how much -------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"amount": None},
        {"currency": ""},
        {"amount": None, "currency": None},
    ],
)
def test_a_signed_success_without_an_amount_or_a_currency_is_flagged_and_never_applied(
    client, renewal_setup, change
):
    body, order = succeeded_event_body(renewal_setup)
    payload = json.loads(body)
    payload["id"] = "evt_without_amount"
    for key, value in change.items():
        if value is None:
            payload["data"].pop(key)
        else:
            payload["data"][key] = value

    response = post_signed(client, json.dumps(payload).encode())

    assert response.status_code == 200  # acknowledged: retrying it would not make it whole
    delivery = WebhookDelivery.objects.get(event_id="evt_without_amount")
    assert delivery.outcome == WebhookDelivery.Outcome.FLAGGED
    assert "amount" in delivery.reason
    order.refresh_from_db()
    assert order.state == OrderState.PENDING_PAYMENT
    assert not order.payments.filter(state="succeeded").exists()

    # The vendor retries anyway: stored as a duplicate, still not applied.
    assert post_signed(client, json.dumps(payload).encode()).status_code == 200
    assert WebhookDelivery.objects.filter(outcome=WebhookDelivery.Outcome.DUPLICATE).count() == 1
    order.refresh_from_db()
    assert order.state == OrderState.PENDING_PAYMENT


@pytest.mark.parametrize("amount", ["6800", 6800.5])
def test_a_signed_success_whose_amount_is_not_a_whole_number_is_refused(
    client, renewal_setup, amount
):
    body, order = succeeded_event_body(renewal_setup)
    payload = json.loads(body)
    payload["data"]["amount"] = amount

    response = post_signed(client, json.dumps(payload).encode())

    assert response.status_code == 400  # the adapter refuses the shape
    assert WebhookDelivery.objects.get().outcome == WebhookDelivery.Outcome.REJECTED
    order.refresh_from_db()
    assert order.state == OrderState.PENDING_PAYMENT
