"""When a purchase's allowance starts and ends (docs/decisions/0003). Every window is
exactly the plan's validity; only its start depends on the purchase's start mode."""

from datetime import datetime, timedelta

from roamcard.cards.choices import StartMode
from roamcard.cards.models import Card
from roamcard.cards.selectors import bucket_queue_end

from .models import ProvisioningJob


def renewal_queue_end(*, card: Card, region_id: int, now: datetime) -> datetime | None:
    """Where a queued allowance of this coverage starts: the end of the latest live or
    queued bucket of the coverage, or of a renewal of it under way (its window is fixed,
    its bucket not there yet); None when there is none."""
    ends = [
        bucket_queue_end(card_id=card.pk, region_id=region_id, now=now),
        ProvisioningJob.objects.filter(
            order__card=card,
            order__plan__region_id=region_id,
            state__in=[ProvisioningJob.State.PENDING, ProvisioningJob.State.RUNNING],
            valid_until__gt=now,
        )
        .order_by("-valid_until")
        .values_list("valid_until", flat=True)
        .first(),
    ]
    return max((end for end in ends if end is not None), default=None)


def renewal_window(
    *, card: Card, region_id: int, starts: str, validity_days: int, now: datetime
) -> tuple[datetime | None, datetime | None]:
    """The allowance's window: now + its days; queued: from the end of the coverage's
    queue, for its days (predicted: it moves earlier if the allowance before it runs out);
    first use: none until then."""
    if starts == StartMode.FIRST_USE:
        return None, None
    start = now
    if starts == StartMode.QUEUED:
        start = max(now, renewal_queue_end(card=card, region_id=region_id, now=now) or now)
    return start, start + timedelta(days=validity_days)
