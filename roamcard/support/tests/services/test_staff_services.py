"""What staff do to a ticket: the state it ends in, the audit log, and what the traveller is
told (in their language, with the reference) — never an internal note."""

import pytest
from django.contrib.auth.models import Permission

from roamcard.core.errors import InvalidInput
from roamcard.core.models import AuditEvent
from roamcard.core.tests.staff import make_staff
from roamcard.notifications.models import Message, Notice
from roamcard.orders.services import order_create
from roamcard.support.errors import AttachmentRejected
from roamcard.support.models import Ticket, TicketMessage
from roamcard.support.selectors import ticket_messages_for_traveller
from roamcard.support.services import (
    ticket_assign,
    ticket_classify,
    ticket_close,
    ticket_note_add,
    ticket_open,
    ticket_open_by_staff,
    ticket_reopen,
    ticket_reply_by_staff,
    ticket_reply_by_traveller,
)
from roamcard.testing import make_card, make_plan, make_user

from ..images import fake_image_upload, png_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent():
    return make_staff(email="agent@example.com")


@pytest.fixture
def korean():
    return make_user(
        email="minji@example.com",
        phone="+821012345678",
        phone_verified=True,
        preferred_language="ko",
    )


@pytest.fixture
def ticket(korean):
    return ticket_open(traveller=korean, subject="데이터가 안 돼요", body="도쿄에서 안 돼요.")


def audit(action):
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def test_a_staff_reply_answers_the_ticket_and_tells_the_traveller_in_korean(
    ticket, agent, korean, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = ticket_reply_by_staff(
            ticket=ticket,
            staff=agent,
            body="APN 설정을 확인해 주세요.",
            files=[png_upload()],
            ip_address="203.0.113.7",
        )

    ticket.refresh_from_db()
    assert ticket.state == "answered"
    assert ticket.traveller_waiting_since is None
    assert ticket.assignee == agent  # whoever answers first owns it
    assert message.kind == "staff" and message.attachments.count() == 1
    (event,) = audit("ticket.reply")
    assert event.actor == agent and event.ip_address == "203.0.113.7"
    assert event.details["reference"] == ticket.reference
    notice = Notice.objects.get(user=korean)
    assert ticket.reference in notice.title and "고객센터" in notice.title
    assert notice.link == f"/support/{ticket.public_id}/"
    email = Message.objects.get(channel="email", to="minji@example.com")
    assert email.language == "ko" and ticket.reference in email.subject
    assert "APN 설정을 확인해 주세요." in email.body
    assert f"/support/{ticket.public_id}/" in email.body
    sms = Message.objects.get(channel="sms")
    assert ticket.reference in sms.body


def test_a_reply_in_japanese(agent, django_capture_on_commit_callbacks):
    traveller = make_user(email="yuki@example.com", preferred_language="ja")
    ticket = ticket_open(traveller=traveller, subject="返金", body="返金してください。")

    with django_capture_on_commit_callbacks(execute=True):
        ticket_reply_by_staff(ticket=ticket, staff=agent, body="確認いたします。")

    email = Message.objects.get(channel="email")
    assert email.language == "ja" and ticket.reference in email.subject
    assert "カスタマーサービス" in email.subject


def test_a_note_changes_nothing_and_is_never_told(ticket, agent, korean):
    waiting_since = ticket.traveller_waiting_since

    note = ticket_note_add(ticket=ticket, staff=agent, body="Network team asked.")

    ticket.refresh_from_db()
    assert ticket.state == "open" and ticket.traveller_waiting_since == waiting_since
    assert note not in ticket_messages_for_traveller(ticket=ticket)
    assert not Notice.objects.filter(user=korean).exists()
    assert not Message.objects.exists()
    (event,) = audit("ticket.note")
    assert event.details["message"] == note.pk


def test_the_traveller_writing_back_after_a_reply_waits_again(ticket, agent, korean):
    ticket_reply_by_staff(ticket=ticket, staff=agent, body="Try again?")

    ticket_reply_by_traveller(ticket=ticket, traveller=korean, body="Still not working")

    ticket.refresh_from_db()
    assert ticket.state == "open" and ticket.traveller_waiting_since is not None


def test_assigning_to_a_colleague_to_nobody_and_not_to_a_traveller(ticket, agent, korean):
    colleague = make_staff(email="colleague@example.com")

    ticket_assign(ticket=ticket, staff=agent, assignee=colleague)
    ticket.refresh_from_db()
    assert ticket.assignee == colleague

    ticket_assign(ticket=ticket, staff=agent, assignee=None)
    ticket.refresh_from_db()
    assert ticket.assignee is None

    with pytest.raises(InvalidInput):
        ticket_assign(ticket=ticket, staff=agent, assignee=korean)
    assert [e.details["assignee"] for e in audit("ticket.assign")] == [colleague.pk, None]


def test_closing_with_a_last_message_tells_the_traveller_and_reopening(
    ticket, agent, korean, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket_close(ticket=ticket, staff=agent, body="해결되었어요.")

    ticket.refresh_from_db()
    assert ticket.state == "closed" and ticket.closed_at is not None
    assert ticket.traveller_waiting_since is None
    notice = Notice.objects.get(user=korean)
    assert ticket.reference in notice.title and "해결되었어요." in notice.body

    ticket_reopen(ticket=ticket, staff=agent)
    ticket.refresh_from_db()
    assert ticket.state == "open" and ticket.closed_at is None
    assert [e.action for e in AuditEvent.objects.order_by("id")] == [
        "ticket.close",
        "ticket.reopen",
    ]


def test_closing_without_a_message_tells_nobody(ticket, agent, korean):
    ticket_close(ticket=ticket, staff=agent)

    ticket.refresh_from_db()
    assert ticket.state == "closed"
    assert ticket.messages.count() == 1
    assert not Notice.objects.filter(user=korean).exists()


def test_priority_and_topic(ticket, agent):
    ticket_classify(ticket=ticket, staff=agent, priority="high", topic="data")

    ticket.refresh_from_db()
    assert (ticket.priority, ticket.topic) == ("high", "data")
    (event,) = audit("ticket.classify")
    assert event.details["priority"] == ["normal", "high"]
    with pytest.raises(InvalidInput):
        ticket_classify(ticket=ticket, staff=agent, priority="urgent")


def test_a_rejected_attachment_leaves_nothing_behind(ticket, agent):
    with pytest.raises(AttachmentRejected):
        ticket_reply_by_staff(ticket=ticket, staff=agent, body="See", files=[fake_image_upload()])

    ticket.refresh_from_db()
    assert ticket.state == "open"
    assert TicketMessage.objects.filter(kind="staff").count() == 0
    assert not audit("ticket.reply")


def test_staff_open_a_ticket_on_a_travellers_behalf(
    agent, korean, django_capture_on_commit_callbacks
):
    card = make_card(owner=korean)
    order = order_create(
        user=korean, card_id=card.pk, plan_id=make_plan(region=card.region).pk, currency="USD"
    )

    with django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_open_by_staff(
            staff=agent,
            traveller=korean,
            subject="전화 문의",
            body="전화로 말씀하신 내용을 확인했어요.",
            topic="renewal",
            order_public_id=order.public_id,
        )

    assert ticket.origin == "staff" and ticket.state == "answered"
    assert ticket.card == card and ticket.assignee == agent and ticket.language == "ko"
    assert Notice.objects.filter(user=korean, title__contains=ticket.reference).exists()
    assert audit("ticket.open")[0].details["traveller"] == korean.pk


def test_staff_cannot_attach_someone_elses_card(agent, korean):
    stranger_card = make_card(owner=make_user())

    with pytest.raises(InvalidInput) as error:
        ticket_open_by_staff(
            staff=agent, traveller=korean, subject="x", body="y", card_id=stranger_card.pk
        )

    assert "card" in error.value.fields
    assert not Ticket.objects.exists()


def test_support_permissions_exist_for_a_support_group():
    assert (
        Permission.objects.filter(
            content_type__app_label="support", codename__in=["view_ticket", "change_ticket"]
        ).count()
        == 2
    )
