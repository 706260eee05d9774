"""The traveller's order pages: plan → order summary → gateway → result; history; receipts.

Thin: parse the request, call one service, render. An order that is not the traveller's is
a 404, never a 403, so order numbers reveal nothing."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from roamcard.cards.errors import CardNotFound
from roamcard.core.errors import DomainError
from roamcard.orders.choices import OrderState, TransitionCause
from roamcard.orders.errors import CardNotRenewable, OrderNotCancellable, OrderNotFound
from roamcard.orders.models import Order
from roamcard.orders.selectors import order_get_for
from roamcard.orders.services import order_cancel, order_create, order_set_start
from roamcard.payments.choices import FINAL_PAYMENT_STATES, PaymentState
from roamcard.payments.gateways.base import PaymentMethod
from roamcard.payments.models import Payment
from roamcard.payments.selectors import (
    payment_failure_text,
    payment_last_failed,
    payment_latest,
    payment_of_order,
    payment_that_paid,
    refund_of_order,
)

from .forms import METHOD_LABELS, OrderCreateForm, PaymentMethodForm
from .selectors import (
    card_view_for_order,
    order_list_with_refunds,
    order_refunds,
    validity_estimate,
)
from .services import (
    PAYABLE_STATES,
    renewal_pay,
    renewal_payment_sync,
    renewal_sync_while_waiting,
)

SCAN_TO_PAY = {PaymentMethod.ALIPAY, PaymentMethod.WECHAT_PAY}


def _own_order(request: HttpRequest, public_id: uuid.UUID) -> Order:
    try:
        return order_get_for(user=request.user, public_id=public_id)
    except OrderNotFound as exc:
        raise Http404(str(exc.message)) from exc


def _on_mobile(request: HttpRequest) -> bool:
    """A phone's browser: wallets may then open their app instead of showing a code."""
    agent = request.headers.get("User-Agent", "")
    return any(word in agent for word in ("Mobile", "Android", "iPhone"))


def _method_label(payment: Payment | None) -> str:
    if payment is None:
        return ""
    try:
        return str(METHOD_LABELS[PaymentMethod(payment.method)])
    except (KeyError, ValueError):
        return payment.method


# --- Plan → order ---------------------------------------------------------------------------


@login_required
@require_POST
def order_create_view(request: HttpRequest) -> HttpResponse:
    """The plans page's "Renew": an order for that card, plan and currency."""
    form = OrderCreateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please choose a plan again."))
        return redirect("cards:list")
    data = form.cleaned_data
    try:
        order = order_create(
            user=request.user,
            card_id=data["card"],
            plan_id=data["plan"],
            currency=data["currency"],
            idempotency_key=form.idempotency_key(),
        )
    except CardNotFound as exc:
        raise Http404(str(exc.message)) from exc
    except DomainError as exc:
        # A suspended card: only customer service can help, so the message links to them.
        contact = "contact" if isinstance(exc, CardNotRenewable) else ""
        messages.error(request, str(exc.message), extra_tags=contact)
        return redirect("cards:plans", card_id=data["card"])
    return redirect("orders:detail", public_id=order.public_id)


# --- The summary: what is bought, and how to pay -------------------------------------------


def _summary(
    request: HttpRequest, order: Order, form: PaymentMethodForm, status: int = 200
) -> HttpResponse:
    card = card_view_for_order(order=order)
    open_payment = payment_latest(order_id=order.pk)
    if open_payment is not None and (
        open_payment.state in FINAL_PAYMENT_STATES or not open_payment.redirect_url
    ):
        open_payment = None
    return render(
        request,
        "orders/order_detail.html",
        {
            "order": order,
            "card": card.card,
            "balance": card.balance,
            "estimate": validity_estimate(order=order),
            "form": form,
            "open_payment": open_payment,
            "failure_text": payment_failure_text(payment=payment_last_failed(order_id=order.pk)),
        },
        status=status,
    )


@login_required
@require_GET
def order_detail_view(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    order = _own_order(request, public_id)
    if order.state not in PAYABLE_STATES or not card_view_for_order(order=order).is_mine:
        return redirect("orders:result", public_id=order.public_id)
    return _summary(request, order, PaymentMethodForm())


@login_required
@require_POST
def order_pay_view(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Start a payment with the chosen method and send the traveller to the gateway."""
    order = _own_order(request, public_id)
    form = PaymentMethodForm(request.POST)
    if not form.is_valid():
        return _summary(request, order, form, status=400)
    try:
        if request.POST.get("starts"):  # the start choice, shown when there is one
            order = order_set_start(
                user=request.user, order_id=order.pk, starts=request.POST["starts"]
            )
        payment = renewal_pay(
            user=request.user,
            order=order,
            method=form.cleaned_data["method"],
            language=get_language(),
            on_mobile=_on_mobile(request),
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("orders:detail", public_id=order.public_id)
    if payment.state not in FINAL_PAYMENT_STATES and payment.redirect_url:
        return redirect(payment.redirect_url)
    if payment.state not in FINAL_PAYMENT_STATES and payment.qr_code:
        return redirect("payments:scan", payment_id=payment.public_id)  # a code to scan
    return redirect("orders:result", public_id=order.public_id)


@login_required
@require_POST
def order_cancel_view(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    order = _own_order(request, public_id)
    try:
        order = order_cancel(user=request.user, order_id=order.pk)
    except OrderNotCancellable as error:
        messages.error(request, str(error.message))
        return redirect("orders:result", public_id=order.public_id)
    messages.success(request, _("Your order was cancelled. Nothing was charged."))
    return redirect("cards:plans", card_id=order.card_id)


# --- Back from the gateway, and the result -----------------------------------------------------


@login_required
@require_GET
def order_return_view(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The gateway sends the traveller back here: ask it what happened to the payment (so
    the order moves on even if its notification is late), then show the result."""
    order = _own_order(request, public_id)
    try:
        payment_id = uuid.UUID(request.GET.get("payment", ""))
    except ValueError:
        payment_id = None
    payment = payment_of_order(order_id=order.pk, public_id=payment_id) if payment_id else None
    if payment is not None:
        renewal_payment_sync(payment_id=payment.pk, cause=TransitionCause.RETURN)
    return redirect("orders:result", public_id=order.public_id)


def _waiting(order: Order, payment: Payment | None) -> bool:
    """Whether the result can still change by itself (so the page keeps asking)."""
    if order.state == OrderState.PAID:
        return True
    return (
        order.state == OrderState.PENDING_PAYMENT
        and payment is not None
        and payment.state not in FINAL_PAYMENT_STATES
    )


@login_required
@require_GET
def order_result_view(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """ "Renewing…" until the order is fulfilled, then "Renewed" with the new balance. The
    page polls itself (htmx, or a meta refresh without JavaScript); a poll that finds
    nothing new answers 204 and htmx leaves the page alone."""
    order = _own_order(request, public_id)
    renewal_sync_while_waiting(order_id=order.pk)
    order.refresh_from_db()
    payment = payment_latest(order_id=order.pk)
    refund = refund_of_order(order_id=order.pk)
    # What the page shows; a poll carrying the same stamp has nothing new to show.
    stamp = ":".join(
        [order.state, payment.state if payment else "", refund.state if refund else ""]
    )
    if request.htmx and request.GET.get("shown") == stamp:
        return HttpResponse(status=204)

    card = card_view_for_order(order=order)
    refunds = order_refunds(order=order)
    order.refunded_minor = refunds.refunded.amount_minor
    context = {
        "order": order,
        "refunds": refunds,
        "card": card.card,
        "card_is_mine": card.is_mine,
        "payment": payment,
        "refund": refund,
        "stamp": stamp,
        "waiting": _waiting(order, payment),
        "refunding": order.state == OrderState.PAID
        and refund is not None
        and refund.payment.paid_order,
        "scan_to_pay": payment is not None and payment.method in SCAN_TO_PAY,
        "method_label": _method_label(refund.payment if refund else payment),
        "balance": card.balance if order.state == OrderState.FULFILLED else None,
        "failure_text": payment_failure_text(payment=payment),
    }
    template = "orders/_result_status.html" if request.htmx else "orders/order_result.html"
    return render(request, template, context)


# --- History and receipts ----------------------------------------------------------------------


@login_required
@require_GET
def order_list_view(request: HttpRequest) -> HttpResponse:
    page = Paginator(order_list_with_refunds(user=request.user), 20).get_page(
        request.GET.get("page")
    )
    return render(request, "orders/order_list.html", {"page": page, "orders": page.object_list})


@login_required
@require_GET
def order_receipt_view(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    order = _own_order(request, public_id)
    paid_by = payment_that_paid(order_id=order.pk)
    payment = paid_by or payment_latest(order_id=order.pk)
    refunds = order_refunds(order=order)
    order.refunded_minor = refunds.refunded.amount_minor
    return render(
        request,
        "orders/order_receipt.html",
        {
            "order": order,
            "payment": payment,
            "method_label": _method_label(payment),
            "paid": paid_by is not None and paid_by.state == PaymentState.SUCCEEDED,
            "refunds": refunds,
        },
    )
