"""Reading provisioning jobs."""

from datetime import datetime, timedelta

from django.db.models import F, Q, QuerySet

from .models import CardNetworkAction, ProvisioningJob


def provisioning_jobs_due(*, now: datetime) -> QuerySet[ProvisioningJob]:
    """Jobs due for a retry, jobs whose first run was lost, and jobs whose worker died
    mid-run (lease expired)."""
    return ProvisioningJob.objects.filter(
        Q(state=ProvisioningJob.State.PENDING, next_attempt_at__lte=now)
        | Q(
            state=ProvisioningJob.State.PENDING,
            next_attempt_at__isnull=True,
            created_at__lte=now - timedelta(seconds=30),
        )
        | Q(state=ProvisioningJob.State.RUNNING, lease_until__lte=now)
    )


def provisioning_withdrawals_due(*, now: datetime) -> QuerySet[ProvisioningJob]:
    """Allowances to take back that the network has not confirmed since the latest request
    (a lost or failed job)."""
    return ProvisioningJob.objects.filter(
        Q(withdrawn_at__isnull=True) | Q(withdrawn_at__lt=F("withdraw_requested_at")),
        withdraw_requested_at__lte=now - timedelta(seconds=30),
    )


def card_network_actions_due(*, now: datetime) -> QuerySet[CardNetworkAction]:
    """Card network actions due for a retry, whose job was lost, or whose worker died."""
    return CardNetworkAction.objects.filter(
        Q(state=CardNetworkAction.State.PENDING, next_attempt_at__lte=now)
        | Q(
            state=CardNetworkAction.State.PENDING,
            next_attempt_at__isnull=True,
            created_at__lte=now - timedelta(seconds=30),
        )
        | Q(state=CardNetworkAction.State.RUNNING, lease_until__lte=now)
    )
