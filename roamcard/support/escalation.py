"""Stuck renewals escalate themselves (docs/decisions/0012-customer-service.md).

An order paid but not fulfilled SUPPORT_ESCALATE_AFTER_MINUTES after its payment opens a
ticket on the traveller's behalf: high priority, about the renewal, with a message telling
the traveller (in their language) that we noticed and are on it, and an internal note for
staff with what the provisioning job has tried. One such ticket per order, whatever the
number of sweeps running at once (a partial unique constraint, and the order's row locked
while it is opened).

When the order is settled — fulfilled or refunded — its escalation gets an automatic
message saying so and is closed, and the traveller is told. The renewal flow names the
job ORDER_SETTLED_JOB as soon as it happens; the minute sweep is the safety net for a job
that was lost."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Value
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from roamcard.core.audit import audit_record
from roamcard.core.formatting import format_local_datetime
from roamcard.orders.choices import OrderState
from roamcard.orders.models import Order
from roamcard.orders.services import order_lock
from roamcard.payments.selectors import payment_that_paid, refund_of_order
from roamcard.provisioning.models import ProvisioningJob

from . import notifications
from .choices import MessageKind, TicketOrigin, TicketPriority, TicketState, TicketTopic
from .models import Ticket
from .services import _message_add

logger = logging.getLogger(__name__)

# Named by the renewal flow when an order is fulfilled or refunded; registered in tasks.py.
ORDER_SETTLED_JOB = "support.order_settled"
SETTLED_STATES = (OrderState.FULFILLED, OrderState.REFUNDED)
NOT_CLOSED = (TicketState.OPEN, TicketState.ANSWERED)
ESCALATE, SETTLE = "escalate", "settle"


@dataclass
class EscalationSweepReport:
    escalated: int = 0
    settled: int = 0


def escalation_work_due(*, now: datetime) -> list[tuple[int, str]]:
    """(order id, step) for every order to escalate or whose escalation to settle, in one
    statement: the paid orders older than the limit without an escalation (through the
    orders' state index; paid is a passing state, so there are few) and the escalations
    still open whose order is settled (through the partial index of open escalations)."""
    cutoff = now - timedelta(minutes=settings.SUPPORT_ESCALATE_AFTER_MINUTES)
    escalations = Ticket.objects.filter(order=OuterRef("pk"), origin=TicketOrigin.STUCK_RENEWAL)
    to_escalate = (
        Order.objects.filter(state=OrderState.PAID, paid_at__lte=cutoff)
        .exclude(Exists(escalations))
        .order_by()
        .annotate(step=Value(ESCALATE))
        .values_list("pk", "step")
    )
    to_settle = (
        Ticket.objects.filter(
            origin=TicketOrigin.STUCK_RENEWAL,
            state__in=NOT_CLOSED,
            order__state__in=SETTLED_STATES,
        )
        .order_by()
        .annotate(step=Value(SETTLE))
        .values_list("order_id", "step")
    )
    return list(to_escalate.union(to_settle, all=True))


def escalation_sweep(*, now: datetime | None = None) -> EscalationSweepReport:
    """Every minute (tasks.py): open what is stuck, settle what was settled meanwhile.
    Safe to run in any number of processes at once."""
    now = now or timezone.now()
    report = EscalationSweepReport()
    for order_id, step in escalation_work_due(now=now):
        if step == ESCALATE:
            report.escalated += escalation_open(order_id=order_id, now=now) is not None
        else:
            report.settled += escalation_settle(order_id=order_id) is not None
    return report


def escalation_open(*, order_id: int, now: datetime | None = None) -> Ticket | None:
    """Open the order's escalation if it is still paid and not fulfilled after the limit
    and has none yet; the ticket, or None when there is nothing (more) to open."""
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.SUPPORT_ESCALATE_AFTER_MINUTES)
    with transaction.atomic():
        # The order's row, locked: a fulfilment (which locks it too) waits for this ticket
        # and then settles it, or has happened and nothing is opened.
        order = order_lock(order_id=order_id)
        if order.state != OrderState.PAID or order.paid_at is None or order.paid_at > cutoff:
            return None
        if Ticket.objects.filter(order=order, origin=TicketOrigin.STUCK_RENEWAL).exists():
            return None
        traveller = order.user
        language = traveller.preferred_language or settings.LANGUAGE_CODE
        try:
            with transaction.atomic():  # a savepoint: losing the race leaves the order locked
                ticket = Ticket.objects.create(
                    traveller=traveller,
                    subject=_in(language, _escalation_subject, order),
                    topic=TicketTopic.RENEWAL,
                    card=order.card,
                    order=order,
                    origin=TicketOrigin.STUCK_RENEWAL,
                    priority=TicketPriority.HIGH,
                    language=language,
                    last_message_at=now,
                    # The traveller has been waiting since they paid: the queue says so.
                    traveller_waiting_since=order.paid_at,
                )
        except IntegrityError:
            return None  # another sweep opened it
        message = _message_add(
            ticket=ticket,
            kind=MessageKind.SYSTEM,
            author=None,
            body=_in(language, _escalation_message, order),
        )
        _message_add(
            ticket=ticket,
            kind=MessageKind.NOTE,
            author=None,
            body=_in(settings.LANGUAGE_CODE, _provisioning_note, order, now),
        )
        audit_record(
            actor=None,
            action="ticket.escalate",
            obj=ticket,
            details={"reference": ticket.reference, "order": str(order.public_id)},
        )
        notifications.notify_escalated(ticket=ticket, message=message)
    logger.warning("Order %s paid but not applied: escalated as %s", order.pk, ticket.reference)
    return ticket


def escalation_settle(*, order_id: int) -> Ticket | None:
    """The order's open escalation, once the order is fulfilled or refunded: an automatic
    message saying which, closed, the traveller told. None when there is none to settle
    (no escalation, already closed, or the order still waiting)."""
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("traveller", "card")
            .filter(order_id=order_id, origin=TicketOrigin.STUCK_RENEWAL, state__in=NOT_CLOSED)
            .first()
        )
        if ticket is None:
            return None
        order = Order.objects.select_related("bucket", "card", "user").get(pk=order_id)
        if order.state == OrderState.FULFILLED:
            body = _in(ticket.language, _applied_message, order)
        elif order.state == OrderState.REFUNDED:
            body = _in(ticket.language, _refunded_message, order)
        else:
            return None
        now = timezone.now()
        message = _message_add(ticket=ticket, kind=MessageKind.SYSTEM, author=None, body=body)
        ticket.state = TicketState.CLOSED
        ticket.closed_at = now
        ticket.last_message_at = now
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
        audit_record(
            actor=None,
            action="ticket.settle",
            obj=ticket,
            details={"reference": ticket.reference, "order_state": order.state},
        )
        notifications.notify_resolved(ticket=ticket, message=message)
    return ticket


# --- the texts, each written in one language ---


def _in(language: str, write: Any, *args: Any) -> str:
    with translation.override(language):
        return write(*args)


def _card_name(order: Order) -> str:
    return order.card.label or order.card.iccid_masked


def _local(order: Order, moment: datetime | None) -> str:
    user = order.user
    return format_local_datetime(
        moment, language=translation.get_language(), zone=user.time_zone or "UTC"
    )


def _escalation_subject(order: Order) -> str:
    return _("Renewal not applied yet: %(plan)s for %(card)s") % {
        "plan": order.plan_title,
        "card": _card_name(order),
    }


def _escalation_message(order: Order) -> str:
    return _(
        "We noticed that your renewal has not been applied yet: %(plan)s for your card "
        "%(card)s, paid at %(paid_at)s (order %(number)s). We are on it and will write here "
        "as soon as it is applied. You do not need to do anything or pay again."
    ) % {
        "plan": order.plan_title,
        "card": _card_name(order),
        "paid_at": _local(order, order.paid_at),
        "number": order.short_id,
    }


def _applied_message(order: Order) -> str:
    bucket = order.bucket
    values = {"plan": order.plan_title, "card": _card_name(order)}
    if bucket is not None and bucket.valid_until is not None:
        return _(
            "Your renewal is now applied: %(plan)s on your card %(card)s, valid until "
            "%(until)s. Sorry for the wait."
        ) % {**values, "until": _local(order, bucket.valid_until)}
    return (
        _(
            "Your renewal is now applied: %(plan)s on your card %(card)s. Its validity starts "
            "when you first use data in a country it covers. Sorry for the wait."
        )
        % values
    )


def _refunded_message(order: Order) -> str:
    refund = refund_of_order(order_id=order.pk)
    money = refund.money if refund is not None else order.money
    return _(
        "We could not apply %(plan)s to your card %(card)s, so we refunded %(amount)s to the "
        "payment method you used. Depending on your bank, it takes a few days to show. "
        "Sorry for the trouble."
    ) % {
        "plan": order.plan_title,
        "card": _card_name(order),
        "amount": money.format(translation.get_language()),
    }


def _provisioning_note(order: Order, now: datetime) -> str:
    """For staff: what the network was asked and what it answered, and the payment."""
    job = ProvisioningJob.objects.filter(order=order).first()
    payment = payment_that_paid(order_id=order.pk)
    waited = int((now - order.paid_at).total_seconds() // 60)
    lines = [
        _("Paid %(minutes)d minutes ago and still not applied (escalated automatically).")
        % {"minutes": waited}
    ]
    if payment is not None:
        lines.append(
            _("Payment: %(amount)s by %(gateway)s/%(method)s, reference %(reference)s.")
            % {
                "amount": payment.money.format(translation.get_language()),
                "gateway": payment.gateway,
                "method": payment.method,
                "reference": payment.gateway_reference or "—",
            }
        )
    if job is None:
        lines.append(_("Provisioning job: none recorded yet (the janitor records it)."))
    else:
        lines.append(
            _("Provisioning job: %(state)s after %(attempts)d attempt(s).")
            % {"state": job.get_state_display(), "attempts": job.attempts}
        )
        if job.last_error:
            lines.append(_("Last error from the network: %(error)s") % {"error": job.last_error})
        if job.next_attempt_at:
            lines.append(
                _("Next attempt at %(at)s (UTC).")
                % {"at": job.next_attempt_at.strftime("%Y-%m-%d %H:%M:%S")}
            )
    return "\n".join(lines)
