from django import forms
from django.utils.translation import gettext_lazy as _

from .errors import PaymentMethodNotSaveable
from .gateways.base import PaymentMethod
from .gateways.registry import saving_methods

SAVE_LABELS = {
    PaymentMethod.CARD: _("Card"),
    PaymentMethod.ALIPAY: _("Alipay automatic deduction"),
    PaymentMethod.WECHAT_PAY: _("WeChat Pay automatic deduction"),
}
SAVE_HINTS = {
    PaymentMethod.CARD: _("Credit or debit card, kept by the payment provider"),
    PaymentMethod.ALIPAY: _("Sign an agreement in the Alipay app"),
    PaymentMethod.WECHAT_PAY: _("Sign an agreement in WeChat"),
}


class SaveMethodForm(forms.Form):
    """Choosing what to save: only the methods a configured gateway can save."""

    method = forms.ChoiceField(
        label=_("Add"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose what to add."),
            "invalid_choice": PaymentMethodNotSaveable.message,
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        methods = saving_methods()
        self.fields["method"].choices = [(str(m), SAVE_LABELS[m]) for m in methods]
        if methods and not self.is_bound:
            self.initial.setdefault("method", str(methods[0]))

    def options(self) -> list[dict[str, object]]:
        """What the template draws for each method: value, label, hint, whether checked."""
        selected = self["method"].value()
        return [
            {
                "value": value,
                "label": label,
                "hint": SAVE_HINTS[PaymentMethod(value)],
                "checked": value == selected,
            }
            for value, label in self.fields["method"].choices
        ]
