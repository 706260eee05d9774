"""Reading payments for travellers' eyes."""

from django.utils.translation import gettext_lazy as _

from roamcard.orders.models import Order

from .choices import PaymentState
from .models import Payment

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
    "expired_card": _("Your card has expired."),
}
_GENERAL_FAILURE = _("The payment did not go through.")


def payment_failure_text(*, payment: Payment | None) -> str:
    if payment is None:
        return str(_GENERAL_FAILURE)
    text = _FAILURE_TEXTS.get(payment.error_code)
    return str(text or payment.error_message or _GENERAL_FAILURE)


def payment_last_failed(*, order: Order) -> Payment | None:
    return order.payments.filter(state=PaymentState.FAILED).order_by("-created_at", "-id").first()


def payment_get_for(*, user, public_id) -> Payment | None:
    """One of the traveller's own payments; None for anyone else's, so ids reveal nothing."""
    return (
        Payment.objects.filter(public_id=public_id, order__user=user)
        .select_related("order")
        .first()
    )
