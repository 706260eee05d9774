"""The provider's customer service as a traveller reads it: the hours in the provider's
time zone and in the traveller's, open or closed at this moment, the channels with their
links, and the languages served, all in the reader's language."""

import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from urllib.parse import quote

import phonenumbers
from babel import Locale
from babel.dates import get_day_names
from django.utils import timezone, translation
from django.utils.translation import gettext, pgettext, to_locale

from roamcard.core.formatting import format_local_time, resolve_zone
from roamcard.core.locales import time_zone_label
from roamcard.core.money import babel_locale

from .models import SupportContact

# How far ahead to look for the next opening: a week covers any set of days.
_DAYS_AHEAD = 8


@dataclass(frozen=True)
class Channel:
    kind: str
    label: str
    value: str
    href: str = ""


@dataclass(frozen=True)
class ContactCard:
    """Everything the contact block shows. `hours_*` are empty when no hours are set."""

    days_label: str = ""
    hours_label: str = ""  # "09:00–18:00" on the provider's clock
    zone_label: str = ""  # the provider's time zone, named in the reader's language
    open_now: bool = False
    # The reader's own clock, when it is not the provider's: the hours of the current (or
    # next) opening, and the reader's zone.
    local_hours_label: str = ""
    local_zone_label: str = ""
    next_change: datetime | None = None  # when it closes (open now) or opens next
    next_change_label: str = ""  # that moment on the reader's clock: "Mon 10:00"
    channels: list[Channel] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)

    @property
    def has_hours(self) -> bool:
        return bool(self.hours_label)

    @property
    def languages_label(self) -> str:
        return pgettext("list separator", ", ").join(self.languages)

    @property
    def is_empty(self) -> bool:
        return not (self.has_hours or self.channels)


def provider_zone(contact: SupportContact) -> tzinfo:
    try:
        return zoneinfo.ZoneInfo(contact.time_zone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def opening_windows(
    contact: SupportContact, *, around: datetime
) -> list[tuple[datetime, datetime]]:
    """The openings from the day before `around` to a week after it, as aware moments.
    Closing at or before the opening time means open past midnight (equal: all day)."""
    if not (contact.days and contact.opens_at and contact.closes_at):
        return []
    zone = provider_zone(contact)
    today = around.astimezone(zone).date()
    windows = []
    for offset in range(-1, _DAYS_AHEAD):
        day = today + timedelta(days=offset)
        if day.weekday() not in contact.days:
            continue
        start = _at(day, contact.opens_at, zone)
        end_day = day + timedelta(days=1) if contact.closes_at <= contact.opens_at else day
        windows.append((start, _at(end_day, contact.closes_at, zone)))
    return windows


def _at(day: date, moment: time, zone: tzinfo) -> datetime:
    return datetime.combine(day, moment, tzinfo=zone)


def is_open(contact: SupportContact, *, now: datetime) -> bool:
    return any(start <= now < end for start, end in opening_windows(contact, around=now))


def days_label(days: list[int], *, language: str | None = None) -> str:
    """Weekdays in the reader's language, runs joined: "Monday–Friday", "월요일–금요일",
    or listed: "Mon, Wed, Fri" when there is no run of three or more."""
    with translation.override(language or translation.get_language()):
        return _days_label(sorted(set(days)), language=language)


def _days_label(ordered: list[int], *, language: str | None) -> str:
    names = get_day_names("wide", locale=babel_locale(language))
    short = get_day_names("abbreviated", locale=babel_locale(language))
    if len(ordered) == 7:
        return gettext("Every day")
    runs: list[list[int]] = []
    for day in ordered:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    separator = pgettext("list separator", ", ")
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{names[run[0]]}–{names[run[-1]]}")
        else:
            parts.extend((names if len(runs) == 1 else short)[day] for day in run)
    return separator.join(parts)


def _phone_href(number: str) -> tuple[str, str]:
    """A number stored in E.164 as people read it (+852 2123 4567) and its tel: link."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return number, ""
    shown = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return shown, "tel:" + phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def contact_channels(contact: SupportContact) -> list[Channel]:
    channels = []
    if contact.email:
        channels.append(
            Channel(
                "email",
                pgettext("contact channel", "E-mail"),
                contact.email,
                f"mailto:{contact.email}",
            )
        )
    if contact.phone:
        shown, href = _phone_href(contact.phone)
        channels.append(Channel("phone", pgettext("contact channel", "Phone"), shown, href))
    if contact.whatsapp:
        shown, _href = _phone_href(contact.whatsapp)
        digits = "".join(c for c in contact.whatsapp if c.isdigit())
        channels.append(
            Channel(
                "whatsapp",
                pgettext("contact channel", "WhatsApp"),
                shown,
                f"https://wa.me/{digits}",
            )
        )
    if contact.wechat:
        # WeChat has no web link to a contact: the traveller searches the ID in the app.
        channels.append(Channel("wechat", pgettext("contact channel", "WeChat"), contact.wechat))
    if contact.line:
        channels.append(
            Channel(
                "line",
                pgettext("contact channel", "LINE"),
                contact.line,
                f"https://line.me/R/ti/p/{quote(contact.line, safe='@~')}",
            )
        )
    if contact.kakaotalk:
        channels.append(
            Channel(
                "kakaotalk",
                pgettext("contact channel", "KakaoTalk"),
                contact.kakaotalk,
                f"https://pf.kakao.com/{quote(contact.kakaotalk)}",
            )
        )
    return channels


def language_names(codes: list[str], *, language: str | None = None) -> list[str]:
    """Language codes named in the reader's language: ["ko", "ja"] -> ["한국어", "일본어"]."""
    reader = babel_locale(language)
    names = []
    for code in codes:
        try:
            names.append(Locale.parse(to_locale(code)).get_display_name(reader) or code)
        except (ValueError, LookupError):
            names.append(code)
    return names


def _same_clock(zone_a: tzinfo, zone_b: tzinfo, *, at: datetime) -> bool:
    return at.astimezone(zone_a).utcoffset() == at.astimezone(zone_b).utcoffset()


def contact_card(
    contact: SupportContact,
    *,
    now: datetime | None = None,
    zone: tzinfo | str | None = None,
    language: str | None = None,
) -> ContactCard:
    """The contact block's content for a reader in `zone` (default: the active time zone)
    reading `language` (default: the active one)."""
    now = now or timezone.now()
    reader_zone = resolve_zone(zone)
    channels = contact_channels(contact)
    languages = language_names(list(contact.languages or []), language=language)
    windows = opening_windows(contact, around=now)
    if not windows:
        return ContactCard(channels=channels, languages=languages)

    def clock(moment: datetime, in_zone: tzinfo) -> str:
        return format_local_time(moment, language=language, zone=in_zone)

    provider = provider_zone(contact)
    current = next(((s, e) for s, e in windows if s <= now < e), None)
    upcoming = next(((s, e) for s, e in windows if s > now), None)
    shown = current or upcoming or windows[0]
    open_now = current is not None
    next_change = current[1] if current else (upcoming[0] if upcoming else None)
    same = _same_clock(provider, reader_zone, at=shown[0])
    next_change_label = ""
    if next_change is not None:
        local = next_change.astimezone(reader_zone)
        if local.date() == now.astimezone(reader_zone).date():
            next_change_label = clock(next_change, reader_zone)
        else:
            weekday = get_day_names("abbreviated", locale=babel_locale(language))[local.weekday()]
            next_change_label = f"{weekday} {clock(next_change, reader_zone)}"
    return ContactCard(
        days_label=days_label(contact.days, language=language),
        hours_label=f"{clock(shown[0], provider)}–{clock(shown[1], provider)}",
        zone_label=time_zone_label(contact.time_zone or "UTC", language=language),
        open_now=open_now,
        local_hours_label=""
        if same
        else f"{clock(shown[0], reader_zone)}–{clock(shown[1], reader_zone)}",
        local_zone_label=""
        if same
        else time_zone_label(_zone_name(reader_zone), language=language),
        next_change=next_change,
        next_change_label=next_change_label,
        channels=channels,
        languages=languages,
    )


def _zone_name(zone: tzinfo) -> str:
    return getattr(zone, "key", None) or str(zone)
