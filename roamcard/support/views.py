"""The traveller's customer service pages: their questions, asking a new one, a
conversation (reply, "my problem is solved"), and downloading an attachment. Thin: parse,
call one selector or service, render. A ticket or attachment that is not the traveller's
is a 404."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from roamcard.core.errors import InvalidInput

from .attachments import max_files
from .choices import TicketTopic
from .errors import TicketNotFound
from .forms import ReplyForm, TicketForm
from .models import Ticket
from .selectors import (
    attachment_for_traveller,
    ticket_card_choices_for,
    ticket_get_for,
    ticket_list_with_last_message_for,
    ticket_messages_for_traveller,
    ticket_order_choices_for,
)
from .services import (
    ticket_close_by_traveller,
    ticket_mark_read_by_traveller,
    ticket_open,
    ticket_reply_by_traveller,
)

# Where a question comes from decides the topic it starts with.
_TOPIC_FOR_ORDER = TicketTopic.RENEWAL
_TOPIC_FOR_CARD = TicketTopic.CARD


def _own_ticket(request: HttpRequest, public_id: uuid.UUID) -> Ticket:
    try:
        return ticket_get_for(traveller=request.user, public_id=public_id)
    except TicketNotFound as exc:
        raise Http404(str(exc.message)) from exc


@login_required
@require_http_methods(["GET"])
def ticket_list_view(request: HttpRequest) -> HttpResponse:
    tickets = ticket_list_with_last_message_for(traveller=request.user)
    return render(request, "support/ticket_list.html", {"tickets": tickets})


def _initial(request: HttpRequest) -> dict:
    """Prefilled from where the traveller came: `?card=<id>`, `?order=<number>`, `?topic=`."""
    card, order = request.GET.get("card", ""), request.GET.get("order", "")
    topic = request.GET.get("topic", "")
    if topic not in TicketTopic.values:
        topic = _TOPIC_FOR_ORDER if order else _TOPIC_FOR_CARD if card else ""
    return {"card": card, "order": order, "topic": topic}


@login_required
@require_http_methods(["GET", "POST"])
def ticket_new_view(request: HttpRequest) -> HttpResponse:
    initial = _initial(request)
    form = TicketForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        cards=ticket_card_choices_for(traveller=request.user),
        orders=ticket_order_choices_for(
            traveller=request.user, also=request.POST.get("order") or initial["order"]
        ),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ticket = ticket_open(
                traveller=request.user,
                subject=data["subject"],
                body=data["body"],
                topic=data["topic"],
                card_id=data["card"] or None,
                order_public_id=data["order"] or None,
                files=data["images"],
                language=request.LANGUAGE_CODE,
            )
        except InvalidInput as exc:
            form.add_service_errors(exc)
        else:
            messages.success(
                request,
                _("Thank you. Customer service will answer here; we will let you know."),
            )
            return redirect("support:ticket_detail", public_id=ticket.public_id)
    return render(
        request,
        "support/ticket_new.html",
        {"form": form, "max_files": max_files()},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def ticket_detail_view(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    ticket = _own_ticket(request, public_id)
    form = ReplyForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        reopens = ticket.is_closed
        try:
            ticket_reply_by_traveller(
                ticket=ticket,
                traveller=request.user,
                body=form.cleaned_data["body"],
                files=form.cleaned_data["images"],
            )
        except InvalidInput as exc:
            form.add_service_errors(exc)
        else:
            messages.success(
                request,
                _("Your answer is sent; the conversation is open again.")
                if reopens
                else _("Your answer is sent."),
            )
            return redirect("support:ticket_detail", public_id=ticket.public_id)
    unread = ticket.is_unread
    ticket_mark_read_by_traveller(ticket=ticket)
    return render(
        request,
        "support/ticket_detail.html",
        {
            "ticket": ticket,
            "conversation": ticket_messages_for_traveller(ticket=ticket),
            "form": form,
            "was_unread": unread,
            "max_files": max_files(),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def ticket_close_view(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    ticket = _own_ticket(request, public_id)
    if not ticket.is_closed:
        ticket_close_by_traveller(ticket=ticket, traveller=request.user)
        messages.success(request, _("Glad it is solved. If it comes back, just write here again."))
    return redirect("support:ticket_detail", public_id=ticket.public_id)


@login_required
@require_http_methods(["GET"])
def attachment_view(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """An attachment of the traveller's own conversation, as the type it was checked to be;
    nobody else learns it exists."""
    try:
        attachment = attachment_for_traveller(traveller=request.user, public_id=public_id)
    except TicketNotFound as exc:
        raise Http404(str(exc.message)) from exc
    return attachment_response(attachment)


def attachment_response(attachment) -> FileResponse:
    """The stored file with the type we checked, a harmless file name, never sniffed into
    something else, cached only by the reader's own browser. Shared with the API."""
    try:
        stream = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404(str(TicketNotFound.message)) from exc
    response = FileResponse(
        stream,
        content_type=attachment.content_type,
        filename=_safe_file_name(attachment.original_name, attachment.extension),
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Nothing inside an image may run or load anything, even opened on its own.
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    patch_cache_control(response, private=True, max_age=3600)
    patch_vary_headers(response, ["Cookie", "Authorization"])
    return response


def _safe_file_name(name: str, extension: str) -> str:
    """The traveller's name for the file, without anything a header or a file system would
    read as more than a name, and ending in the extension of what it really is."""
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = "".join(ch for ch in stem if ch.isprintable() and ch not in '"\\/:*?<>|;').strip(" .")
    return f"{(stem or 'image')[:100]}.{extension}"
