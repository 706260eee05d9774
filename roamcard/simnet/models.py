"""The simulated network's own state: what it believes each card has. It is deliberately
separate from our cards and buckets, as a real operator's system would be."""

from django.db import models


class SimCard(models.Model):
    iccid = models.CharField(max_length=20, unique=True)
    suspended = models.BooleanField(default=False)
    # The speed limit the network enforces on the card; None: full speed.
    throttle_kbps = models.PositiveIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.iccid


class SimAllowance(models.Model):
    request_id = models.CharField(max_length=80, unique=True)
    card = models.ForeignKey(SimCard, on_delete=models.CASCADE, related_name="allowances")
    data_bytes = models.BigIntegerField(null=True, blank=True)
    fair_use_kbps = models.PositiveIntegerField(null=True, blank=True)
    countries = models.JSONField(default=list)
    # now / queued / first_use; a first-use allowance has no window until first used.
    starts = models.CharField(max_length=10, default="now")
    valid_from = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateTimeField(null=True, blank=True)
    activate_by = models.DateTimeField(null=True, blank=True)
    withdrawn = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.request_id


class SimCardRequest(models.Model):
    """A suspend, resume or throttle request the network applied, kept by its request id so
    that a repeated request is answered without being applied again (a retried suspension
    must not undo a later resumption)."""

    class Action(models.TextChoices):
        SUSPEND = "suspend", "suspend"
        RESUME = "resume", "resume"
        THROTTLE = "throttle", "throttle"

    request_id = models.CharField(max_length=80, unique=True)
    card = models.ForeignKey(SimCard, on_delete=models.CASCADE, related_name="requests")
    action = models.CharField(max_length=10, choices=Action.choices)
    kbps = models.PositiveIntegerField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.request_id


class SimFault(models.Model):
    """Fault injection: the next `remaining` calls for this ICCID (or for every card when
    iccid is empty) fail, either before or after the network applied the change —
    the second kind is the one that makes exactly-once hard. Used by tests and by staff
    rehearsing incidents in the demo."""

    class Mode(models.TextChoices):
        REJECT = "reject", "fail before applying"
        TIMEOUT_AFTER_APPLY = "timeout_after_apply", "apply, then time out"

    iccid = models.CharField(max_length=20, blank=True, db_index=True)
    mode = models.CharField(max_length=24, choices=Mode.choices, default=Mode.REJECT)
    remaining = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.get_mode_display()} × {self.remaining} ({self.iccid or 'every card'})"
