"""Customer service's queue in the back office.

The ticket list is the queue: filters (state, topic, origin, priority, assignee with "mine"
and "unassigned", language), search (reference, e-mail, phone, ICCID, order number), the
traveller waiting longest first with how long. A ticket's page is the conversation (notes
set apart), a reply form with the saved replies in the ticket's language, an internal note,
images, assign / close / reopen / priority and topic, and beside it the card's buckets, the
order's history, the payments' log and the provisioning job. Staff open a ticket on a
traveller's behalf from the list's "add" page.

Every button calls one service in support/services.py, which audits it (`ticket.<verb>`).
Seeing tickets needs the support.view_ticket permission; acting on them
support.change_ticket; opening one support.add_ticket."""

import uuid
from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import display

from roamcard.cards.models import Card
from roamcard.catalog.admin import FieldsetsTranslationAdmin
from roamcard.core.admin_audit import AuditedModelAdmin, request_ip
from roamcard.core.admin_display import Badge, choice_badge
from roamcard.core.errors import DomainError, InvalidInput
from roamcard.core.formatting import format_bytes
from roamcard.orders.models import Order

from .attachments import ACCEPT_ATTRIBUTE, max_bytes, max_files
from .choices import MessageKind, TicketPriority, TicketState, TicketTopic
from .errors import TicketNotFound
from .models import SavedReply, Ticket
from .selectors import (
    attachment_for_staff,
    saved_replies_for,
    ticket_messages_for_staff,
    ticket_queue_for_staff,
    ticket_surroundings,
)
from .services import (
    ticket_assign,
    ticket_classify,
    ticket_close,
    ticket_note_add,
    ticket_open_by_staff,
    ticket_reopen,
    ticket_reply_by_staff,
)

STATE_COLOURS = {
    TicketState.OPEN: "warning",
    TicketState.ANSWERED: "info",
    TicketState.CLOSED: "",
}
PRIORITY_COLOURS = {TicketPriority.NORMAL: "", TicketPriority.HIGH: "danger"}


class AssigneeFilter(admin.SimpleListFilter):
    title = _("assigned to")
    parameter_name = "assignee"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        colleagues = get_user_model().objects.filter(is_staff=True, is_active=True)
        return [
            ("mine", _("Me")),
            ("nobody", _("Nobody")),
            *((str(user.pk), str(user)) for user in colleagues.order_by("email")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value == "mine":
            return queryset.filter(assignee=request.user)
        if value == "nobody":
            return queryset.filter(assignee__isnull=True)
        if value and value.isdigit():
            return queryset.filter(assignee_id=int(value))
        return queryset


class LanguageFilter(admin.SimpleListFilter):
    title = _("language")
    parameter_name = "language"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return list(settings.LANGUAGES)

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(language=self.value()) if self.value() else queryset


def _uuid_prefix_range(term: str) -> tuple[uuid.UUID, uuid.UUID] | None:
    """The UUIDs whose hex starts with `term` (4 to 31 hex digits), as a range."""
    if 4 <= len(term) < 32 and all(c in "0123456789abcdef" for c in term):
        return uuid.UUID(term.ljust(32, "0")), uuid.UUID(term.ljust(32, "f"))
    return None


@admin.register(Ticket)
class TicketAdmin(ModelAdmin):
    list_display = (
        "reference",
        "subject",
        "traveller",
        "state_label",
        "priority_label",
        "topic",
        "origin",
        "assignee",
        "waiting",
        "last_message_at",
    )
    list_display_links = ("reference", "subject")
    list_filter = (
        "state",
        "topic",
        "origin",
        "priority",
        AssigneeFilter,
        LanguageFilter,
    )
    list_select_related = ("traveller", "assignee")
    search_fields = ("subject", "traveller__email", "traveller__phone", "card__iccid")
    search_help_text = _(
        "Reference (T-…), e-mail, phone, ICCID, or order number (full or the 8 characters on "
        "receipts)."
    )
    list_per_page = 50

    # --- the list ---

    def get_queryset(self, request: HttpRequest) -> QuerySet[Ticket]:
        return ticket_queue_for_staff()

    def get_ordering(self, request: HttpRequest) -> list[Any]:
        return list(ticket_queue_for_staff().query.order_by)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        """A ticket reference ("T-1A2B3C4D") and an order number (full, or the 8 characters
        of a receipt) match as well as the text fields."""
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip().lower()
        extra = Q()
        if term.startswith("t-"):
            bounds = _uuid_prefix_range(term[2:])
            if bounds:
                extra = Q(public_id__gte=bounds[0], public_id__lte=bounds[1])
        else:
            digits = term.replace("-", "")
            try:
                extra = Q(order__public_id=uuid.UUID(digits))
            except ValueError:
                bounds = _uuid_prefix_range(digits)
                if bounds:
                    extra = Q(order__public_id__gte=bounds[0], order__public_id__lte=bounds[1])
        if extra:
            queryset = queryset | self.get_queryset(request).filter(extra)
        return queryset, may_have_duplicates

    @display(description=_("reference"), ordering="public_id")
    def reference(self, ticket: Ticket) -> str:
        return ticket.reference

    @display(description=_("state"), ordering="state", label=STATE_COLOURS)
    def state_label(self, ticket: Ticket) -> Badge:
        return choice_badge(ticket, "state", STATE_COLOURS)

    @display(description=_("priority"), ordering="priority", label=PRIORITY_COLOURS)
    def priority_label(self, ticket: Ticket) -> Badge:
        return choice_badge(ticket, "priority", PRIORITY_COLOURS)

    @display(description=_("waiting for"), ordering="traveller_waiting_since")
    def waiting(self, ticket: Ticket) -> str:
        if ticket.traveller_waiting_since is None:
            return "—"
        return timesince(ticket.traveller_waiting_since, timezone.now(), depth=2)

    # --- permissions: tickets are records; they change through the ticket page only ---

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def _ticket(self, request: HttpRequest, object_id: str, *, act: bool = False) -> Ticket:
        allowed = self.has_change_permission(request) if act else self.has_view_permission(request)
        if not allowed:
            raise PermissionDenied
        ticket = self.get_object(request, unquote(object_id))
        if ticket is None:
            raise Http404
        return ticket

    # --- the ticket's page ---

    def get_urls(self) -> list[Any]:
        def view(handler: Any, suffix: str, route: str) -> Any:
            return path(route, self.admin_site.admin_view(handler), name=f"support_ticket_{suffix}")

        return [
            view(self.reply_view, "reply", "<path:object_id>/reply/"),
            view(self.note_view, "note", "<path:object_id>/note/"),
            view(self.assign_view, "assign", "<path:object_id>/assign/"),
            view(self.close_view, "close", "<path:object_id>/close/"),
            view(self.reopen_view, "reopen", "<path:object_id>/reopen/"),
            view(self.classify_view, "classify", "<path:object_id>/classify/"),
            view(self.attachment_view, "attachment", "attachment/<uuid:public_id>/"),
            *super().get_urls(),
        ]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        ticket = self._ticket(request, object_id)
        return self._detail(request, ticket, **(extra_context or {}))

    def _detail(self, request: HttpRequest, ticket: Ticket, **extra: Any) -> HttpResponse:
        replies = saved_replies_for(language=ticket.language)
        chosen = request.GET.get("saved_reply", "")
        draft = extra.pop("reply_draft", None)
        if draft is None:
            draft = next((text for reply, _title, text in replies if str(reply.pk) == chosen), "")
        surroundings = ticket_surroundings(ticket=ticket)
        return TemplateResponse(
            request,
            "admin/support/ticket/detail.html",
            {
                **self.admin_site.each_context(request),
                "title": f"{ticket.reference} · {ticket.subject}",
                "opts": self.model._meta,
                "original": ticket,
                "ticket": ticket,
                "state_badge": choice_badge(ticket, "state", STATE_COLOURS),
                "priority_badge": choice_badge(ticket, "priority", PRIORITY_COLOURS),
                "messages_list": ticket_messages_for_staff(ticket=ticket),
                "kinds": MessageKind,
                "may_act": self.has_change_permission(request),
                "saved_replies": replies,
                "chosen_reply": chosen,
                "reply_draft": draft,
                "note_draft": extra.pop("note_draft", ""),
                "close_draft": extra.pop("close_draft", ""),
                "errors": extra.pop("errors", {}),
                "colleagues": get_user_model()
                .objects.filter(is_staff=True, is_active=True)
                .order_by("email"),
                "priorities": TicketPriority.choices,
                "topics": TicketTopic.choices,
                "accept": ACCEPT_ATTRIBUTE,
                "max_files": max_files(),
                "max_bytes": max_bytes(),
                "language_name": dict(settings.LANGUAGES).get(ticket.language, ticket.language),
                "buckets": [_bucket_row(bucket) for bucket in surroundings.buckets],
                "order_events": surroundings.order_events,
                "payments": surroundings.payments,
                "job": surroundings.provisioning_job,
                "refund_url": _refund_url(ticket.order),
                **extra,
            },
        )

    def _act(
        self,
        request: HttpRequest,
        object_id: str,
        perform: Any,
        *,
        done: Any,
        draft_field: str = "",
    ) -> HttpResponse:
        """POST only: run the service; on success back to the ticket with a message, on bad
        input the ticket's page again with the error and what was typed kept."""
        ticket = self._ticket(request, object_id, act=True)
        if request.method != "POST":
            return redirect("admin:support_ticket_change", ticket.pk)
        try:
            perform(ticket)
        except DomainError as exc:
            errors = {draft_field or "form": _error_text(exc)}
            extra = {draft_field: request.POST.get("body", "")} if draft_field else {}
            response = self._detail(request, ticket, errors=errors, **extra)
            response.status_code = exc.status
            return response
        self.message_user(request, done, messages.SUCCESS)
        return redirect("admin:support_ticket_change", ticket.pk)

    def reply_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self._act(
            request,
            object_id,
            lambda ticket: ticket_reply_by_staff(
                ticket=ticket,
                staff=request.user,
                body=request.POST.get("body", ""),
                files=request.FILES.getlist("attachments"),
                ip_address=request_ip(request),
            ),
            done=_("Reply sent. The traveller is notified."),
            draft_field="reply_draft",
        )

    def note_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self._act(
            request,
            object_id,
            lambda ticket: ticket_note_add(
                ticket=ticket,
                staff=request.user,
                body=request.POST.get("body", ""),
                files=request.FILES.getlist("attachments"),
                ip_address=request_ip(request),
            ),
            done=_("Internal note added."),
            draft_field="note_draft",
        )

    def assign_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        def perform(ticket: Ticket) -> None:
            choice = request.POST.get("assignee", "")
            assignee = None
            if choice == "me":
                assignee = request.user
            elif choice:
                assignee = get_user_model().objects.filter(pk=choice if choice.isdigit() else 0)
                assignee = assignee.first()
                if assignee is None:
                    raise InvalidInput(gettext("Choose an active member of staff."))
            ticket_assign(
                ticket=ticket, staff=request.user, assignee=assignee, ip_address=request_ip(request)
            )

        return self._act(request, object_id, perform, done=_("Assignment saved."))

    def close_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self._act(
            request,
            object_id,
            lambda ticket: ticket_close(
                ticket=ticket,
                staff=request.user,
                body=request.POST.get("body", ""),
                ip_address=request_ip(request),
            ),
            done=_("Ticket closed."),
            draft_field="close_draft",
        )

    def reopen_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self._act(
            request,
            object_id,
            lambda ticket: ticket_reopen(
                ticket=ticket, staff=request.user, ip_address=request_ip(request)
            ),
            done=_("Ticket reopened."),
        )

    def classify_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self._act(
            request,
            object_id,
            lambda ticket: ticket_classify(
                ticket=ticket,
                staff=request.user,
                priority=request.POST.get("priority") or None,
                topic=request.POST.get("topic") or None,
                ip_address=request_ip(request),
            ),
            done=_("Priority and topic saved."),
        )

    def attachment_view(self, request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
        """An attached image, for staff who may see tickets (never served otherwise). Sent
        as an attachment with its checked type, so a browser never renders it as a page."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            attachment = attachment_for_staff(public_id=public_id)
        except TicketNotFound:
            raise Http404 from None
        inline = request.GET.get("inline") == "1"
        try:
            stream = attachment.file.open("rb")
        except FileNotFoundError:  # the row without its file (a restore without media)
            raise Http404 from None
        response = FileResponse(
            stream,
            content_type=attachment.content_type,
            as_attachment=not inline,
            filename=attachment.original_name,
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response

    # --- opening a ticket on a traveller's behalf ---

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        values = {
            name: request.POST.get(name, "").strip()
            for name in ("traveller", "subject", "body", "topic", "priority", "iccid", "order")
        }
        errors: dict[str, str] = {}
        status = 200
        if request.method == "POST":
            try:
                ticket = ticket_open_by_staff(
                    staff=request.user,
                    traveller=_find_traveller(values["traveller"]),
                    subject=values["subject"],
                    body=values["body"],
                    topic=values["topic"] or TicketTopic.OTHER,
                    priority=values["priority"] or TicketPriority.NORMAL,
                    card_id=_card_id(values["iccid"]),
                    order_public_id=_order_public_id(values["order"]),
                    files=request.FILES.getlist("attachments"),
                    ip_address=request_ip(request),
                )
            except DomainError as exc:
                errors = {name: " ".join(map(str, msgs)) for name, msgs in exc.fields.items()}
                if not errors:
                    errors["form"] = str(exc.message)
                status = exc.status
            else:
                self.message_user(
                    request,
                    gettext("Ticket %(reference)s opened; the traveller is notified.")
                    % {"reference": ticket.reference},
                    messages.SUCCESS,
                )
                return redirect("admin:support_ticket_change", ticket.pk)
        response = TemplateResponse(
            request,
            "admin/support/ticket/open.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Open a ticket for a traveller"),
                "opts": self.model._meta,
                "values": values,
                "errors": errors,
                "priorities": TicketPriority.choices,
                "topics": TicketTopic.choices,
                "accept": ACCEPT_ATTRIBUTE,
            },
        )
        response.status_code = status
        return response


def _error_text(exc: DomainError) -> str:
    details = [str(message) for messages_ in exc.fields.values() for message in messages_]
    return " ".join(details) or str(exc.message)


def _find_traveller(contact: str) -> Any:
    """The traveller with this e-mail address or phone number (exactly)."""
    user = None
    if contact:
        users = get_user_model().objects.filter(Q(email__iexact=contact) | Q(phone=contact))
        user = users.first() if users.count() == 1 else None
    if user is None:
        raise InvalidInput(
            fields={"traveller": [gettext("No traveller has this e-mail address or phone.")]}
        )
    return user


def _card_id(iccid: str) -> int | None:
    if not iccid:
        return None
    card = Card.objects.filter(iccid=iccid.replace(" ", "")).only("pk").first()
    return card.pk if card is not None else -1  # -1: not theirs, as the service says


def _order_public_id(number: str) -> Any:
    digits = number.strip().lower().replace("-", "")
    if not digits:
        return None
    bounds = _uuid_prefix_range(digits)
    if bounds:
        order = Order.objects.filter(public_id__gte=bounds[0], public_id__lte=bounds[1]).first()
        return order.public_id if order is not None else digits
    return digits


def _bucket_row(bucket: Any) -> dict[str, Any]:
    return {
        "bucket": bucket,
        "coverage": bucket.region.name,
        "remaining": gettext("unlimited")
        if bucket.is_unlimited
        else f"{format_bytes(bucket.bytes_remaining)} / {format_bytes(bucket.bytes_granted)}",
        "state": bucket.state,
    }


def _refund_url(order: Order | None) -> str:
    """Where staff refund the ticket's order, in full or in part: the order's "Refund…" page
    (amount, reason, a preview of the data it takes back, then confirmation)."""
    if order is None:
        return ""
    return reverse("admin:orders_order_refund", args=[order.pk])


@admin.register(SavedReply)
class SavedReplyAdmin(AuditedModelAdmin, FieldsetsTranslationAdmin):
    fieldsets = (
        (_("Title in each language"), {"fields": ("title",)}),
        (_("Text in each language"), {"fields": ("body",)}),
        (None, {"fields": ("topic", "active")}),
    )
    list_display = ("title", "topic", "active", "updated_at")
    list_filter = ("topic", "active")
    search_fields = ("title_en", "body_en")
