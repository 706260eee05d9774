"""When a card's policy fires (docs/decisions/0010): pure decisions over the buckets of the
coverage it renews, at a moment, with no database access, so that the set-based evaluation
(evaluation.py) and the charge step (services.py) decide alike.

The coverage is the policy's plan's region on the card. It *goes on* when something bought
already follows what is in use: a queued bucket, a day pass waiting for its first use, a
paid order not yet applied. Then nothing fires: renewing again would buy a second
continuation. Otherwise:

- **data**: the data left in its live limited buckets is at or below the policy's share of
  what they granted, or at or below its amount (none left at all: always). A coverage with
  an unlimited bucket live is never low. Met on the live bucket ending first (the one being
  used), or, when nothing is left, on the used-up bucket ending last.
- **validity**: its last live bucket ends within the policy's hours. Met on that bucket.

Each (bucket, trigger) renews at most once: a trigger already acted on (charged, skipped,
failed) does not fire again on the same bucket."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from roamcard.cards.choices import BucketState
from roamcard.usage.alerts import coverage_data_left, coverage_last_bucket

from .choices import TriggerKind

MIB = 1024**2


class Thresholds(Protocol):
    trigger_percent: int | None
    trigger_mb: int | None
    trigger_hours: int | None


@dataclass(frozen=True)
class Trigger:
    kind: str
    bucket_id: int
    bytes_remaining: int | None  # None: unlimited
    coverage_ends_at: datetime


@dataclass(frozen=True)
class Outlook:
    """What a policy says now: a trigger met and not yet acted on (or None), and when to
    look again if nothing else changes the buckets (None: only a change can make it fire)."""

    trigger: Trigger | None
    due_at: datetime | None


NOTHING = Outlook(trigger=None, due_at=None)


def data_is_low(policy: Thresholds, *, remaining: int, granted: int) -> bool:
    if remaining <= 0:
        return True
    if policy.trigger_percent is not None and remaining * 100 <= policy.trigger_percent * granted:
        return True
    return policy.trigger_mb is not None and remaining <= policy.trigger_mb * MIB


def policy_outlook(
    *,
    policy: Thresholds,
    buckets: Iterable,
    now: datetime,
    order_pending: bool = False,
    acted_on: frozenset[tuple[int, str]] = frozenset(),
) -> Outlook:
    """`buckets`: the coverage's buckets not withdrawn whose window has not ended (or that
    wait for their first use); `order_pending`: a paid order of the coverage is being
    applied; `acted_on`: the (bucket id, trigger kind) pairs that already have an
    automatic renewal. The coverage's data and last bucket are read as the usage alerts
    read them (roamcard.usage.alerts)."""
    buckets = list(buckets)
    states = {bucket.pk: bucket.state_at(now) for bucket in buckets}
    if order_pending or BucketState.WAITING_FIRST_USE in states.values():
        return NOTHING  # the renewal lands (or starts on first use): usage tells us then
    last = coverage_last_bucket(buckets, now)
    if BucketState.QUEUED in states.values():
        # The coverage goes on; its last plan may fire once it is the one in use.
        return Outlook(trigger=None, due_at=_validity_due(policy, last, floor=last.valid_from))
    current = [b for b in buckets if states[b.pk] in (BucketState.LIVE, BucketState.USED_UP)]
    if not current:
        return NOTHING  # nothing in use: nothing to renew

    met: list[Trigger] = []
    later: list[datetime] = []
    data = coverage_data_left(current, now)
    if data is not None:
        if data_is_low(policy, remaining=data.remaining, granted=data.granted):
            ends = last.valid_until if last is not None else data.bucket.valid_until
            met.append(Trigger(TriggerKind.DATA, data.bucket.pk, data.remaining, ends))
        if last is not None and last.pk != data.bucket.pk:
            # When the first of them ends, the share left is of what the others granted.
            later.append(data.bucket.valid_until)
    if last is not None and policy.trigger_hours is not None:
        fires_at = _validity_due(policy, last, floor=now)
        if fires_at <= now:
            remaining = data.remaining if data is not None else None
            met.append(Trigger(TriggerKind.VALIDITY, last.pk, remaining, last.valid_until))
        else:
            later.append(fires_at)
    fresh = [t for t in met if (t.bucket_id, t.kind) not in acted_on]
    if fresh:
        return Outlook(trigger=fresh[0], due_at=None)
    return Outlook(trigger=None, due_at=min(later, default=None))


def _validity_due(policy: Thresholds, last, *, floor: datetime) -> datetime | None:
    if policy.trigger_hours is None:
        return None
    return max(last.valid_until - timedelta(hours=policy.trigger_hours), floor)
