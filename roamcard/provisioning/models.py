from django.db import models
from django.utils.translation import gettext_lazy as _


class ProvisioningJob(models.Model):
    """Applying one paid order to the network. Recorded in the same transaction that marks
    the order paid, so a crash between payment and provisioning loses nothing: the janitor
    finds the job and runs it."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    order = models.OneToOneField(
        "orders.Order", on_delete=models.PROTECT, related_name="provisioning_job"
    )
    state = models.CharField(
        max_length=10, choices=State.choices, default=State.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    network_reference = models.CharField(max_length=120, blank=True)
    # Fixed at the first attempt, so every retry asks the network for the same allowance.
    valid_from = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateTimeField(null=True, blank=True)
    # Taking the allowance back (a refunded order): asked for, and confirmed by the network.
    withdraw_requested_at = models.DateTimeField(
        _("withdrawal requested"), null=True, blank=True, db_index=True
    )
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("provisioning job")
        verbose_name_plural = _("provisioning jobs")

    def __str__(self) -> str:
        return f"provisioning {self.order_id} {self.state}"

    @property
    def request_id(self) -> str:
        return f"order-{self.order.public_id}"
