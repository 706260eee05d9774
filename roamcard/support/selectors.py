from uuid import UUID

from django.db.models import Prefetch, QuerySet

from .choices import TRAVELLER_VISIBLE_KINDS
from .errors import TicketNotFound
from .models import Ticket, TicketAttachment, TicketMessage


def ticket_list_for(*, traveller) -> QuerySet[Ticket]:
    """A traveller's tickets, the latest conversation first."""
    return Ticket.objects.filter(traveller=traveller).select_related("card", "order")


def ticket_get_for(*, traveller, public_id: UUID | str) -> Ticket:
    """One of the traveller's own tickets; another traveller's is not found (not forbidden:
    whether it exists is nobody else's business)."""
    try:
        return ticket_list_for(traveller=traveller).get(public_id=public_id)
    except (Ticket.DoesNotExist, ValueError):
        raise TicketNotFound() from None


def ticket_messages_for_traveller(*, ticket: Ticket) -> QuerySet[TicketMessage]:
    """The conversation as the traveller sees it: without staff's internal notes."""
    return (
        ticket.messages.filter(kind__in=TRAVELLER_VISIBLE_KINDS)
        .select_related("author")
        .prefetch_related(Prefetch("attachments", queryset=TicketAttachment.objects.order_by("id")))
    )


def ticket_messages_for_staff(*, ticket: Ticket) -> QuerySet[TicketMessage]:
    return ticket.messages.select_related("author").prefetch_related("attachments")


def attachment_for_traveller(*, traveller, public_id: UUID | str) -> TicketAttachment:
    """An attachment of a message the traveller can see in one of their own tickets."""
    try:
        return TicketAttachment.objects.select_related("ticket").get(
            public_id=public_id,
            ticket__traveller=traveller,
            message__kind__in=TRAVELLER_VISIBLE_KINDS,
        )
    except (TicketAttachment.DoesNotExist, ValueError):
        raise TicketNotFound() from None
