import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from roamcard.core.money import Money

from .choices import PaymentState, RefundState


class Payment(models.Model):
    """One attempt at a gateway to pay an order. Our public_id is the idempotency key and
    the merchant reference we hand to the gateway."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="payments")
    gateway = models.CharField(_("gateway"), max_length=20)
    method = models.CharField(_("method"), max_length=20)
    amount_minor = models.PositiveBigIntegerField(_("amount (minor units)"))
    currency = models.CharField(_("currency"), max_length=3)
    state = models.CharField(
        _("state"),
        max_length=12,
        choices=PaymentState.choices,
        default=PaymentState.CREATED,
        db_index=True,
    )
    gateway_reference = models.CharField(
        _("gateway reference"), max_length=120, blank=True, db_index=True
    )
    # True for the one payment that paid its order; any other succeeded payment of the same
    # order (a second attempt that also went through) is refunded instead.
    paid_order = models.BooleanField(_("paid the order"), default=False)
    redirect_url = models.URLField(max_length=1000, blank=True)
    qr_code = models.CharField(max_length=500, blank=True)
    error_code = models.CharField(max_length=60, blank=True)
    error_message = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    reconcile_attempts = models.PositiveSmallIntegerField(default=0)
    next_reconcile_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # When the payer's session at the gateway ends: after it, nobody can pay this payment.
    expires_at = models.DateTimeField(_("payer's session ends"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")

    def __str__(self) -> str:
        return f"{self.gateway} {self.public_id} {self.state}"

    @property
    def money(self) -> Money:
        return Money(self.amount_minor, self.currency)


class PaymentEvent(models.Model):
    """Append-only log of everything that happened to a payment (calls, answers, webhooks)."""

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=40)
    state = models.CharField(max_length=12, blank=True)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} ({self.state})"


class Refund(models.Model):
    """Giving back the whole of a payment, to the original method in the original currency."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="refund")
    amount_minor = models.PositiveBigIntegerField()
    currency = models.CharField(max_length=3)
    state = models.CharField(
        max_length=12, choices=RefundState.choices, default=RefundState.CREATED, db_index=True
    )
    reason = models.CharField(max_length=200, blank=True)
    gateway_reference = models.CharField(max_length=120, blank=True)
    error_message = models.CharField(max_length=300, blank=True)
    requested_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")

    def __str__(self) -> str:
        return f"refund {self.public_id} {self.state}"

    @property
    def money(self) -> Money:
        return Money(self.amount_minor, self.currency)


class WebhookDelivery(models.Model):
    """Every notification a gateway sent us, verified or not. Accepted ones are kept exactly
    as received; rejected ones (anyone can post them) only their first bytes, with the size
    and SHA-256 of the whole body."""

    class Outcome(models.TextChoices):
        RECEIVED = "received", _("Received")
        REJECTED = "rejected", _("Rejected (verification failed)")
        DUPLICATE = "duplicate", _("Duplicate")
        PROCESSED = "processed", _("Processed")
        FLAGGED = "flagged", _("Flagged for staff")
        IGNORED = "ignored", _("Ignored")

    gateway = models.CharField(max_length=20)
    event_id = models.CharField(max_length=120, blank=True)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    headers = models.JSONField(default=dict)
    body = models.TextField()
    body_size = models.PositiveBigIntegerField(
        _("body size (bytes)"),
        null=True,
        blank=True,
        help_text=_("Bytes received; for a body refused as too large, the size it announced."),
    )
    body_sha256 = models.CharField(_("body SHA-256"), max_length=64, blank=True)
    event = models.JSONField(default=dict, blank=True, help_text="The verified, parsed event.")
    outcome = models.CharField(max_length=12, choices=Outcome.choices, default=Outcome.RECEIVED)
    reason = models.CharField(max_length=300, blank=True)
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.SET_NULL, related_name="webhooks"
    )
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            # One *accepted* delivery per gateway event: the de-duplication key. Rejected and
            # duplicate deliveries are kept too, without the constraint.
            models.UniqueConstraint(
                fields=["gateway", "event_id"],
                condition=models.Q(outcome__in=["received", "processed", "flagged", "ignored"]),
                name="one_accepted_delivery_per_event",
            )
        ]

    def __str__(self) -> str:
        return f"{self.gateway} {self.event_id or '?'} {self.outcome}"
