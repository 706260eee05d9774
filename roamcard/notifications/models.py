import uuid

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
