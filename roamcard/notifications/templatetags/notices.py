"""`{% load notices %}`: the signed-in traveller's unread notices, for the site header."""

from django import template

from roamcard.notifications.selectors import notice_unread_count as unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def notice_unread_count(context) -> int:
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return 0
    return unread_count(user=user)
