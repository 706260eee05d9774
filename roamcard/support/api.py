"""API: the traveller's customer service — their tickets (list, open, read, close), writing
in a conversation with pictures (multipart), and downloading a picture. Owner only: anyone
else's ticket or picture is a 404 `ticket_not_found`; staff's internal notes never appear."""

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import get_language
from ninja import File, Form, Path, Query, Router, Schema, Status, UploadedFile
from pydantic import Field

from roamcard.core.api import InSchema, error_responses

from .models import Ticket, TicketAttachment, TicketMessage
from .selectors import (
    attachment_for_traveller,
    ticket_get_for,
    ticket_list_for,
    ticket_messages_for_traveller,
    ticket_unread_count_for,
)
from .services import (
    BODY_MAX,
    SUBJECT_MAX,
    ticket_close_by_traveller,
    ticket_mark_read_by_traveller,
    ticket_open,
    ticket_reply_by_traveller,
)
from .views import attachment_response

router = Router(tags=["customer service"])

TicketId = Annotated[UUID, Path(description="The ticket's `id`.")]
AttachmentId = Annotated[UUID, Path(description="The attachment's `id`.")]
Topic = Literal["account", "card", "renewal", "data", "refund", "other"]
LIMITS = (
    "Pictures: JPEG, PNG, WebP or GIF, judged by their content (not the name or the type "
    "sent); at most `SUPPORT_ATTACHMENT_MAX_FILES` (4) per message and "
    "`SUPPORT_ATTACHMENT_MAX_BYTES` (5 MB) each. A refused picture is 400 "
    "`attachment_rejected`, naming the file and why, and nothing is written. A request body "
    "far larger than that is refused unread: 413 `request_too_large`."
)


class AttachmentOut(Schema):
    id: UUID
    name: str = Field(description="The file name the traveller gave it.")
    content_type: str = Field(description="What the content was checked to be, e.g. `image/png`.")
    size: int = Field(description="Bytes.")
    width: int | None
    height: int | None
    url: str = Field(description="Where to download it (same authentication).")


class MessageOut(Schema):
    kind: Literal["traveller", "staff", "system"] = Field(
        description="`traveller`: the caller wrote it; `staff`: customer service; `system`: "
        "written by roamcard itself (e.g. a renewal that was not applied in time)."
    )
    body: str
    created_at: datetime
    attachments: list[AttachmentOut]


class TicketOut(Schema):
    id: UUID
    reference: str = Field(description="What to quote to customer service, e.g. `T-3F9A0C12`.")
    subject: str
    topic: Topic
    state: Literal["open", "answered", "closed"] = Field(
        description="`open`: waiting for customer service; `answered`: customer service "
        "answered; `closed`: solved (writing again opens it again)."
    )
    origin: Literal["traveller", "stuck_renewal", "staff"] = Field(
        description="Who opened it: the caller, roamcard (a paid renewal not applied in "
        "time), or customer service."
    )
    card_id: int | None
    order_id: UUID | None = Field(description="The order's number (`id` in `/orders`).")
    unread: bool = Field(description="Something the caller has not read yet.")
    created_at: datetime
    last_message_at: datetime | None
    closed_at: datetime | None


class TicketDetailOut(TicketOut):
    messages: list[MessageOut] = Field(description="Oldest first.")


class TicketListOut(Schema):
    unread: int = Field(description="How many of the caller's tickets have something unread.")
    tickets: list[TicketOut]


class TicketListQuery(Schema):
    limit: int = Field(50, ge=1, le=100)


class TicketIn(InSchema):
    subject: str = Field(max_length=SUBJECT_MAX, description="A few words.")
    body: str = Field(max_length=BODY_MAX, description="The first message.")
    topic: Topic = "other"
    card_id: Annotated[int, Field(ge=1, le=2**63 - 1)] | None = Field(
        None, description="One of the caller's cards."
    )
    order_id: UUID | None = Field(
        None, description="One of the caller's orders; its card comes with it."
    )


def _ticket_fields(ticket: Ticket) -> dict:
    return {
        "id": ticket.public_id,
        "reference": ticket.reference,
        "subject": ticket.subject,
        "topic": ticket.topic,
        "state": ticket.state,
        "origin": ticket.origin,
        "card_id": ticket.card_id,
        "order_id": ticket.order.public_id if ticket.order_id else None,
        "unread": ticket.is_unread,
        "created_at": ticket.created_at,
        "last_message_at": ticket.last_message_at,
        "closed_at": ticket.closed_at,
    }


def _attachment(request: HttpRequest, attachment: TicketAttachment) -> AttachmentOut:
    return AttachmentOut(
        id=attachment.public_id,
        name=attachment.original_name,
        content_type=attachment.content_type,
        size=attachment.size,
        width=attachment.width,
        height=attachment.height,
        url=request.build_absolute_uri(
            reverse("api:attachment_download", kwargs={"attachment_id": attachment.public_id})
        ),
    )


def _message(request: HttpRequest, message: TicketMessage) -> MessageOut:
    return MessageOut(
        kind=message.kind,
        body=message.body,
        created_at=message.created_at,
        attachments=[_attachment(request, a) for a in message.attachments.all()],
    )


def _detail(request: HttpRequest, ticket: Ticket) -> TicketDetailOut:
    return TicketDetailOut(
        **_ticket_fields(ticket),
        messages=[_message(request, m) for m in ticket_messages_for_traveller(ticket=ticket)],
    )


@router.get(
    "/tickets",
    response={200: TicketListOut, **error_responses(401, 422)},
    summary="The caller's tickets, latest conversation first",
)
def ticket_list(request: HttpRequest, query: Annotated[TicketListQuery, Query()]):
    tickets = list(ticket_list_for(traveller=request.auth)[: query.limit])
    return TicketListOut(
        unread=ticket_unread_count_for(traveller=request.auth),
        tickets=[TicketOut(**_ticket_fields(ticket)) for ticket in tickets],
    )


@router.post(
    "/tickets",
    response={201: TicketDetailOut, **error_responses(400, 401, 403, 422)},
    summary="Ask customer service",
)
def ticket_create(request: HttpRequest, payload: TicketIn):
    """Optionally about one of the caller's cards or orders; anyone else's is 400
    `invalid_input` on `card_id` / `order_id`. Pictures go with the next messages
    (`POST /support/tickets/{id}/messages`)."""
    ticket = ticket_open(
        traveller=request.auth,
        subject=payload.subject,
        body=payload.body,
        topic=payload.topic,
        card_id=payload.card_id,
        order_public_id=payload.order_id,
        language=get_language(),
    )
    return Status(201, _detail(request, ticket))


@router.get(
    "/tickets/{ticket_id}",
    response={200: TicketDetailOut, **error_responses(401, 404, 422)},
    summary="One of the caller's tickets, with its conversation",
)
def ticket_get(request: HttpRequest, ticket_id: TicketId):
    """Reading it marks what is in it read (`unread` turns false)."""
    ticket = ticket_get_for(traveller=request.auth, public_id=ticket_id)
    ticket_mark_read_by_traveller(ticket=ticket)
    return _detail(request, ticket)


@router.post(
    "/tickets/{ticket_id}/messages",
    response={201: TicketDetailOut, **error_responses(400, 401, 403, 404, 413, 422)},
    summary="Write in a conversation, with pictures",
    description=(
        "`multipart/form-data`: `body` (the text) and up to four `files`. Writing in a "
        "closed ticket opens it again. " + LIMITS
    ),
)
def ticket_message_add(
    request: HttpRequest,
    ticket_id: TicketId,
    body: Annotated[str, Form(min_length=1, max_length=BODY_MAX, description="The text.")],
    files: File[list[UploadedFile]] = None,  # type: ignore[assignment]
):
    ticket = ticket_get_for(traveller=request.auth, public_id=ticket_id)
    ticket_reply_by_traveller(ticket=ticket, traveller=request.auth, body=body, files=files or [])
    ticket.refresh_from_db()
    return Status(201, _detail(request, ticket))


@router.post(
    "/tickets/{ticket_id}/close",
    response={200: TicketDetailOut, **error_responses(401, 403, 404, 422)},
    summary="My problem is solved",
)
def ticket_close(request: HttpRequest, ticket_id: TicketId):
    """Closes the ticket; closing a closed one changes nothing. Writing again opens it."""
    ticket = ticket_get_for(traveller=request.auth, public_id=ticket_id)
    return _detail(request, ticket_close_by_traveller(ticket=ticket, traveller=request.auth))


_IMAGE = {"schema": {"type": "string", "format": "binary"}}


@router.get(
    "/attachments/{attachment_id}",
    response={**error_responses(401, 404, 422)},
    summary="Download a picture of one of the caller's conversations",
    openapi_extra={
        "responses": {
            200: {
                "description": "The picture, as the type it was checked to be.",
                "content": {
                    "image/jpeg": _IMAGE,
                    "image/png": _IMAGE,
                    "image/webp": _IMAGE,
                    "image/gif": _IMAGE,
                },
            }
        }
    },
)
def attachment_download(request: HttpRequest, attachment_id: AttachmentId):
    attachment = attachment_for_traveller(traveller=request.auth, public_id=attachment_id)
    return attachment_response(attachment)
