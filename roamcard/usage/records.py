"""A card's usage records: what it used per UTC day and country over a period, as of when,
and the forecast per coverage: at the pace of the last days, when its data runs out and
whether that comes before its validity ends. Read by the records page, its CSV export and
the API; every figure comes from UsageDay, which each usage batch keeps up to date."""

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from functools import partial
from typing import Any

from babel.dates import format_skeleton
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from roamcard.cards.choices import BucketState
from roamcard.cards.models import Bucket, Card
from roamcard.cards.selectors import card_get_for
from roamcard.catalog.models import Region
from roamcard.core.errors import InvalidInput
from roamcard.core.formatting import DATE_SKELETON, format_bytes, format_local_date
from roamcard.core.money import babel_locale

from .models import UsageDay

DEFAULT_PERIOD_DAYS = 30
# What the records page offers; the API takes any period up to MAX_PERIOD_DAYS.
PERIOD_CHOICES = (7, 30, 90)
MAX_PERIOD_DAYS = 366
# No card used data before this: it bounds the dates a caller may ask for.
EARLIEST_DAY = date(2000, 1, 1)
# The forecast's pace is the charged usage of the last PACE_DAYS UTC days (today included).
PACE_DAYS = 7
ONE_DAY = timedelta(days=1)


def utc_today(now: datetime | None = None) -> date:
    """Usage days are UTC days, wherever the traveller is."""
    return (now or timezone.now()).astimezone(UTC).date()


def format_day(day: date, *, skeleton: str = DATE_SKELETON, language: str | None = None) -> str:
    """A UTC day as the app writes dates ("Nov 29, 2026", "2026년 11월 29일"), with no time
    zone to convert it through: a usage day is the same day for every reader."""
    return format_skeleton(skeleton, day, locale=babel_locale(language))


@dataclass(frozen=True)
class Period:
    """UTC days from `start` to `end`, both included."""

    start: date
    end: date

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]


def usage_period(
    *,
    start: date | None = None,
    end: date | None = None,
    days: int = DEFAULT_PERIOD_DAYS,
    today: date | None = None,
) -> Period:
    """The period a caller asks for: `start` to `end`; with an end missing, the `days` days
    up to `end` (default today), or from `start` to today. InvalidInput (fields `from`
    and `to`, as the API names them) for a period that ends before it starts, is longer
    than MAX_PERIOD_DAYS, or reaches before EARLIEST_DAY."""
    early = [n for n, v in (("from", start), ("to", end)) if v is not None and v < EARLIEST_DAY]
    if early:
        message = _("There are no usage records before %(day)s.") % {
            "day": format_day(EARLIEST_DAY)
        }
        raise InvalidInput(fields={name: [message] for name in early})
    end = end or today or utc_today()
    if start is None:
        start = max(end - timedelta(days=days - 1), EARLIEST_DAY)
    if start > end:
        raise InvalidInput(fields={"from": [_("The period starts after it ends.")]})
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        message = ngettext(
            "Choose a period of at most %(days)d day.",
            "Choose a period of at most %(days)d days.",
            MAX_PERIOD_DAYS,
        ) % {"days": MAX_PERIOD_DAYS}
        raise InvalidInput(fields={"from": [message]})
    return Period(start=start, end=end)


# --- Records --------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """What a card used: in all, charged to its data, beyond every allowance, and where
    none of its coverages applies (recorded, charged to nothing)."""

    bytes: int = 0
    charged_bytes: int = 0
    overage_bytes: int = 0
    uncovered_bytes: int = 0
    events: int = 0

    def __add__(self, other: "Figures") -> "Figures":
        return Figures(
            bytes=self.bytes + other.bytes,
            charged_bytes=self.charged_bytes + other.charged_bytes,
            overage_bytes=self.overage_bytes + other.overage_bytes,
            uncovered_bytes=self.uncovered_bytes + other.uncovered_bytes,
            events=self.events + other.events,
        )


@dataclass(frozen=True)
class CountryUsage:
    country: str  # ISO 3166-1 alpha-2
    figures: Figures


@dataclass(frozen=True)
class DayUsage:
    day: date  # UTC
    countries: list[CountryUsage]  # most used first
    total: Figures


@dataclass(frozen=True)
class UsageRecords:
    card: Card
    period: Period
    days: list[DayUsage]  # the days of the period with usage, oldest first
    countries: list[CountryUsage]  # over the period, most used first
    total: Figures
    as_of: datetime | None  # the card's latest figure, any day; None: no usage yet

    @property
    def by_day(self) -> dict[date, DayUsage]:
        return {day.day: day for day in self.days}


def _most_used_first(totals: dict[str, Figures]) -> list[CountryUsage]:
    ranked = sorted(totals.items(), key=lambda item: (-item[1].bytes, item[0]))
    return [CountryUsage(country=code, figures=figures) for code, figures in ranked]


def usage_records(*, card: Card, period: Period) -> UsageRecords:
    rows = UsageDay.objects.filter(card=card, day__range=(period.start, period.end)).values_list(
        "day", "country", "bytes", "charged_bytes", "overage_bytes", "uncovered_bytes", "events"
    )
    per_day: dict[date, dict[str, Figures]] = defaultdict(dict)
    per_country: dict[str, Figures] = defaultdict(Figures)
    for day, country, *values in rows:
        figures = Figures(*values)
        per_day[day][country] = figures
        per_country[country] += figures
    days = [
        DayUsage(
            day=day,
            countries=_most_used_first(countries),
            total=sum(countries.values(), Figures()),
        )
        for day, countries in sorted(per_day.items())
    ]
    as_of = UsageDay.objects.filter(card=card).aggregate(latest=Max("updated_at"))["latest"]
    return UsageRecords(
        card=card,
        period=period,
        days=days,
        countries=_most_used_first(per_country),
        total=sum(per_country.values(), Figures()),
        as_of=as_of,
    )


def usage_records_for(
    *,
    user: Any,
    card_id: int,
    start: date | None = None,
    end: date | None = None,
    days: int = DEFAULT_PERIOD_DAYS,
    today: date | None = None,
) -> UsageRecords:
    """The traveller's card's records over the period asked for (usage_period).
    CardNotFound for anyone else's card, InvalidInput for a period that cannot be."""
    card = card_get_for(user=user, card_id=card_id)
    period = usage_period(start=start, end=end, days=days, today=today)
    return usage_records(card=card, period=period)


# --- Forecast -------------------------------------------------------------------------


class Outlook(StrEnum):
    DATA_FIRST = "data_first"  # at this pace, the data runs out before the validity ends
    VALIDITY_FIRST = "validity_first"  # the validity ends with data left
    UNLIMITED = "unlimited"
    NO_USAGE = "no_usage"  # no charged usage there lately: no pace to forecast from
    USED_UP = "used_up"


@dataclass(frozen=True)
class CoverageForecast:
    region: Region
    is_card_coverage: bool
    outlook: Outlook
    valid_until: datetime  # when the coverage's last allowance ends (at this pace)
    bytes_left: int | None = None  # live and queued; None: unlimited
    pace_bytes_per_day: int | None = None  # None: unlimited, used up or no usage
    pace_days: int = 0  # the days the pace was measured over
    runs_out_at: datetime | None = None  # set only when the data runs out first

    @property
    def needs_data(self) -> bool:
        """Used up, or running out before the validity ends: time to renew."""
        return self.outlook in (Outlook.DATA_FIRST, Outlook.USED_UP)

    def describe(self, *, zone: tzinfo | str | None = None) -> str:
        """The forecast in a sentence, in the active language, dates in `zone` (default
        the active time zone)."""
        names = {
            "coverage": self.region.name,
            "valid_until": format_local_date(self.valid_until, zone=zone),
            "runs_out": format_local_date(self.runs_out_at, zone=zone),
            "days": PACE_DAYS,
        }
        if self.outlook == Outlook.DATA_FIRST:
            text = _(
                "At this pace your %(coverage)s data lasts until %(runs_out)s, before your "
                "validity ends on %(valid_until)s."
            )
        elif self.outlook == Outlook.VALIDITY_FIRST:
            text = _(
                "At this pace your %(coverage)s data lasts beyond %(valid_until)s: your "
                "validity ends first."
            )
        elif self.outlook == Outlook.UNLIMITED:
            text = _("Your %(coverage)s data is unlimited until %(valid_until)s.")
        elif self.outlook == Outlook.USED_UP:
            text = _("Your %(coverage)s data is used up.")
        else:
            text = ngettext(
                "No usage in %(coverage)s in the last %(days)d day: a forecast appears once "
                "you use data there.",
                "No usage in %(coverage)s in the last %(days)d days: a forecast appears once "
                "you use data there.",
                PACE_DAYS,
            )
        return text % names

    def describe_pace(self) -> str:
        """The pace in words ("About 1.2 GB a day over the last 7 days"), or "" without
        one."""
        if self.pace_bytes_per_day is None:
            return ""
        return ngettext(
            "About %(amount)s a day over the last %(days)d day.",
            "About %(amount)s a day over the last %(days)d days.",
            self.pace_days,
        ) % {"amount": format_bytes(self.pace_bytes_per_day), "days": self.pace_days}


@dataclass
class _Allowance:
    """A bucket in the forecast's simulation: bytes left (inf: unlimited), its window's
    length, and when it ends in days from now (None: queued, not started yet)."""

    left: float
    length: float
    end: float | None


def _days_from(now: datetime, moment: datetime) -> float:
    return (moment - now) / ONE_DAY


def _allowance(bucket: Bucket, now: datetime, *, started: bool) -> _Allowance:
    assert bucket.valid_from is not None and bucket.valid_until is not None  # live or queued
    return _Allowance(
        left=math.inf if bucket.is_unlimited else float(bucket.bytes_remaining or 0),
        length=(bucket.valid_until - bucket.valid_from) / ONE_DAY,
        end=_days_from(now, bucket.valid_until) if started else None,
    )


def _simulate(
    live: list[Bucket], queued: list[Bucket], pace: float, now: datetime
) -> tuple[bool, float, float]:
    """Spend the coverage's data at `pace` bytes a day the way rating does: the live
    allowance that ends first takes the usage; one that ends loses what it has left; a
    queued one starts when nothing live is left, so when the one before it runs out early
    its window moves earlier too (decision 0003). Returns whether the data ran out first,
    when the data stops, and when the window of the allowance that was spent last ends
    (the validity then: a used-up allowance's window no longer counts), both in days from
    now."""
    pool = [_allowance(b, now, started=True) for b in live]
    waiting = [_allowance(b, now, started=False) for b in queued]
    t, ran_out, last_end = 0.0, False, 0.0
    while True:
        active = [a for a in pool if a.end is not None and a.end > t and a.left > 0]
        if not active:
            if not waiting:
                break
            following = waiting.pop(0)
            following.end = t + following.length
            pool.append(following)
            continue
        current = min(active, key=lambda a: a.end or 0.0)
        last_end = current.end or 0.0
        empty_in = current.left / pace
        if t + empty_in < last_end:
            t, current.left, ran_out = t + empty_in, 0.0, True
        else:
            current.left -= pace * (last_end - t)
            t, ran_out = last_end, False
    return ran_out, t, last_end


def _charging_region(country: str, live: list[Bucket], queued: list[Bucket]) -> int | None:
    """The coverage rating would charge usage in `country` to now: that of the live
    bucket covering it that ends first, else of the queued one that starts first."""
    covering = [b for b in live if country in b.region.country_set]
    if covering:
        return min(covering, key=lambda b: (b.valid_until, b.pk)).region_id
    waiting = [b for b in queued if country in b.region.country_set]
    if waiting:
        return min(waiting, key=lambda b: (b.valid_from, b.pk)).region_id
    return None


def _pace(rows: Iterable[tuple[date, int]], now: datetime) -> tuple[float, int]:
    """Bytes a day over the window, and the window's length in days. The window starts
    at the first of the last PACE_DAYS days with usage (a traveller who arrived two days
    ago uses data at two days' pace, not a week's) and counts at least one day, so a
    first hour's use is not taken for a day's."""
    rows = list(rows)
    if not rows:
        return 0.0, 0
    first = min(day for day, _bytes in rows)
    elapsed = max(_days_from(datetime.combine(first, time.min, tzinfo=UTC), now), 1.0)
    total = sum(used for _day, used in rows)
    return total / elapsed, (utc_today(now) - first).days + 1


def _moment(now: datetime, days: float) -> datetime:
    return now + timedelta(days=days)


def usage_forecast(*, card: Card, now: datetime | None = None) -> list[CoverageForecast]:
    """Per coverage the card has live, queued or used-up data in (narrower coverages
    first, the card's own last): unlimited; used up; no charged usage there in the last
    PACE_DAYS days; or, at that pace, whether the data (live and queued together) runs
    out before the validity ends, and when. The pace of a coverage counts the countries
    whose usage rating charges to it now (_charging_region): Japan usage charged to a
    Japan add-on does not drain the card's Global forecast. First-use allowances not
    started yet are left out: they start when the traveller is there."""
    now = now or timezone.now()
    buckets = list(card.buckets.all())
    states = {b.pk: b.state_at(now) for b in buckets}

    def in_state(state: BucketState) -> list[Bucket]:
        return [b for b in buckets if states[b.pk] == state]

    live, queued, used_up = (
        in_state(BucketState.LIVE),
        sorted(in_state(BucketState.QUEUED), key=lambda b: (b.valid_from, b.pk)),
        in_state(BucketState.USED_UP),
    )
    regions = {b.region_id: b.region for b in [*live, *queued, *used_up]}
    first_day = utc_today(now) - timedelta(days=PACE_DAYS - 1)
    usage: dict[int, list[tuple[date, int]]] = defaultdict(list)
    for day, country, charged in UsageDay.objects.filter(
        card=card, day__gte=first_day, charged_bytes__gt=0
    ).values_list("day", "country", "charged_bytes"):
        region_id = _charging_region(country, live, queued)
        if region_id is not None:
            usage[region_id].append((day, charged))

    forecasts = [
        _coverage_forecast(
            region=region,
            is_card_coverage=region.pk == card.region_id,
            live=[b for b in live if b.region_id == region.pk],
            queued=[b for b in queued if b.region_id == region.pk],
            used_up=[b for b in used_up if b.region_id == region.pk],
            usage=usage[region.pk],
            now=now,
        )
        for region in regions.values()
    ]
    forecasts.sort(key=lambda f: (f.is_card_coverage, len(f.region.country_set), f.region.pk))
    return forecasts


def _coverage_forecast(
    *,
    region: Region,
    is_card_coverage: bool,
    live: list[Bucket],
    queued: list[Bucket],
    used_up: list[Bucket],
    usage: list[tuple[date, int]],
    now: datetime,
) -> CoverageForecast:
    forecast = partial(CoverageForecast, region=region, is_card_coverage=is_card_coverage)
    if any(b.is_unlimited for b in live):
        until = max(b.valid_until for b in live if b.is_unlimited)
        return forecast(outlook=Outlook.UNLIMITED, valid_until=until)
    chain = [*live, *queued]
    if not chain:
        until = max(b.valid_until for b in used_up)
        return forecast(outlook=Outlook.USED_UP, bytes_left=0, valid_until=until)
    # Queued allowances add to what is left; an unlimited one makes it unlimited.
    bytes_left = (
        None if any(b.is_unlimited for b in chain) else sum(b.bytes_remaining or 0 for b in chain)
    )
    pace, pace_days = _pace(usage, now)
    if not pace:
        valid_until = max(b.valid_until for b in chain if b.valid_until)
        return forecast(outlook=Outlook.NO_USAGE, bytes_left=bytes_left, valid_until=valid_until)
    ran_out, stops, last_end = _simulate(live, queued, pace, now)
    return forecast(
        outlook=Outlook.DATA_FIRST if ran_out else Outlook.VALIDITY_FIRST,
        bytes_left=bytes_left,
        valid_until=_moment(now, last_end),
        pace_bytes_per_day=round(pace),
        pace_days=pace_days,
        runs_out_at=_moment(now, stops) if ran_out else None,
    )
