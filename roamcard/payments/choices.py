from django.db import models
from django.utils.translation import gettext_lazy as _


class PaymentState(models.TextChoices):
    CREATED = "created", _("Created")  # recorded, the gateway not yet asked
    PENDING = "pending", _("Waiting for the payer")
    UNKNOWN = "unknown", _("Outcome unknown")  # a timeout or gateway error: reconcile
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


# Once there, a payment never moves again (a refund is a Refund of its own).
FINAL_PAYMENT_STATES = frozenset({PaymentState.SUCCEEDED, PaymentState.FAILED})


class RefundState(models.TextChoices):
    CREATED = "created", _("Created")
    PENDING = "pending", _("Processing")
    UNKNOWN = "unknown", _("Outcome unknown")
    SUCCEEDED = "succeeded", _("Refunded")
    FAILED = "failed", _("Failed")
