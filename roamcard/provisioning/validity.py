"""How a renewal's validity combines with the card's current one (docs/decisions/0003)."""

from datetime import datetime, timedelta

from roamcard.cards.models import Card

from .models import ProvisioningJob


def renewal_window(*, card: Card, validity_days: int, now: datetime) -> tuple[datetime, datetime]:
    """The new allowance is usable at once; its days count from the later of now and the
    end of the card's current validity, so renewing early never loses a day."""
    ends = [
        card.buckets.filter(valid_until__gt=now)
        .order_by("-valid_until")
        .values_list("valid_until", flat=True)
        .first(),
        # Renewals under way: their window is fixed but their bucket is not there yet.
        ProvisioningJob.objects.filter(
            order__card=card,
            state__in=[ProvisioningJob.State.PENDING, ProvisioningJob.State.RUNNING],
            valid_until__gt=now,
        )
        .order_by("-valid_until")
        .values_list("valid_until", flat=True)
        .first(),
    ]
    current_end = max((end for end in ends if end is not None), default=None)
    start_of_days = max(now, current_end) if current_end else now
    return now, start_of_days + timedelta(days=validity_days)
