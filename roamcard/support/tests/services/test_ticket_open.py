import pytest
from django.utils import translation

from roamcard.core.errors import InvalidInput
from roamcard.orders.services import order_create
from roamcard.support.errors import AttachmentRejected, TicketNotFound
from roamcard.support.models import Ticket, TicketAttachment, TicketMessage
from roamcard.support.selectors import (
    attachment_for_traveller,
    ticket_get_for,
    ticket_list_for,
    ticket_messages_for_traveller,
)
from roamcard.support.services import ticket_open, ticket_reply_by_traveller
from roamcard.testing import make_card, make_plan, make_user

from ..images import fake_image_upload, jpeg_upload, oversized_upload, png_upload

pytestmark = pytest.mark.django_db


def test_a_traveller_opens_a_ticket_about_their_card_with_a_screenshot():
    traveller = make_user(preferred_language="ko")
    card = make_card(owner=traveller)

    ticket = ticket_open(
        traveller=traveller,
        subject="  데이터가   안 돼요 ",
        body="도쿄에서 데이터가 연결되지 않아요.",
        topic="data",
        card_id=card.pk,
        files=[png_upload()],
    )

    assert ticket.subject == "데이터가 안 돼요"
    assert ticket.state == "open" and ticket.origin == "traveller"
    assert ticket.card == card and ticket.language == "ko"
    assert ticket.reference.startswith("T-") and len(ticket.reference) == 10
    (message,) = ticket_messages_for_traveller(ticket=ticket)
    (attachment,) = message.attachments.all()
    assert (attachment.content_type, attachment.width, attachment.height) == ("image/png", 40, 30)
    assert attachment.original_name == "screenshot.png"
    assert attachment.file.name.endswith(".png") and "screenshot" not in attachment.file.name
    assert (
        attachment_for_traveller(traveller=traveller, public_id=attachment.public_id) == attachment
    )


def test_an_order_brings_its_card_along():
    traveller = make_user()
    card = make_card(owner=traveller)
    plan = make_plan(region=card.region)
    order = order_create(user=traveller, card_id=card.pk, plan_id=plan.pk, currency="USD")

    ticket = ticket_open(
        traveller=traveller, subject="Renewal", body="Not applied", order_public_id=order.public_id
    )

    assert ticket.order == order and ticket.card == card


def test_someone_elses_card_or_order_is_refused_and_nothing_is_written():
    traveller, other = make_user(), make_user()
    their_card = make_card(owner=other)
    plan = make_plan(region=their_card.region)
    their_order = order_create(user=other, card_id=their_card.pk, plan_id=plan.pk, currency="USD")

    with pytest.raises(InvalidInput) as card_error:
        ticket_open(traveller=traveller, subject="x", body="y", card_id=their_card.pk)
    with pytest.raises(InvalidInput) as order_error:
        ticket_open(
            traveller=traveller, subject="x", body="y", order_public_id=their_order.public_id
        )
    with pytest.raises(InvalidInput):
        ticket_open(traveller=traveller, subject="x", body="y", order_public_id="not-a-number")

    assert "card" in card_error.value.fields and "order" in order_error.value.fields
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    ("upload", "words"),
    [
        (fake_image_upload, "is not an image we accept"),
        (oversized_upload, "images can be at most 5.0"),
    ],
)
def test_a_wrong_or_oversized_file_is_refused_by_name_and_nothing_is_written(upload, words):
    traveller = make_user()

    with pytest.raises(AttachmentRejected) as error:
        ticket_open(
            traveller=traveller,
            subject="Help",
            body="See attached",
            files=[jpeg_upload(), upload()],
        )

    assert words in str(error.value.message)
    assert upload().name in str(error.value.message)
    assert not Ticket.objects.exists() and not TicketMessage.objects.exists()
    assert not TicketAttachment.objects.exists()


def test_the_refusal_is_in_the_travellers_language():
    traveller = make_user()

    with translation.override("ja"), pytest.raises(AttachmentRejected) as error:
        ticket_open(traveller=traveller, subject="x", body="y", files=[fake_image_upload()])

    assert "invoice.png" in str(error.value.message)
    assert "JPEG" in str(error.value.message) and "画像" in str(error.value.message)


def test_too_many_files_are_refused():
    traveller = make_user()

    with pytest.raises(AttachmentRejected, match="at most 4 images"):
        ticket_open(
            traveller=traveller, subject="x", body="y", files=[png_upload() for _ in range(5)]
        )


@pytest.mark.parametrize(("subject", "body", "field"), [("", "y", "subject"), ("x", "  ", "body")])
def test_an_empty_subject_or_message_is_refused(subject, body, field):
    with pytest.raises(InvalidInput) as error:
        ticket_open(traveller=make_user(), subject=subject, body=body)

    assert field in error.value.fields


def test_a_traveller_sees_only_their_own_tickets():
    traveller, other = make_user(), make_user()
    theirs = ticket_open(traveller=other, subject="Theirs", body="...", files=[png_upload()])
    mine = ticket_open(traveller=traveller, subject="Mine", body="...")

    assert list(ticket_list_for(traveller=traveller)) == [mine]
    with pytest.raises(TicketNotFound):
        ticket_get_for(traveller=traveller, public_id=theirs.public_id)
    with pytest.raises(TicketNotFound):
        attachment_for_traveller(traveller=traveller, public_id=theirs.attachments.get().public_id)


def test_writing_again_opens_a_closed_conversation():
    traveller = make_user()
    ticket = ticket_open(traveller=traveller, subject="x", body="first")
    Ticket.objects.filter(pk=ticket.pk).update(state="closed", traveller_waiting_since=None)

    ticket_reply_by_traveller(ticket=ticket, traveller=traveller, body="still broken")

    ticket.refresh_from_db()
    assert ticket.state == "open" and ticket.closed_at is None
    assert ticket.traveller_waiting_since is not None
    assert [m.body for m in ticket_messages_for_traveller(ticket=ticket)] == [
        "first",
        "still broken",
    ]
