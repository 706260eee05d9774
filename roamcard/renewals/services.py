"""The renewal, top to bottom: a traveller pays an order, the gateway takes the money, the
network applies the plan, the traveller is told. Or: the payment fails (the order can be
paid again), the network refuses for good (the money goes back), staff refund (the data
leaves the card), a payment succeeds where it must not (it is refunded).

This module owns the flow; orders, payments and provisioning are leaves it calls, each
owning its own rows, none importing another. Every step is a guarded state change applied
in one transaction, so whichever path arrives second (a webhook, the traveller's return,
a reconcile query, a retried job) changes nothing (docs/decisions/0004). The janitor
(janitor.py) drives on whatever a crash or a lost message left behind."""

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from roamcard.cards.services import bucket_grant, bucket_take_back, bucket_withdraw
from roamcard.core.audit import audit_record
from roamcard.core.errors import InvalidInput
from roamcard.core.tasks import enqueue_on_commit, enqueue_on_commit_if_registered
from roamcard.ledger.services import ledger_post_data_grant, ledger_post_data_reversal
from roamcard.orders.choices import CLOSED_STATES, OrderState, TransitionCause
from roamcard.orders.errors import OrderNotPayable, OrderNotRefundable
from roamcard.orders.models import Order
from roamcard.orders.services import order_attach_bucket, order_lock, order_transition
from roamcard.payments.choices import (
    OPEN_PAYMENT_STATES,
    STAFF_REFUND_REASONS,
    PaymentState,
    RefundReason,
    RefundState,
)
from roamcard.payments.errors import AmountMismatch, NothingLeftToRefund, SavedMethodNotUsable
from roamcard.payments.gateways.base import EventKind, GatewayResult, ResultStatus
from roamcard.payments.models import Payment, Refund, SavedPaymentMethod, WebhookDelivery
from roamcard.payments.selectors import (
    payment_for_event,
    payment_latest,
    payment_refundable_minor,
    payment_refunded_minor,
    payment_that_paid,
    refund_for_event,
    refunds_of_payment,
)
from roamcard.payments.services import (
    payment_charge_saved,
    payment_close_at_gateway,
    payment_flag,
    payment_mark_failed,
    payment_mark_open,
    payment_mark_paid_order,
    payment_mark_succeeded,
    payment_open_at_gateway,
    payment_query_gateway,
    payment_record,
    payment_stop_watching,
    refund_call_gateway,
    refund_mark_result,
    refund_record,
    refund_set_withdrawn,
    webhook_delivery_settle,
)
from roamcard.provisioning.models import ProvisioningJob
from roamcard.provisioning.network import NetworkError
from roamcard.provisioning.services import (
    NETWORK_WITHDRAW_JOB,
    card_network_lift_limit,
    provisioning_activate_by,
    provisioning_allowance_request,
    provisioning_apply,
    provisioning_job_claim,
    provisioning_job_give_up,
    provisioning_job_is_claimable,
    provisioning_job_lock,
    provisioning_job_record,
    provisioning_job_record_failure,
    provisioning_job_succeed,
    provisioning_withdraw_request,
)

from .notifications import (
    notify_late_payment_refunded,
    notify_refund_sent,
    notify_renewal_confirmed,
    notify_renewal_refunded,
)
from .selectors import refund_data_share

logger = logging.getLogger(__name__)

PAYABLE_STATES = frozenset({OrderState.PENDING_PAYMENT, OrderState.PAYMENT_FAILED})
WAITING_SYNC_SECONDS = 5
# The renewal's jobs (registered in tasks.py).
PROVISION_JOB = "renewals.provision"
RECONCILE_JOB = "renewals.reconcile"
WEBHOOK_JOB = "renewals.webhook_process"
REFUND_JOB = "renewals.refund_execute"
# Named, not imported: a card's allowances changed, so automatic renewal looks at it again
# (roamcard.autorenewal sits above this flow).
AUTORENEWAL_JOB = "autorenewal.evaluate"
# Customer service closes a stuck renewal's ticket when the order is fulfilled or refunded
# (roamcard.support, above us: named, never imported; nothing happens without it).
ORDER_SETTLED_JOB = "support.order_settled"


def _absolute(path: str) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + path


def _notify_url(gateway: str) -> str:
    return _absolute(reverse("payments:webhook", kwargs={"gateway": gateway}))


# --- 1. The traveller pays ---


def _lock_payable(order: Order, *, cause: str, retry_with: str) -> Order:
    """Lock an order about to be paid; one whose payment failed is reopened (paid again).
    In the caller's transaction."""
    locked = order_lock(order_id=order.pk)
    if locked.state not in PAYABLE_STATES:
        raise OrderNotPayable()
    if locked.state == OrderState.PAYMENT_FAILED:
        order_transition(
            order_id=locked.pk,
            to_state=OrderState.PENDING_PAYMENT,
            cause=cause,
            details={"retry_with": retry_with},
        )
    return locked


def renewal_pay(
    *, user: Any, order: Order, method: str, language: str = "en", on_mobile: bool = False
) -> Payment:
    """Start paying an order with a method; returns the payment, whose redirect_url (or
    qr_code) is where the traveller goes next. A failed order can be paid again."""
    if order.user_id != user.pk or order.card.owner_id != user.pk:
        raise OrderNotPayable()  # not theirs, or for a card they have since unbound
    with transaction.atomic():
        locked = _lock_payable(order, cause=TransitionCause.TRAVELLER, retry_with=str(method))
        payment = payment_record(
            order_id=locked.pk,
            method=method,
            amount_minor=locked.amount_minor,
            currency=locked.currency,
        )
    return_path = reverse("orders:return", kwargs={"public_id": order.public_id})
    result = payment_open_at_gateway(
        payment=payment,
        description=f"roamcard {order.plan_title} · {order.card.iccid_masked}",
        return_url=_absolute(f"{return_path}?payment={payment.public_id}"),
        notify_url=_notify_url(payment.gateway),
        language=language,
        on_mobile=on_mobile,
    )
    renewal_payment_result(payment_id=payment.pk, result=result, cause=TransitionCause.TRAVELLER)
    payment.refresh_from_db()
    _reconcile_when_due(payment)
    return payment


def renewal_pay_saved(*, order: Order, saved_method: SavedPaymentMethod) -> Payment:
    """Pay an order with one of its traveller's saved methods, without them (automatic
    renewal); returns the payment with the gateway's answer applied: succeeded (the order is
    paid and provisioned), failed (the order can be paid again), or open, requires_action
    with the redirect_url where the traveller confirms it. Calling it again for the same
    order while a charge is open, or after one succeeded, charges nothing more."""
    if saved_method.user_id != order.user_id or order.card.owner_id != order.user_id:
        raise OrderNotPayable()  # not theirs, or for a card they have since unbound
    if not SavedPaymentMethod.objects.filter(
        pk=saved_method.pk, state=SavedPaymentMethod.State.ACTIVE
    ).exists():
        raise SavedMethodNotUsable()  # removed (perhaps since the caller read it)
    with transaction.atomic():
        locked = _lock_payable(
            order, cause=TransitionCause.SYSTEM, retry_with=f"saved {saved_method.method}"
        )
    return_path = reverse("orders:return", kwargs={"public_id": order.public_id})
    charge = payment_charge_saved(
        order_id=order.pk,
        saved_method_id=saved_method.pk,
        amount_minor=locked.amount_minor,
        currency=locked.currency,
        description=f"roamcard {order.plan_title} · {order.card.iccid_masked}",
        # Back from confirming, the result page asks about the order's latest payment.
        return_url=_absolute(return_path),
        notify_url=_notify_url(saved_method.gateway),
    )
    if charge.result is not None:
        renewal_payment_result(
            payment_id=charge.payment.pk, result=charge.result, cause=TransitionCause.SYSTEM
        )
    payment = Payment.objects.get(pk=charge.payment.pk)
    _reconcile_when_due(payment)
    return payment


# --- 2. The gateway answers (its call, a webhook, the traveller's return, a query) ---


def renewal_payment_result(*, payment_id: int, result: GatewayResult, cause: str) -> str:
    """Apply what a gateway said about a payment. Returns "" or, when the answer could not
    be applied and needs a person (an amount that does not match), the reason."""
    if result.status == ResultStatus.SUCCEEDED:
        try:
            _payment_succeeded(payment_id=payment_id, result=result, cause=cause)
        except AmountMismatch as exc:
            payment_flag(payment_id=payment_id, reason=str(exc))
            return str(exc)
    elif result.status == ResultStatus.FAILED:
        _payment_failed(payment_id=payment_id, result=result, cause=cause)
    else:
        payment_mark_open(payment_id=payment_id, result=result)
    return ""


def _payment_succeeded(*, payment_id: int, result: GatewayResult, cause: str) -> None:
    """The money was taken: the order becomes paid and its provisioning job is recorded, in
    one transaction. Money that must not be kept (the order was closed or paid by another
    payment, or this payment had been given up) is refunded instead."""
    with transaction.atomic():
        was = payment_mark_succeeded(
            payment_id=payment_id,
            amount_minor=result.amount_minor,
            currency=result.currency,
            reference=result.reference,
            cause=cause,
        )
        if was is None:
            return  # applied before
        payment = Payment.objects.get(pk=payment_id)
        order = order_lock(order_id=payment.order_id)
        if was == PaymentState.FAILED:
            # The payer got through after we closed the payment: it is not applied now,
            # hours later perhaps; they get their money back and are told why.
            renewal_refund(payment=payment, reason="paid after the payment was closed")
            notify_late_payment_refunded(order=order, payment=payment)
            return
        if order.state in CLOSED_STATES or order.state in (OrderState.PAID, OrderState.FULFILLED):
            reason = (
                f"order is {order.state}"
                if order.state in CLOSED_STATES
                else "order already paid by another payment"
            )
            renewal_refund(payment=payment, reason=reason)
            return
        order_transition(
            order_id=order.pk,
            to_state=OrderState.PAID,
            cause=cause,
            details={"payment": str(payment.public_id)},
        )
        payment_mark_paid_order(payment_id=payment.pk)
        job, created = provisioning_job_record(order_id=order.pk)
        if created:
            enqueue_on_commit(PROVISION_JOB, job.pk)


def _payment_failed(
    *, payment_id: int, result: GatewayResult, cause: str, watch_until: datetime | None = None
) -> None:
    """The payment did not happen: the order can be paid again (unless another payment
    already paid it)."""
    with transaction.atomic():
        if not payment_mark_failed(
            payment_id=payment_id,
            error_code=result.error_code,
            error_message=result.error_message,
            reference=result.reference,
            cause=cause,
            watch_until=watch_until,
        ):
            return
        payment = Payment.objects.get(pk=payment_id)
        order_transition(
            order_id=payment.order_id,
            to_state=OrderState.PAYMENT_FAILED,
            cause=cause,
            only_from={OrderState.PENDING_PAYMENT},
            failure_message=payment.error_message,
            details={"payment": str(payment.public_id), "code": payment.error_code},
        )


def _reconcile_when_due(payment: Payment) -> None:
    """Ask the gateway again when the payment's next look is due, so that a lost
    notification costs seconds, not a janitor's round. One chain of these per payment: each
    run schedules the next while the payment is open."""
    if payment.state not in OPEN_PAYMENT_STATES or payment.next_reconcile_at is None:
        return
    delay = max(0.0, (payment.next_reconcile_at - timezone.now()).total_seconds())
    enqueue_on_commit(RECONCILE_JOB, payment.pk, delay=delay)


def renewal_reconcile(*, payment_id: int) -> Payment:
    """The reconcile job's step for one payment: sync it, and come back when due."""
    payment = renewal_payment_sync(payment_id=payment_id, cause=TransitionCause.RECONCILE)
    _reconcile_when_due(payment)
    return payment


def renewal_payment_sync(*, payment_id: int, cause: str, now: datetime | None = None) -> Payment:
    """Ask the gateway what became of a payment and apply the answer: when the traveller
    returns from the gateway, while the result page waits, and from the reconcile job.
    An abandoned payment past the payer's deadline is closed at the gateway instead. `now`:
    the janitor's clock."""
    now = now or timezone.now()
    payment = Payment.objects.get(pk=payment_id)
    if payment.state == PaymentState.SUCCEEDED:
        return payment
    if payment.state == PaymentState.FAILED:
        return _watch_for_late_success(payment, now=now)
    if now >= _payer_deadline(payment):
        return _close_abandoned(payment, now=now)
    result = payment_query_gateway(payment=payment)
    renewal_payment_result(payment_id=payment.pk, result=result, cause=cause)
    return Payment.objects.get(pk=payment_id)


def renewal_sync_while_waiting(*, order_id: int) -> None:
    """A traveller waits on the result page or polls the API: ask the gateway about the
    latest open payment at most every WAITING_SYNC_SECONDS (the other polls only read our
    database), in case its notification is slow or lost."""
    payment = payment_latest(order_id=order_id)
    if payment is None or payment.state not in OPEN_PAYMENT_STATES:
        return
    if cache.add(f"renewals:waiting-sync:{payment.pk}", 1, timeout=WAITING_SYNC_SECONDS):
        renewal_payment_sync(payment_id=payment.pk, cause=TransitionCause.RETURN)


def _payer_deadline(payment: Payment) -> datetime:
    window = timedelta(seconds=settings.PAYMENT_PAYER_WINDOW_SECONDS)
    return (payment.expires_at or payment.created_at + window) + timedelta(
        seconds=settings.PAYMENT_CLOSE_GRACE_SECONDS
    )


def _close_abandoned(payment: Payment, *, now: datetime) -> Payment:
    """The payer's time is up: close the payment at the gateway so that it cannot take
    money any more. Closed: the payment failed; the gateway keeps being asked once more
    after its own session has surely ended, in case the payer got through at the last
    moment. Paid first: applied as any success. No answer: asked again later."""
    result = payment_close_at_gateway(payment=payment)
    if result.status == ResultStatus.FAILED:
        watch_until = max(_payer_deadline(payment), now) + timedelta(
            seconds=settings.PAYMENT_CLOSE_GRACE_SECONDS
        )
        _payment_failed(
            payment_id=payment.pk,
            result=GatewayResult(
                status=ResultStatus.FAILED,
                reference=result.reference,
                error_code="abandoned",
                error_message="The payment was not completed in time.",
            ),
            cause=TransitionCause.JANITOR,
            watch_until=watch_until,
        )
    else:
        renewal_payment_result(
            payment_id=payment.pk, result=result, cause=TransitionCause.RECONCILE
        )
    return Payment.objects.get(pk=payment.pk)


def _watch_for_late_success(payment: Payment, *, now: datetime) -> Payment:
    """A payment we closed is asked about one last time; a success is refunded."""
    if payment.next_reconcile_at is None or payment.next_reconcile_at > now:
        return payment
    result = payment_query_gateway(payment=payment)
    if result.status == ResultStatus.SUCCEEDED:
        renewal_payment_result(
            payment_id=payment.pk, result=result, cause=TransitionCause.RECONCILE
        )
    elif result.status == ResultStatus.FAILED:
        payment_stop_watching(payment_id=payment.pk)
    return Payment.objects.get(pk=payment.pk)


# --- 3. Notifications from gateways ---


def renewal_webhook_process(*, delivery_id: int) -> WebhookDelivery:
    """Apply one stored, verified notification. Safe to run again: the steps it calls are
    no-ops the second time."""
    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    if delivery.outcome != WebhookDelivery.Outcome.RECEIVED:
        return delivery
    event, kind = delivery.event, delivery.event.get("kind")
    processed, flagged = WebhookDelivery.Outcome.PROCESSED, WebhookDelivery.Outcome.FLAGGED

    if kind in (EventKind.PAYMENT_SUCCEEDED, EventKind.PAYMENT_FAILED):
        payment = payment_for_event(gateway=delivery.gateway, event=event)
        if payment is None:
            return webhook_delivery_settle(
                delivery_id=delivery.pk, outcome=flagged, reason="no such payment"
            )
        succeeded = kind == EventKind.PAYMENT_SUCCEEDED
        problem = renewal_payment_result(
            payment_id=payment.pk,
            result=GatewayResult(
                status=ResultStatus.SUCCEEDED if succeeded else ResultStatus.FAILED,
                reference=event.get("reference") or "",
                amount_minor=event.get("amount_minor"),
                currency=event.get("currency") or "",
                error_code=event.get("error_code") or "",
                error_message=event.get("error_message") or "",
            ),
            cause=TransitionCause.WEBHOOK,
        )
        return webhook_delivery_settle(
            delivery_id=delivery.pk,
            outcome=flagged if problem else processed,
            reason=problem,
            payment_id=payment.pk,
        )
    if kind in (EventKind.REFUND_SUCCEEDED, EventKind.REFUND_FAILED):
        refund = refund_for_event(gateway=delivery.gateway, event=event)
        if refund is None:
            return webhook_delivery_settle(
                delivery_id=delivery.pk, outcome=flagged, reason="no such refund"
            )
        succeeded = kind == EventKind.REFUND_SUCCEEDED
        renewal_refund_result(
            refund_id=refund.pk,
            result=GatewayResult(
                status=ResultStatus.SUCCEEDED if succeeded else ResultStatus.FAILED,
                reference=event.get("reference") or "",
                error_message=event.get("error_message") or "",
            ),
        )
        return webhook_delivery_settle(
            delivery_id=delivery.pk, outcome=processed, payment_id=refund.payment_id
        )
    return webhook_delivery_settle(delivery_id=delivery.pk, outcome=WebhookDelivery.Outcome.IGNORED)


# --- 4. The network applies the plan ---


def renewal_provision(*, job_id: int) -> ProvisioningJob:
    """Run one attempt of a paid order's provisioning job; exactly once fulfils the order,
    whatever is retried."""
    with transaction.atomic():
        job = provisioning_job_lock(job_id=job_id)
        now = timezone.now()  # once the lock is ours: a lease is judged by the time we hold it
        if not provisioning_job_is_claimable(job=job, now=now):
            return job
        if job.order.state != OrderState.PAID:
            # Refunded (or otherwise closed) while waiting: nothing to apply.
            provisioning_job_give_up(job=job, reason=f"order is {job.order.state}")
            return job
        job = provisioning_job_claim(job=job, now=now)
    try:
        result = provisioning_apply(request=provisioning_allowance_request(job=job))
    except NetworkError as exc:
        return _provisioning_failed(job_id=job.pk, error=str(exc), retryable=exc.retryable)
    except Exception as exc:  # an adapter bug must not leave the job claimed forever
        logger.exception("Provisioning job %s crashed", job.pk)
        return _provisioning_failed(job_id=job.pk, error=f"unexpected error: {exc}", retryable=True)
    return _fulfil(job_id=job.pk, reference=result.reference)


def _fulfil(*, job_id: int, reference: str) -> ProvisioningJob:
    """The network applied the allowance: in one transaction, the bucket, the ledger, the
    order fulfilled, the job done, the confirmation queued."""
    with transaction.atomic():
        job = provisioning_job_lock(job_id=job_id)
        order = order_lock(order_id=job.order_id)
        if job.state == ProvisioningJob.State.SUCCEEDED or order.bucket_id:
            return job
        if order.state != OrderState.PAID:
            # Refunded while the network was applying it: take the allowance back.
            provisioning_job_give_up(
                job=job, reason=f"order became {order.state} during provisioning"
            )
            _withdraw_from_network_on_commit(order)
            return job
        bucket = bucket_grant(
            card_id=order.card_id,
            plan=order.plan,
            bytes_granted=order.data_bytes,
            validity_days=order.validity_days,
            starts=order.starts,
            valid_from=job.valid_from,
            valid_until=job.valid_until,
            activate_by=provisioning_activate_by(job=job),
        )
        order_attach_bucket(order=order, bucket=bucket)
        # A card stopped for lack of data has data again: the network restores it.
        card_network_lift_limit(card_id=order.card_id)
        order_transition(
            order_id=order.pk,
            to_state=OrderState.FULFILLED,
            cause=TransitionCause.PROVISIONING,
            details={"bucket": bucket.pk, "network_reference": reference},
        )
        if order.data_bytes:
            ledger_post_data_grant(
                key=f"order:{order.public_id}:grant",
                card_id=order.card_id,
                bytes_granted=order.data_bytes,
                memo=order.plan_name,
            )
        provisioning_job_succeed(job=job, reference=reference)
        notify_renewal_confirmed(order=order, card=bucket.card)
        enqueue_on_commit(AUTORENEWAL_JOB, [order.card_id])
        enqueue_on_commit_if_registered(ORDER_SETTLED_JOB, order.pk)
    return job


def _provisioning_failed(*, job_id: int, error: str, retryable: bool) -> ProvisioningJob:
    """Try again later, or, once the network has refused for good, give the money back."""
    with transaction.atomic():
        outcome = provisioning_job_record_failure(job_id=job_id, error=error, retryable=retryable)
        if outcome.retry_in is not None:
            enqueue_on_commit(PROVISION_JOB, job_id, delay=outcome.retry_in.total_seconds())
        elif outcome.gave_up:
            order = outcome.job.order
            payment = payment_that_paid(order_id=order.pk)
            if payment is not None:
                renewal_refund(
                    payment=payment,
                    reason="provisioning failed",
                    reason_code=RefundReason.NOT_APPLIED,
                )
            notify_renewal_refunded(order=order)
    return outcome.job


# --- 5. Money back ---

# The cause recorded on a refund staff asked for; the traveller is told when it succeeds.
STAFF_REFUND_CAUSE = "refunded by staff"
STAFF_REFUND_NOTE_MAX = 500


def renewal_refund(
    *, payment: Payment, reason: str, reason_code: str = RefundReason.PAYMENT_NOT_KEPT
) -> Refund:
    """Refund all that a succeeded payment still has to give back (all of it, unless staff
    refunded part); the gateway is asked from a job. The flow's own refunds: a payment it
    cannot keep, a plan the network refused. Asking again returns the first (or, when a
    refund already covers the payment, that one)."""
    try:
        refund, created = refund_record(
            payment_id=payment.pk,
            amount_minor=None,
            reason_code=reason_code,
            reason=reason,
            idempotency_key=f"auto:{payment.public_id}",
        )
    except NothingLeftToRefund:
        return refunds_of_payment(payment_id=payment.pk).exclude(state=RefundState.FAILED).first()
    if created:
        enqueue_on_commit(REFUND_JOB, refund.pk)
    return refund


def renewal_refund_by_staff(
    *,
    order: Order,
    staff: Any,
    amount_minor: int | None,
    reason: str,
    idempotency_key: str,
    note: str = "",
    ip_address: str | None = None,
) -> Refund:
    """Staff give a traveller money back: `amount_minor` (in the order's currency; None for
    all that is left) of the payment that paid the order, to its original method. Several
    partial refunds may follow one another; together they never exceed what was paid, even
    when two members of staff refund at once. A plan not yet on the card (the order is still
    `paid`) can only be refunded in full.

    `reason` is one of payments.choices.STAFF_REFUND_REASONS (the traveller reads its label
    in their language); `note` is staff's own words, kept for staff only, and required for
    `other`. `idempotency_key` is unique per refund request (the form's token, a ticket
    action's id): calling again with it returns the first refund and refunds nothing more.

    The gateway is asked from a job; when it confirms, the data is withdrawn in proportion
    (docs/decisions/0011) — all that is left, and the order `refunded`, once the whole
    payment is given back — and the traveller is told. Audited with amount, reason and note.
    Raises OrderNotRefundable, RefundTooLarge, NothingLeftToRefund or InvalidInput."""
    note = (note or "").strip()
    idempotency_key = (idempotency_key or "").strip()
    if not idempotency_key or len(idempotency_key) > 64:
        raise InvalidInput(_("This form has expired. Open the page again and retry."))
    if reason not in STAFF_REFUND_REASONS:
        raise InvalidInput(_("Choose a reason."), fields={"reason": [_("Choose a reason.")]})
    if reason == RefundReason.OTHER and not note:
        message = _("Say what the reason is.")
        raise InvalidInput(message, fields={"note": [message]})
    if len(note) > STAFF_REFUND_NOTE_MAX:
        message = _("Keep the note to %(max)d characters.") % {"max": STAFF_REFUND_NOTE_MAX}
        raise InvalidInput(message, fields={"note": [message]})
    payment = payment_that_paid(order_id=order.pk)
    if payment is None or payment.state != PaymentState.SUCCEEDED:
        raise OrderNotRefundable()
    order = Order.objects.get(pk=order.pk)
    if (
        order.state == OrderState.PAID
        and amount_minor is not None
        and amount_minor != payment_refundable_minor(payment=payment)
    ):
        message = _("This plan is not on the card yet: it can only be refunded in full.")
        raise InvalidInput(message, fields={"amount": [message]})
    with transaction.atomic():
        refund, created = refund_record(
            payment_id=payment.pk,
            amount_minor=amount_minor,
            reason_code=reason,
            reason=STAFF_REFUND_CAUSE,
            note=note,
            idempotency_key=f"staff:{idempotency_key}",
            requested_by=staff,
        )
        audit_record(
            actor=staff,
            action="order.refund",
            obj=order,
            details={
                "payment": str(payment.public_id),
                "refund": str(refund.public_id),
                "amount_minor": refund.amount_minor,
                "currency": refund.currency,
                "reason": refund.reason_code,
                "note": refund.note,
                "already_requested": not created,
            },
            ip_address=ip_address,
        )
        if created:
            enqueue_on_commit(REFUND_JOB, refund.pk)
    return refund


def renewal_refund_execute(*, refund_id: int) -> Refund:
    """Ask the gateway to refund (outside any transaction) and apply its answer."""
    refund = Refund.objects.select_related("payment").get(pk=refund_id)
    result = refund_call_gateway(
        refund_id=refund_id, notify_url=_notify_url(refund.payment.gateway)
    )
    if result is not None:
        renewal_refund_result(refund_id=refund_id, result=result)
    return Refund.objects.get(pk=refund_id)


def renewal_refund_result(*, refund_id: int, result: GatewayResult) -> None:
    """The gateway's answer about a refund. On success, once, for the payment that paid the
    order: data leaves the card in proportion to the money (docs/decisions/0011) — once the
    whole payment is given back, all that is left, and the order becomes refunded — and a
    refund staff asked for is announced to the traveller. A refund that fails tells the
    traveller nothing (no money is coming); it is logged for staff and shown as failed on
    the order in the back office."""
    with transaction.atomic():
        if not refund_mark_result(refund_id=refund_id, result=result):
            refund = Refund.objects.get(pk=refund_id)
            if refund.state == RefundState.FAILED and result.status == ResultStatus.FAILED:
                logger.error(
                    "Refund %s of %s failed at the gateway: %s",
                    refund.public_id,
                    refund.money,
                    refund.error_message or result.error_code,
                )
            return
        refund = Refund.objects.select_related("payment").get(pk=refund_id)
        payment = refund.payment
        if not payment.paid_order:
            return  # a payment the order never kept: no data was granted for it
        order = order_lock(order_id=payment.order_id)
        full = payment_refunded_minor(payment=payment) >= payment.amount_minor
        if full:
            withdrawn = None
            if order_transition(
                order_id=order.pk,
                to_state=OrderState.REFUNDED,
                cause=TransitionCause.SYSTEM,
                details={"refund": str(refund.public_id), "reason": refund.reason},
            ):
                withdrawn = _withdraw(order_lock(order_id=order.pk))
                enqueue_on_commit_if_registered(ORDER_SETTLED_JOB, order.pk)
        else:
            withdrawn = _withdraw_share(order, refund)
        refund_set_withdrawn(refund_id=refund.pk, bytes_withdrawn=withdrawn)
        if refund.reason == STAFF_REFUND_CAUSE:
            refund.bytes_withdrawn = withdrawn
            notify_refund_sent(order=order, refund=refund, full=full)


def _withdraw(order: Order) -> int | None:
    """A refunded order's data leaves the card (the ledger records exactly what was left)
    and the network is told — even when we never created the bucket: the network may have
    applied the request although its answer was lost (withdrawing is idempotent). Returns
    the bytes removed (None: the order put no countable data on the card)."""
    _withdraw_from_network_on_commit(order)
    if order.bucket_id is None:
        return None
    removed = bucket_withdraw(bucket_id=order.bucket_id, now=timezone.now())
    enqueue_on_commit(AUTORENEWAL_JOB, [order.card_id])
    if removed:
        ledger_post_data_reversal(
            key=f"order:{order.public_id}:reversal",
            card_id=order.card_id,
            bytes_removed=removed,
            memo="refund",
        )
    return removed if order.data_bytes is not None else None


def _withdraw_share(order: Order, refund: Refund) -> int | None:
    """A partial refund takes back the same share of the data the order granted, at most
    what is left of it; the window stays (docs/decisions/0011)."""
    wanted = refund_data_share(order=order, amount_minor=refund.amount_minor)
    if wanted is None or order.bucket_id is None:
        return None
    removed = bucket_take_back(bucket_id=order.bucket_id, bytes_wanted=wanted, now=timezone.now())
    enqueue_on_commit(AUTORENEWAL_JOB, [order.card_id])
    if removed:
        ledger_post_data_reversal(
            key=f"refund:{refund.public_id}:data",
            card_id=order.card_id,
            bytes_removed=removed,
            memo=f"partial refund of order {order.public_id}",
        )
    return removed


def _withdraw_from_network_on_commit(order: Order) -> None:
    job = provisioning_withdraw_request(order_id=order.pk)
    enqueue_on_commit(NETWORK_WITHDRAW_JOB, job.pk)
