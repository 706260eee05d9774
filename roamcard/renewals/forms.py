import time

from django import forms
from django.utils.translation import gettext_lazy as _

from roamcard.payments.errors import PaymentMethodNotAvailable
from roamcard.payments.gateways.base import PaymentMethod
from roamcard.payments.gateways.registry import enabled_methods

# A repeated "Renew" from the same rendered plans page (a double tap, a resubmitted form)
# returns the order the first one created, for this long; later it is a new order.
RENEW_DEDUPLICATION_SECONDS = 15 * 60

METHOD_LABELS = {
    PaymentMethod.CARD: _("Card"),
    PaymentMethod.ALIPAY: _("Alipay"),
    PaymentMethod.WECHAT_PAY: _("WeChat Pay"),
}
METHOD_HINTS = {
    PaymentMethod.CARD: _("Credit or debit card"),
    PaymentMethod.ALIPAY: _("Scan with the Alipay app"),
    PaymentMethod.WECHAT_PAY: _("Scan with WeChat"),
}


class OrderCreateForm(forms.Form):
    """The "Renew" button of a plan on the plans page."""

    card = forms.IntegerField(min_value=1, max_value=2**63 - 1)
    plan = forms.IntegerField(min_value=1, max_value=2**63 - 1)
    currency = forms.RegexField(regex=r"^[A-Za-z]{3}$")
    # When the plans page was rendered: with the plan, what makes a resubmission the same order.
    rendered_at = forms.IntegerField(required=False, min_value=0)

    def idempotency_key(self) -> str:
        rendered_at = self.cleaned_data.get("rendered_at")
        if not rendered_at or time.time() - rendered_at > RENEW_DEDUPLICATION_SECONDS:
            return ""
        data = self.cleaned_data
        return f"web:{rendered_at}:{data['card']}:{data['plan']}:{data['currency'].upper()}"


class PaymentMethodForm(forms.Form):
    """Choosing how to pay: only the methods a gateway is configured for."""

    method = forms.ChoiceField(
        label=_("Pay with"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose how you want to pay."),
            "invalid_choice": PaymentMethodNotAvailable.message,
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        methods = enabled_methods()
        self.fields["method"].choices = [(str(m), METHOD_LABELS.get(m, str(m))) for m in methods]
        if methods and not self.is_bound:
            self.initial.setdefault("method", str(methods[0]))

    def options(self) -> list[dict[str, str]]:
        """What the template draws for each method: value, label, hint, whether checked."""
        selected = self["method"].value()
        return [
            {
                "value": value,
                "label": label,
                "hint": METHOD_HINTS.get(PaymentMethod(value), ""),
                "checked": value == selected,
            }
            for value, label in self.fields["method"].choices
        ]
