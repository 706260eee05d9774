from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from roamcard.catalog.forms import too_many_decimals
from roamcard.catalog.prices import TooManyDecimals, minor_units

from .choices import RenewalStart
from .models import RenewalPolicy
from .policies import PolicyInput


class RenewalPolicyForm(forms.Form):
    """The automatic renewal page's form. It only reads what was typed; the policy service
    checks it as a whole and its messages are put back on these fields."""

    enabled = forms.BooleanField(label=_("Renew this card automatically"), required=False)
    plan_id = forms.TypedChoiceField(label=_("Plan"), coerce=int, required=False, empty_value=None)
    currency = forms.ChoiceField(label=_("Currency"))
    saved_method_id = forms.TypedChoiceField(
        label=_("Pay with"), coerce=int, required=False, empty_value=None
    )
    starts = forms.ChoiceField(
        label=_("The new plan starts"), choices=RenewalStart.choices, widget=forms.RadioSelect
    )
    trigger_percent = forms.IntegerField(
        label=_("When the data left is at or below (%)"),
        required=False,
        help_text=_("Of what the plans in use granted. Leave empty to not use it."),
    )
    trigger_mb = forms.IntegerField(
        label=_("When the data left is at or below (MB)"),
        required=False,
        help_text=_("Leave empty to not use it."),
    )
    trigger_hours = forms.IntegerField(
        label=_("When the validity ends within (hours)"),
        required=False,
        help_text=_("Leave empty to not use it."),
    )
    max_renewals = forms.IntegerField(label=_("At most this many automatic renewals in 30 days"))
    monthly_limit = forms.DecimalField(
        label=_("Spending limit per calendar month"),
        required=False,
        min_value=Decimal(0),
        help_text=_("In the currency above. Leave empty for no limit."),
    )
    notice_minutes = forms.IntegerField(
        label=_("Tell me this many minutes before charging"),
        help_text=_("With a link to skip that renewal. 0: no notice."),
    )

    def __init__(self, *args, plans=(), currencies=(), methods=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan_id"].choices = [("", _("Choose a plan")), *plans]
        self.fields["currency"].choices = [(code, code) for code in currencies]
        self.fields["saved_method_id"].choices = [("", _("Choose a payment method")), *methods]

    @classmethod
    def initial_for(cls, policy: RenewalPolicy) -> dict:
        limit = policy.monthly_limit
        return {
            "enabled": policy.enabled,
            "plan_id": policy.plan_id,
            "currency": policy.currency,
            "saved_method_id": policy.saved_method_id,
            "starts": policy.starts,
            "trigger_percent": policy.trigger_percent,
            "trigger_mb": policy.trigger_mb,
            "trigger_hours": policy.trigger_hours,
            "max_renewals": policy.max_renewals,
            "monthly_limit": limit.decimal if limit is not None else None,
            "notice_minutes": policy.notice_minutes,
        }

    def clean(self) -> dict:
        """The limit in minor units of the currency; more decimals than it has are refused."""
        cleaned = super().clean()
        limit, currency = cleaned.get("monthly_limit"), cleaned.get("currency")
        cleaned["monthly_limit_minor"] = None
        if limit is not None and currency:
            try:
                cleaned["monthly_limit_minor"] = minor_units(limit, currency)
            except TooManyDecimals as error:
                self.add_error("monthly_limit", too_many_decimals(error.currency, error.digits))
        return cleaned

    def policy_input(self) -> PolicyInput:
        data = self.cleaned_data
        return PolicyInput(
            enabled=data["enabled"],
            plan_id=data["plan_id"],
            currency=data["currency"],
            saved_method_id=data["saved_method_id"],
            starts=data["starts"],
            trigger_percent=data["trigger_percent"],
            trigger_mb=data["trigger_mb"],
            trigger_hours=data["trigger_hours"],
            max_renewals=data["max_renewals"],
            monthly_limit_minor=data["monthly_limit_minor"],
            notice_minutes=data["notice_minutes"],
        )
