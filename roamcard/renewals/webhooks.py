"""The endpoint gateways post their notifications to: the payments app verifies and
stores each one; a stored delivery is then processed by the renewal flow in a job."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from roamcard.core.tasks import enqueue_on_commit
from roamcard.payments.webhooks import webhook_receive

from .services import WEBHOOK_JOB


@csrf_exempt
@require_POST
def webhook(request: HttpRequest, gateway: str) -> HttpResponse:
    """One endpoint per gateway: verify, store, acknowledge. Processing happens in a job."""
    if gateway not in settings.PAYMENT_GATEWAYS:
        return HttpResponseNotFound("unknown gateway")
    headers = {key: value for key, value in request.headers.items()}
    receipt = webhook_receive(gateway_name=gateway, headers=headers, body=request.body)
    if receipt.delivery_id is not None:
        enqueue_on_commit(WEBHOOK_JOB, receipt.delivery_id)
    ack = receipt.ack
    return HttpResponse(ack.body, status=ack.status, content_type=ack.content_type)
