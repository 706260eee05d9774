from django.utils.translation import gettext_lazy as _

from roamcard.core.errors import DomainError, InvalidInput, NotFound


class TicketNotFound(NotFound):
    code = "ticket_not_found"
    message = _("Ticket not found.")


class AttachmentRejected(InvalidInput):
    code = "attachment_rejected"
    message = _("This file cannot be attached.")


class TicketClosed(DomainError):
    code = "ticket_closed"
    status = 409
    message = _("This conversation is closed.")
