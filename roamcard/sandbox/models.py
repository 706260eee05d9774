"""The sandbox gateway's own records. It plays a payment vendor: it keeps its charges,
refunds, saved payment methods and notifications apart from our orders and payments, as a
real vendor would."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


def _charge_id() -> str:
    return f"ch_{uuid.uuid4().hex[:24]}"


def _event_id() -> str:
    return f"evt_{uuid.uuid4().hex[:24]}"


def _refund_id() -> str:
    return f"re_{uuid.uuid4().hex[:24]}"


def mandate_id(method: str) -> str:
    """A saved card is a "payment method" (pm_), a wallet's an agreement (agr_)."""
    return f"{'pm' if method == 'card' else 'agr'}_{uuid.uuid4().hex[:24]}"


def customer_id() -> str:
    return f"cus_{uuid.uuid4().hex[:24]}"


class SandboxMandate(models.Model):
    """A payment method a payer saved at the sandbox for the shop to charge later without
    them: a test card (only its last four digits, brand and expiry are kept) or a signed
    Alipay / WeChat Pay deduction agreement. What later charges do is the test card's (or,
    for an agreement, what the tester chose when signing)."""

    class Status(models.TextChoices):
        REQUIRES_PAYER = "requires_payer", _("Waiting for the payer")
        ACTIVE = "active", _("Saved")
        FAILED = "failed", _("Not saved")
        REVOKED = "revoked", _("Removed")

    class Behaviour(models.TextChoices):
        SUCCEED = "succeed", _("Later charges succeed")
        DECLINE = "decline", _("Later charges are declined")
        INSUFFICIENT_FUNDS = "insufficient_funds", _("Later charges fail: insufficient funds")
        ACTION = "action", _("Later charges need the payer's confirmation")

    id = models.CharField(primary_key=True, max_length=32, editable=False)
    merchant_setup_id = models.CharField(max_length=64, unique=True)
    customer = models.CharField(max_length=40)
    method = models.CharField(max_length=20)
    language = models.CharField(max_length=10, default="en")
    return_url = models.URLField(max_length=1000)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.REQUIRES_PAYER)
    behaviour = models.CharField(
        max_length=20, choices=Behaviour.choices, default=Behaviour.SUCCEED
    )
    card_brand = models.CharField(max_length=20, blank=True)
    card_last4 = models.CharField(max_length=4, blank=True)
    exp_month = models.PositiveSmallIntegerField(null=True, blank=True)
    exp_year = models.PositiveSmallIntegerField(null=True, blank=True)
    failure_code = models.CharField(max_length=40, blank=True)
    failure_message = models.CharField(max_length=200, blank=True)
    # The payer's deadline to complete the setup.
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.id


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
    # Set for a charge to a saved method, made without the payer (off-session).
    mandate = models.ForeignKey(
        SandboxMandate, null=True, blank=True, on_delete=models.PROTECT, related_name="charges"
    )
    # The payer's deadline: after it the pay page refuses and the charge expires.
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.id


class SandboxRefund(models.Model):
    id = models.CharField(primary_key=True, max_length=32, default=_refund_id, editable=False)
    merchant_refund_id = models.CharField(max_length=64, unique=True)
    # A charge may be refunded in several parts, never more than it took in all.
    charge = models.ForeignKey(SandboxCharge, on_delete=models.CASCADE, related_name="refunds")
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
