from contextlib import suppress
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from roamcard.cards.models import Card
from roamcard.orders.models import Order

from .choices import TRAVELLER_VISIBLE_KINDS
from .errors import TicketNotFound
from .models import Ticket, TicketAttachment, TicketMessage


def ticket_list_for(*, traveller) -> QuerySet[Ticket]:
    """A traveller's tickets, the latest conversation first."""
    return Ticket.objects.filter(traveller=traveller).select_related("card", "order")


def ticket_list_with_last_message_for(*, traveller) -> QuerySet[Ticket]:
    """ "My questions": each ticket with the last message the traveller can see (its text
    and who wrote it), in the same one query."""
    last = TicketMessage.objects.filter(
        ticket=OuterRef("pk"), kind__in=TRAVELLER_VISIBLE_KINDS
    ).order_by("-created_at", "-id")
    return ticket_list_for(traveller=traveller).annotate(
        last_body=Subquery(last.values("body")[:1]), last_kind=Subquery(last.values("kind")[:1])
    )


def ticket_unread_count_for(*, traveller) -> int:
    """How many of the traveller's conversations have something they have not seen: one
    query on the (traveller, last message) index, for the header of every page."""
    return (
        Ticket.objects.filter(traveller=traveller, last_message_at__isnull=False)
        .filter(Q(traveller_read_at__isnull=True) | Q(last_message_at__gt=F("traveller_read_at")))
        .count()
    )


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


ORDERS_OFFERED = 20


def ticket_card_choices_for(*, traveller) -> list[tuple[str, str]]:
    """The cards a traveller may ask about: their own, by name or masked number."""
    cards = Card.objects.filter(owner=traveller).order_by("-id")
    return [(str(card.pk), card.label or card.iccid_masked) for card in cards]


def ticket_order_choices_for(*, traveller, also: str = "") -> list[tuple[str, str]]:
    """Their latest orders, and the one they came from (`also`) even if it is older."""
    orders = list(Order.objects.filter(user=traveller).order_by("-created_at")[:ORDERS_OFFERED])
    if also and all(str(order.public_id) != also for order in orders):
        # a malformed order number in the address is no order
        with suppress(ValueError, ValidationError):
            orders += list(Order.objects.filter(user=traveller, public_id=also))
    return [
        (
            str(order.public_id),
            _("Order %(number)s · %(plan)s") % {"number": order.short_id, "plan": order.plan_title},
        )
        for order in orders
    ]
