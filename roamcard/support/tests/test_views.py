"""The traveller's customer service pages: asking, the list, a conversation, pictures."""

import pytest
from django.conf import settings
from django.urls import reverse

from roamcard.core.tests.staff import make_staff
from roamcard.orders.services import order_create
from roamcard.support.middleware import upload_limit_bytes
from roamcard.support.models import Ticket, TicketAttachment, TicketMessage
from roamcard.support.services import ticket_open, ticket_reply_by_staff
from roamcard.testing import make_card, make_plan, make_user

from .images import fake_image_upload, jpeg_upload, oversized_upload, png_upload

pytestmark = pytest.mark.django_db

NEW = reverse("support:ticket_new")
LIST = reverse("support:ticket_list")


def ask(client, **changes):
    data = {"topic": "card", "subject": "No data in Tokyo", "body": "Since this morning."}
    data.update(changes)
    return client.post(NEW, {k: v for k, v in data.items() if v is not None})


def staff_reply(ticket, body="Please restart your phone."):
    return ticket_reply_by_staff(ticket=ticket, staff=make_staff(), body=body)


def test_the_pages_need_a_login(client):
    assert client.get(LIST).status_code == 302
    assert client.get(NEW).status_code == 302


def test_the_empty_list_invites_a_first_question(client):
    client.force_login(make_user())

    page = client.get(LIST).content.decode()

    assert "No questions yet" in page and f'href="{NEW}"' in page


def test_asking_without_a_card(client):
    traveller = make_user()
    client.force_login(traveller)

    response = ask(client, topic="account")

    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("support:ticket_detail", args=[ticket.public_id])
    assert (ticket.traveller, ticket.topic, ticket.card) == (traveller, "account", None)
    page = client.get(response["Location"]).content.decode()
    assert "Since this morning." in page and ticket.reference in page


def test_asking_about_a_card_from_its_page(client):
    traveller = make_user()
    card = make_card(owner=traveller)
    client.force_login(traveller)

    card_page = client.get(reverse("cards:detail", args=[card.pk])).content.decode()
    form = client.get(f"{NEW}?card={card.pk}").content.decode()
    ask(client, card=card.pk, images=[png_upload(), jpeg_upload()])

    assert f"{NEW}?card={card.pk}" in card_page
    assert f'<option value="{card.pk}" selected>' in form
    assert 'value="card" selected' in form
    ticket = Ticket.objects.get()
    assert ticket.card == card
    assert ticket.attachments.count() == 2


def test_asking_about_an_order_prefills_it_and_the_topic(client):
    traveller = make_user()
    card = make_card(owner=traveller)
    order = order_create(
        user=traveller, card_id=card.pk, plan_id=make_plan(region=card.region).pk, currency="USD"
    )
    client.force_login(traveller)

    result = client.get(reverse("orders:result", args=[order.public_id])).content.decode()
    form = client.get(f"{NEW}?order={order.public_id}").content.decode()
    ask(client, order=str(order.public_id), topic="renewal")

    assert f"{NEW}?order={order.public_id}" in result
    assert f'<option value="{order.public_id}" selected>' in form
    assert 'value="renewal" selected' in form
    assert Ticket.objects.get().order == order


def test_only_my_own_cards_are_offered_and_anothers_is_refused(client):
    traveller, other = make_user(), make_user()
    mine, theirs = make_card(owner=traveller), make_card(owner=other)
    client.force_login(traveller)

    form = client.get(NEW).content.decode()
    response = ask(client, card=theirs.pk)

    assert f'value="{mine.pk}"' in form and f'value="{theirs.pk}"' not in form
    assert response.status_code == 400
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    ("upload", "words"),
    [(fake_image_upload, "is not an image we accept"), (oversized_upload, "at most 5.0")],
)
def test_a_wrong_or_too_large_picture_is_refused_keeping_the_text(client, upload, words):
    client.force_login(make_user())

    response = ask(client, body="Typed with care", images=[png_upload(), upload()])

    page = response.content.decode()
    assert response.status_code == 400
    assert words in page and upload().name in page
    assert "Typed with care" in page and 'value="No data in Tokyo"' in page
    assert not Ticket.objects.exists() and not TicketAttachment.objects.exists()


def test_the_limits_are_stated_next_to_the_picture_input(client):
    client.force_login(make_user())

    page = client.get(NEW).content.decode()

    assert "up to 4 pictures" in page and "5.0" in page
    assert 'accept="image/jpeg,image/png,image/webp,image/gif"' in page
    assert 'aria-describedby="id_images_helptext"' in page


def test_a_body_far_larger_than_the_limits_is_refused_unread(client):
    client.force_login(make_user())

    response = client.generic(
        "POST",
        NEW,
        data=b"x",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(upload_limit_bytes() + 1),
    )

    assert response.status_code == 413
    assert "Too large to send" in response.content.decode()
    assert not Ticket.objects.exists()


def test_the_refusal_of_a_large_body_comes_before_the_csrf_check(client):
    client = type(client)(enforce_csrf_checks=True)
    client.force_login(make_user())
    over = str(settings.SUPPORT_ATTACHMENT_MAX_FILES * settings.SUPPORT_ATTACHMENT_MAX_BYTES * 2)

    response = client.generic(
        "POST", NEW, data=b"", content_type="multipart/form-data; boundary=x", CONTENT_LENGTH=over
    )

    assert response.status_code == 413


def test_internal_notes_are_never_shown(client):
    traveller = make_user()
    ticket = ticket_open(traveller=traveller, subject="Help", body="Hello")
    TicketMessage.objects.create(ticket=ticket, kind="note", body="SECRET staff note")
    client.force_login(traveller)

    page = client.get(reverse("support:ticket_detail", args=[ticket.public_id])).content.decode()

    assert "Hello" in page and "SECRET" not in page


def test_a_reply_shows_as_new_until_the_traveller_opens_it(client):
    traveller = make_user()
    ticket = ticket_open(traveller=traveller, subject="Roaming", body="Is it on?")
    staff_reply(ticket, "Yes, switch roaming on.")
    client.force_login(traveller)
    detail = reverse("support:ticket_detail", args=[ticket.public_id])

    listing = client.get(LIST).content.decode()
    page = client.get(detail).content.decode()
    listing_after = client.get(LIST).content.decode()

    menu_link = '<a class="menu-item" href="/support/">My questions'
    assert "ticket-item is-unread" in listing
    assert "Customer service: Yes, switch roaming on." in listing
    assert f'{menu_link} <span class="count-pill">1</span></a>' in listing
    assert "Yes, switch roaming on." in page and "Customer service" in page
    assert "ticket-item is-unread" not in listing_after
    assert f"{menu_link}</a>" in listing_after


def test_the_header_count_costs_one_query(client, django_assert_num_queries):
    traveller = make_user()
    ticket = ticket_open(traveller=traveller, subject="x", body="y")
    staff_reply(ticket)
    from django.template import Context, Template

    template = Template("{% load support %}{% support_unread_count as n %}{{ n }}")
    with django_assert_num_queries(1):
        assert template.render(Context({"user": traveller})) == "1"
    with django_assert_num_queries(0):
        from django.contrib.auth.models import AnonymousUser

        assert template.render(Context({"user": AnonymousUser()})) == "0"


def test_solving_closes_and_writing_again_reopens(client):
    traveller = make_user()
    ticket = ticket_open(traveller=traveller, subject="x", body="y")
    client.force_login(traveller)
    detail = reverse("support:ticket_detail", args=[ticket.public_id])

    client.post(reverse("support:ticket_close", args=[ticket.public_id]))
    ticket.refresh_from_db()
    assert ticket.state == "closed" and ticket.closed_at is not None
    assert "Writing again opens it again" in client.get(detail).content.decode()

    response = client.post(detail, {"body": "It stopped again", "images": [png_upload()]})

    ticket.refresh_from_db()
    assert response.status_code == 302
    assert ticket.state == "open" and ticket.closed_at is None
    assert ticket.attachments.count() == 1


def test_a_refused_reply_keeps_its_text(client):
    traveller = make_user()
    ticket = ticket_open(traveller=traveller, subject="x", body="y")
    client.force_login(traveller)

    response = client.post(
        reverse("support:ticket_detail", args=[ticket.public_id]),
        {"body": "My careful answer", "images": [fake_image_upload()]},
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "My careful answer" in page and "invoice.png" in page
    assert ticket.messages.count() == 1


def test_someone_elses_ticket_is_not_found(client):
    ticket = ticket_open(traveller=make_user(), subject="x", body="y")
    client.force_login(make_user())

    assert client.get(reverse("support:ticket_detail", args=[ticket.public_id])).status_code == 404
    assert client.post(reverse("support:ticket_close", args=[ticket.public_id])).status_code == 404
    ticket.refresh_from_db()
    assert ticket.state == "open"


def test_an_attachment_downloads_for_its_traveller_only_with_safe_headers(client):
    traveller = make_user()
    ticket = ticket_open(
        traveller=traveller,
        subject="x",
        body="y",
        files=[png_upload(name='my "screen"\r\nshot.png')],
    )
    attachment = ticket.attachments.get()
    url = reverse("support:attachment", args=[attachment.public_id])

    client.force_login(make_user())
    assert client.get(url).status_code == 404
    client.force_login(traveller)
    response = client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline; filename=")
    assert (
        "\r" not in response["Content-Disposition"]
        and '"screen"' not in response["Content-Disposition"]
    )
    assert response["Content-Disposition"].endswith('.png"')
    assert "private" in response["Cache-Control"]
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")


def test_an_attachment_of_an_internal_note_is_not_downloadable(client):
    traveller = make_user()
    ticket = ticket_open(traveller=traveller, subject="x", body="y")
    note = TicketMessage.objects.create(ticket=ticket, kind="note", body="n")
    attachment = TicketAttachment(
        ticket=ticket,
        message=note,
        original_name="n.png",
        content_type="image/png",
        size=1,
    )
    attachment.file.save("n", png_upload(), save=True)
    client.force_login(traveller)

    url = reverse("support:attachment", args=[attachment.public_id])
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("ko", ["고객센터에 문의하기", "내 문의"]),
        ("ja", ["カスタマーサービスに問い合わせる", "お問い合わせ"]),
    ],
)
def test_the_pages_in_korean_and_japanese(client, language, words):
    traveller = make_user(preferred_language=language)
    client.force_login(traveller)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    new_page = client.get(NEW, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    refused = ask(client, images=[fake_image_upload()]).content.decode()

    for word in words:
        assert word in new_page
    assert "JPEG" in refused and "invoice.png" in refused
    assert "is not an image we accept" not in refused
