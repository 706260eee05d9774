"""Linking to help where a question arises, and the contact block.

    {% load help %}
    <a href="{% help_url 'forgot-card-password' %}">…</a>
    {% help_url 'refunds' as refunds_url %}
    {% help_url 'refunds' absolute=True %}   (in an e-mail)
    {% help_contact compact=True %}

`help_url` gives the article's address while it is published, and the help page
otherwise (never a dead link); `help_contact` renders help/_contact.html for the reader's
language and time zone."""

from django import template
from django.conf import settings
from django.urls import reverse

from ..contact import contact_card
from ..selectors import article_is_published, contact_get

register = template.Library()


@register.simple_tag
def help_url(slug: str, absolute: bool = False) -> str:
    """`absolute=True` for messages read outside the site (e-mail)."""
    if slug and article_is_published(slug=slug):
        path = reverse("help:article", args=[slug])
    else:
        path = reverse("help:index")
    return settings.PUBLIC_BASE_URL.rstrip("/") + path if absolute else path


@register.inclusion_tag("help/_contact.html", takes_context=True)
def help_contact(
    context: template.Context, compact: bool = False, heading: str = "", ask: bool = True
) -> dict:
    """`ask=False` leaves out "Write to us" (on the page where one writes)."""
    return {
        "contact": contact_card(contact_get()),
        "compact": compact,
        "heading": heading,
        "ask": ask,
        "request": context.get("request"),
        "user": context.get("user"),
    }
