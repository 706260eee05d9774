"""Template filters of the usage records page."""

from datetime import date

from django import template

from roamcard.core.formatting import DATE_SKELETON
from roamcard.usage.records import format_day

register = template.Library()


@register.filter
def utc_day(value: date | None, skeleton: str = DATE_SKELETON) -> str:
    """A usage day (a UTC date, no time zone to convert it through) as the app writes
    dates: "Nov 29, 2026"; `{{ day|utc_day:"MMMEd" }}` for "Sun, Nov 29"."""
    if value is None:
        return ""
    return format_day(value, skeleton=skeleton)
