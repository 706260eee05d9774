"""Writing tickets. Every change of a conversation goes through one function here; views,
the API, the back office and the escalation sweep only call them."""

import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from modeltranslation.utils import build_localized_fieldname

from roamcard.cards.models import Card
from roamcard.core.audit import audit_record
from roamcard.core.errors import InvalidInput
from roamcard.orders.models import Order

from . import notifications
from .attachments import CheckedImage, attachments_check
from .choices import MessageKind, TicketOrigin, TicketPriority, TicketState, TicketTopic
from .errors import TicketClosed, TicketNotFound
from .models import SavedReply, Ticket, TicketAttachment, TicketMessage
from .standard_replies import STANDARD_REPLIES

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
    card, order = _what_it_is_about(
        traveller=traveller, card_id=card_id, order_public_id=order_public_id
    )
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
            traveller_read_at=now,
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
        ticket.traveller_read_at = now  # answering means they read what came before
        ticket.save(
            update_fields=[
                "state",
                "closed_at",
                "last_message_at",
                "traveller_waiting_since",
                "traveller_read_at",
                "updated_at",
            ]
        )
    return message


def ticket_close_by_traveller(*, ticket: Ticket, traveller: Any) -> Ticket:
    """ "My problem is solved": the conversation closes and leaves the staff queue. Writing
    again opens it again. Closing a closed ticket changes nothing."""
    if ticket.traveller_id != traveller.pk:
        raise TicketNotFound()  # never reached through our views: they only find own tickets
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if ticket.state == TicketState.CLOSED:
            return ticket
        now = timezone.now()
        ticket.state = TicketState.CLOSED
        ticket.closed_at = now
        ticket.traveller_waiting_since = None
        ticket.traveller_read_at = now
        ticket.save(
            update_fields=[
                "state",
                "closed_at",
                "traveller_waiting_since",
                "traveller_read_at",
                "updated_at",
            ]
        )
    return ticket


def ticket_mark_read_by_traveller(*, ticket: Ticket) -> None:
    """The traveller has the conversation in front of them: nothing in it is unread any more.
    Writes only when something was unread, so reloading the page costs no write."""
    if not ticket.is_unread:
        return
    now = timezone.now()
    Ticket.objects.filter(pk=ticket.pk).update(traveller_read_at=now)
    ticket.traveller_read_at = now


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


def _what_it_is_about(
    *, traveller: Any, card_id: int | None, order_public_id: Any
) -> tuple[Card | None, Order | None]:
    """The traveller's own card and order a ticket is about; an order brings its card."""
    card = _own_card(traveller=traveller, card_id=card_id)
    order = _own_order(traveller=traveller, public_id=order_public_id)
    if card is None and order is not None:
        card = order.card
    return card, order


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


# --- Staff ---
#
# Every staff change of a ticket locks its row, writes, and records an audit event
# (`ticket.<verb>`, with the staff member and their IP address). What the traveller is told
# is queued in the same transaction and sent once it commits; internal notes are never told.


def _ticket_lock(ticket: Ticket) -> Ticket:
    return (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("traveller", "card", "order")
        .get(pk=ticket.pk)
    )


def _audit(
    *, staff: Any, verb: str, ticket: Ticket, ip_address: str | None, **details: Any
) -> None:
    audit_record(
        actor=staff,
        action=f"ticket.{verb}",
        obj=ticket,
        details={"reference": ticket.reference, **details},
        ip_address=ip_address,
    )


def ticket_reply_by_staff(
    *,
    ticket: Ticket,
    staff: Any,
    body: str,
    files: list[Any] | None = None,
    ip_address: str | None = None,
) -> TicketMessage:
    """Customer service answers. The ticket is answered (waiting for the traveller, who is
    told on the channels they chose); a closed one stays closed, so a last word after closing
    does not reopen it."""
    body = _clean_body(body)
    images = attachments_check(files or [])
    now = timezone.now()
    with transaction.atomic():
        ticket = _ticket_lock(ticket)
        message = _message_add(
            ticket=ticket, kind=MessageKind.STAFF, author=staff, body=body, images=images
        )
        if ticket.state != TicketState.CLOSED:
            ticket.state = TicketState.ANSWERED
        ticket.last_message_at = now
        ticket.traveller_waiting_since = None
        if ticket.assignee_id is None:
            ticket.assignee = staff  # whoever answers first owns it, unless someone already does
        ticket.save(
            update_fields=[
                "state",
                "last_message_at",
                "traveller_waiting_since",
                "assignee",
                "updated_at",
            ]
        )
        _audit(
            staff=staff,
            verb="reply",
            ticket=ticket,
            ip_address=ip_address,
            message=message.pk,
            attachments=len(images),
        )
        notifications.notify_staff_reply(ticket=ticket, message=message)
    return message


def ticket_note_add(
    *,
    ticket: Ticket,
    staff: Any,
    body: str,
    files: list[Any] | None = None,
    ip_address: str | None = None,
) -> TicketMessage:
    """An internal note for colleagues: the traveller never sees it and is never told; the
    ticket's state and waiting time do not change."""
    body = _clean_body(body)
    images = attachments_check(files or [])
    with transaction.atomic():
        ticket = _ticket_lock(ticket)
        message = _message_add(
            ticket=ticket, kind=MessageKind.NOTE, author=staff, body=body, images=images
        )
        _audit(
            staff=staff,
            verb="note",
            ticket=ticket,
            ip_address=ip_address,
            message=message.pk,
            attachments=len(images),
        )
    return message


def ticket_assign(
    *, ticket: Ticket, staff: Any, assignee: Any | None, ip_address: str | None = None
) -> Ticket:
    """Give the ticket to a member of staff (oneself, a colleague) or to nobody."""
    if assignee is not None and not (assignee.is_staff and assignee.is_active):
        raise InvalidInput(fields={"assignee": [_("Choose an active member of staff.")]})
    with transaction.atomic():
        ticket = _ticket_lock(ticket)
        before = ticket.assignee_id
        ticket.assignee = assignee
        ticket.save(update_fields=["assignee", "updated_at"])
        _audit(
            staff=staff,
            verb="assign",
            ticket=ticket,
            ip_address=ip_address,
            assignee_before=before,
            assignee=assignee.pk if assignee is not None else None,
        )
    return ticket


def ticket_close(
    *, ticket: Ticket, staff: Any, body: str = "", ip_address: str | None = None
) -> Ticket:
    """Close the conversation, optionally with a last message to the traveller (who is then
    told it is resolved). Closing a closed ticket changes nothing but may still add the
    message."""
    body = (body or "").strip()
    if body:
        body = _clean_body(body)
    now = timezone.now()
    with transaction.atomic():
        ticket = _ticket_lock(ticket)
        message = None
        if body:
            message = _message_add(ticket=ticket, kind=MessageKind.STAFF, author=staff, body=body)
            ticket.last_message_at = now
        was = ticket.state
        ticket.state = TicketState.CLOSED
        ticket.closed_at = ticket.closed_at if was == TicketState.CLOSED else now
        ticket.traveller_waiting_since = None
        ticket.save(
            update_fields=[
                "state",
                "closed_at",
                "last_message_at",
                "traveller_waiting_since",
                "updated_at",
            ]
        )
        _audit(
            staff=staff,
            verb="close",
            ticket=ticket,
            ip_address=ip_address,
            state_before=was,
            message=message.pk if message else None,
        )
        if message is not None:
            notifications.notify_resolved(ticket=ticket, message=message)
    return ticket


def ticket_reopen(*, ticket: Ticket, staff: Any, ip_address: str | None = None) -> Ticket:
    """Open a closed conversation again (it waits for staff, as a new one does)."""
    with transaction.atomic():
        ticket = _ticket_lock(ticket)
        was = ticket.state
        if was == TicketState.CLOSED:
            ticket.state = TicketState.OPEN
            ticket.closed_at = None
            ticket.save(update_fields=["state", "closed_at", "updated_at"])
        _audit(staff=staff, verb="reopen", ticket=ticket, ip_address=ip_address, state_before=was)
    return ticket


def ticket_classify(
    *,
    ticket: Ticket,
    staff: Any,
    priority: str | None = None,
    topic: str | None = None,
    ip_address: str | None = None,
) -> Ticket:
    """Change the ticket's priority and/or topic (None keeps it)."""
    errors: dict[str, list[str]] = {}
    if priority is not None and priority not in TicketPriority.values:
        errors["priority"] = [_("Choose one of the allowed values.")]
    if topic is not None and topic not in TicketTopic.values:
        errors["topic"] = [_("Please choose a topic.")]
    if errors:
        raise InvalidInput(fields=errors)
    with transaction.atomic():
        ticket = _ticket_lock(ticket)
        changes = {}
        for field, value in (("priority", priority), ("topic", topic)):
            if value is not None and getattr(ticket, field) != value:
                changes[field] = [getattr(ticket, field), value]
                setattr(ticket, field, value)
        if changes:
            ticket.save(update_fields=[*changes, "updated_at"])
            _audit(staff=staff, verb="classify", ticket=ticket, ip_address=ip_address, **changes)
    return ticket


def ticket_open_by_staff(
    *,
    staff: Any,
    traveller: Any,
    subject: str,
    body: str,
    topic: str = TicketTopic.OTHER,
    priority: str = TicketPriority.NORMAL,
    card_id: int | None = None,
    order_public_id: Any = None,
    files: list[Any] | None = None,
    ip_address: str | None = None,
) -> Ticket:
    """Staff write to a traveller first (after a phone call, say): the ticket is theirs,
    answered (waiting for the traveller), assigned to whoever opened it, and the traveller
    is told. A card or an order must be the traveller's own."""
    subject = _clean_subject(subject)
    body = _clean_body(body)
    errors: dict[str, list[str]] = {}
    if topic not in TicketTopic.values:
        errors["topic"] = [_("Please choose a topic.")]
    if priority not in TicketPriority.values:
        errors["priority"] = [_("Choose one of the allowed values.")]
    if errors:
        raise InvalidInput(fields=errors)
    card, order = _what_it_is_about(
        traveller=traveller, card_id=card_id, order_public_id=order_public_id
    )
    images = attachments_check(files or [])
    now = timezone.now()
    with transaction.atomic():
        ticket = Ticket.objects.create(
            traveller=traveller,
            subject=subject,
            topic=topic,
            priority=priority,
            card=card,
            order=order,
            origin=TicketOrigin.STAFF,
            state=TicketState.ANSWERED,
            assignee=staff,
            language=_traveller_language(traveller),
            last_message_at=now,
        )
        message = _message_add(
            ticket=ticket, kind=MessageKind.STAFF, author=staff, body=body, images=images
        )
        _audit(
            staff=staff,
            verb="open",
            ticket=ticket,
            ip_address=ip_address,
            traveller=traveller.pk,
            message=message.pk,
        )
        notifications.notify_staff_reply(ticket=ticket, message=message)
    return ticket


# --- Saved replies ---

# An access point name as networks write them: letters, digits, dots, hyphens, underscores.
APN_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


@dataclass
class SavedRepliesLoaded:
    created: list[str]
    kept: list[str]


def saved_replies_load(*, apn: str) -> SavedRepliesLoaded:
    """Adds the saved replies roamcard ships (standard_replies.py) that are missing, in every
    language, with `apn` in the APN reply. One already loaded is left exactly as staff have
    it, edited, switched off or not: loading again never overwrites their work. Found by its
    key, so several loads at once add each reply once."""
    apn = (apn or "").strip()
    if not APN_PATTERN.fullmatch(apn):
        message = _("An APN is letters, digits, dots and hyphens, like internet.example.")
        raise InvalidInput(message, fields={"apn": [message]})
    languages = [code for code, _name in settings.LANGUAGES]
    loaded = SavedRepliesLoaded(created=[], kept=[])
    existing = set(
        SavedReply.objects.filter(key__in=[r.key for r in STANDARD_REPLIES]).values_list(
            "key", flat=True
        )
    )
    for reply in STANDARD_REPLIES:
        if reply.key in existing:
            loaded.kept.append(reply.key)
            continue
        texts: dict[str, str] = {}
        for language in languages:
            if language in reply.title:
                texts[build_localized_fieldname("title", language)] = reply.title[language]
                texts[build_localized_fieldname("body", language)] = reply.body[language].replace(
                    "{apn}", apn
                )
        try:
            with transaction.atomic():
                SavedReply.objects.create(key=reply.key, topic=reply.topic, **texts)
        except IntegrityError:  # another load added it meanwhile
            loaded.kept.append(reply.key)
        else:
            loaded.created.append(reply.key)
    return loaded
