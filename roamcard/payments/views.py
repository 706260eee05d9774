"""The traveller's scan-to-pay page."""

import uuid

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET
from django_htmx.http import HttpResponseClientRedirect

from .choices import FINAL_PAYMENT_STATES
from .gateways.base import PaymentMethod
from .selectors import payment_get_for


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
