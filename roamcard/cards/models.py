from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from roamcard.catalog.models import Plan, Region

from .choices import CardForm, CardStatus


class Card(models.Model):
    """A physical SIM or an eSIM profile, identified by its ICCID."""

    iccid = models.CharField(_("ICCID"), max_length=20, unique=True)
    password_hash = models.CharField(_("card password (hash)"), max_length=200, editable=False)
    form = models.CharField(
        _("form"), max_length=10, choices=CardForm.choices, default=CardForm.PHYSICAL
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=CardStatus.choices,
        default=CardStatus.IN_STOCK,
        db_index=True,
    )
    region = models.ForeignKey(
        Region, verbose_name=_("coverage"), on_delete=models.PROTECT, related_name="cards"
    )
    msisdn = models.CharField(_("MSISDN"), max_length=16, blank=True)
    activation_code = models.CharField(
        _("eSIM activation code"),
        max_length=255,
        blank=True,
        help_text="LPA:1$<SM-DP+ address>$<matching id>",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cards",
    )
    label = models.CharField(_("label"), max_length=60, blank=True)
    bound_at = models.DateTimeField(_("bound at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["iccid"]
        verbose_name = _("card")
        verbose_name_plural = _("cards")

    def __str__(self) -> str:
        return self.iccid

    @property
    def iccid_masked(self) -> str:
        return f"{self.iccid[:4]} •••• {self.iccid[-4:]}"


class Bucket(models.Model):
    """The allowance one fulfilled purchase puts on a card."""

    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="buckets")
    plan = models.ForeignKey(
        Plan, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey(
        Region, verbose_name=_("coverage"), on_delete=models.PROTECT, related_name="+"
    )
    bytes_granted = models.BigIntegerField(_("bytes granted"), null=True, blank=True)
    bytes_remaining = models.BigIntegerField(_("bytes remaining"), null=True, blank=True)
    valid_from = models.DateTimeField(_("valid from"))
    valid_until = models.DateTimeField(_("valid until"))
    updated_at = models.DateTimeField(_("figures as of"), auto_now=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["valid_until", "id"]
        verbose_name = _("bucket")
        verbose_name_plural = _("buckets")
        indexes = [models.Index(fields=["card", "valid_until"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(bytes_remaining__gte=0) | models.Q(bytes_remaining__isnull=True),
                name="bucket_remaining_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_until__gt=models.F("valid_from")),
                name="bucket_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.card} until {self.valid_until:%Y-%m-%d}"

    @property
    def is_unlimited(self) -> bool:
        return self.bytes_granted is None


class CardBindFailure(models.Model):
    """A wrong card password while binding. Counted per card number (existing or not)."""

    iccid = models.CharField(max_length=20, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["iccid", "at"])]

    def __str__(self) -> str:
        return f"{self.iccid} at {self.at:%Y-%m-%d %H:%M}"
