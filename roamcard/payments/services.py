"""Writing payments: recording one, asking its gateway (to start, query, close or refund
it), and recording what the gateway answered. And the payment methods travellers save at a
gateway: saving one, removing it, charging it without the traveller.

Payments know nothing of orders or provisioning: whoever owns the flow (roamcard.renewals)
decides what a payment's outcome means and calls these functions inside its own
transactions. The rule everywhere: record our intent and commit, call the gateway outside
any database transaction, then record the answer in a transaction that locks the row and
checks the transition table, so whichever path arrives second changes nothing."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from roamcard.core import metrics
from roamcard.core.audit import audit_record
from roamcard.core.errors import InvalidInput
from roamcard.core.money import Money, format_money
from roamcard.ledger.services import ledger_post_payment, ledger_post_refund

from .choices import (
    FINAL_REFUND_STATES,
    OPEN_PAYMENT_STATES,
    PAYMENT_TRANSITIONS,
    PaymentState,
    RefundState,
)
from .errors import (
    AmountMismatch,
    NothingLeftToRefund,
    PaymentGatewayUnavailable,
    PaymentMethodNotAvailable,
    PaymentMethodNotSaveable,
    PaymentNotRefundable,
    RefundTooLarge,
    SavedMethodNotFound,
    SavedMethodNotUsable,
)
from .gateways.base import GatewayResult, NotSupported, PaymentMethod, ResultStatus, SetupResult
from .gateways.registry import gateway_for_method, gateway_for_saving, get_gateway
from .models import (
    Payment,
    PaymentEvent,
    PaymentSetup,
    Refund,
    SavedPaymentMethod,
    WebhookDelivery,
)
from .selectors import (
    gateway_customer_of,
    payment_setups_to_check,
    saved_method_get_for,
    saved_methods_to_remove_at_gateway,
)

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
    """The payer still has to act (PENDING; REQUIRES_ACTION for a charge made without them
    that they must confirm), or we do not know (UNKNOWN): remember where to send the payer
    and when to ask again. Returns False when the payment had moved on."""
    unknown = result.status == ResultStatus.UNKNOWN
    to_state = {
        ResultStatus.UNKNOWN: PaymentState.UNKNOWN,
        ResultStatus.REQUIRES_ACTION: PaymentState.REQUIRES_ACTION,
    }.get(result.status, PaymentState.PENDING)
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


def refund_record(
    *,
    payment_id: int,
    amount_minor: int | None,
    reason_code: str,
    reason: str,
    idempotency_key: str,
    note: str = "",
    requested_by: Any = None,
) -> tuple[Refund, bool]:
    """Record a refund of `amount_minor` of a succeeded payment (None: all it still has to
    give back); returns (refund, created). The payment's row is locked while the refunds not
    failed are summed, so two requests at once never give back more than it took. A key
    already used returns its refund, created False (a form submitted twice).

    Raises PaymentNotRefundable (not succeeded), NothingLeftToRefund, RefundTooLarge (its
    message names what is left) and InvalidInput for an amount that is not positive."""
    with transaction.atomic():
        payment = _lock(payment_id)
        existing = Refund.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing, False
        if payment.state != PaymentState.SUCCEEDED:
            raise PaymentNotRefundable()
        left = payment.amount_minor - _refunds_not_failed(payment.pk)
        if left <= 0:
            raise NothingLeftToRefund()
        if amount_minor is None:
            amount_minor = left
        if amount_minor <= 0:
            message = _("Enter an amount above zero.")
            raise InvalidInput(message, fields={"amount": [message]})
        if amount_minor > left:
            message = _("At most %(amount)s can still be refunded on this payment.") % {
                "amount": format_money(Money(left, payment.currency))
            }
            raise RefundTooLarge(message, fields={"amount": [message]})
        refund = Refund.objects.create(
            payment=payment,
            amount_minor=amount_minor,
            currency=payment.currency,
            reason_code=reason_code,
            reason=reason[:200],
            note=note[:500],
            idempotency_key=idempotency_key[:100],
            requested_by=requested_by if getattr(requested_by, "pk", None) else None,
        )
        _log(
            payment,
            "refund_requested",
            reason=reason,
            reason_code=reason_code,
            amount_minor=amount_minor,
            refund=str(refund.public_id),
        )
    return refund, True


def _refunds_not_failed(payment_id: int) -> int:
    return (
        Refund.objects.filter(payment_id=payment_id)
        .exclude(state=RefundState.FAILED)
        .aggregate(total=Sum("amount_minor"))["total"]
        or 0
    )


def refund_set_withdrawn(*, refund_id: int, bytes_withdrawn: int | None) -> None:
    """The data a succeeded refund took off the card (in the transaction that took it)."""
    Refund.objects.filter(pk=refund_id).update(bytes_withdrawn=bytes_withdrawn)


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
            payment_amount_minor=payment.amount_minor,
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
    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    lag = (delivery.processed_at - delivery.received_at).total_seconds()

    def record() -> None:
        metrics.webhooks_settled.labels(delivery.gateway, outcome).inc()
        metrics.webhook_lag.labels(delivery.gateway).observe(lag)

    metrics.on_commit(record)
    return delivery


# --- saved payment methods ------------------------------------------------------------------
# Saving one is a setup the traveller completes at the gateway; its outcome is learnt by
# asking the gateway, when the traveller comes back and from the sweep (tasks.py), so a
# traveller who never comes back costs a minute, not a method. Removing one is ours at once;
# the gateway is told after, until it confirms (docs/decisions/0009).

SETUP_WAITING_SYNC_SECONDS = 5
VENDOR_REMOVAL_MAX_ATTEMPTS = 10


def _absolute(path: str) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + path


def payment_setup_start(*, user: Any, method: str, language: str = "en") -> PaymentSetup:
    """Start saving a payment method for a traveller: the setup is recorded and the gateway
    asked for the page where they complete it (the setup's redirect_url). Raises
    PaymentMethodNotSaveable for a method no enabled gateway can save, and
    PaymentGatewayUnavailable when the gateway did not start it (the setup is failed)."""
    gateway = gateway_for_saving(method)
    if gateway is None:
        raise PaymentMethodNotSaveable()
    setup = PaymentSetup.objects.create(
        user=user,
        gateway=gateway.name,
        method=PaymentMethod(method),
        customer_ref=gateway_customer_of(user=user, gateway=gateway.name),
    )
    try:
        result = gateway.start_saving_method(
            setup_id=str(setup.public_id),
            method=PaymentMethod(method),
            customer_ref=setup.customer_ref,
            return_url=_absolute(
                reverse("payment_methods:setup_return", kwargs={"public_id": setup.public_id})
            ),
            notify_url=_absolute(reverse("payments:webhook", kwargs={"gateway": gateway.name})),
            language=language,
        )
    except NotSupported as exc:
        result = SetupResult(
            status=ResultStatus.FAILED, error_code="not_supported", error_message=exc.reason
        )
    except Exception as exc:  # an adapter bug or an unexpected vendor answer
        logger.exception("Starting payment method setup %s failed", setup.public_id)
        result = SetupResult(status=ResultStatus.UNKNOWN, error_message=str(exc)[:300])
    started = result.status == ResultStatus.SUCCEEDED or (
        result.status == ResultStatus.PENDING and result.redirect_url
    )
    if not started:
        # No page for the traveller: nobody can complete this setup.
        result = SetupResult(
            status=ResultStatus.FAILED,
            error_code=result.error_code or "not_started",
            error_message=result.error_message,
        )
    setup = payment_setup_apply(setup_id=setup.pk, result=result)
    if not started:
        raise PaymentGatewayUnavailable()
    return setup


def _setup_deadline(setup: PaymentSetup) -> datetime:
    window = timedelta(seconds=settings.PAYMENT_PAYER_WINDOW_SECONDS)
    return (setup.expires_at or setup.created_at + window) + timedelta(
        seconds=settings.PAYMENT_CLOSE_GRACE_SECONDS
    )


def payment_setup_apply(
    *, setup_id: int, result: SetupResult, now: datetime | None = None
) -> PaymentSetup:
    """Record what the gateway said about a setup, once. SUCCEEDED saves the method; FAILED
    ends the setup; anything else keeps it waiting and says when to ask again, unless the
    traveller's time is up: then this was the last question, and the setup failed."""
    now = now or timezone.now()
    with transaction.atomic():
        setup = PaymentSetup.objects.select_for_update().get(pk=setup_id)
        if setup.state != PaymentSetup.State.PENDING:
            return setup
        setup.reference = result.reference or setup.reference
        setup.redirect_url = result.redirect_url or setup.redirect_url
        setup.customer_ref = result.customer_ref or setup.customer_ref
        setup.expires_at = result.expires_at or setup.expires_at
        if result.status == ResultStatus.SUCCEEDED and result.token:
            setup.saved_method = _saved_method_of(setup, result)
            if setup.saved_method is None:
                logger.error(
                    "Setup %s: %s answered a token another traveller's method has",
                    setup.public_id,
                    setup.gateway,
                )
                _settle_setup(setup, PaymentSetup.State.FAILED, now=now, error_code="token_in_use")
            else:
                _settle_setup(setup, PaymentSetup.State.SUCCEEDED, now=now)
        elif result.status in (ResultStatus.SUCCEEDED, ResultStatus.FAILED):
            _settle_setup(
                setup,
                PaymentSetup.State.FAILED,
                now=now,
                error_code=result.error_code or "declined",
                error_message=result.error_message,
            )
        elif now >= _setup_deadline(setup):
            _settle_setup(
                setup,
                PaymentSetup.State.FAILED,
                now=now,
                error_code="expired",
                error_message=_("The payment method was not added in time."),
            )
        else:
            setup.next_check_at = min(
                now + _reconcile_delay(setup.check_attempts), _setup_deadline(setup)
            )
            setup.check_attempts += 1
        setup.save()
    return setup


def _saved_method_of(setup: PaymentSetup, result: SetupResult) -> SavedPaymentMethod | None:
    """The method a setup saved: new, or, when the gateway answers with a token the
    traveller already has (a wallet keeps one agreement per payer), that method, active
    again with what the gateway says of it now. None for another traveller's token."""
    described = {
        "customer_ref": setup.customer_ref,
        "label": result.label[:100],
        "brand": result.brand[:30],
        "expires_month": result.expires_month,
        "expires_year": result.expires_year,
    }
    method, created = SavedPaymentMethod.objects.select_for_update().get_or_create(
        gateway=setup.gateway,
        token=result.token,
        defaults={"user_id": setup.user_id, "method": setup.method, **described},
    )
    if created:
        return method
    if method.user_id != setup.user_id:
        return None
    for field, value in described.items():
        setattr(method, field, value)
    method.state = SavedPaymentMethod.State.ACTIVE
    method.removed_at = method.vendor_removed_at = method.next_vendor_removal_at = None
    method.vendor_removal_attempts = 0
    method.save()
    return method


def _settle_setup(
    setup: PaymentSetup, state: str, *, now: datetime, error_code: str = "", error_message: str = ""
) -> None:
    setup.state = state
    setup.error_code = error_code[:60]
    setup.error_message = error_message[:300]
    setup.completed_at = now
    setup.next_check_at = None


def payment_setup_sync(*, setup_id: int, now: datetime | None = None) -> PaymentSetup:
    """Ask the gateway what became of a setup still waiting, and record the answer."""
    setup = PaymentSetup.objects.get(pk=setup_id)
    if setup.state != PaymentSetup.State.PENDING:
        return setup
    try:
        result = get_gateway(setup.gateway).query_saved_method(
            setup_id=str(setup.public_id), reference=setup.reference
        )
    except Exception as exc:  # a vendor outage, a gateway no longer configured
        logger.warning("Querying payment method setup %s failed: %s", setup.public_id, exc)
        result = SetupResult(status=ResultStatus.UNKNOWN, error_message=str(exc)[:300])
    return payment_setup_apply(setup_id=setup.pk, result=result, now=now)


def payment_setup_sync_while_waiting(*, setup: PaymentSetup) -> PaymentSetup:
    """The traveller is back from the gateway, or waits on our page: ask the gateway at most
    every SETUP_WAITING_SYNC_SECONDS (the other looks only read our database)."""
    if setup.state == PaymentSetup.State.PENDING and cache.add(
        f"payments:setup-sync:{setup.pk}", 1, timeout=SETUP_WAITING_SYNC_SECONDS
    ):
        return payment_setup_sync(setup_id=setup.pk)
    return PaymentSetup.objects.get(pk=setup.pk)


def saved_method_remove(
    *, saved_method_id: int, actor: Any, by_staff: bool = False, ip_address: str | None = None
) -> SavedPaymentMethod:
    """Remove a saved method. From the moment this commits nothing is charged to it; the
    gateway is then told to forget it (and asked again until it confirms). Removing twice
    changes nothing. Audited, with who removed it."""
    now = timezone.now()
    with transaction.atomic():
        method = SavedPaymentMethod.objects.select_for_update().get(pk=saved_method_id)
        if method.state == SavedPaymentMethod.State.REMOVED:
            return method
        method.state = SavedPaymentMethod.State.REMOVED
        method.removed_at = method.next_vendor_removal_at = now
        method.save()
        audit_record(
            actor=actor,
            action="payment_method.remove",
            obj=method,
            details={
                "by": "staff" if by_staff else "traveller",
                "user": method.user_id,
                "gateway": method.gateway,
                "method": method.method,
                "label": method.label,
            },
            ip_address=ip_address,
        )
    saved_method_remove_at_gateway(saved_method_id=method.pk)
    return SavedPaymentMethod.objects.get(pk=method.pk)


def saved_method_remove_for(
    *, user: Any, public_id: Any, ip_address: str | None = None
) -> SavedPaymentMethod:
    """A traveller removes one of their own methods; anyone else's is not found."""
    method = saved_method_get_for(user=user, public_id=public_id)
    if method is None:
        raise SavedMethodNotFound()
    return saved_method_remove(saved_method_id=method.pk, actor=user, ip_address=ip_address)


def saved_method_remove_at_gateway(*, saved_method_id: int, now: datetime | None = None) -> bool:
    """Tell the gateway to forget a removed method; True once it has. A failure is asked
    again later, with a growing delay, VENDOR_REMOVAL_MAX_ATTEMPTS times in all."""
    now = now or timezone.now()
    method = SavedPaymentMethod.objects.get(pk=saved_method_id)
    if method.state != SavedPaymentMethod.State.REMOVED or method.vendor_removed_at:
        return method.vendor_removed_at is not None
    attempts = method.vendor_removal_attempts + 1
    try:
        get_gateway(method.gateway).remove_saved_method(
            token=method.token, customer_ref=method.customer_ref
        )
    except Exception as exc:  # the gateway down, refusing, or no longer configured
        gave_up = attempts >= VENDOR_REMOVAL_MAX_ATTEMPTS
        SavedPaymentMethod.objects.filter(pk=method.pk).update(
            vendor_removal_attempts=attempts,
            next_vendor_removal_at=None if gave_up else now + _reconcile_delay(attempts - 1),
        )
        log = logger.error if gave_up else logger.warning
        log("Removing saved method %s at %s failed: %s", method.public_id, method.gateway, exc)
        return False
    SavedPaymentMethod.objects.filter(pk=method.pk).update(
        vendor_removal_attempts=attempts, vendor_removed_at=now, next_vendor_removal_at=None
    )
    return True


@dataclass(frozen=True)
class SavedMethodCharge:
    """A charge to a saved method: the payment, and the gateway's answer to apply (None
    when this order's charge was already under way or made: there is nothing new)."""

    payment: Payment
    result: GatewayResult | None


def payment_charge_saved(
    *,
    order_id: int,
    saved_method_id: int,
    amount_minor: int,
    currency: str,
    description: str,
    return_url: str,
    notify_url: str,
) -> SavedMethodCharge:
    """Charge a saved method for an order, without the traveller: record the payment (its
    public id the gateway's idempotency key), commit, ask the gateway. Never inside a
    transaction. The flow applies the answer as any payment's (REQUIRES_ACTION keeps the
    payment open, with where the traveller confirms it). Safe to call again for the same
    order: while one charge is open or has succeeded, that one is answered, not a new one.
    Raises SavedMethodNotUsable for a removed method."""
    charged_or_open = OPEN_PAYMENT_STATES | {PaymentState.SUCCEEDED}
    earlier = Payment.objects.filter(order_id=order_id, off_session=True)
    try:
        with transaction.atomic():
            # One charge at a time per method: whoever comes second sees the first.
            method = SavedPaymentMethod.objects.select_for_update().get(pk=saved_method_id)
            existing = earlier.filter(state__in=charged_or_open).first()
            if existing is not None:
                return SavedMethodCharge(payment=existing, result=None)
            if method.state != SavedPaymentMethod.State.ACTIVE:
                raise SavedMethodNotUsable()
            payment = Payment.objects.create(
                order_id=order_id,
                gateway=method.gateway,
                method=method.method,
                amount_minor=amount_minor,
                currency=currency,
                saved_method=method,
                off_session=True,
                # How long the traveller has to confirm it, if the gateway asks them to.
                expires_at=timezone.now()
                + timedelta(seconds=settings.PAYMENT_CONFIRM_WINDOW_SECONDS),
            )
            _log(payment, "created", method=method.method, saved_method=str(method.public_id))
    except IntegrityError:
        # Another charge of this order, with another method, committed first.
        return SavedMethodCharge(
            payment=earlier.filter(state__in=charged_or_open).get(), result=None
        )
    try:
        result = get_gateway(payment.gateway).charge_saved_method(
            payment_id=str(payment.public_id),
            token=method.token,
            customer_ref=method.customer_ref,
            amount_minor=amount_minor,
            currency=currency,
            description=description,
            return_url=return_url,
            notify_url=notify_url,
        )
    except NotSupported as exc:
        result = GatewayResult(
            status=ResultStatus.FAILED, error_code="not_supported", error_message=exc.reason
        )
    except Exception as exc:  # an adapter bug or an unexpected vendor answer
        logger.exception("Charging saved method for payment %s failed", payment.public_id)
        result = _unknown(exc)
    return SavedMethodCharge(payment=payment, result=result)


def payment_methods_sweep(*, now: datetime | None = None) -> tuple[int, int]:
    """The periodic step (tasks.py): ask about setups whose next look is due, and tell the
    gateways about removals they have not confirmed. Returns how many of each."""
    now = now or timezone.now()
    setups = list(payment_setups_to_check(now=now).values_list("pk", flat=True))
    for setup_id in setups:
        try:
            payment_setup_sync(setup_id=setup_id, now=now)
        except Exception:  # one bad setup must not hold up the others
            logger.exception("Payment method setup %s could not be synced", setup_id)
    removals = list(saved_methods_to_remove_at_gateway(now=now).values_list("pk", flat=True))
    for method_id in removals:
        saved_method_remove_at_gateway(saved_method_id=method_id, now=now)
    return len(setups), len(removals)
