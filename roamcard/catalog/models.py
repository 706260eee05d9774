from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from roamcard.core.money import Money

from .choices import PlanKind


class Region(models.Model):
    """A coverage area: a named set of ISO 3166-1 alpha-2 country codes."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    countries = models.JSONField(
        _("countries"), default=list, help_text=_("ISO 3166-1 alpha-2 codes, e.g. FR, DE, JP.")
    )
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name

    @property
    def country_set(self) -> frozenset[str]:
        return frozenset(self.countries)


class Plan(models.Model):
    """Something a traveller can buy for a card."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=120)
    description = models.CharField(
        _("description"),
        max_length=200,
        blank=True,
        help_text=_("One short line shown under the name on the plan's card."),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=PlanKind.choices)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="plans"
    )
    data_bytes = models.BigIntegerField(
        _("data allowance (bytes)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Leave empty for unlimited data with a fair-use speed."),
    )
    fair_use_kbps = models.PositiveIntegerField(
        _("fair-use speed (kbit/s)"),
        null=True,
        blank=True,
        help_text=_("For unlimited plans: the speed after the fair-use threshold."),
    )
    validity_days = models.PositiveIntegerField(
        _("validity (days)"), validators=[MinValueValidator(1)]
    )
    active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["sort_order", "validity_days", "name"]
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(data_bytes__isnull=False)
                | models.Q(fair_use_kbps__isnull=False),
                name="plan_limited_or_fair_use",
                violation_error_message=_("An unlimited plan needs a fair-use speed."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_unlimited(self) -> bool:
        return self.data_bytes is None


CURRENCY_CHOICES = [(code, code) for code in settings.CURRENCIES]


class PlanPrice(models.Model):
    """The explicit price of a plan in one currency (no conversion at run time)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="prices")
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    amount_minor = models.PositiveBigIntegerField(
        _("amount (minor units)"), help_text=_("In the currency's smallest unit: cents, fen, yen.")
    )

    class Meta:
        ordering = ["currency"]
        verbose_name = _("price")
        verbose_name_plural = _("prices")
        constraints = [
            models.UniqueConstraint(fields=["plan", "currency"], name="one_price_per_currency")
        ]

    def __str__(self) -> str:
        return str(self.money)

    @property
    def money(self) -> Money:
        return Money(self.amount_minor, self.currency)
