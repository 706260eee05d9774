"""What customer service tells the traveller, in their language, on the channels their
notification preferences choose (notifications.services.alert_send: a notice in the app,
an e-mail, an SMS that waits for the end of their quiet hours).

Three things are told: a reply from customer service, an escalation (a paid renewal not
applied in time: we are on it), and a resolution (the renewal applied, the money refunded,
or staff's closing message). Each names the ticket's reference and links to the
conversation. An internal note is never told. All three count as urgent: the traveller is
waiting for an answer, often abroad and without Wi-Fi."""

from typing import Any

from django.urls import NoReverseMatch, reverse

from roamcard.notifications.services import alert_send

from .models import Ticket, TicketMessage

STAFF_REPLY = "support_reply"
ESCALATED = "support_escalated"
RESOLVED = "support_resolved"


def ticket_path(ticket: Ticket) -> str:
    """The conversation's page on the traveller's side. The one place that knows it: the
    traveller's pages name it `support:ticket_detail`; until they are installed, the path
    they will have."""
    try:
        return reverse("support:ticket_detail", kwargs={"public_id": ticket.public_id})
    except NoReverseMatch:
        return f"/support/{ticket.public_id}/"


def _context(ticket: Ticket, message: TicketMessage | None) -> dict[str, Any]:
    card = ticket.card
    return {
        "reference": ticket.reference,
        "subject": ticket.subject,
        "card_name": (card.label or card.iccid_masked) if card is not None else "",
        "message": message.body if message is not None else "",
    }


def _send(*, ticket: Ticket, kind: str, message: TicketMessage | None) -> None:
    if message is not None and message.is_note:
        return  # notes are for staff only (the services never pass one; a guard all the same)
    alert_send(
        user=ticket.traveller,
        kind=kind,
        context=_context(ticket, message),
        link=ticket_path(ticket),
        urgent=True,
    )


def notify_staff_reply(*, ticket: Ticket, message: TicketMessage) -> None:
    _send(ticket=ticket, kind=STAFF_REPLY, message=message)


def notify_escalated(*, ticket: Ticket, message: TicketMessage) -> None:
    _send(ticket=ticket, kind=ESCALATED, message=message)


def notify_resolved(*, ticket: Ticket, message: TicketMessage) -> None:
    _send(ticket=ticket, kind=RESOLVED, message=message)
