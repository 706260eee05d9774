"""Building what automatic renewal acts on: buckets as fulfilled purchases leave them, a
saved method, a policy switched on."""

from dataclasses import replace
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from roamcard.autorenewal.policies import PolicyInput, policy_update
from roamcard.cards.choices import StartMode
from roamcard.cards.models import Bucket
from roamcard.cards.services import bucket_grant
from roamcard.ledger.services import ledger_post_data_grant
from roamcard.testing import save_sandbox_method

GIB = 1024**3
MB = 1024**2


def grant(card, plan, *, remaining=None, starts=StartMode.NOW, start=None):
    """A fulfilled purchase's bucket, as the renewal flow books it (by default started two
    hours ago), with `remaining` bytes left."""
    start = start or timezone.now() - timedelta(hours=2)
    with transaction.atomic():  # as the renewal flow grants: with the card locked
        bucket = bucket_grant(
            card_id=card.pk,
            plan=plan,
            bytes_granted=plan.data_bytes,
            validity_days=plan.validity_days,
            starts=starts,
            valid_from=start,
            valid_until=start + timedelta(days=plan.validity_days),
            now=start if starts == StartMode.NOW else timezone.now(),
        )
    if plan.data_bytes:
        ledger_post_data_grant(
            key=f"test-grant-{bucket.pk}", card_id=card.pk, bytes_granted=plan.data_bytes
        )
    if remaining is not None:
        Bucket.objects.filter(pk=bucket.pk).update(bytes_remaining=remaining)
        bucket.refresh_from_db()
    return bucket


def saved_method(user, behaviour="succeed"):
    """A card the traveller saved at the sandbox, whose charges `behaviour` (succeed,
    decline, insufficient_funds, action: the bank wants them to confirm)."""
    return save_sandbox_method(user, behaviour=behaviour)


POLICY = PolicyInput(
    enabled=True,
    plan_id=None,
    currency="CNY",
    saved_method_id=None,
    starts="queued",
    trigger_percent=10,
    trigger_mb=None,
    trigger_hours=24,
    max_renewals=3,
    monthly_limit_minor=None,
    notice_minutes=60,
)


def switch_on(user, card, plan, method, **changes):
    """The traveller switches automatic renewal on (the defaults, with `changes`)."""
    data = replace(POLICY, plan_id=plan.pk, saved_method_id=method.pk, **changes)
    return policy_update(user=user, card_id=card.pk, data=data)
