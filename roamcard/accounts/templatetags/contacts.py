"""`{% load contacts %}`: a mobile number as people read it, and the verification code a
page is waiting for (with its cool-down)."""

import phonenumbers
from django import template

from roamcard.accounts.verification import PendingCode, pending_code_for

register = template.Library()


@register.filter
def phone_display(value: str | None) -> str:
    """+821012345678 -> "+82 10-1234-5678" (anything unparseable is shown as it is)."""
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return value
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


@register.simple_tag(takes_context=True)
def pending_code(context, channel: str) -> PendingCode | None:
    """`{% pending_code "phone" as pending %}`: the code allauth is waiting for on this
    page ("phone" or "email"): where it went, resends left, seconds until another."""
    request = context.get("request")
    if request is None:
        return None
    return pending_code_for(request=request, channel=channel)
