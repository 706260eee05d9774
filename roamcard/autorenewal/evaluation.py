"""Evaluating policies, set-based: for a batch of cards (a usage batch's, a renewal's, the
sweep's due ones), decide what fires, record one automatic renewal per trigger met, and set
each policy's next check (`due_at`). A handful of statements per chunk of cards, whatever
its size (the sweep is benchmarked over a million policies: bench/sweep.py).

Each chunk runs in one transaction holding its cards' locks (in id order, as usage_ingest
takes them), so a batch charging a card and the evaluation of that card follow each other:
the decision is made on buckets no one is changing, and the `due_at` written is never one a
later batch has already made stale. The unique constraints (one renewal per card, bucket
and trigger; one open per card) have the last word."""

import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from roamcard.cards.models import Bucket, Card
from roamcard.catalog.models import PlanPrice
from roamcard.core import rawsql
from roamcard.core.tasks import enqueue_on_commit
from roamcard.orders.choices import OrderState
from roamcard.orders.models import Order

from .choices import OPEN_STATES, RenewalState
from .models import AutoRenewal, RenewalPolicy
from .triggers import policy_outlook

# The jobs (registered in tasks.py).
EVALUATE_JOB = "autorenewal.evaluate"
STEP_JOB = "autorenewal.step"
# Cards evaluated per transaction.
CHUNK = 500
_BUCKET_FIELDS = (
    "id", "card_id", "region_id", "starts", "bytes_granted", "bytes_remaining",
    "valid_from", "valid_until", "activate_by", "withdrawn_at",
)  # fmt: skip


def chunks(ids: list[int], size: int = CHUNK) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def policies_evaluate(*, card_ids: Iterable[int], now: datetime | None = None) -> list[int]:
    """Evaluate the policies of these cards (those without one, or with it off, are left
    alone). Returns the automatic renewals this call created; each is taken up by a step
    job once its chunk commits."""
    now = now or timezone.now()
    created: list[int] = []
    for chunk in chunks(sorted(set(card_ids))):
        with transaction.atomic():
            made = _evaluate_chunk(chunk, now)
            for renewal_id in made:
                enqueue_on_commit(STEP_JOB, renewal_id)
        created += made
    return created


def _evaluate_chunk(card_ids: list[int], now: datetime) -> list[int]:
    # Most cards a usage batch charged have no policy on: their locks are not taken.
    card_ids = list(
        RenewalPolicy.objects.filter(card_id__in=card_ids, enabled=True).values_list(
            "card_id", flat=True
        )
    )
    if not card_ids:
        return []
    # The cards' locks, in id order (as usage_ingest and every writer of buckets take them),
    # before anything is read that the decision rests on.
    list(
        Card.objects.select_for_update(no_key=True)
        .filter(pk__in=card_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    policies = list(
        RenewalPolicy.objects.filter(card_id__in=card_ids, enabled=True, plan__isnull=False)
        .select_related("plan")
        .only(
            "card_id", "user_id", "plan_id", "currency", "starts", "trigger_percent",
            "trigger_mb", "trigger_hours", "notice_minutes", "due_at", "plan__region_id",
        )
    )  # fmt: skip
    if not policies:
        return []
    coverage = {policy.card_id: policy.plan.region_id for policy in policies}
    buckets: dict[int, list[Bucket]] = defaultdict(list)
    for bucket in (
        Bucket.objects.filter(card_id__in=list(coverage), withdrawn_at__isnull=True)
        .filter(Q(valid_until__gt=now) | Q(valid_from__isnull=True, activate_by__gt=now))
        .only(*_BUCKET_FIELDS)
    ):
        if coverage[bucket.card_id] == bucket.region_id:
            buckets[bucket.card_id].append(bucket)
    acted_on: dict[int, set[tuple[int, str]]] = defaultdict(set)
    has_open: set[int] = set()
    bucket_ids = [b.pk for card_buckets in buckets.values() for b in card_buckets]
    for card_id, bucket_id, trigger, state in AutoRenewal.objects.filter(
        Q(card_id__in=list(coverage), state__in=OPEN_STATES) | Q(bucket_id__in=bucket_ids)
    ).values_list("card_id", "bucket_id", "trigger", "state"):
        acted_on[card_id].add((bucket_id, trigger))
        if state in OPEN_STATES:
            has_open.add(card_id)
    pending = set(
        Order.objects.filter(card_id__in=list(coverage), state=OrderState.PAID).values_list(
            "card_id", "plan__region_id"
        )
    )

    new: list[AutoRenewal] = []
    due: list[tuple[int, datetime | None]] = []
    for policy in policies:
        card_id = policy.card_id
        if card_id in has_open:
            # It finishes by re-evaluating the card; until then nothing else may fire.
            outlook_due = None
        else:
            outlook = policy_outlook(
                policy=policy,
                buckets=buckets[card_id],
                now=now,
                order_pending=(card_id, coverage[card_id]) in pending,
                acted_on=frozenset(acted_on[card_id]),
            )
            outlook_due = outlook.due_at
            if outlook.trigger is not None:
                new.append(_renewal_for(policy, outlook.trigger, now))
        if outlook_due != policy.due_at:
            due.append((card_id, outlook_due))
    if new:
        _price(new)
        AutoRenewal.objects.bulk_create(new, ignore_conflicts=True)
    when = rawsql.datetime_writer()
    rawsql.rows_update(
        RenewalPolicy._meta.db_table, "card_id", ["due_at"], [(pk, when(at)) for pk, at in due]
    )
    if not new:
        return []
    # Ours are those whose ids we drew: a conflict would have left another's in place.
    return sorted(
        AutoRenewal.objects.filter(public_id__in=[r.public_id for r in new]).values_list(
            "pk", flat=True
        )
    )


def _renewal_for(policy: RenewalPolicy, trigger, now: datetime) -> AutoRenewal:
    return AutoRenewal(
        public_id=uuid.uuid4(),
        card_id=policy.card_id,
        user_id=policy.user_id,
        bucket_id=trigger.bucket_id,
        trigger=trigger.kind,
        bytes_remaining=trigger.bytes_remaining,
        coverage_ends_at=trigger.coverage_ends_at,
        plan_id=policy.plan_id,
        currency=policy.currency,
        starts=policy.starts,
        amount_minor=0,
        state=RenewalState.SCHEDULED,
        charge_at=now + timedelta(minutes=policy.notice_minutes),
        next_step_at=now,
    )


def _price(renewals: list[AutoRenewal]) -> None:
    """What each will cost, in the policy's currency, as the notice will say. A plan no
    longer sold in it stays at 0: its first step finds the plan unavailable and says so."""
    prices = {
        (plan_id, currency): amount
        for plan_id, currency, amount in PlanPrice.objects.filter(
            plan_id__in={r.plan_id for r in renewals},
            currency__in={r.currency for r in renewals},
        ).values_list("plan_id", "currency", "amount_minor")
    }
    for renewal in renewals:
        renewal.amount_minor = prices.get((renewal.plan_id, renewal.currency), 0)
