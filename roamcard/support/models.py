import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import MessageKind, TicketOrigin, TicketPriority, TicketState, TicketTopic


class Ticket(models.Model):
    """A conversation between a traveller and customer service, optionally about one of their
    cards or orders. Opened by the traveller, by staff, or by roamcard itself when a paid
    renewal is not applied in time (one such ticket per order)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    traveller = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("traveller"),
    )
    subject = models.CharField(_("subject"), max_length=150)
    topic = models.CharField(
        _("topic"), max_length=16, choices=TicketTopic.choices, default=TicketTopic.OTHER
    )
    card = models.ForeignKey(
        "cards.Card",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("card"),
    )
    order = models.ForeignKey(
        "orders.Order",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("order"),
    )
    state = models.CharField(
        _("state"), max_length=10, choices=TicketState.choices, default=TicketState.OPEN
    )
    origin = models.CharField(
        _("opened by"), max_length=16, choices=TicketOrigin.choices, default=TicketOrigin.TRAVELLER
    )
    priority = models.CharField(
        _("priority"), max_length=8, choices=TicketPriority.choices, default=TicketPriority.NORMAL
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
        verbose_name=_("assigned to"),
    )
    # The traveller's language when they opened it: staff answer in it (saved replies).
    language = models.CharField(_("language"), max_length=10, default="en")
    created_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # The last message the traveller can see (the queue sorts by it).
    last_message_at = models.DateTimeField(_("last message at"), null=True, blank=True)
    # When the traveller last wrote: the queue shows how long they have been waiting.
    traveller_waiting_since = models.DateTimeField(
        _("traveller waiting since"), null=True, blank=True
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # When the traveller last looked at (or wrote in) the conversation: a message they can
    # see that is newer than this is unread (the mark in "My questions" and the header).
    traveller_read_at = models.DateTimeField(_("read by the traveller at"), null=True, blank=True)

    class Meta:
        ordering = ["-last_message_at", "-id"]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [
            models.Index(fields=["state", "last_message_at"], name="ticket_queue"),
            models.Index(fields=["traveller", "-last_message_at"], name="ticket_traveller"),
            # The escalation sweep's look for open escalations whose order was settled.
            models.Index(
                fields=["order"],
                condition=Q(origin=TicketOrigin.STUCK_RENEWAL) & ~Q(state=TicketState.CLOSED),
                name="ticket_open_escalation",
            ),
        ]
        constraints = [
            # A stuck renewal escalates once, however often the sweep finds it.
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(origin=TicketOrigin.STUCK_RENEWAL),
                name="ticket_one_escalation_per_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    @property
    def reference(self) -> str:
        """What the traveller quotes on the phone: short, and not the database id."""
        return "T-" + self.public_id.hex[:8].upper()

    @property
    def is_closed(self) -> bool:
        return self.state == TicketState.CLOSED

    @property
    def is_unread(self) -> bool:
        """Something the traveller has not seen yet: a reply, or a ticket opened for them."""
        if self.last_message_at is None:
            return False
        return self.traveller_read_at is None or self.last_message_at > self.traveller_read_at


class TicketMessage(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(_("kind"), max_length=10, choices=MessageKind.choices)
    # Null for the messages roamcard writes itself.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("author"),
    )
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.body[:60]}"

    @property
    def is_note(self) -> bool:
        return self.kind == MessageKind.NOTE


def attachment_upload_path(instance: Any, filename: str) -> str:
    # Never the traveller's file name on disk: a random name with the checked extension.
    return f"support/{instance.ticket_id}/{uuid.uuid4().hex}.{instance.extension}"


class TicketAttachment(models.Model):
    """An image attached to a message. Stored outside anything the web server serves; only
    the ticket's traveller and staff can download it (support views)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(TicketMessage, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_upload_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=50)
    size = models.PositiveIntegerField(_("size (bytes)"))
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name

    @property
    def extension(self) -> str:
        return {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/gif": "gif"}[
            self.content_type
        ]


class SavedReply(models.Model):
    """A reply staff use again and again, written once per language (the same translation
    workflow as the catalogue); the queue offers it in the ticket's language."""

    title = models.CharField(_("title"), max_length=100)
    # Set on the replies roamcard ships (support_load_saved_replies), so loading them again
    # finds them however staff edited them; empty on those staff write themselves.
    key = models.SlugField(max_length=50, unique=True, null=True, blank=True, editable=False)
    topic = models.CharField(_("topic"), max_length=16, choices=TicketTopic.choices, blank=True)
    body = models.TextField(_("text"))
    active = models.BooleanField(_("offered"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("saved reply")
        verbose_name_plural = _("saved replies")

    def __str__(self) -> str:
        return self.title
