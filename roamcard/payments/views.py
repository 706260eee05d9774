"""The gateways' webhook endpoint and the traveller's scan-to-pay page."""

import uuid

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotFound
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from roamcard.core.tasks import enqueue_on_commit

from .choices import FINAL_PAYMENT_STATES
from .gateways.base import PaymentMethod
from .selectors import payment_get_for
from .tasks import webhook_process_task
from .webhooks import webhook_max_body_bytes, webhook_receive, webhook_refuse_oversize

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
        enqueue_on_commit(webhook_process_task, receipt.delivery_id)
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


@login_required
@require_GET
def scan_view(request: HttpRequest, payment_id: uuid.UUID) -> HttpResponse:
    """The gateway's QR code (WeChat Pay, Alipay) on our own page. The page polls itself
    (htmx, or a meta refresh without JavaScript): a poll answers 204 while the payment is
    open, and once it is final the traveller moves on to the order's result page."""
    payment = payment_get_for(user=request.user, public_id=payment_id)
    if payment is None:
        raise Http404()
    result_url = reverse("orders:result", kwargs={"public_id": payment.order.public_id})
    if payment.state in FINAL_PAYMENT_STATES or not payment.qr_code:
        if request.htmx:
            return HttpResponseClientRedirect(result_url)
        return redirect(result_url)
    if request.htmx:
        return HttpResponse(status=204)
    return render(
        request,
        "payments/scan.html",
        {
            "payment": payment,
            "order": payment.order,
            "wechat": payment.method == PaymentMethod.WECHAT_PAY,
            "result_url": result_url,
        },
    )
