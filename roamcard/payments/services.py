"""Writing payments: starting one at a gateway, applying what the gateway says (from its
answer, a webhook, the traveller's return or a reconcile query), refunds.

The rule everywhere: record our intent and commit, call the gateway outside any database
transaction, then apply the result in a second transaction that locks the row and checks
its state, so whichever path arrives second changes nothing."""

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from roamcard.core.tasks import enqueue_on_commit
from roamcard.ledger.services import ledger_post_payment, ledger_post_refund
from roamcard.orders.choices import CLOSED_STATES, OrderState, TransitionCause
from roamcard.orders.errors import OrderNotPayable, OrderNotRefundable
from roamcard.orders.models import Order
from roamcard.orders.services import order_transition

from .choices import FINAL_PAYMENT_STATES, PaymentState, RefundState
from .errors import AmountMismatch, PaymentMethodNotAvailable
from .gateways.base import (
    EventKind,
    GatewayResult,
    PaymentMethod,
    ResultStatus,
)
from .gateways.registry import gateway_for_method, get_gateway
from .models import Payment, PaymentEvent, Refund, WebhookDelivery

logger = logging.getLogger(__name__)

PAYABLE_STATES = {OrderState.PENDING_PAYMENT, OrderState.PAYMENT_FAILED}


def _absolute(path: str) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + path


def _log(payment: Payment, kind: str, **data: Any) -> None:
    PaymentEvent.objects.create(payment=payment, kind=kind, state=payment.state, data=data)


def _reconcile_delay(attempts: int) -> timedelta:
    steps = settings.RECONCILE_BACKOFF_SECONDS
    return timedelta(seconds=steps[min(attempts, len(steps) - 1)])


# --- starting a payment ---------------------------------------------------------------


def payment_start(*, user: Any, order: Order, method: str, language: str = "en") -> Payment:
    """Start paying an order with a method; returns the payment, whose redirect_url (or
    qr_code) is where the traveller goes next. Retrying a failed order starts a new payment."""
    try:
        method = PaymentMethod(method)
        gateway = gateway_for_method(method)
    except (ValueError, KeyError) as exc:
        raise PaymentMethodNotAvailable() from exc
    if order.user_id != user.pk:
        raise OrderNotPayable()

    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.state not in PAYABLE_STATES:
            raise OrderNotPayable()
        if locked.state == OrderState.PAYMENT_FAILED:
            order_transition(
                order_id=locked.pk,
                to_state=OrderState.PENDING_PAYMENT,
                cause=TransitionCause.TRAVELLER,
                details={"retry_with": str(method)},
            )
        payment = Payment.objects.create(
            order=locked,
            gateway=gateway.name,
            method=method,
            amount_minor=locked.amount_minor,
            currency=locked.currency,
        )
        _log(payment, "created", method=str(method))

    return_path = reverse("orders:return", kwargs={"public_id": order.public_id})
    try:
        result = gateway.start_payment(
            payment_id=str(payment.public_id),
            amount_minor=payment.amount_minor,
            currency=payment.currency,
            method=method,
            description=f"roamcard {order.plan_name} · {order.card.iccid_masked}",
            return_url=_absolute(f"{return_path}?payment={payment.public_id}"),
            notify_url=_absolute(reverse("payments:webhook", kwargs={"gateway": gateway.name})),
            language=language,
        )
    except Exception as exc:  # an adapter bug or an unexpected vendor answer
        logger.exception("Starting payment %s failed", payment.public_id)
        result = GatewayResult(status=ResultStatus.UNKNOWN, error_message=str(exc)[:300])
    payment_apply_result(payment_id=payment.pk, result=result, cause=TransitionCause.TRAVELLER)
    payment.refresh_from_db()
    return payment


# --- applying what the gateway says -------------------------------------------------------


def payment_apply_result(*, payment_id: int, result: GatewayResult, cause: str) -> Payment:
    """Apply a gateway's answer about a payment (from a call, a webhook or a query)."""
    if result.status == ResultStatus.SUCCEEDED:
        payment_confirm(
            payment_id=payment_id,
            amount_minor=result.amount_minor,
            currency=result.currency,
            reference=result.reference,
            cause=cause,
        )
    elif result.status == ResultStatus.FAILED:
        payment_fail(
            payment_id=payment_id,
            error_code=result.error_code,
            error_message=result.error_message,
            reference=result.reference,
            cause=cause,
        )
    else:
        _payment_mark_open(payment_id=payment_id, result=result)
    return Payment.objects.get(pk=payment_id)


def _payment_mark_open(*, payment_id: int, result: GatewayResult) -> None:
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        if payment.state in FINAL_PAYMENT_STATES:
            return
        unknown = result.status == ResultStatus.UNKNOWN
        payment.state = PaymentState.UNKNOWN if unknown else PaymentState.PENDING
        payment.gateway_reference = result.reference or payment.gateway_reference
        payment.redirect_url = result.redirect_url or payment.redirect_url
        payment.qr_code = result.qr_code or payment.qr_code
        if unknown:
            payment.error_message = result.error_message[:300]
            payment.next_reconcile_at = timezone.now() + _reconcile_delay(
                payment.reconcile_attempts
            )
        payment.save()
        _log(
            payment,
            "unknown" if unknown else "pending",
            reference=result.reference,
            error=result.error_message,
        )


def payment_confirm(
    *,
    payment_id: int,
    amount_minor: int | None,
    currency: str,
    reference: str = "",
    cause: str,
) -> bool:
    """The gateway says the money was taken. Exactly once per payment: marks it succeeded,
    posts the money to the ledger, marks the order paid and records its provisioning job —
    all in one transaction. A payment for an order that is closed (cancelled, refunded) or
    already paid by another attempt is refunded instead of granting anything.

    Returns True if this call confirmed the payment, False if it was already confirmed.
    Raises AmountMismatch (changing nothing) when the gateway's amount or currency differ."""
    from roamcard.provisioning.services import provisioning_job_record

    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        if payment.state == PaymentState.SUCCEEDED:
            return False
        if (amount_minor is not None and amount_minor != payment.amount_minor) or (
            currency and currency.upper() != payment.currency
        ):
            raise AmountMismatch(
                f"gateway reported {amount_minor} {currency}, "
                f"payment is {payment.amount_minor} {payment.currency}"
            )
        payment.state = PaymentState.SUCCEEDED
        payment.gateway_reference = reference or payment.gateway_reference
        payment.completed_at = timezone.now()
        payment.next_reconcile_at = None
        payment.error_code = payment.error_message = ""
        payment.save()
        _log(payment, "succeeded", cause=cause, reference=reference)
        ledger_post_payment(
            key=f"payment:{payment.public_id}",
            gateway=payment.gateway,
            amount_minor=payment.amount_minor,
            currency=payment.currency,
            memo=f"order {payment.order.public_id}",
        )

        order = Order.objects.select_for_update().get(pk=payment.order_id)
        if order.state in CLOSED_STATES or order.state in (OrderState.PAID, OrderState.FULFILLED):
            reason = (
                "order already paid by another payment"
                if order.state in (OrderState.PAID, OrderState.FULFILLED)
                else f"order is {order.state}"
            )
            refund_request(payment=payment, reason=reason)
            return True
        order_transition(
            order_id=order.pk,
            to_state=OrderState.PAID,
            cause=cause,
            details={"payment": str(payment.public_id)},
        )
        Payment.objects.filter(pk=payment.pk).update(paid_order=True)
        provisioning_job_record(order=order)
    return True


def payment_fail(
    *,
    payment_id: int,
    error_code: str = "",
    error_message: str = "",
    reference: str = "",
    cause: str,
) -> bool:
    """The gateway says the payment did not happen. The order becomes payment_failed, ready
    to be paid again, unless another payment already paid it."""
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        if payment.state in FINAL_PAYMENT_STATES:
            return False
        payment.state = PaymentState.FAILED
        payment.error_code = (error_code or "declined")[:60]
        payment.error_message = (error_message or _("The payment was declined."))[:300]
        payment.gateway_reference = reference or payment.gateway_reference
        payment.completed_at = timezone.now()
        payment.next_reconcile_at = None
        payment.save()
        _log(payment, "failed", cause=cause, code=error_code, message=error_message)
        order_transition(
            order_id=payment.order_id,
            to_state=OrderState.PAYMENT_FAILED,
            cause=cause,
            only_from={OrderState.PENDING_PAYMENT},
            failure_message=payment.error_message,
            details={"payment": str(payment.public_id), "code": payment.error_code},
        )
    return True


def payment_sync(*, payment_id: int, cause: str) -> Payment:
    """Ask the gateway what became of a payment that is not final, and apply the answer.
    Used when the traveller returns from the gateway and by the reconcile job."""
    payment = Payment.objects.get(pk=payment_id)
    if payment.state in FINAL_PAYMENT_STATES:
        return payment
    gateway = get_gateway(payment.gateway)
    try:
        result = gateway.query_payment(
            payment_id=str(payment.public_id), reference=payment.gateway_reference
        )
    except Exception as exc:
        logger.warning("Querying payment %s failed: %s", payment.public_id, exc)
        result = GatewayResult(status=ResultStatus.UNKNOWN, error_message=str(exc)[:300])
    if result.status in (ResultStatus.UNKNOWN, ResultStatus.PENDING):
        Payment.objects.filter(pk=payment.pk).update(
            reconcile_attempts=payment.reconcile_attempts + 1
        )
    try:
        return payment_apply_result(payment_id=payment.pk, result=result, cause=cause)
    except AmountMismatch as exc:
        payment_flag(payment_id=payment.pk, reason=str(exc))
        return Payment.objects.get(pk=payment.pk)


def payment_flag(*, payment_id: int, reason: str) -> None:
    """Something about this payment needs a person (an amount that does not match)."""
    payment = Payment.objects.get(pk=payment_id)
    _log(payment, "flagged", reason=reason)
    logger.error("Payment %s flagged for staff: %s", payment.public_id, reason)


# --- webhooks ------------------------------------------------------------------------------


def webhook_process(*, delivery_id: int) -> WebhookDelivery:
    """Apply one accepted notification. Safe to run again: the payment and refund services
    it calls are no-ops the second time."""
    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    if delivery.outcome != WebhookDelivery.Outcome.RECEIVED:
        return delivery
    event = delivery.event
    kind = event.get("kind")
    outcome, reason, payment = WebhookDelivery.Outcome.PROCESSED, "", None

    if kind in (EventKind.PAYMENT_SUCCEEDED, EventKind.PAYMENT_FAILED):
        payment = _payment_for_event(delivery.gateway, event)
        if payment is None:
            outcome, reason = WebhookDelivery.Outcome.FLAGGED, "no such payment"
        elif kind == EventKind.PAYMENT_SUCCEEDED:
            try:
                payment_confirm(
                    payment_id=payment.pk,
                    amount_minor=event.get("amount_minor"),
                    currency=event.get("currency") or "",
                    reference=event.get("reference") or "",
                    cause=TransitionCause.WEBHOOK,
                )
            except AmountMismatch as exc:
                outcome, reason = WebhookDelivery.Outcome.FLAGGED, str(exc)
                payment_flag(payment_id=payment.pk, reason=reason)
        else:
            payment_fail(
                payment_id=payment.pk,
                error_code=event.get("error_code") or "",
                error_message=event.get("error_message") or "",
                reference=event.get("reference") or "",
                cause=TransitionCause.WEBHOOK,
            )
    elif kind in (EventKind.REFUND_SUCCEEDED, EventKind.REFUND_FAILED):
        refund = _refund_for_event(delivery.gateway, event)
        if refund is None:
            outcome, reason = WebhookDelivery.Outcome.FLAGGED, "no such refund"
        else:
            payment = refund.payment
            succeeded = kind == EventKind.REFUND_SUCCEEDED
            refund_apply_result(
                refund_id=refund.pk,
                result=GatewayResult(
                    status=ResultStatus.SUCCEEDED if succeeded else ResultStatus.FAILED,
                    reference=event.get("reference") or "",
                    error_message=event.get("error_message") or "",
                ),
            )
    else:
        outcome = WebhookDelivery.Outcome.IGNORED

    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        outcome=outcome, reason=reason[:300], payment=payment, processed_at=timezone.now()
    )
    delivery.refresh_from_db()
    return delivery


def _payment_for_event(gateway: str, event: dict[str, Any]) -> Payment | None:
    payments = Payment.objects.filter(gateway=gateway)
    if event.get("payment_id"):
        try:
            return payments.filter(public_id=event["payment_id"]).first()
        except Exception:  # not a UUID: not one of ours
            return None
    if event.get("reference"):
        return payments.filter(gateway_reference=event["reference"]).first()
    return None


def _refund_for_event(gateway: str, event: dict[str, Any]) -> Refund | None:
    refunds = Refund.objects.filter(payment__gateway=gateway).select_related("payment")
    if event.get("refund_id"):
        try:
            return refunds.filter(public_id=event["refund_id"]).first()
        except Exception:
            return None
    if event.get("payment_id"):
        try:
            return refunds.filter(payment__public_id=event["payment_id"]).first()
        except Exception:
            return None
    return None


# --- refunds ---------------------------------------------------------------------------------


def refund_request(*, payment: Payment, reason: str, requested_by: Any = None) -> Refund:
    """Record a full refund of a succeeded payment and execute it in a job. One refund per
    payment: asking again returns the first."""
    from .tasks import refund_execute_task

    try:
        with transaction.atomic():
            existing = Refund.objects.filter(payment=payment).first()
            if existing is not None:
                return existing
            if payment.state != PaymentState.SUCCEEDED:
                raise OrderNotRefundable()
            refund = Refund.objects.create(
                payment=payment,
                amount_minor=payment.amount_minor,
                currency=payment.currency,
                reason=reason[:200],
                requested_by=requested_by if getattr(requested_by, "pk", None) else None,
            )
            _log(payment, "refund_requested", reason=reason, refund=str(refund.public_id))
    except IntegrityError:
        # Another request for this payment's refund committed first (one refund per
        # payment); theirs stands and is already queued.
        return Refund.objects.get(payment=payment)
    enqueue_on_commit(refund_execute_task, refund.pk)
    return refund


def refund_execute(*, refund_id: int) -> Refund:
    """Ask the gateway to refund; outside any transaction; apply the answer."""
    with transaction.atomic():
        refund = (
            Refund.objects.select_for_update(of=("self",))
            .select_related("payment")
            .get(pk=refund_id)
        )
        if refund.state in (RefundState.SUCCEEDED, RefundState.FAILED):
            return refund
        refund.attempts += 1
        refund.save(update_fields=["attempts", "updated_at"])
    payment = refund.payment
    try:
        result = get_gateway(payment.gateway).refund(
            refund_id=str(refund.public_id),
            payment_id=str(payment.public_id),
            reference=payment.gateway_reference,
            amount_minor=refund.amount_minor,
            currency=refund.currency,
            reason=refund.reason,
        )
    except Exception as exc:
        logger.warning("Refund %s failed to reach the gateway: %s", refund.public_id, exc)
        result = GatewayResult(status=ResultStatus.UNKNOWN, error_message=str(exc)[:300])
    return refund_apply_result(refund_id=refund.pk, result=result)


def refund_apply_result(*, refund_id: int, result: GatewayResult) -> Refund:
    """Apply the gateway's answer about a refund. On success, once: the money leaves the
    ledger, the order becomes refunded and any data it granted is withdrawn."""
    from roamcard.provisioning.services import provisioning_withdraw_for_refund

    with transaction.atomic():
        refund = (
            Refund.objects.select_for_update(of=("self",))
            .select_related("payment", "payment__order")
            .get(pk=refund_id)
        )
        if refund.state in (RefundState.SUCCEEDED, RefundState.FAILED):
            return refund
        if result.status == ResultStatus.SUCCEEDED:
            refund.state = RefundState.SUCCEEDED
            refund.completed_at = timezone.now()
        elif result.status == ResultStatus.FAILED:
            refund.state = RefundState.FAILED
            refund.error_message = result.error_message[:300]
        else:
            refund.state = (
                RefundState.PENDING
                if result.status == ResultStatus.PENDING
                else RefundState.UNKNOWN
            )
            refund.error_message = result.error_message[:300]
        refund.gateway_reference = result.reference or refund.gateway_reference
        refund.save()
        payment = refund.payment
        _log(
            payment,
            f"refund_{refund.state}",
            refund=str(refund.public_id),
            error=result.error_message,
        )
        if refund.state != RefundState.SUCCEEDED:
            return refund
        ledger_post_refund(
            key=f"refund:{refund.public_id}",
            gateway=payment.gateway,
            amount_minor=refund.amount_minor,
            currency=refund.currency,
            memo=f"order {payment.order.public_id}",
        )
        order = payment.order
        if payment.paid_order and order_transition(
            order_id=order.pk,
            to_state=OrderState.REFUNDED,
            cause=TransitionCause.SYSTEM,
            details={"refund": str(refund.public_id), "reason": refund.reason},
        ):
            provisioning_withdraw_for_refund(order_id=order.pk)
    return refund
