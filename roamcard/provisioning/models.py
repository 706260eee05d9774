from django.conf import settings
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


class CardNetworkAction(models.Model):
    """Telling the network to suspend, resume or throttle a card: one request, run as a job
    with the same lifecycle as a ProvisioningJob (lease, retries with backoff, then given up).
    Its request id is fixed when it is recorded, so every retry asks for the same change and
    an answer lost in a timeout is reconciled by asking again (the network applies a request
    id once). A card's actions run in the order they were asked for."""

    State = ProvisioningJob.State

    class Action(models.TextChoices):
        SUSPEND = "suspend", _("Suspend")
        RESUME = "resume", _("Resume")
        THROTTLE = "throttle", _("Throttle")

    card = models.ForeignKey(
        "cards.Card",
        verbose_name=_("card"),
        on_delete=models.PROTECT,
        related_name="network_actions",
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    # For a throttle: the speed limit; None lifts it.
    kbps = models.PositiveIntegerField(_("speed limit (kbps)"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    request_id = models.CharField(max_length=80, unique=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    state = models.CharField(
        _("state"),
        max_length=10,
        choices=ProvisioningJob.State.choices,
        default=ProvisioningJob.State.PENDING,
        db_index=True,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    network_reference = models.CharField(_("network reference"), max_length=120, blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("card network action")
        verbose_name_plural = _("card network actions")

    def __str__(self) -> str:
        return f"{self.action} {self.card_id} {self.state}"
