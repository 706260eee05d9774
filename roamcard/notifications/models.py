import uuid
from datetime import time

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Message(models.Model):
    """One SMS or e-mail in the outbox, rendered in the recipient's language."""

    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        EMAIL = "email", _("E-mail")

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        # An attempt started at `attempt_started_at` and has not finished: what a crash
        # during the provider call leaves behind, until the sweep takes it up.
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        # Given up after OUTBOX_MAX_ATTEMPTS attempts; `last_error` says why.
        FAILED = "failed", _("Failed")
        # The provider may or may not have taken it: asked again (or sent again with the
        # same idempotency key) by the sweep.
        UNKNOWN = "unknown", _("Unknown")

    # Handed to the provider on every attempt, so a repeated attempt is one message.
    uuid = models.UUIDField(_("idempotency key"), default=uuid.uuid4, unique=True, editable=False)

    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    to = models.CharField(_("to"), max_length=254, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=64, db_index=True)
    language = models.CharField(_("language"), max_length=10, default="en")
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("body"))
    html_body = models.TextField(blank=True)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    attempt_started_at = models.DateTimeField(_("last attempt started at"), null=True, blank=True)
    # When the sweep drives it on if nothing else has by then (a lost job, a retry, an
    # unknown outcome).
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    # Not handed to the provider before this moment: the end of the recipient's quiet hours.
    not_before = models.DateTimeField(_("not before"), null=True, blank=True)
    provider_message_id = models.CharField(_("provider's message id"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("message")
        verbose_name_plural = _("outbox")
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="message_due")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.to}: {self.subject or self.body[:40]}"


class AlertLevel(models.TextChoices):
    """Which alerts a channel carries: all of them, only those that need acting on now (data
    used up, validity ending tomorrow), or none."""

    ALL = "all", _("All alerts")
    URGENT = "urgent", _("Only urgent ones")
    OFF = "off", _("Off")


class NotificationPreferences(models.Model):
    """How a traveller wants to hear about their data (docs/decisions/0008). A traveller
    without a row has the defaults: the row is created the first time they change one."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    usage_in_app = models.CharField(
        _("in the app"), max_length=6, choices=AlertLevel.choices, default=AlertLevel.ALL
    )
    usage_email = models.CharField(
        _("by e-mail"), max_length=6, choices=AlertLevel.choices, default=AlertLevel.ALL
    )
    # An SMS costs the provider money and may reach a phone at home: urgent alerts only.
    usage_sms = models.CharField(
        _("by SMS"), max_length=6, choices=AlertLevel.choices, default=AlertLevel.URGENT
    )
    # In the traveller's own time zone (User.time_zone); SMS wait until they end.
    quiet_hours = models.BooleanField(_("quiet hours"), default=True)
    quiet_from = models.TimeField(_("quiet from"), default=time(22, 0))
    quiet_until = models.TimeField(_("quiet until"), default=time(8, 0))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("notification preferences")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(quiet_from=models.F("quiet_until")),
                name="quiet_hours_not_empty",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user}"


class Notice(models.Model):
    """A message shown in the app (the notices page and the header's count), in the
    traveller's language at the time it was made."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=64)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    # A path on this site: where the notice takes the traveller (e.g. the card's plans).
    link = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        indexes = [
            models.Index(fields=["user", "-id"], name="notice_user_newest"),
            # The header's unread count on every page.
            models.Index(
                fields=["user"], condition=models.Q(read_at__isnull=True), name="notice_unread"
            ),
        ]

    def __str__(self) -> str:
        return self.title
