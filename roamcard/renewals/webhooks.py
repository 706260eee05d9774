"""The endpoint gateways post their notifications to: the payments app verifies and stores
each one (payments/webhooks.py); a stored delivery is then processed by the renewal flow in a
job. A body over the limit is refused before it is read."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from roamcard.core.tasks import enqueue_on_commit
from roamcard.payments.webhooks import (
    webhook_max_body_bytes,
    webhook_receive,
    webhook_refuse_oversize,
)

from .services import WEBHOOK_JOB

_READ_CHUNK = 16 * 1024


@csrf_exempt
@require_POST
def webhook(request: HttpRequest, gateway: str) -> HttpResponse:
    """One endpoint per gateway: verify, store, acknowledge. Processing happens in a job.
    A body over the limit is refused before it is read."""
    if gateway not in settings.PAYMENT_GATEWAYS:
        return HttpResponseNotFound("unknown gateway")
    headers = dict(request.headers.items())
    limit = webhook_max_body_bytes()
    declared = _declared_length(request)
    body = None if declared is not None and declared > limit else _read_body(request, limit)
    if body is None or len(body) > limit:
        receipt = webhook_refuse_oversize(
            gateway_name=gateway,
            headers=headers,
            body_size=declared if declared is not None else limit + 1,
        )
    else:
        receipt = webhook_receive(gateway_name=gateway, headers=headers, body=body)
    if receipt.delivery_id is not None:
        enqueue_on_commit(WEBHOOK_JOB, receipt.delivery_id)
    ack = receipt.ack
    return HttpResponse(ack.body, status=ack.status, content_type=ack.content_type)


def _declared_length(request: HttpRequest) -> int | None:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None
    return length if length >= 0 else None


def _read_body(request: HttpRequest, limit: int) -> bytes:
    """At most limit + 1 bytes of the body. A chunked body (no Content-Length) is readable
    only where the server says its stream ends by itself (wsgi.input_terminated, as granian
    and gunicorn do); Django's own stream then yields nothing."""
    if request.META.get("CONTENT_LENGTH") or not request.META.get("wsgi.input_terminated"):
        stream = request
    else:
        stream = request.META["wsgi.input"]
    chunks, size = [], 0
    while size <= limit:
        chunk = stream.read(min(_READ_CHUNK, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)
