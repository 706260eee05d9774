"""Forms of the traveller's card pages. They only collect input: the rules (ICCID check
digit, card password format, lockout) live in services.card_bind, whose errors the view
puts back on the form."""

from django import forms
from django.utils.translation import gettext_lazy as _


class CardBindForm(forms.Form):
    iccid = forms.CharField(
        label=_("Card number (ICCID)"),
        max_length=32,
        help_text=_("18 to 20 digits starting with 89, printed on the card or its holder."),
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "off",
                "autocapitalize": "off",
                "spellcheck": "false",
                "placeholder": "8985 2000 0000 0000 000",
            }
        ),
    )
    card_password = forms.CharField(
        label=_("Card password"),
        max_length=16,
        help_text=_("6 to 8 digits under the scratch panel."),
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"}
        ),
    )
