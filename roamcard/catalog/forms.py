"""The back office's plan forms: staff type what they read on a data card ("10 GB", "9.90"),
never bytes or minor units; the forms convert, and refuse what does not convert exactly."""

from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from unfold.widgets import (
    UnfoldAdminDecimalFieldWidget,
    UnfoldAdminSelectWidget,
    UnfoldBooleanSwitchWidget,
)

from .models import Plan, PlanPrice
from .prices import TooManyDecimals, minor_units

# As everywhere in roamcard (core/formatting.py): 1 GB = 1024 MB, as operators print on cards.
DATA_UNITS = {"MB": 1024**2, "GB": 1024**3}


def data_in_units(data_bytes: int) -> tuple[Decimal, str]:
    """Bytes as the amount and unit staff would have typed: GB from 1 GB up, else MB."""
    unit = "GB" if data_bytes >= DATA_UNITS["GB"] else "MB"
    amount = (Decimal(data_bytes) / DATA_UNITS[unit]).quantize(Decimal("0.01"), ROUND_HALF_UP)
    if amount == amount.to_integral_value():
        amount = amount.quantize(Decimal(1))  # "10", not "10.00" (nor "1E+1")
    return amount, unit


class DataUnitField(forms.ChoiceField):
    """MB or GB (1 GB = 1024 MB), beside an amount: how the back office takes data."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Unit"))
        kwargs.setdefault("initial", "GB")
        kwargs.setdefault("widget", UnfoldAdminSelectWidget)
        super().__init__(choices=[(unit, unit) for unit in DATA_UNITS], **kwargs)


class PlanAdminForm(forms.ModelForm):
    """A plan with its data allowance as a number and a unit, or unlimited."""

    data_amount = forms.DecimalField(
        label=_("Data allowance"),
        required=False,
        min_value=Decimal("0.01"),
        max_digits=12,
        decimal_places=2,
        widget=UnfoldAdminDecimalFieldWidget,
        help_text=_("For example 10 GB or 500 MB (1 GB = 1024 MB)."),
    )
    data_unit = DataUnitField()
    unlimited = forms.BooleanField(
        label=_("Unlimited data"),
        required=False,
        widget=UnfoldBooleanSwitchWidget,
        help_text=_("Then the fair-use speed is required."),
    )

    class Meta:
        model = Plan
        # Not data_bytes: the fields above make it.
        fields = (
            "name",
            "description",
            "code",
            "kind",
            "region",
            "validity_days",
            "active",
            "sort_order",
            "fair_use_kbps",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            if self.instance.data_bytes is None:
                self.initial["unlimited"] = True
            else:
                amount, unit = data_in_units(self.instance.data_bytes)
                self.initial.update(data_amount=amount, data_unit=unit)

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and not {"data_amount", "data_unit", "unlimited"} & set(
            self.changed_data
        ):
            # Untouched: keep the exact bytes, even those that show rounded.
            return cleaned
        if cleaned.get("unlimited"):
            if not cleaned.get("fair_use_kbps") and "fair_use_kbps" not in self.errors:
                self.add_error("fair_use_kbps", _("An unlimited plan needs a fair-use speed."))
            self.instance.data_bytes = None
        elif cleaned.get("data_amount") is not None and cleaned.get("data_unit") in DATA_UNITS:
            exact = cleaned["data_amount"] * DATA_UNITS[cleaned["data_unit"]]
            self.instance.data_bytes = int(exact.to_integral_value(ROUND_HALF_UP))
        elif "data_amount" not in self.errors:
            self.add_error(
                "data_amount", _("Enter the data allowance, or switch on unlimited data.")
            )
        return cleaned


class PlanPriceForm(forms.ModelForm):
    """One price as staff write it: "9.90" in USD, "1200" in JPY or KRW."""

    amount = forms.DecimalField(
        label=_("Price"),
        max_digits=14,
        widget=UnfoldAdminDecimalFieldWidget,
    )

    class Meta:
        model = PlanPrice
        fields = ("currency",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["amount"] = self.instance.money.decimal

    def clean(self):
        cleaned = super().clean()
        currency, amount = cleaned.get("currency"), cleaned.get("amount")
        if not currency or amount is None:
            return cleaned
        if amount <= 0:
            self.add_error("amount", _("Enter a price above zero."))
            return cleaned
        try:
            self.instance.amount_minor = minor_units(amount, currency)
        except TooManyDecimals as error:
            self.add_error("amount", too_many_decimals(currency, error.digits))
        return cleaned


def too_many_decimals(currency: str, digits: int) -> str:
    """Why an amount typed in `currency` is refused (also the automatic renewal's limit)."""
    if digits == 0:
        return _("Prices in %(currency)s are whole amounts, without decimals.") % {
            "currency": currency
        }
    return ngettext(
        "Prices in %(currency)s have at most %(digits)d decimal place.",
        "Prices in %(currency)s have at most %(digits)d decimal places.",
        digits,
    ) % {"currency": currency, "digits": digits}
