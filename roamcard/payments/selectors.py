"""Reading payments and saved payment methods: for travellers' eyes, and for the flows that
drive them on."""

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from .choices import FINAL_REFUND_STATES, OPEN_PAYMENT_STATES, PaymentState, RefundState
from .gateways.base import PaymentMethod
from .models import Payment, PaymentSetup, Refund, SavedPaymentMethod, WebhookDelivery

# What a traveller reads for the failures gateways report most, in their own language;
# anything else shows the gateway's own words (usually English) or a general sentence.
_FAILURE_TEXTS = {
    "card_declined": _("Your card was declined. Try another card or another way to pay."),
    "insufficient_funds": _(
        "Your card has insufficient funds. Try another card or another way to pay."
    ),
    "authentication_failed": _("The payment was not confirmed with your bank."),
    "payer_cancelled": _("The payment was cancelled in the wallet app."),
    "abandoned": _("The payment was not completed in time."),
    # A gateway's own words for the same: the payer's time ran out, or we closed it.
    "expired": _("The payment was not completed in time."),
    "closed": _("The payment was not completed in time."),
    "expired_card": _("Your card has expired."),
    # A charge to a saved method, made without the traveller.
    "authentication_required": _("Your bank wants you to confirm this payment."),
    "payment_method_unusable": _(
        "The saved payment method can no longer be charged. Add it again or pay another way."
    ),
    "insufficient_balance": _("Your wallet balance is too low. Top it up or pay another way."),
    "ACQ.BUYER_BALANCE_NOT_ENOUGH": _(
        "Your Alipay balance is too low. Top it up or pay another way."
    ),
    "ACQ.AGREEMENT_NOT_EXIST": _(
        "Your Alipay automatic deduction agreement has ended. Add it again or pay another way."
    ),
    "ACQ.AGREEMENT_INVALID": _(
        "Your Alipay automatic deduction agreement has ended. Add it again or pay another way."
    ),
    "ACQ.AGREEMENT_STATUS_NOT_NORMAL": _(
        "Your Alipay automatic deduction agreement is suspended. Add it again or pay another way."
    ),
}
_GENERAL_FAILURE = _("The payment did not go through.")


def payment_failure_text(*, payment: Payment | None) -> str:
    if payment is None:
        return str(_GENERAL_FAILURE)
    text = _FAILURE_TEXTS.get(payment.error_code)
    return str(text or payment.error_message or _GENERAL_FAILURE)


def payments_of_order(*, order_id: int) -> QuerySet[Payment]:
    """Every attempt to pay an order, newest first."""
    return Payment.objects.filter(order_id=order_id).order_by("-created_at", "-id")


def payment_latest(*, order_id: int) -> Payment | None:
    return payments_of_order(order_id=order_id).first()


def payment_last_failed(*, order_id: int) -> Payment | None:
    return payments_of_order(order_id=order_id).filter(state=PaymentState.FAILED).first()


def payment_that_paid(*, order_id: int) -> Payment | None:
    return Payment.objects.filter(order_id=order_id, paid_order=True).first()


def payment_of_order(*, order_id: int, public_id: Any) -> Payment | None:
    try:
        return Payment.objects.filter(order_id=order_id, public_id=public_id).first()
    except (ValueError, TypeError):
        return None


def refund_of_order(*, order_id: int) -> Refund | None:
    """The latest refund of the payment that paid the order, else of any other payment of
    it (one that arrived after the order was cancelled or already paid)."""
    return refunds_of_order(order_id=order_id).first()


def refunds_of_order(*, order_id: int) -> QuerySet[Refund]:
    """Every refund of an order's payments: those of the payment that paid it first, newest
    first."""
    return (
        Refund.objects.filter(payment__order_id=order_id)
        .select_related("payment", "payment__saved_method", "requested_by")
        .order_by("-payment__paid_order", "-created_at", "-id")
    )


def refunds_of_payment(*, payment_id: int) -> QuerySet[Refund]:
    """A payment's refunds, newest first."""
    return Refund.objects.filter(payment_id=payment_id).order_by("-created_at", "-id")


def payment_refundable_minor(*, payment: Payment) -> int:
    """What a succeeded payment can still give back: what it took, less its refunds that
    have not failed (0 for a payment that took nothing)."""
    if payment.state != PaymentState.SUCCEEDED:
        return 0
    asked = (
        Refund.objects.filter(payment_id=payment.pk)
        .exclude(state=RefundState.FAILED)
        .aggregate(total=Sum("amount_minor"))["total"]
        or 0
    )
    return max(0, payment.amount_minor - asked)


def payment_refunded_minor(*, payment: Payment) -> int:
    """What the gateway has confirmed giving back of a payment."""
    return (
        Refund.objects.filter(payment_id=payment.pk, state=RefundState.SUCCEEDED).aggregate(
            total=Sum("amount_minor")
        )["total"]
        or 0
    )


def payment_for_event(*, gateway: str, event: dict[str, Any]) -> Payment | None:
    payments = Payment.objects.filter(gateway=gateway)
    try:
        if event.get("payment_id"):
            return payments.filter(public_id=event["payment_id"]).first()
        if event.get("reference"):
            return payments.filter(gateway_reference=event["reference"]).first()
    except (ValueError, TypeError, ValidationError):  # not a UUID: not one of ours
        return None
    return None


def refund_for_event(*, gateway: str, event: dict[str, Any]) -> Refund | None:
    """The refund a notification is about: by our refund id; else by the gateway's id for
    it; else (a vendor that names only the payment) the payment's oldest refund still
    waiting for an answer, or its latest."""
    refunds = Refund.objects.filter(payment__gateway=gateway).select_related("payment")
    try:
        if event.get("refund_id"):
            return refunds.filter(public_id=event["refund_id"]).first()
        if event.get("reference"):
            found = refunds.filter(gateway_reference=event["reference"]).first()
            if found is not None:
                return found
        if event.get("payment_id"):
            of_payment = refunds.filter(payment__public_id=event["payment_id"])
            waiting = of_payment.exclude(state__in=FINAL_REFUND_STATES).order_by("created_at", "id")
            return waiting.first() or of_payment.order_by("-created_at", "-id").first()
    except (ValueError, TypeError, ValidationError):
        return None
    return None


# --- what the janitor drives on -------------------------------------------------------------


def payments_to_reconcile(*, now: datetime) -> QuerySet[Payment]:
    """Open payments whose next look at the gateway is due (or that never got one: a crash
    between recording and asking), and closed ones still watched for a late success."""
    return Payment.objects.filter(
        Q(state__in=OPEN_PAYMENT_STATES, next_reconcile_at__lte=now)
        | Q(
            state__in=OPEN_PAYMENT_STATES,
            next_reconcile_at__isnull=True,
            created_at__lte=now - timedelta(seconds=30),
        )
        | Q(state=PaymentState.FAILED, next_reconcile_at__lte=now)
    )


def refunds_to_retry(*, now: datetime) -> QuerySet[Refund]:
    return Refund.objects.filter(
        state__in=[RefundState.CREATED, RefundState.UNKNOWN, RefundState.PENDING],
        updated_at__lte=now - timedelta(seconds=30),
    )


def webhook_deliveries_unprocessed(*, now: datetime) -> QuerySet[WebhookDelivery]:
    """Stored and acknowledged notifications whose processing job was lost."""
    return WebhookDelivery.objects.filter(
        outcome=WebhookDelivery.Outcome.RECEIVED, received_at__lte=now - timedelta(seconds=30)
    )


def payments_past_payer_deadline(*, now: datetime) -> QuerySet[Payment]:
    """Open payments whose payer's time is up (the gateway's session, else our window, plus
    a grace period): to be closed at the gateway."""
    grace = timedelta(seconds=settings.PAYMENT_CLOSE_GRACE_SECONDS)
    window = timedelta(seconds=settings.PAYMENT_PAYER_WINDOW_SECONDS)
    return Payment.objects.filter(state__in=OPEN_PAYMENT_STATES).filter(
        Q(expires_at__lte=now - grace)
        | Q(expires_at__isnull=True, created_at__lte=now - window - grace)
    )


def payment_get_for(*, user: Any, public_id: Any) -> Payment | None:
    """One of the traveller's own payments; None for anyone else's, so ids reveal nothing."""
    return (
        Payment.objects.filter(public_id=public_id, order__user=user)
        .select_related("order")
        .first()
    )


# --- saved payment methods ------------------------------------------------------------------

_WALLET_AGREEMENTS = {
    PaymentMethod.ALIPAY: _("Alipay automatic deduction"),
    PaymentMethod.WECHAT_PAY: _("WeChat Pay automatic deduction"),
}


def saved_method_display(method: SavedPaymentMethod) -> str:
    """What a traveller reads for a saved method, in their language: "Visa •••• 4242",
    "Alipay automatic deduction · 138******00"."""
    agreement = _WALLET_AGREEMENTS.get(method.method)
    if agreement is None:
        return method.label
    return f"{agreement} · {method.label}" if method.label else str(agreement)


def saved_method_expiry(method: SavedPaymentMethod) -> str:
    """A card's expiry as written on it, "08/2031"; "" when the gateway gave none."""
    if not (method.expires_month and method.expires_year):
        return ""
    return f"{method.expires_month:02d}/{method.expires_year}"


_SETUP_FAILURES = {
    "card_declined": _("Your card was declined. Try another card."),
    "expired": _("The payment method was not added in time."),
    "payer_cancelled": _("The agreement was not signed."),
    "not_supported": _("This payment method cannot be saved for automatic renewal."),
}
_GENERAL_SETUP_FAILURE = _("The payment method could not be added.")


def payment_setup_failure_text(*, setup: PaymentSetup) -> str:
    """Why a setup failed, in the traveller's language ("" for one that has not)."""
    if setup.state != PaymentSetup.State.FAILED:
        return ""
    return str(_SETUP_FAILURES.get(setup.error_code) or _GENERAL_SETUP_FAILURE)


def saved_methods_of(*, user: Any) -> QuerySet[SavedPaymentMethod]:
    """A traveller's methods that can be charged, newest first."""
    return SavedPaymentMethod.objects.filter(user=user, state=SavedPaymentMethod.State.ACTIVE)


def saved_method_get_for(*, user: Any, public_id: Any) -> SavedPaymentMethod | None:
    """One of the traveller's own methods (removed ones too); None for anyone else's."""
    try:
        return SavedPaymentMethod.objects.filter(user=user, public_id=public_id).first()
    except (ValueError, TypeError, ValidationError):
        return None


def payment_setup_get_for(*, user: Any, public_id: Any) -> PaymentSetup | None:
    try:
        return (
            PaymentSetup.objects.filter(user=user, public_id=public_id)
            .select_related("saved_method")
            .first()
        )
    except (ValueError, TypeError, ValidationError):
        return None


def gateway_customer_of(*, user: Any, gateway: str) -> str:
    """The gateway's customer for this traveller, from their latest setup there that has
    one: their next method goes to the same customer."""
    return (
        PaymentSetup.objects.filter(user=user, gateway=gateway)
        .exclude(customer_ref="")
        .values_list("customer_ref", flat=True)
        .first()
        or ""
    )


def payment_setups_to_check(*, now: datetime) -> QuerySet[PaymentSetup]:
    """Setups still waiting whose next look at the gateway is due (or that never got one:
    a crash between recording and asking)."""
    return PaymentSetup.objects.filter(state=PaymentSetup.State.PENDING).filter(
        Q(next_check_at__lte=now)
        | Q(next_check_at__isnull=True, created_at__lte=now - timedelta(seconds=30))
    )


def saved_methods_to_remove_at_gateway(*, now: datetime) -> QuerySet[SavedPaymentMethod]:
    """Removed methods the gateway has not confirmed forgetting, due to be asked again."""
    return SavedPaymentMethod.objects.filter(
        state=SavedPaymentMethod.State.REMOVED,
        vendor_removed_at__isnull=True,
        next_vendor_removal_at__lte=now,
    )
