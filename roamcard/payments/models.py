import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from roamcard.core.money import Money

from .choices import OPEN_PAYMENT_STATES, PaymentState, RefundReason, RefundState


class SavedPaymentMethod(models.Model):
    """A payment method a traveller saved at a gateway so that it can be charged later
    without them (automatic renewal). We keep the gateway's token for it and what the
    traveller recognises it by; never a card number (docs/decisions/0009)."""

    class State(models.TextChoices):
        ACTIVE = "active", _("Active")
        REMOVED = "removed", _("Removed")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="saved_payment_methods"
    )
    gateway = models.CharField(_("gateway"), max_length=20)
    method = models.CharField(_("method"), max_length=20)
    # The gateway's handle for the method: a Stripe PaymentMethod, an Alipay agreement number.
    token = models.CharField(_("gateway token"), max_length=200)
    # The gateway's customer the method belongs to (Stripe's cus_...), where it has one.
    customer_ref = models.CharField(_("gateway customer"), max_length=120, blank=True)
    label = models.CharField(_("label"), max_length=100, blank=True)
    brand = models.CharField(_("brand"), max_length=30, blank=True)
    expires_month = models.PositiveSmallIntegerField(_("expiry month"), null=True, blank=True)
    expires_year = models.PositiveSmallIntegerField(_("expiry year"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.ACTIVE)
    created_at = models.DateTimeField(_("added"), auto_now_add=True)
    removed_at = models.DateTimeField(_("removed"), null=True, blank=True)
    # Removing is ours at once (nothing is charged to a removed method); the gateway is told
    # after, and asked again until it confirms.
    vendor_removed_at = models.DateTimeField(_("removed at the gateway"), null=True, blank=True)
    vendor_removal_attempts = models.PositiveSmallIntegerField(default=0)
    next_vendor_removal_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("saved payment method")
        verbose_name_plural = _("saved payment methods")
        constraints = [
            models.UniqueConstraint(fields=["gateway", "token"], name="one_method_per_token")
        ]
        indexes = [models.Index(fields=["user", "state"], name="saved_method_user_state")]

    def __str__(self) -> str:
        return f"{self.gateway} {self.label or self.method} ({self.state})"


class PaymentSetup(models.Model):
    """A traveller saving a payment method: the setup they complete at the gateway (a card
    form, an agreement to sign), until it saved a method or failed. Our public_id is the
    gateway's idempotency key for it."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for the traveller")
        SUCCEEDED = "succeeded", _("Saved")
        FAILED = "failed", _("Failed")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payment_setups"
    )
    gateway = models.CharField(_("gateway"), max_length=20)
    method = models.CharField(_("method"), max_length=20)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    reference = models.CharField(_("gateway reference"), max_length=120, blank=True)
    redirect_url = models.URLField(max_length=2000, blank=True)
    customer_ref = models.CharField(_("gateway customer"), max_length=120, blank=True)
    error_code = models.CharField(max_length=60, blank=True)
    error_message = models.CharField(max_length=300, blank=True)
    # When the traveller's session at the gateway ends; after it, one last question.
    expires_at = models.DateTimeField(_("traveller's session ends"), null=True, blank=True)
    next_check_at = models.DateTimeField(null=True, blank=True, db_index=True)
    check_attempts = models.PositiveSmallIntegerField(default=0)
    # What it saved. Several setups may name one method: a wallet that answers a second
    # signing with the agreement the traveller already has.
    saved_method = models.ForeignKey(
        SavedPaymentMethod,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="setups",
        verbose_name=_("saved payment method"),
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("payment method setup")
        verbose_name_plural = _("payment method setups")

    def __str__(self) -> str:
        return f"{self.gateway} {self.method} setup {self.public_id} {self.state}"


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
        max_length=20,
        choices=PaymentState.choices,
        default=PaymentState.CREATED,
        db_index=True,
    )
    gateway_reference = models.CharField(
        _("gateway reference"), max_length=120, blank=True, db_index=True
    )
    # A charge to a saved method, made without the traveller (automatic renewal).
    saved_method = models.ForeignKey(
        SavedPaymentMethod,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments",
        verbose_name=_("saved payment method"),
    )
    off_session = models.BooleanField(_("without the traveller"), default=False)
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
        constraints = [
            # Charging a saved method twice at once for the same order makes one charge:
            # the second finds the first still open.
            models.UniqueConstraint(
                fields=["order"],
                condition=models.Q(off_session=True, state__in=sorted(OPEN_PAYMENT_STATES)),
                name="one_open_off_session_payment_per_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.gateway} {self.public_id} {self.state}"

    @property
    def money(self) -> Money:
        return Money(self.amount_minor, self.currency)


class PaymentEvent(models.Model):
    """Append-only log of everything that happened to a payment (calls, answers, webhooks)."""

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=40)
    state = models.CharField(max_length=20, blank=True)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} ({self.state})"


class Refund(models.Model):
    """Giving back all or part of a payment, to the original method in the original
    currency. A payment may have several; the refunds not failed never add up to more than
    it took (refund_record checks under the payment's lock). Our public_id is the
    gateway's idempotency key (docs/decisions/0011)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount_minor = models.PositiveBigIntegerField(_("amount (minor units)"))
    currency = models.CharField(_("currency"), max_length=3)
    state = models.CharField(
        _("state"),
        max_length=12,
        choices=RefundState.choices,
        default=RefundState.CREATED,
        db_index=True,
    )
    reason_code = models.CharField(
        _("reason"), max_length=20, choices=RefundReason.choices, blank=True, db_default=""
    )
    # Staff's own words: internal, never shown to the traveller.
    note = models.CharField(_("note"), max_length=500, blank=True, db_default="")
    # What asked for it, in the system's words ("refunded by staff", "provisioning failed").
    reason = models.CharField(_("cause"), max_length=200, blank=True)
    # Who asked, with what: a second request with the same key is the first (a double submit).
    idempotency_key = models.CharField(max_length=100, blank=True, db_default="")
    gateway_reference = models.CharField(max_length=120, blank=True)
    error_message = models.CharField(max_length=300, blank=True)
    # The data this refund took off the card, once it succeeded (null: none was due).
    bytes_withdrawn = models.BigIntegerField(_("data withdrawn (bytes)"), null=True, blank=True)
    requested_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        constraints = [
            models.UniqueConstraint(
                fields=["idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="refund_idempotency_key",
            )
        ]

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
