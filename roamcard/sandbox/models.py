"""The sandbox gateway's own records. It plays a payment vendor: it keeps its charges,
refunds and notifications apart from our orders and payments, as a real vendor would."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


def _charge_id() -> str:
    return f"ch_{uuid.uuid4().hex[:24]}"


def _event_id() -> str:
    return f"evt_{uuid.uuid4().hex[:24]}"


def _refund_id() -> str:
    return f"re_{uuid.uuid4().hex[:24]}"


class SandboxCharge(models.Model):
    class Status(models.TextChoices):
        REQUIRES_PAYMENT = "requires_payment", _("Waiting for the payer")
        REQUIRES_ACTION = "requires_action", _("Waiting for the bank's confirmation")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    id = models.CharField(primary_key=True, max_length=32, default=_charge_id, editable=False)
    merchant_payment_id = models.CharField(max_length=64, unique=True)
    amount_minor = models.PositiveBigIntegerField()
    currency = models.CharField(max_length=3)
    method = models.CharField(max_length=20)
    description = models.CharField(max_length=200, blank=True)
    language = models.CharField(max_length=10, default="en")
    return_url = models.URLField(max_length=1000)
    notify_url = models.URLField(max_length=1000)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.REQUIRES_PAYMENT
    )
    failure_code = models.CharField(max_length=40, blank=True)
    failure_message = models.CharField(max_length=200, blank=True)
    card_last4 = models.CharField(max_length=4, blank=True)
    lose_notification = models.BooleanField(default=False)
    # The payer's deadline: after it the pay page refuses and the charge expires.
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.id


class SandboxRefund(models.Model):
    id = models.CharField(primary_key=True, max_length=32, default=_refund_id, editable=False)
    merchant_refund_id = models.CharField(max_length=64, unique=True)
    charge = models.OneToOneField(SandboxCharge, on_delete=models.CASCADE, related_name="refund")
    amount_minor = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.id


class SandboxEvent(models.Model):
    """A notification the sandbox owes the merchant, delivered with retries."""

    id = models.CharField(primary_key=True, max_length=32, default=_event_id, editable=False)
    type = models.CharField(max_length=40)
    charge = models.ForeignKey(SandboxCharge, on_delete=models.CASCADE, related_name="events")
    payload = models.JSONField()
    delivered_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.id} {self.type}"
