"""The messages a renewal sends, in the traveller's language and time zone."""

from django.urls import reverse
from django.utils import timezone, translation

from roamcard.cards.models import Card
from roamcard.cards.selectors import card_balance
from roamcard.core.formatting import format_bytes, format_local_date, format_local_datetime
from roamcard.notifications.selectors import notification_preferences_for
from roamcard.notifications.services import alert_send, message_render_and_queue, quiet_hours_end
from roamcard.orders.models import Order
from roamcard.payments.choices import RefundReason
from roamcard.payments.models import Payment, Refund
from roamcard.payments.selectors import payment_that_paid

from .selectors import refund_expected_by, refund_method_label, refund_timing_text


def _local_time(user, moment) -> str:
    """The moment in the recipient's language and time zone, as CLDR writes them."""
    return format_local_datetime(
        moment, language=user.preferred_language or "en", zone=user.time_zone or "UTC"
    )


def _send_both(*, user, kind: str, context: dict, sms_not_before=None) -> None:
    language = user.preferred_language or "en"
    for channel, to in (("sms", user.phone), ("email", user.email)):
        if to:
            message_render_and_queue(
                channel=channel,
                to=to,
                kind=kind,
                context=context,
                user=user,
                language=language,
                not_before=sms_not_before if channel == "sms" else None,
            )


def notify_renewal_confirmed(*, order: Order, card: Card) -> None:
    """The renewal is applied. One paid without the traveller (an automatic renewal) says
    so, and its SMS waits for the end of their quiet hours: nobody was waiting for it."""
    user = order.user
    language = user.preferred_language or "en"
    balance = card_balance(card=Card.objects.get(pk=card.pk))
    paid_by = payment_that_paid(order_id=order.pk)
    automatic = paid_by is not None and paid_by.off_session
    quiet_until = None
    if automatic:
        quiet_until = quiet_hours_end(
            preferences=notification_preferences_for(user=user),
            zone=user.time_zone,
            now=timezone.now(),
        )
    with translation.override(language):
        context = {
            "automatic": automatic,
            "order": order,
            "card_name": card.label or card.iccid_masked,
            "plan_name": order.plan_title,
            # When the new allowance starts (docs/decisions/0003): the balance shown is
            # what is usable now, which a queued or first-use allowance is not yet.
            "starts": order.starts,
            "region": order.plan.region.name,
            "unlimited": balance.unlimited,
            "data_left": format_bytes(balance.bytes_remaining, language=language),
            "valid_until": _local_time(user, balance.valid_until),
            "amount": order.money.format(language),
        }
    _send_both(user=user, kind="renewal_confirmed", context=context, sms_not_before=quiet_until)


def _order_context(order: Order, language: str) -> dict:
    with translation.override(language):
        return {
            "order": order,
            "card_name": order.card.label or order.card.iccid_masked,
            "plan_name": order.plan_title,
            "amount": order.money.format(language),
        }


def notify_renewal_refunded(*, order: Order) -> None:
    """The network refused the plan for good; the money is on its way back."""
    user = order.user
    context = _order_context(order, user.preferred_language or "en")
    _send_both(user=user, kind="renewal_refunded", context=context)


def notify_late_payment_refunded(*, order: Order, payment: Payment) -> None:
    """A payment that went through after we had closed it is refunded, not applied."""
    user = order.user
    context = _order_context(order, user.preferred_language or "en")
    context["amount"] = payment.money.format(user.preferred_language or "en")
    _send_both(user=user, kind="late_payment_refunded", context=context)


REFUND_SENT = "refund_sent"


def notify_refund_sent(*, order: Order, refund: Refund, full: bool) -> None:
    """A refund staff made has been confirmed by the gateway: how much, to which method,
    when to expect it, the data taken back and why — the reason's label in the traveller's
    language, never staff's note (it is internal). On the channels their preferences give
    urgent alerts (a notice, an e-mail, an SMS after their quiet hours): it is about their
    money, and it comes once per refund."""
    user = order.user
    language = user.preferred_language or "en"
    with translation.override(language):
        expected_by = refund_expected_by(refund=refund)
        context = {
            "order": order,
            "card_name": order.card.label or order.card.iccid_masked,
            "plan_name": order.plan_title,
            "amount": refund.money.format(language),
            "paid": order.money.format(language),
            "method": refund_method_label(payment=refund.payment),
            "timing": refund_timing_text(refund=refund),
            "expected_by": format_local_date(
                expected_by, language=language, zone=user.time_zone or "UTC"
            ),
            "reason": str(RefundReason(refund.reason_code).label) if refund.reason_code else "",
            "data_withdrawn": format_bytes(refund.bytes_withdrawn, language=language)
            if refund.bytes_withdrawn
            else "",
            # The whole payment is now given back: the plan has left the card.
            "full": full,
        }
    alert_send(
        user=user,
        kind=REFUND_SENT,
        context=context,
        link=reverse("orders:result", kwargs={"public_id": order.public_id}),
        urgent=True,
    )
