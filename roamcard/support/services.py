"""Writing tickets. Every change of a conversation goes through one function here; views,
the API, the back office and the escalation sweep only call them."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from roamcard.cards.models import Card
from roamcard.core.errors import InvalidInput
from roamcard.orders.models import Order

from .attachments import CheckedImage, attachments_check
from .choices import MessageKind, TicketOrigin, TicketState, TicketTopic
from .errors import TicketClosed
from .models import Ticket, TicketAttachment, TicketMessage

SUBJECT_MAX = 150
BODY_MAX = 5000


def ticket_open(
    *,
    traveller: Any,
    subject: str,
    body: str,
    topic: str = TicketTopic.OTHER,
    card_id: int | None = None,
    order_public_id: Any = None,
    files: list[Any] | None = None,
    language: str | None = None,
) -> Ticket:
    """A traveller asks customer service; optionally about one of their own cards or orders
    (someone else's is refused as if it did not exist). Nothing is written unless the whole
    message, its attachments included, is acceptable."""
    subject = _clean_subject(subject)
    body = _clean_body(body)
    if topic not in TicketTopic.values:
        raise InvalidInput(fields={"topic": [_("Please choose a topic.")]})
    card = _own_card(traveller=traveller, card_id=card_id)
    order = _own_order(traveller=traveller, public_id=order_public_id)
    if card is None and order is not None:
        card = order.card
    images = attachments_check(files or [])
    now = timezone.now()
    with transaction.atomic():
        ticket = Ticket.objects.create(
            traveller=traveller,
            subject=subject,
            topic=topic,
            card=card,
            order=order,
            origin=TicketOrigin.TRAVELLER,
            language=language or _traveller_language(traveller),
            last_message_at=now,
            traveller_waiting_since=now,
        )
        _message_add(
            ticket=ticket, kind=MessageKind.TRAVELLER, author=traveller, body=body, images=images
        )
    return ticket


def ticket_reply_by_traveller(
    *, ticket: Ticket, traveller: Any, body: str, files: list[Any] | None = None
) -> TicketMessage:
    """The traveller writes again. A closed conversation opens again: the traveller is never
    told to start over."""
    if ticket.traveller_id != traveller.pk:
        raise TicketClosed()  # never reached through our views: they only find own tickets
    body = _clean_body(body)
    images = attachments_check(files or [])
    now = timezone.now()
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        message = _message_add(
            ticket=ticket, kind=MessageKind.TRAVELLER, author=traveller, body=body, images=images
        )
        ticket.state = TicketState.OPEN
        ticket.closed_at = None
        ticket.last_message_at = now
        ticket.traveller_waiting_since = ticket.traveller_waiting_since or now
        ticket.save(
            update_fields=[
                "state",
                "closed_at",
                "last_message_at",
                "traveller_waiting_since",
                "updated_at",
            ]
        )
    return message


def _message_add(
    *,
    ticket: Ticket,
    kind: str,
    author: Any,
    body: str,
    images: list[CheckedImage] = (),  # type: ignore[assignment]
) -> TicketMessage:
    message = TicketMessage.objects.create(ticket=ticket, kind=kind, author=author, body=body)
    for image in images:
        attachment = TicketAttachment(
            ticket=ticket,
            message=message,
            original_name=image.original_name,
            content_type=image.content_type,
            size=image.size,
            width=image.width,
            height=image.height,
        )
        attachment.file.save("upload", image.upload, save=False)
        attachment.save()
    return message


def _clean_subject(subject: str) -> str:
    subject = " ".join((subject or "").split())
    if not subject:
        raise InvalidInput(fields={"subject": [_("Please say in a few words what it is about.")]})
    if len(subject) > SUBJECT_MAX:
        raise InvalidInput(
            fields={
                "subject": [
                    _("Please keep the subject under %(max)d characters.") % {"max": SUBJECT_MAX}
                ]
            }
        )
    return subject


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise InvalidInput(fields={"body": [_("Please write your message.")]})
    if len(body) > BODY_MAX:
        raise InvalidInput(
            fields={
                "body": [_("Please keep a message under %(max)d characters.") % {"max": BODY_MAX}]
            }
        )
    return body


def _own_card(*, traveller: Any, card_id: int | None) -> Card | None:
    if card_id in (None, ""):
        return None
    card = Card.objects.filter(pk=card_id, owner=traveller).first()
    if card is None:
        raise InvalidInput(fields={"card": [_("This is not one of your cards.")]})
    return card


def _own_order(*, traveller: Any, public_id: Any) -> Order | None:
    if public_id in (None, ""):
        return None
    try:
        order = (
            Order.objects.select_related("card").filter(public_id=public_id, user=traveller).first()
        )
    except (ValueError, TypeError, ValidationError):  # a malformed order number
        order = None
    if order is None:
        raise InvalidInput(fields={"order": [_("This is not one of your orders.")]})
    return order


def _traveller_language(traveller: Any) -> str:
    return getattr(traveller, "preferred_language", "") or get_language() or "en"
