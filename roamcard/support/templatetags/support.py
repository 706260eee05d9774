"""`{% load support %}`: the signed-in traveller's conversations with something unread, for
the site header (one COUNT on the tickets' traveller index; none for visitors)."""

from django import template

from roamcard.support.selectors import ticket_unread_count_for

register = template.Library()


@register.simple_tag(takes_context=True)
def support_unread_count(context) -> int:
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return 0
    return ticket_unread_count_for(traveller=user)
