from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RenewalStart(models.TextChoices):
    """When an automatic renewal's allowance starts (docs/decisions/0003): the two a
    traveller may choose. A plan that starts on first use (a day pass) does so anyway."""

    QUEUED = "queued", _("When the current plan ends or runs out")
    NOW = "now", _("At once, beside the current plan")


class TriggerKind(models.TextChoices):
    DATA = "data", _("Data running low")
    VALIDITY = "validity", _("Validity ending")


class RenewalState(models.TextChoices):
    SCHEDULED = "scheduled", pgettext_lazy("automatic renewal", "Scheduled")
    CHARGING = "charging", pgettext_lazy("automatic renewal", "Charging")
    ACTION_REQUIRED = (
        "action_required",
        pgettext_lazy("automatic renewal", "Waiting for your confirmation"),
    )
    RETRY_WAIT = "retry_wait", pgettext_lazy("automatic renewal", "Payment failed, will retry")
    SUCCEEDED = "succeeded", pgettext_lazy("automatic renewal", "Renewed")
    FAILED = "failed", pgettext_lazy("automatic renewal", "Failed")
    SKIPPED = "skipped", pgettext_lazy("automatic renewal", "Skipped")


# A card has at most one of these at a time (a unique constraint says so).
OPEN_STATES = frozenset(
    {
        RenewalState.SCHEDULED,
        RenewalState.CHARGING,
        RenewalState.ACTION_REQUIRED,
        RenewalState.RETRY_WAIT,
    }
)
# What the traveller may still skip: nothing is being charged at that moment.
SKIPPABLE_STATES = frozenset({RenewalState.SCHEDULED, RenewalState.RETRY_WAIT})


class SkipReason(models.TextChoices):
    """Why an automatic renewal was not charged."""

    TRAVELLER = "traveller", _("You skipped it")
    POLICY_OFF = "policy_off", _("Automatic renewal was switched off")
    CARD_INACTIVE = "card_inactive", _("The card is suspended or expired")
    CARD_NOT_OWNED = "card_not_owned", _("The card is no longer in the account that set it up")
    RENEWALS_CAP = "renewals_cap", _("The limit of automatic renewals in 30 days was reached")
    SPENDING_CAP = "spending_cap", _("The monthly spending limit was reached")
    PLAN_UNAVAILABLE = "plan_unavailable", _("The plan can no longer be bought for this card")
    NO_METHOD = "no_method", _("The saved payment method can no longer be used")
    NOT_NEEDED = (
        "not_needed",
        _("Not needed any more: the card was renewed, or the trigger changed"),
    )


# Skipping for these switches automatic renewal off: trying again would fail again.
SWITCH_OFF_REASONS = frozenset(
    {SkipReason.CARD_NOT_OWNED, SkipReason.PLAN_UNAVAILABLE, SkipReason.NO_METHOD}
)
# The caps: the traveller hears once per period that one stopped a renewal.
CAP_REASONS = frozenset({SkipReason.RENEWALS_CAP, SkipReason.SPENDING_CAP})


class OffReason(models.TextChoices):
    """Why the system (not the traveller) switched automatic renewal off."""

    PAYMENT_FAILED = "payment_failed", _("The payment failed after every retry")
    CARD_NOT_OWNED = "card_not_owned", SkipReason.CARD_NOT_OWNED.label
    PLAN_UNAVAILABLE = "plan_unavailable", SkipReason.PLAN_UNAVAILABLE.label
    NO_METHOD = "no_method", SkipReason.NO_METHOD.label


class AttemptOutcome(models.TextChoices):
    PENDING = "pending", pgettext_lazy("payment attempt", "Waiting for the answer")
    ACTION_REQUIRED = (
        "action_required",
        pgettext_lazy("payment attempt", "Waiting for your confirmation"),
    )
    SUCCEEDED = "succeeded", pgettext_lazy("payment attempt", "Paid")
    FAILED = "failed", pgettext_lazy("payment attempt", "Failed")
