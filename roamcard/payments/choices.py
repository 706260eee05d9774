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


class RefundReason(models.TextChoices):
    """Why money went back. Staff choose one of the first six; the traveller reads its label
    in their language (never the staff's note, which may be internal). The last two are the
    renewal flow's own: a plan the network could not apply, a payment it could not keep."""

    NOT_APPLIED = "not_applied", _("The plan was not applied (a network problem)")
    NOT_USED = "not_used", _("The plan was not used")
    MISTAKE = "mistake", _("Bought by mistake or twice")
    SERVICE_QUALITY = "service_quality", _("The service was not good enough")
    GOODWILL = "goodwill", _("A goodwill gesture")
    OTHER = "other", _("Other")
    PAYMENT_NOT_KEPT = "payment_not_kept", _("A payment that could not be applied")


# The reasons staff may choose from.
STAFF_REFUND_REASONS = tuple(
    reason for reason in RefundReason if reason != RefundReason.PAYMENT_NOT_KEPT
)
