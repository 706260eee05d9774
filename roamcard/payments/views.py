"""The traveller's scan-to-pay page, and their saved payment methods (under the account):
the list, adding one through the gateway's page, removing one."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect, HttpResponseClientRefresh

from roamcard.core.admin_audit import request_ip

from .choices import FINAL_PAYMENT_STATES
from .errors import PaymentGatewayUnavailable, PaymentMethodNotSaveable
from .forms import SaveMethodForm
from .gateways.base import PaymentMethod
from .gateways.registry import saving_methods
from .models import PaymentSetup, SavedPaymentMethod
from .selectors import (
    payment_get_for,
    payment_setup_failure_text,
    payment_setup_get_for,
    saved_method_display,
    saved_method_expiry,
    saved_method_get_for,
    saved_methods_of,
)
from .services import (
    payment_setup_start,
    payment_setup_sync_while_waiting,
    saved_method_remove_for,
)


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


# --- saved payment methods -------------------------------------------------------------------


def _shown(method: SavedPaymentMethod) -> dict[str, object]:
    return {
        "method": method,
        "display": saved_method_display(method),
        "expiry": saved_method_expiry(method),
    }


@login_required
@require_GET
def methods_view(request: HttpRequest) -> HttpResponse:
    """The traveller's saved payment methods, for automatic renewal."""
    return render(
        request,
        "payments/methods.html",
        {
            "methods": [_shown(method) for method in saved_methods_of(user=request.user)],
            "can_add": bool(saving_methods()),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def method_add_view(request: HttpRequest) -> HttpResponse:
    """Choose what to save; the gateway's page takes it from there, then sends the
    traveller back to the setup's result page."""
    form = SaveMethodForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            setup = payment_setup_start(
                user=request.user,
                method=form.cleaned_data["method"],
                language=request.LANGUAGE_CODE,
            )
        except (PaymentMethodNotSaveable, PaymentGatewayUnavailable) as exc:
            form.add_error(None, exc.message)
        else:
            if setup.state == PaymentSetup.State.PENDING:
                return redirect(setup.redirect_url)
            return redirect("payment_methods:setup_return", public_id=setup.public_id)
    return render(request, "payments/method_add.html", {"form": form})


@login_required
@require_GET
def setup_return_view(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The gateway sends the traveller back here: ask it what became of the setup, then say
    so. While the gateway has not decided, the page asks again by itself (htmx, or a meta
    refresh without JavaScript); a poll that finds nothing new answers 204."""
    setup = payment_setup_get_for(user=request.user, public_id=public_id)
    if setup is None:
        raise Http404()
    setup = payment_setup_sync_while_waiting(setup=setup)
    waiting = setup.state == PaymentSetup.State.PENDING
    if request.htmx:
        return HttpResponse(status=204) if waiting else HttpResponseClientRefresh()
    return render(
        request,
        "payments/method_setup_result.html",
        {
            "setup": setup,
            "waiting": waiting,
            "saved": _shown(setup.saved_method) if setup.saved_method else None,
            "failure_text": payment_setup_failure_text(setup=setup),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def method_remove_view(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """GET asks for confirmation; only the POST from that page removes."""
    method = saved_method_get_for(user=request.user, public_id=public_id)
    if method is None or method.state != SavedPaymentMethod.State.ACTIVE:
        raise Http404()
    if request.method == "POST":
        saved_method_remove_for(
            user=request.user, public_id=method.public_id, ip_address=request_ip(request)
        )
        messages.success(
            request,
            _("%(method)s was removed. Nothing more will be charged to it.")
            % {"method": saved_method_display(method)},
        )
        return redirect("payment_methods:list")
    return render(request, "payments/method_remove.html", _shown(method))
