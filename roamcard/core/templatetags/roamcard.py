"""Template filters for the traveller pages: money, data amounts, local times, QR codes.

Every filter formats for the active language (and time zone), so templates never format
numbers or dates by hand."""

from datetime import datetime

import segno
from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from roamcard.core.formatting import (
    format_bytes,
    format_local_date,
    format_local_datetime,
    format_local_time,
    format_number,
)
from roamcard.core.money import Money, babel_locale, format_money

register = template.Library()


@register.filter
def money(value: Money | None) -> str:
    """A price in the active language's notation: ¥68.00, US$9.90, 9,90 €."""
    if value is None:
        return ""
    return format_money(value)


@register.filter
def country_name(code: str | None) -> str:
    """A country's name, from its ISO code, in the active language (CLDR)."""
    if not code:
        return ""
    return babel_locale().territories.get(code.upper(), code.upper())


@register.filter
def data_bytes(value: int | None) -> str:
    """A data amount as printed on data cards: 1.5 GB, 800 MB."""
    return format_bytes(value)


@register.filter
def local_datetime(value: datetime | None, zone: str | None = None) -> str:
    """A moment in the traveller's time zone (activated per request from their profile, or
    given: `{{ at|local_datetime:user.time_zone }}` in a message), as a date and a time
    without seconds: "Dec 13, 2026, 10:24 PM", "2026년 12월 13일 오후 10:24"."""
    return format_local_datetime(value, zone=zone or None)


@register.filter
def local_date(value: datetime | None, zone: str | None = None) -> str:
    """The calendar date of a moment where the traveller is: "2026年12月13日"."""
    return format_local_date(value, zone=zone or None)


@register.filter
def local_time(value: datetime | None, zone: str | None = None) -> str:
    """The time of day of a moment where the traveller is: "22:24", "오후 10:24"."""
    return format_local_time(value, zone=zone or None)


@register.filter
def number(value: int | float | None) -> str:
    """A count with the language's digit grouping: 12,345."""
    return format_number(value)


@register.filter
def time_left(value: datetime | None) -> str:
    """How long until `value`, in whole days (or hours on the last day)."""
    if value is None:
        return ""
    seconds = (value - timezone.now()).total_seconds()
    if seconds <= 0:
        return gettext("ended")
    days, hours = int(seconds // 86400), int(seconds // 3600)
    if days:
        return ngettext("%(count)d day left", "%(count)d days left", days) % {"count": days}
    if hours:
        return ngettext("%(count)d hour left", "%(count)d hours left", hours) % {"count": hours}
    return gettext("less than an hour left")


@register.filter
def digit_groups(value: str | None, size: int = 4) -> str:
    """Long numbers in groups, the way they are printed on the card: 8985 2000 0000 …"""
    value = value or ""
    return " ".join(value[i : i + size] for i in range(0, len(value), size))


@register.filter
def percent_width(value: int | None) -> int:
    """A progress bar width that stays visible for a few bytes left and never overflows."""
    if value is None:
        return 0
    return max(0, min(100, int(value)))


@register.simple_tag
def qr_svg(data: str, title: str = "") -> SafeString:
    """An inline SVG QR code, drawn here rather than by an outside service, so the eSIM
    activation code never leaves our server."""
    if not data:
        return mark_safe("")
    svg = segno.make(data, error="m", micro=False).svg_inline(
        scale=1,
        border=2,
        dark="#0f172a",
        light="#ffffff",
        title=title or None,
        omitsize=True,
        svgclass="qr",
        lineclass=None,
    )
    return format_html("{}", mark_safe(svg))


@register.filter
def lpa_parts(activation_code: str | None) -> dict[str, str]:
    """Split `LPA:1$<SM-DP+ address>$<matching id>` for phones that ask for the two parts
    separately when the code is entered by hand."""
    parts = (activation_code or "").split("$")
    if len(parts) >= 3 and parts[0].upper() == "LPA:1":
        return {"smdp": parts[1], "matching_id": parts[2]}
    return {}


@register.filter
def ends_soon(value: datetime | None, hours: int = 48) -> bool:
    return value is not None and (value - timezone.now()).total_seconds() < hours * 3600
