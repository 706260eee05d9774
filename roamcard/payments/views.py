from django.conf import settings
from django.http import HttpResponse, HttpResponseNotFound
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .services import webhook_receive


@csrf_exempt
@require_POST
def webhook(request, gateway: str):
    """One endpoint per gateway: verify, store, acknowledge. Processing happens in a job."""
    if gateway not in settings.PAYMENT_GATEWAYS:
        return HttpResponseNotFound("unknown gateway")
    headers = {key: value for key, value in request.headers.items()}
    ack = webhook_receive(gateway_name=gateway, headers=headers, body=request.body)
    return HttpResponse(ack.body, status=ack.status, content_type=ack.content_type)
