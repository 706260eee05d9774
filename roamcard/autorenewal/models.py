import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from roamcard.core.money import Money

from .choices import (
    OPEN_STATES,
    AttemptOutcome,
    OffReason,
    RenewalStart,
    RenewalState,
    SkipReason,
    TriggerKind,
)


class RenewalPolicy(models.Model):
    """A traveller's rule for renewing one card by itself (docs/decisions/0010): which plan,
    paid how, when (data left at or below a share or an amount, validity ending within some
    hours), starting when, within which caps, announced how long before the charge.

    The card is the key: one policy per card. `user` is who set it up and whose saved
    method pays; a card bound to someone else is never charged to them."""

    card = models.OneToOneField(
        "cards.Card",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="renewal_policy",
        verbose_name=_("card"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("traveller"),
    )
    enabled = models.BooleanField(_("on"), default=False)
    plan = models.ForeignKey(
        "catalog.Plan",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("plan"),
    )
    currency = models.CharField(_("currency"), max_length=3)
    saved_method = models.ForeignKey(
        "payments.SavedPaymentMethod",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("payment method"),
    )
    starts = models.CharField(
        _("starts"), max_length=10, choices=RenewalStart.choices, default=RenewalStart.QUEUED
    )
    # The trigger: any of the three that is set.
    trigger_percent = models.PositiveSmallIntegerField(
        _("when data left is at or below (%)"), null=True, blank=True, default=10
    )
    trigger_mb = models.PositiveIntegerField(
        _("when data left is at or below (MB)"), null=True, blank=True
    )
    trigger_hours = models.PositiveSmallIntegerField(
        _("when validity ends within (hours)"), null=True, blank=True, default=24
    )
    max_renewals = models.PositiveSmallIntegerField(
        _("at most this many automatic renewals in 30 days"), default=3
    )
    monthly_limit_minor = models.PositiveBigIntegerField(
        _("spending limit per calendar month (minor units)"), null=True, blank=True
    )
    notice_minutes = models.PositiveSmallIntegerField(
        _("notice before the charge (minutes)"), default=60
    )
    # The next time the policy must be looked at: now when a threshold is met, else when
    # the validity trigger will fire; null when nothing can fire (or it is off). The sweep
    # reads it through a partial index, never scanning every policy.
    due_at = models.DateTimeField(_("next check"), null=True, blank=True)
    off_reason = models.CharField(
        _("switched off because"), max_length=20, choices=OffReason.choices, blank=True
    )
    off_at = models.DateTimeField(_("switched off at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("automatic renewal policy")
        verbose_name_plural = _("automatic renewal policies")
        indexes = [
            models.Index(
                fields=["due_at"],
                condition=models.Q(due_at__isnull=False),
                name="renewal_policy_due",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(enabled=True) | models.Q(due_at__isnull=True),
                name="renewal_policy_off_never_due",
            ),
            models.CheckConstraint(
                condition=models.Q(trigger_percent__isnull=False)
                | models.Q(trigger_mb__isnull=False)
                | models.Q(trigger_hours__isnull=False),
                name="renewal_policy_has_a_trigger",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.card_id}: {'on' if self.enabled else 'off'}"

    @property
    def monthly_limit(self) -> Money | None:
        if self.monthly_limit_minor is None:
            return None
        return Money(self.monthly_limit_minor, self.currency)


class AutoRenewal(models.Model):
    """One automatic renewal: a trigger met on one of a card's buckets, announced, charged
    once (with retries), or skipped with the reason. Unique per card, bucket and trigger,
    so however many jobs see the same threshold crossed, one record is made and one order
    charged; and a card has at most one open at a time."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    card = models.ForeignKey(
        "cards.Card", on_delete=models.CASCADE, related_name="auto_renewals", verbose_name=_("card")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("traveller"),
    )
    # The bucket the trigger was met on: the live one being used when the data ran low,
    # the last one of the coverage when its validity was ending.
    bucket = models.ForeignKey(
        "cards.Bucket", on_delete=models.CASCADE, related_name="+", verbose_name=_("bucket")
    )
    trigger = models.CharField(_("trigger"), max_length=10, choices=TriggerKind.choices)
    # What the coverage had when the trigger was met.
    bytes_remaining = models.BigIntegerField(_("data left"), null=True, blank=True)
    coverage_ends_at = models.DateTimeField(_("coverage ended at"), null=True, blank=True)
    # What will be (or was) bought, as announced in the notice.
    plan = models.ForeignKey(
        "catalog.Plan", on_delete=models.PROTECT, related_name="+", verbose_name=_("plan")
    )
    amount_minor = models.PositiveBigIntegerField(_("amount (minor units)"))
    currency = models.CharField(_("currency"), max_length=3)
    starts = models.CharField(_("starts"), max_length=10, choices=RenewalStart.choices)
    state = models.CharField(
        _("state"), max_length=16, choices=RenewalState.choices, default=RenewalState.SCHEDULED
    )
    skipped_reason = models.CharField(
        _("why it was not charged"), max_length=20, choices=SkipReason.choices, blank=True
    )
    order = models.OneToOneField(
        "orders.Order",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="auto_renewal",
        verbose_name=_("order"),
    )
    # When the next charge is due: the end of the notice, then each retry's time.
    charge_at = models.DateTimeField(_("charge at"))
    # When the sweep takes it up next (a charge, a retry, a look at a payment under way);
    # null once it is finished. Read through a partial index.
    next_step_at = models.DateTimeField(_("next step at"), null=True, blank=True)
    # When the traveller was told it is coming (or it was decided to say nothing): the
    # first step of every automatic renewal.
    announced_at = models.DateTimeField(_("announced at"), null=True, blank=True)
    created_at = models.DateTimeField(_("triggered at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("automatic renewal")
        verbose_name_plural = _("automatic renewals")
        constraints = [
            models.UniqueConstraint(
                fields=["card", "bucket", "trigger"], name="one_auto_renewal_per_trigger"
            ),
            models.UniqueConstraint(
                fields=["card"],
                condition=models.Q(state__in=sorted(OPEN_STATES)),
                name="one_open_auto_renewal_per_card",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_step_at"],
                condition=models.Q(next_step_at__isnull=False),
                name="auto_renewal_next_step",
            ),
            models.Index(fields=["card", "-created_at"], name="auto_renewal_card_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.card_id} {self.trigger} {self.state}"

    @property
    def idempotency_key(self) -> str:
        """The order's idempotency key: however often the charge step runs, one order."""
        return f"auto-renewal:{self.public_id}"

    @property
    def money(self) -> Money:
        return Money(self.amount_minor, self.currency)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class AutoRenewalAttempt(models.Model):
    """One charge of an automatic renewal's order with the saved method: the first, or a
    retry after a decline."""

    renewal = models.ForeignKey(AutoRenewal, on_delete=models.CASCADE, related_name="attempt_set")
    number = models.PositiveSmallIntegerField(_("attempt"))
    payment = models.ForeignKey(
        "payments.Payment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("payment"),
    )
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=AttemptOutcome.choices, default=AttemptOutcome.PENDING
    )
    error_code = models.CharField(_("error code"), max_length=60, blank=True)
    error_message = models.CharField(_("error"), max_length=300, blank=True)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["renewal", "number"]
        verbose_name = _("payment attempt")
        verbose_name_plural = _("payment attempts")
        constraints = [
            models.UniqueConstraint(fields=["renewal", "number"], name="one_attempt_per_number")
        ]

    def __str__(self) -> str:
        return f"{self.renewal_id} #{self.number} {self.outcome}"
