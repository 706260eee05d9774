"""Usage alerts (docs/decisions/0008): telling travellers when a coverage's data runs low
and when its validity is about to end, each alert at most once per bucket and threshold.

A *coverage* is one region's allowances on one card (its balance line, as
cards.selectors.card_balance shows it). Its data left is a share of what its live limited
buckets granted (a coverage with an unlimited bucket live never runs low); the alert is
recorded on the bucket being used then, the live one ending first, or, when the last one
has just run out, on that one. Its validity ends with its last live or queued bucket, so a
queued renewal that continues it puts the alert off until that one ends.

Who is told how: notifications.services.alert_send, by the traveller's preferences."""

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from babel.numbers import format_percent
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone, translation

from roamcard.cards.choices import BucketState
from roamcard.cards.models import Bucket
from roamcard.core.formatting import format_bytes, format_local_datetime
from roamcard.core.money import babel_locale
from roamcard.notifications.services import alert_send

from .models import UsageAlert

DATA_LOW = "usage_data_low"
DATA_OUT = "usage_data_out"
VALIDITY_ENDING = "usage_validity_ending"
# Coverages loaded per query.
_CHUNK = 500

Coverage = tuple[int, int]  # (card id, region id)


def usage_alerts_check(*, bucket_ids: Iterable[int], now: datetime | None = None) -> int:
    """After a batch was charged: for each coverage of the buckets it changed, alert when
    its data left has fallen to a threshold not yet alerted on its current bucket. Of
    several thresholds passed at once only the lowest is sent (the others are recorded
    unsent), and none above one already sent. Returns how many alerts were sent."""
    now = now or timezone.now()
    touched: dict[Coverage, set[int]] = defaultdict(set)
    for pk, card_id, region_id in Bucket.objects.filter(pk__in=list(bucket_ids)).values_list(
        "pk", "card_id", "region_id"
    ):
        touched[(card_id, region_id)].add(pk)
    sent = 0
    for coverages in _chunks(list(touched)):
        buckets = _coverage_buckets(coverages, now)
        lows = [
            low
            for coverage in coverages
            if (low := _data_left(buckets.get(coverage, []), touched[coverage], now))
        ]
        recorded = _recorded_thresholds(
            kind=UsageAlert.Kind.DATA, bucket_ids=[low.bucket.pk for low in lows]
        )
        for low in lows:
            sent += _data_alert(low, recorded.get(low.bucket.pk, set()), now)
    return sent


def usage_validity_alerts_check(*, now: datetime | None = None) -> int:
    """Every few minutes: alert the coverages whose validity now ends within one of
    USAGE_VALIDITY_ALERT_DAYS (and not within the next smaller one: that alert is next).
    The candidates come from the index on buckets' ends, minus those already alerted. A
    coverage that never had more than that many days left (a day pass) is not alerted for
    them. Returns how many alerts were sent."""
    now = now or timezone.now()
    days = sorted(set(settings.USAGE_VALIDITY_ALERT_DAYS), reverse=True)
    sent = 0
    for index, threshold in enumerate(days):
        band_end = now + timedelta(days=threshold)
        band_start = now + timedelta(days=days[index + 1]) if index + 1 < len(days) else now
        candidates = validity_alert_candidates(
            threshold=threshold, band_start=band_start, band_end=band_end
        )
        for coverages in _chunks(sorted(set(candidates))):
            buckets = _coverage_buckets(coverages, now)
            for coverage in coverages:
                sent += _validity_alert(
                    buckets.get(coverage, []),
                    threshold=threshold,
                    band=(band_start, band_end),
                    urgent=threshold == days[-1],
                    now=now,
                )
    return sent


def validity_alert_candidates(
    *, threshold: int, band_start: datetime, band_end: datetime
) -> QuerySet:
    """(card id, region id) of the buckets ending in the band and not alerted for
    `threshold` days yet: a range on the index of buckets' ends (bucket_ending), never a
    scan of every bucket."""
    alerted = UsageAlert.objects.filter(
        bucket=OuterRef("pk"), kind=UsageAlert.Kind.VALIDITY, threshold=threshold
    )
    return (
        Bucket.objects.filter(
            withdrawn_at__isnull=True, valid_until__gt=band_start, valid_until__lte=band_end
        )
        .exclude(Exists(alerted))
        .values_list("card_id", "region_id")
    )


def _chunks(coverages: list[Coverage]) -> Iterator[list[Coverage]]:
    for start in range(0, len(coverages), _CHUNK):
        yield coverages[start : start + _CHUNK]


def _coverage_buckets(coverages: list[Coverage], now: datetime) -> dict[Coverage, list[Bucket]]:
    """The buckets of these coverages with a window not yet ended (live, used up or queued),
    with their card, its owner and their region."""
    wanted = set(coverages)
    found: dict[Coverage, list[Bucket]] = defaultdict(list)
    buckets = Bucket.objects.filter(
        card_id__in={card_id for card_id, _region_id in wanted},
        region_id__in={region_id for _card_id, region_id in wanted},
        withdrawn_at__isnull=True,
        valid_until__gt=now,
    ).select_related("card__owner", "region")
    for bucket in buckets:
        if (bucket.card_id, bucket.region_id) in wanted:
            found[(bucket.card_id, bucket.region_id)].append(bucket)
    return found


def _recorded_thresholds(*, kind: str, bucket_ids: list[int]) -> dict[int, set[int]]:
    recorded: dict[int, set[int]] = defaultdict(set)
    for bucket_id, threshold in UsageAlert.objects.filter(
        kind=kind, bucket_id__in=bucket_ids
    ).values_list("bucket_id", "threshold"):
        recorded[bucket_id].add(threshold)
    return recorded


@dataclass(frozen=True)
class CoverageData:
    """The data of a coverage in use now (automatic renewal reads it too)."""

    bucket: Bucket  # the one being used: the live one ending first; else the one run out
    remaining: int
    granted: int


def coverage_data_left(
    buckets: Iterable[Bucket], now: datetime, *, ran_out: set[int] | None = None
) -> CoverageData | None:
    """The data left in a coverage's buckets whose window has begun and not ended (the
    others are ignored), as a share of what its live limited ones granted; None when
    nothing has begun or an unlimited bucket is live. When nothing is left: the used-up
    bucket ending last (usage goes to the one ending first, so it ran out last), among
    `ran_out` when given, else None."""
    current = [b for b in buckets if b.valid_from is not None and b.valid_from <= now]
    if not current or any(b.is_unlimited for b in current):
        return None
    live = [b for b in current if b.bytes_remaining]
    if live:
        return CoverageData(
            bucket=min(live, key=lambda b: (b.valid_until, b.pk)),
            remaining=sum(b.bytes_remaining for b in live),
            granted=sum(b.bytes_granted for b in live),
        )
    used_up = [b for b in current if ran_out is None or b.pk in ran_out]
    if not used_up:
        return None
    bucket = max(used_up, key=lambda b: (b.valid_until, b.pk))
    return CoverageData(bucket=bucket, remaining=0, granted=bucket.bytes_granted)


def coverage_last_bucket(buckets: Iterable[Bucket], now: datetime) -> Bucket | None:
    """The live or queued bucket ending last: the coverage's validity ends with it."""
    valid = [b for b in buckets if b.state_at(now) in (BucketState.LIVE, BucketState.QUEUED)]
    return max(valid, key=lambda b: (b.valid_until, b.pk), default=None)


@dataclass(frozen=True)
class _DataLeft:
    bucket: Bucket  # the bucket an alert is recorded on
    remaining: int
    granted: int
    crossed: list[int]  # the thresholds at or above the share left, lowest first


def _data_left(buckets: list[Bucket], touched: set[int], now: datetime) -> _DataLeft | None:
    """The coverage's data left, when it is at or below a threshold; with nothing left,
    recorded on the bucket that ran out last in this batch."""
    data = coverage_data_left(buckets, now, ran_out=touched)
    if data is None:
        return None
    crossed = sorted(
        t for t in settings.USAGE_ALERT_THRESHOLDS if data.remaining * 100 <= t * data.granted
    )
    if not crossed:
        return None
    return _DataLeft(
        bucket=data.bucket, remaining=data.remaining, granted=data.granted, crossed=crossed
    )


def _record_once(**fields) -> bool:
    """Record an alert; False when it was already (another job got there first)."""
    try:
        with transaction.atomic():
            UsageAlert.objects.create(**fields)
    except IntegrityError:
        return False
    return True


def _data_alert(low: _DataLeft, recorded: set[int], now: datetime) -> int:
    new = [t for t in low.crossed if t not in recorded]
    owner = low.bucket.card.owner
    if not new or owner is None:
        return 0
    lowest = new[0]
    with transaction.atomic():
        notify = (not recorded or lowest < min(recorded)) and _record_once(
            bucket=low.bucket,
            kind=UsageAlert.Kind.DATA,
            threshold=lowest,
            bytes_remaining=low.remaining,
        )
        UsageAlert.objects.bulk_create(
            [
                UsageAlert(
                    bucket=low.bucket,
                    kind=UsageAlert.Kind.DATA,
                    threshold=threshold,
                    notified=False,
                    bytes_remaining=low.remaining,
                )
                for threshold in new
                if not (notify and threshold == lowest)
            ],
            ignore_conflicts=True,
        )
        if notify:
            language = owner.preferred_language or settings.LANGUAGE_CODE
            percent = low.remaining * 100 // low.granted if low.granted else 0
            context = _context(low.bucket, language)
            context["data_left"] = format_bytes(low.remaining, language=language)
            context["percent"] = format_percent(
                Decimal(percent) / 100, locale=babel_locale(language)
            )
            alert_send(
                user=owner,
                kind=DATA_OUT if low.remaining == 0 else DATA_LOW,
                context=context,
                link=_renew_path(low.bucket),
                urgent=low.remaining == 0,
                now=now,
            )
    return int(notify)


def _validity_alert(
    buckets: list[Bucket],
    *,
    threshold: int,
    band: tuple[datetime, datetime],
    urgent: bool,
    now: datetime,
) -> int:
    last = coverage_last_bucket(buckets, now)
    if last is None:
        return 0
    valid = [b for b in buckets if b.state_at(now) in (BucketState.LIVE, BucketState.QUEUED)]
    end = last.valid_until
    owner = last.card.owner
    if not band[0] < end <= band[1] or owner is None:
        return 0
    if end - timedelta(days=threshold) <= min(b.valid_from for b in valid):
        return 0  # it never had more than `threshold` days left
    with transaction.atomic():
        if not _record_once(
            bucket=last, kind=UsageAlert.Kind.VALIDITY, threshold=threshold, valid_until=end
        ):
            return 0
        language = owner.preferred_language or settings.LANGUAGE_CODE
        context = _context(last, language)
        context["valid_until"] = format_local_datetime(
            end, language=language, zone=owner.time_zone or "UTC"
        )
        alert_send(
            user=owner,
            kind=VALIDITY_ENDING,
            context=context,
            link=_renew_path(last),
            urgent=urgent,
            now=now,
        )
    return 1


def _context(bucket: Bucket, language: str) -> dict[str, str]:
    """What every alert names: the coverage (in the traveller's language) and the card."""
    card = bucket.card
    with translation.override(language):
        return {"coverage": str(bucket.region.name), "card_name": card.label or card.iccid_masked}


def _renew_path(bucket: Bucket) -> str:
    return reverse("cards:plans", kwargs={"card_id": bucket.card_id})
