from contextlib import suppress
from dataclasses import dataclass
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils.translation import gettext as _
from modeltranslation.utils import build_localized_fieldname

from roamcard.cards.models import Bucket, Card
from roamcard.orders.models import Order, OrderEvent
from roamcard.payments.models import Payment, PaymentEvent, Refund, WebhookDelivery
from roamcard.provisioning.models import ProvisioningJob

from .choices import TRAVELLER_VISIBLE_KINDS
from .errors import TicketNotFound
from .models import SavedReply, Ticket, TicketAttachment, TicketMessage


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


# --- Staff ---


@dataclass(frozen=True)
class PaymentLog:
    payment: Payment
    events: list[PaymentEvent]
    webhooks: list[WebhookDelivery]
    refunds: list[Refund]


@dataclass(frozen=True)
class TicketSurroundings:
    """What staff read beside a conversation: the card's buckets (data left, validity,
    coverage), the order's history, each payment's log (its events, the gateway's
    notifications, its refunds) and the provisioning job's attempts and last error."""

    buckets: list[Bucket]
    order_events: list[OrderEvent]
    payments: list[PaymentLog]
    provisioning_job: ProvisioningJob | None


def ticket_queue_for_staff() -> QuerySet[Ticket]:
    """Every ticket, the traveller waiting longest first, then the latest conversation."""
    return Ticket.objects.select_related("traveller", "assignee", "card", "order").order_by(
        F("traveller_waiting_since").asc(nulls_last=True), "-last_message_at", "-id"
    )


def ticket_surroundings(*, ticket: Ticket) -> TicketSurroundings:
    buckets: list[Bucket] = []
    if ticket.card_id:
        buckets = list(
            Bucket.objects.filter(card_id=ticket.card_id, withdrawn_at__isnull=True)
            .select_related("region", "plan")
            .order_by("-valid_until", "-id")[:20]
        )
    order_events: list[OrderEvent] = []
    payments: list[PaymentLog] = []
    job = None
    if ticket.order_id:
        order_events = list(
            OrderEvent.objects.filter(order_id=ticket.order_id).order_by("at", "id")
        )
        for payment in Payment.objects.filter(order_id=ticket.order_id).order_by("created_at"):
            payments.append(
                PaymentLog(
                    payment=payment,
                    events=list(payment.events.order_by("at", "id")),
                    webhooks=list(
                        WebhookDelivery.objects.filter(payment=payment).order_by("received_at")
                    ),
                    refunds=list(
                        Refund.objects.filter(payment=payment).order_by("created_at", "id")
                    ),
                )
            )
        job = ProvisioningJob.objects.filter(order_id=ticket.order_id).first()
    return TicketSurroundings(
        buckets=buckets, order_events=order_events, payments=payments, provisioning_job=job
    )


def attachment_for_staff(*, public_id: UUID | str) -> TicketAttachment:
    try:
        return TicketAttachment.objects.select_related("ticket").get(public_id=public_id)
    except (TicketAttachment.DoesNotExist, ValueError, ValidationError):
        raise TicketNotFound() from None


def saved_replies_for(*, language: str) -> list[tuple[SavedReply, str, str]]:
    """The saved replies offered for a ticket in `language`: (reply, title, text) in that
    language; a reply not yet written in it is offered in English, its title saying so."""
    offered = []
    title_field = build_localized_fieldname("title", language.lower())
    body_field = build_localized_fieldname("body", language.lower())
    for reply in SavedReply.objects.filter(active=True).order_by("title_en", "id"):
        title = getattr(reply, title_field, "") or ""
        body = getattr(reply, body_field, "") or ""
        if not body:
            title, body = f"{reply.title_en} (English)", reply.body_en or ""
        if body:
            offered.append((reply, title or reply.title_en, body))
    return offered
