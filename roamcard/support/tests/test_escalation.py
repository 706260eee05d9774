"""A renewal stuck on the network reaches staff and the traveller before either writes:
driven by the simulated network's faults, with the clock moved on."""

from datetime import UTC, datetime, timedelta

import pytest

from roamcard.core import tasks as core_tasks
from roamcard.core.models import AuditEvent
from roamcard.core.money import Money
from roamcard.core.tests.staff import make_staff
from roamcard.notifications.models import Message, Notice
from roamcard.orders.choices import OrderState
from roamcard.provisioning.models import ProvisioningJob
from roamcard.renewals.janitor import janitor_sweep
from roamcard.renewals.services import renewal_refund_by_staff
from roamcard.support.escalation import ORDER_SETTLED_JOB, escalation_sweep
from roamcard.support.models import Ticket
from roamcard.support.selectors import ticket_messages_for_traveller
from roamcard.testing import make_user

from .journey import network_heals, pay_for_renewal

pytestmark = pytest.mark.django_db

NOON_IN_SEOUL = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return NOON_IN_SEOUL + timedelta(minutes=minutes)


@pytest.fixture
def stuck_order(korean_traveller, japan_card, japan_plan, committed, time_machine):
    """Paid at noon in Seoul; the network refuses every attempt to apply it."""
    time_machine.move_to(NOON_IN_SEOUL, tick=False)
    with committed():
        order = pay_for_renewal(
            traveller=korean_traveller, card=japan_card, plan=japan_plan, network_fails=True
        )
    assert order.state == OrderState.PAID
    return order


def escalate_at(minutes, time_machine, committed):
    time_machine.move_to(at(minutes), tick=False)
    with committed():
        janitor_sweep()  # the network is tried again meanwhile, and still fails
        return escalation_sweep()


def test_a_stuck_renewal_escalates_once_and_closes_itself_when_applied(
    stuck_order, korean_traveller, japan_card, committed, time_machine
):
    assert escalate_at(9, time_machine, committed).escalated == 0  # not yet: within 10 min

    report = escalate_at(11, time_machine, committed)

    assert report.escalated == 1
    ticket = Ticket.objects.get()
    assert (ticket.origin, ticket.priority, ticket.topic, ticket.state) == (
        "stuck_renewal",
        "high",
        "renewal",
        "open",
    )
    assert ticket.order == stuck_order and ticket.card == japan_card and ticket.language == "ko"
    assert ticket.traveller_waiting_since == stuck_order.paid_at  # waiting since they paid
    (told,) = ticket_messages_for_traveller(ticket=ticket)
    assert told.kind == "system"
    assert "충전이 아직 적용되지 않은 것을 확인했어요" in told.body
    assert stuck_order.short_id in told.body and "2026년 11월 29일 오후 12:00" in told.body
    note = ticket.messages.get(kind="note")
    job = ProvisioningJob.objects.get(order=stuck_order)
    assert job.attempts >= 2
    assert f"after {job.attempts} attempt(s)" in note.body
    assert "provisioning gateway unavailable" in note.body
    # The traveller hears of it before writing: in the app, by e-mail and by SMS, in Korean.
    notice = Notice.objects.get(user=korean_traveller, title__contains=ticket.reference)
    assert "처리 중이에요" in notice.title and notice.link == f"/support/{ticket.public_id}/"
    assert "Provisioning" not in notice.body and "gateway" not in notice.body  # no note
    sms = Message.objects.get(kind="support_escalated", channel="sms")
    assert ticket.reference in sms.body and "일본 여행" in sms.body
    assert Message.objects.filter(kind="support_escalated", channel="email").count() == 1
    assert AuditEvent.objects.filter(action="ticket.escalate").count() == 1

    assert escalate_at(15, time_machine, committed).escalated == 0
    assert Ticket.objects.count() == 1

    network_heals(japan_card)
    time_machine.move_to(at(20), tick=False)
    with committed():
        janitor_sweep()  # the retry goes through; the renewal flow names the settling job

    stuck_order.refresh_from_db()
    assert stuck_order.state == OrderState.FULFILLED
    ticket.refresh_from_db()
    assert ticket.state == "closed" and ticket.closed_at is not None
    applied = ticket_messages_for_traveller(ticket=ticket).last()
    assert applied.kind == "system" and "충전이 적용되었어요" in applied.body
    assert "2026년 12월 6일" in applied.body  # valid until: 7 days from now
    resolved = Notice.objects.get(user=korean_traveller, kind="support_resolved")
    assert ticket.reference in resolved.title and "충전이 적용되었어요" in resolved.body
    assert Message.objects.filter(kind="support_resolved", channel="email").count() == 1
    assert escalation_sweep().settled == 0  # nothing left for the safety net


def test_staff_refund_instead_and_the_ticket_says_so(
    stuck_order, korean_traveller, committed, time_machine
):
    escalate_at(11, time_machine, committed)
    ticket = Ticket.objects.get()

    with committed():
        renewal_refund_by_staff(
            order=stuck_order,
            staff=make_staff(),
            amount_minor=None,
            reason="not_applied",
            idempotency_key="refund-from-the-ticket",
        )

    stuck_order.refresh_from_db()
    assert stuck_order.state == OrderState.REFUNDED
    ticket.refresh_from_db()
    assert ticket.state == "closed"
    refunded = ticket.messages.filter(kind="system").last()
    assert Money(6800, "CNY").format("ko") in refunded.body and "환불했어요" in refunded.body
    assert Notice.objects.filter(user=korean_traveller, kind="support_resolved").count() == 1


def test_a_lost_settling_job_is_made_up_by_the_sweep_and_renewals_never_need_support(
    stuck_order, japan_card, committed, time_machine, monkeypatch
):
    escalate_at(11, time_machine, committed)
    # As if customer service were not installed: no task under the job's name.
    monkeypatch.delitem(core_tasks._JOBS, ORDER_SETTLED_JOB)

    network_heals(japan_card)
    time_machine.move_to(at(20), tick=False)
    with committed():
        janitor_sweep()

    stuck_order.refresh_from_db()
    assert stuck_order.state == OrderState.FULFILLED  # the renewal did not notice
    assert Ticket.objects.get().state == "open"

    with committed():
        report = escalation_sweep()

    assert report.settled == 1
    assert Ticket.objects.get().state == "closed"


def test_the_sweep_is_one_statement_whatever_is_already_escalated(
    stuck_order, committed, time_machine, django_assert_num_queries
):
    with django_assert_num_queries(1):
        escalation_sweep()  # nothing stuck long enough yet
    escalate_at(11, time_machine, committed)

    time_machine.move_to(at(12), tick=False)
    with django_assert_num_queries(1):
        assert escalation_sweep().escalated == 0  # stuck, but escalated already


def test_a_traveller_elsewhere_is_told_in_their_own_language(
    japan_card, japan_plan, committed, time_machine
):
    yuki = make_user(email="yuki@example.com", preferred_language="ja", time_zone="Asia/Tokyo")
    japan_card.owner = yuki
    japan_card.save()
    time_machine.move_to(NOON_IN_SEOUL, tick=False)
    with committed():
        pay_for_renewal(traveller=yuki, card=japan_card, plan=japan_plan, network_fails=True)

    escalate_at(11, time_machine, committed)

    ticket = Ticket.objects.get()
    assert ticket.language == "ja"
    assert "更新がまだ反映されていないことを確認しました" in ticket.messages.first().body
    email = Message.objects.get(kind="support_escalated", channel="email")
    assert email.language == "ja" and ticket.reference in email.subject
