from django.db import models
from django.utils.translation import gettext_lazy as _


class PaymentState(models.TextChoices):
    CREATED = "created", _("Created")  # recorded, the gateway not yet asked
    PENDING = "pending", _("Waiting for the payer")
    UNKNOWN = "unknown", _("Outcome unknown")  # a timeout or gateway error: reconcile
    # A charge made without the payer that the gateway wants them to confirm (3-D Secure).
    REQUIRES_ACTION = "requires_action", _("Waiting for the payer's confirmation")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


_OPEN = frozenset(
    {
        PaymentState.CREATED,
        PaymentState.PENDING,
        PaymentState.UNKNOWN,
        PaymentState.REQUIRES_ACTION,
    }
)

# Which states a payment may move to from each state; anything else is refused. A
# succeeded payment never moves again (a refund is a Refund of its own). A failed one moves
# only to succeeded: when the gateway says the money was taken after all (a payer who
# finished an abandoned payment before the gateway closed it), the gateway's word about
# money wins, and the renewal flow refunds it.
PAYMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    PaymentState.CREATED: _OPEN | {PaymentState.SUCCEEDED, PaymentState.FAILED},
    PaymentState.PENDING: _OPEN | {PaymentState.SUCCEEDED, PaymentState.FAILED},
    PaymentState.UNKNOWN: _OPEN | {PaymentState.SUCCEEDED, PaymentState.FAILED},
    PaymentState.REQUIRES_ACTION: _OPEN | {PaymentState.SUCCEEDED, PaymentState.FAILED},
    PaymentState.FAILED: frozenset({PaymentState.SUCCEEDED}),
    PaymentState.SUCCEEDED: frozenset(),
}

# The gateway has given its answer; only a late success can still move a failed payment.
FINAL_PAYMENT_STATES = frozenset({PaymentState.SUCCEEDED, PaymentState.FAILED})
OPEN_PAYMENT_STATES = _OPEN


class RefundState(models.TextChoices):
    CREATED = "created", _("Created")
    PENDING = "pending", _("Processing")
    UNKNOWN = "unknown", _("Outcome unknown")
    SUCCEEDED = "succeeded", _("Refunded")
    FAILED = "failed", _("Failed")


FINAL_REFUND_STATES = frozenset({RefundState.SUCCEEDED, RefundState.FAILED})
