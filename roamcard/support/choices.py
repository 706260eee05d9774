from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class TicketState(models.TextChoices):
    # Waiting for staff: a new ticket, or the traveller wrote last.
    OPEN = "open", pgettext_lazy("ticket state", "Open")
    # Staff answered; waiting for the traveller.
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", pgettext_lazy("ticket state", "Closed")


class TicketTopic(models.TextChoices):
    ACCOUNT = "account", _("My account")
    CARD = "card", _("A card")
    RENEWAL = "renewal", _("A renewal or payment")
    DATA = "data", _("Data and coverage")
    REFUND = "refund", _("A refund")
    OTHER = "other", _("Something else")


class TicketOrigin(models.TextChoices):
    TRAVELLER = "traveller", _("Opened by the traveller")
    # Opened on the traveller's behalf when a paid renewal was not applied in time.
    STUCK_RENEWAL = "stuck_renewal", _("Renewal not applied in time")
    STAFF = "staff", _("Opened by staff")


class TicketPriority(models.TextChoices):
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")


class MessageKind(models.TextChoices):
    TRAVELLER = "traveller", _("From the traveller")
    STAFF = "staff", _("Reply from customer service")
    # Seen by staff only.
    NOTE = "note", _("Internal note")
    # Written by roamcard itself (an escalation, a renewal applied, a refund).
    SYSTEM = "system", _("Automatic message")


# What the traveller sees of a ticket: everything but the internal notes.
TRAVELLER_VISIBLE_KINDS = (MessageKind.TRAVELLER, MessageKind.STAFF, MessageKind.SYSTEM)
