"""Reading a message the way a traveller who reads no English would."""

import re

from django.conf import settings

# What may stay in Latin letters in any language: the brand, units, codes and the short names
# time zones are given by their offset.
ALLOWED = {"roamcard", "SMS", "ICCID", "API", "GMT", "UTC", *settings.CURRENCIES}
_URL = re.compile(r"https?://\S+")
_EMAIL_ADDRESS = re.compile(r"\S+@\S+")
_WORD = re.compile(r"[A-Za-z]{3,}")
# An order number: eight upper-case hexadecimal digits ("794FEFB7").
_ORDER_NUMBER = re.compile(r"\b[0-9A-F]{8}\b")


def english_words(text: str) -> list[str]:
    """Runs of 3 or more Latin letters left in `text`, other than the allowed ones; web
    addresses and e-mail addresses (the traveller's own) do not count."""
    text = _ORDER_NUMBER.sub(" ", _EMAIL_ADDRESS.sub(" ", _URL.sub(" ", text)))
    return [word for word in _WORD.findall(text) if word not in ALLOWED]
