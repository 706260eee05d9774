import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from roamcard.cards.choices import StartMode
from roamcard.core.locales import translation_pick
from roamcard.core.money import Money

from .choices import OrderState


class Order(models.Model):
    """A traveller buys a plan for a card. What was bought is copied from the plan, so a
    later change to the catalogue never changes an order."""

    public_id = models.UUIDField(_("order number"), default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders"
    )
    card = models.ForeignKey("cards.Card", on_delete=models.PROTECT, related_name="orders")
    plan = models.ForeignKey("catalog.Plan", on_delete=models.PROTECT, related_name="orders")
    plan_name = models.CharField(_("plan"), max_length=120)
    # The plan's name in each language when it was bought ({"ko": "유럽 5GB 30일", ...}), so
    # that every reader (the traveller, an e-mail, staff) sees what was bought in theirs.
    plan_names = models.JSONField(_("plan in each language"), default=dict, blank=True)
    data_bytes = models.BigIntegerField(_("data (bytes)"), null=True, blank=True)
    validity_days = models.PositiveIntegerField(_("validity (days)"))
    currency = models.CharField(_("currency"), max_length=3)
    amount_minor = models.PositiveBigIntegerField(_("amount (minor units)"))
    state = models.CharField(
        _("state"),
        max_length=20,
        choices=OrderState.choices,
        default=OrderState.PENDING_PAYMENT,
        db_index=True,
    )
    # When the allowance starts (docs/decisions/0003), chosen when the order is created.
    starts = models.CharField(
        _("starts"), max_length=10, choices=StartMode.choices, default=StartMode.NOW
    )
    idempotency_key = models.CharField(max_length=128, blank=True)
    request_fingerprint = models.CharField(max_length=64, blank=True)
    bucket = models.OneToOneField(
        "cards.Bucket", null=True, blank=True, on_delete=models.PROTECT, related_name="order"
    )
    failure_message = models.CharField(_("why it failed"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    fulfilled_at = models.DateTimeField(_("renewed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="order_idempotency_key_per_user",
            )
        ]
        indexes = [models.Index(fields=["state", "updated_at"])]

    def __str__(self) -> str:
        return f"{self.public_id} {self.plan_name}"

    @property
    def plan_title(self) -> str:
        """What was bought, in the reader's language (the active one) when the plan had a
        name in it, else in the nearest language it had, else as it was named when bought."""
        return translation_pick(self.plan_names) or self.plan_name

    @property
    def money(self) -> Money:
        return Money(self.amount_minor, self.currency)

    @property
    def short_id(self) -> str:
        return self.public_id.hex[:8].upper()


class OrderEvent(models.Model):
    """An order's history: every state change with its time and cause."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20)
    cause = models.CharField(max_length=20)
    details = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("order event")
        verbose_name_plural = _("order events")

    def __str__(self) -> str:
        return f"{self.from_state or '∅'} → {self.to_state} ({self.cause})"
