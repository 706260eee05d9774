"""Stuck renewals escalating while several sweeps (and the fulfilment itself) go at them at
once: one ticket per order, and a ticket opened as the order is fulfilled still closes."""

from datetime import timedelta

import pytest
from django.utils import timezone

from roamcard.notifications.models import Notice
from roamcard.orders.choices import OrderState
from roamcard.renewals.janitor import janitor_sweep
from roamcard.support.escalation import escalation_open, escalation_sweep
from roamcard.support.models import Ticket

from .racing import race, raise_first_error

pytestmark = pytest.mark.django_db(transaction=True)


def later(**delta):
    return timezone.now() + timedelta(**delta)


def test_four_sweeps_at_once_open_one_escalation(paid_with_job_never_run):
    order, _payment, _card = paid_with_job_never_run
    when = later(minutes=11)

    outcomes = race(*[lambda: escalation_sweep(now=when) for _ in range(4)])

    raise_first_error(outcomes)
    assert sum(o.value.escalated for o in outcomes) == 1
    ticket = Ticket.objects.get()
    assert ticket.order_id == order.pk and ticket.origin == "stuck_renewal"
    assert ticket.messages.filter(kind="system").count() == 1
    assert Notice.objects.filter(kind="support_escalated").count() == 1


def test_an_escalation_racing_the_fulfilment_ends_closed_or_never_opened(
    paid_with_job_never_run,
):
    order, _payment, _card = paid_with_job_never_run
    when = later(minutes=11)

    outcomes = race(
        lambda: escalation_open(order_id=order.pk, now=when),
        lambda: janitor_sweep(now=when),
    )

    raise_first_error(outcomes)
    order.refresh_from_db()
    assert order.state == OrderState.FULFILLED
    # Either the fulfilment came first (nothing opened) or it waited for the ticket and
    # closed it; never a ticket left saying "not applied yet".
    assert not Ticket.objects.exclude(state="closed").exists()
    escalation_sweep(now=when)
    assert not Ticket.objects.exclude(state="closed").exists()
