"""Writing payments: recording one, asking its gateway (to start, query, close or refund
it), and recording what the gateway answered.

Payments know nothing of orders or provisioning: whoever owns the flow (roamcard.renewals)
decides what a payment's outcome means and calls these functions inside its own
transactions. The rule everywhere: record our intent and commit, call the gateway outside
any database transaction, then record the answer in a transaction that locks the row and
checks the transition table, so whichever path arrives second changes nothing."""

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from roamcard.ledger.services import ledger_post_payment, ledger_post_refund

from .choices import FINAL_REFUND_STATES, PAYMENT_TRANSITIONS, PaymentState, RefundState
from .errors import AmountMismatch, PaymentMethodNotAvailable, PaymentNotRefundable
from .gateways.base import GatewayResult, PaymentMethod, ResultStatus
from .gateways.registry import gateway_for_method, get_gateway
from .models import Payment, PaymentEvent, Refund, WebhookDelivery

logger = logging.getLogger(__name__)


def _log(payment: Payment, kind: str, **data: Any) -> None:
    PaymentEvent.objects.create(payment=payment, kind=kind, state=payment.state, data=data)


def _unknown(exc: Exception) -> GatewayResult:
    return GatewayResult(status=ResultStatus.UNKNOWN, error_message=str(exc)[:300])


def _reconcile_delay(attempts: int) -> timedelta:
    steps = settings.RECONCILE_BACKOFF_SECONDS
    return timedelta(seconds=steps[min(attempts, len(steps) - 1)])


def _lock(payment_id: int) -> Payment:
    return Payment.objects.select_for_update().get(pk=payment_id)


def _may_move(payment: Payment, to_state: str) -> bool:
    return to_state in PAYMENT_TRANSITIONS[payment.state]


# --- recording and starting a payment ------------------------------------------------------


def payment_record(*, order_id: int, method: str, amount_minor: int, currency: str) -> Payment:
    """Record an attempt to pay `order_id` with `method`, at the gateway that backs it.
    Raises PaymentMethodNotAvailable for a method no gateway is configured for."""
    try:
        method = PaymentMethod(method)
        gateway = gateway_for_method(method)
    except (ValueError, KeyError) as exc:
        raise PaymentMethodNotAvailable() from exc
    payment = Payment.objects.create(
        order_id=order_id,
        gateway=gateway.name,
        method=method,
        amount_minor=amount_minor,
        currency=currency,
    )
    _log(payment, "created", method=str(method))
    return payment


def payment_open_at_gateway(
    *,
    payment: Payment,
    description: str,
    return_url: str,
    notify_url: str,
    language: str = "en",
    on_mobile: bool = False,
) -> GatewayResult:
    """Ask the gateway to start the payment. Never inside a transaction; never raises: an
    adapter's failure is an UNKNOWN answer, which reconciliation resolves."""
    expires_at = timezone.now() + timedelta(seconds=settings.PAYMENT_PAYER_WINDOW_SECONDS)
    try:
        return get_gateway(payment.gateway).start_payment(
            payment_id=str(payment.public_id),
            amount_minor=payment.amount_minor,
            currency=payment.currency,
            method=PaymentMethod(payment.method),
            description=description,
            return_url=return_url,
            notify_url=notify_url,
            language=language,
            expires_at=expires_at,
            on_mobile=on_mobile,
        )
    except Exception as exc:  # an adapter bug or an unexpected vendor answer
        logger.exception("Starting payment %s failed", payment.public_id)
        return _unknown(exc)


def payment_query_gateway(*, payment: Payment) -> GatewayResult:
    """Ask the gateway what became of a payment; an error is an UNKNOWN answer."""
    try:
        result = get_gateway(payment.gateway).query_payment(
            payment_id=str(payment.public_id), reference=payment.gateway_reference
        )
    except Exception as exc:
        logger.warning("Querying payment %s failed: %s", payment.public_id, exc)
        result = _unknown(exc)
    if result.status in (ResultStatus.UNKNOWN, ResultStatus.PENDING):
        Payment.objects.filter(pk=payment.pk).update(
            reconcile_attempts=payment.reconcile_attempts + 1
        )
    return result


def payment_close_at_gateway(*, payment: Payment) -> GatewayResult:
    """Ask the gateway to close a payment the payer abandoned, so that it can no longer take
    money for it. FAILED: closed; SUCCEEDED: the payer paid first; else: ask again later."""
    try:
        result = get_gateway(payment.gateway).cancel_payment(
            payment_id=str(payment.public_id), reference=payment.gateway_reference
        )
    except Exception as exc:
        logger.warning("Closing payment %s failed: %s", payment.public_id, exc)
        result = _unknown(exc)
    with transaction.atomic():
        _log(_lock(payment.pk), "close_requested", answer=str(result.status))
    return result


# --- recording the gateway's answer ---------------------------------------------------------


def payment_mark_open(*, payment_id: int, result: GatewayResult) -> bool:
    """The payer still has to act (PENDING), or we do not know (UNKNOWN): remember where to
    send the payer and when to ask again. Returns False when the payment had moved on."""
    unknown = result.status == ResultStatus.UNKNOWN
    to_state = PaymentState.UNKNOWN if unknown else PaymentState.PENDING
    with transaction.atomic():
        payment = _lock(payment_id)
        if not _may_move(payment, to_state):
            return False
        payment.state = to_state
        payment.gateway_reference = result.reference or payment.gateway_reference
        payment.redirect_url = result.redirect_url or payment.redirect_url
        payment.qr_code = result.qr_code or payment.qr_code
        payment.expires_at = result.expires_at or payment.expires_at
        if unknown:
            payment.error_message = result.error_message[:300]
        payment.next_reconcile_at = timezone.now() + _reconcile_delay(payment.reconcile_attempts)
        payment.save()
        _log(payment, str(to_state), reference=result.reference, error=result.error_message)
    return True


def payment_mark_succeeded(
    *, payment_id: int, amount_minor: int | None, currency: str, reference: str, cause: str
) -> str | None:
    """The gateway says the money was taken: mark the payment succeeded and post the money
    to the ledger, once. Call inside the transaction that acts on it.

    Returns the state the payment was in (`failed` for a late success), or None when it had
    already succeeded. Raises AmountMismatch, changing nothing, when the gateway did not say
    how much it took or said another amount or currency."""
    payment = _lock(payment_id)
    if payment.state == PaymentState.SUCCEEDED:
        return None
    if (
        amount_minor is None
        or not currency
        or amount_minor != payment.amount_minor
        or currency.upper() != payment.currency
    ):
        raise AmountMismatch(
            f"gateway reported {amount_minor} {currency or '(no currency)'}, "
            f"payment is {payment.amount_minor} {payment.currency}"
        )
    was = payment.state
    payment.state = PaymentState.SUCCEEDED
    payment.gateway_reference = reference or payment.gateway_reference
    payment.completed_at = timezone.now()
    payment.next_reconcile_at = None
    payment.error_code = payment.error_message = ""
    payment.save()
    _log(payment, "succeeded", cause=cause, reference=reference, was=was)
    ledger_post_payment(
        key=f"payment:{payment.public_id}",
        gateway=payment.gateway,
        amount_minor=payment.amount_minor,
        currency=payment.currency,
        memo=f"order {payment.order.public_id}",  # staff find the money by order number
    )
    return was


def payment_mark_failed(
    *,
    payment_id: int,
    error_code: str = "",
    error_message: str = "",
    reference: str = "",
    cause: str,
    watch_until: datetime | None = None,
) -> bool:
    """The gateway says the payment did not happen. `watch_until`: keep asking the gateway
    until then (a payment we closed ourselves, in case the payer got through first).
    Returns False, changing nothing, when the payment is already final."""
    with transaction.atomic():
        payment = _lock(payment_id)
        if not _may_move(payment, PaymentState.FAILED):
            return False
        payment.state = PaymentState.FAILED
        payment.error_code = (error_code or "declined")[:60]
        payment.error_message = (error_message or _("The payment was declined."))[:300]
        payment.gateway_reference = reference or payment.gateway_reference
        payment.completed_at = timezone.now()
        payment.next_reconcile_at = watch_until
        payment.save()
        _log(payment, "failed", cause=cause, code=error_code, message=error_message)
    return True


def payment_stop_watching(*, payment_id: int) -> None:
    Payment.objects.filter(pk=payment_id).update(next_reconcile_at=None)


def payment_mark_paid_order(*, payment_id: int) -> None:
    """This payment is the one that paid its order (any other success is refunded)."""
    Payment.objects.filter(pk=payment_id).update(paid_order=True)


def payment_flag(*, payment_id: int, reason: str) -> None:
    """Something about this payment needs a person (an amount that does not match)."""
    with transaction.atomic():
        payment = _lock(payment_id)
        _log(payment, "flagged", reason=reason)
    logger.error("Payment %s flagged for staff: %s", payment.public_id, reason)


# --- refunds ----------------------------------------------------------------------------------


def refund_record(*, payment_id: int, reason: str, requested_by: Any = None) -> tuple[Refund, bool]:
    """Record a full refund of a succeeded payment; returns (refund, created). One refund
    per payment: asking again returns the first."""
    try:
        with transaction.atomic():
            payment = _lock(payment_id)
            existing = Refund.objects.filter(payment=payment).first()
            if existing is not None:
                return existing, False
            if payment.state != PaymentState.SUCCEEDED:
                raise PaymentNotRefundable()
            refund = Refund.objects.create(
                payment=payment,
                amount_minor=payment.amount_minor,
                currency=payment.currency,
                reason=reason[:200],
                requested_by=requested_by if getattr(requested_by, "pk", None) else None,
            )
            _log(payment, "refund_requested", reason=reason, refund=str(refund.public_id))
    except IntegrityError:
        # Another request for this payment's refund committed first; theirs stands.
        return Refund.objects.get(payment_id=payment_id), False
    return refund, True


def refund_call_gateway(*, refund_id: int, notify_url: str = "") -> GatewayResult | None:
    """Ask the gateway to refund, outside any transaction. None when the refund is final
    already (nothing to ask)."""
    with transaction.atomic():
        refund = (
            Refund.objects.select_for_update(of=("self",))
            .select_related("payment")
            .get(pk=refund_id)
        )
        if refund.state in FINAL_REFUND_STATES:
            return None
        refund.attempts += 1
        refund.save(update_fields=["attempts", "updated_at"])
    payment = refund.payment
    try:
        return get_gateway(payment.gateway).refund(
            refund_id=str(refund.public_id),
            payment_id=str(payment.public_id),
            reference=payment.gateway_reference,
            amount_minor=refund.amount_minor,
            currency=refund.currency,
            reason=refund.reason,
            notify_url=notify_url,
        )
    except Exception as exc:
        logger.warning("Refund %s failed to reach the gateway: %s", refund.public_id, exc)
        return _unknown(exc)


def refund_mark_result(*, refund_id: int, result: GatewayResult) -> bool:
    """Record the gateway's answer about a refund; on success the money leaves the ledger,
    once. Call inside the transaction that acts on it. Returns True when this call saw the
    refund succeed."""
    refund = (
        Refund.objects.select_for_update(of=("self",)).select_related("payment").get(pk=refund_id)
    )
    if refund.state in FINAL_REFUND_STATES:
        return False
    if result.status == ResultStatus.SUCCEEDED:
        refund.state = RefundState.SUCCEEDED
        refund.completed_at = timezone.now()
    elif result.status == ResultStatus.FAILED:
        refund.state = RefundState.FAILED
    elif result.status == ResultStatus.PENDING:
        refund.state = RefundState.PENDING
    else:
        refund.state = RefundState.UNKNOWN
    refund.error_message = result.error_message[:300]
    refund.gateway_reference = result.reference or refund.gateway_reference
    refund.save()
    payment = refund.payment
    _log(
        payment, f"refund_{refund.state}", refund=str(refund.public_id), error=result.error_message
    )
    if refund.state != RefundState.SUCCEEDED:
        return False
    ledger_post_refund(
        key=f"refund:{refund.public_id}",
        gateway=payment.gateway,
        amount_minor=refund.amount_minor,
        currency=refund.currency,
        memo=f"order {payment.order.public_id}",
    )
    return True


# --- processing stored notifications -------------------------------------------------------


def webhook_delivery_settle(
    *, delivery_id: int, outcome: str, reason: str = "", payment_id: int | None = None
) -> WebhookDelivery:
    WebhookDelivery.objects.filter(pk=delivery_id).update(
        outcome=outcome, reason=reason[:300], payment_id=payment_id, processed_at=timezone.now()
    )
    return WebhookDelivery.objects.get(pk=delivery_id)
