from django.db import models
from django.utils.translation import gettext_lazy as _


class OrderState(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", _("Waiting for payment")
    PAID = "paid", _("Paid, renewing")
    FULFILLED = "fulfilled", _("Renewed")
    PAYMENT_FAILED = "payment_failed", _("Payment failed")
    CANCELLED = "cancelled", _("Cancelled")
    REFUNDED = "refunded", _("Refunded")


# Which states an order may move to from each state. Anything else is refused.
TRANSITIONS: dict[str, frozenset[str]] = {
    OrderState.PENDING_PAYMENT: frozenset(
        {OrderState.PAID, OrderState.PAYMENT_FAILED, OrderState.CANCELLED}
    ),
    OrderState.PAYMENT_FAILED: frozenset(
        {OrderState.PENDING_PAYMENT, OrderState.PAID, OrderState.CANCELLED}
    ),
    OrderState.PAID: frozenset({OrderState.FULFILLED, OrderState.REFUNDED}),
    OrderState.FULFILLED: frozenset({OrderState.REFUNDED}),
    OrderState.CANCELLED: frozenset(),
    OrderState.REFUNDED: frozenset(),
}

# States in which no payment can be applied to the order any more.
CLOSED_STATES = frozenset({OrderState.CANCELLED, OrderState.REFUNDED})


class TransitionCause(models.TextChoices):
    TRAVELLER = "traveller", _("traveller")
    WEBHOOK = "webhook", _("gateway notification")
    RETURN = "return", _("traveller returned from the gateway")
    RECONCILE = "reconcile", _("reconciliation with the gateway")
    PROVISIONING = "provisioning", _("provisioning")
    JANITOR = "janitor", _("janitor")
    STAFF = "staff", _("staff")
    SYSTEM = "system", _("system")
