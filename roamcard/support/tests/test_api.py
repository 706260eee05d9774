"""The customer service API: the caller's own tickets only, no internal notes, pictures in
multipart, the one error shape."""

import pytest
from django.utils import timezone

from roamcard.accounts.tokens import api_token_create
from roamcard.core.tests.staff import make_staff
from roamcard.support.middleware import upload_limit_bytes
from roamcard.support.models import Ticket, TicketAttachment, TicketMessage
from roamcard.support.services import ticket_open, ticket_reply_by_staff
from roamcard.testing import make_card, make_user

from .images import fake_image_upload, oversized_upload, png_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def traveller():
    return make_user(preferred_language="en")


@pytest.fixture
def auth(traveller):
    _, token = api_token_create(user=traveller)
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def post_json(client, auth, path, body):
    return client.post(f"/api/v1{path}", body, content_type="application/json", **auth)


def test_open_list_read_and_close(client, traveller, auth):
    card = make_card(owner=traveller)

    created = post_json(
        client,
        auth,
        "/support/tickets",
        {"subject": "No data", "body": "In Osaka", "topic": "data", "card_id": card.pk},
    )

    assert created.status_code == 201, created.json()
    ticket = created.json()
    assert ticket["reference"].startswith("T-") and ticket["state"] == "open"
    assert ticket["card_id"] == card.pk and ticket["topic"] == "data"
    assert [m["kind"] for m in ticket["messages"]] == ["traveller"]
    listing = client.get("/api/v1/support/tickets", **auth).json()
    assert listing["unread"] == 0 and [t["id"] for t in listing["tickets"]] == [ticket["id"]]

    closed = client.post(f"/api/v1/support/tickets/{ticket['id']}/close", **auth)
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    assert closed.json()["closed_at"] is not None


def test_a_reply_with_pictures_in_multipart_reopens_and_downloads(client, traveller, auth):
    ticket = ticket_open(traveller=traveller, subject="x", body="y")
    Ticket.objects.filter(pk=ticket.pk).update(state="closed", closed_at=timezone.now())

    response = client.post(
        f"/api/v1/support/tickets/{ticket.public_id}/messages",
        {"body": "Still broken", "files": [png_upload(), png_upload("second.png")]},
        **auth,
    )

    assert response.status_code == 201, response.json()
    detail = response.json()
    assert detail["state"] == "open"
    attachments = detail["messages"][-1]["attachments"]
    assert [a["name"] for a in attachments] == ["screenshot.png", "second.png"]
    download = client.get(attachments[0]["url"], **auth)
    assert download.status_code == 200 and download["Content-Type"] == "image/png"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content).startswith(b"\x89PNG")


@pytest.mark.parametrize("upload", [fake_image_upload, oversized_upload])
def test_a_refused_picture_is_named_and_nothing_is_written(client, traveller, auth, upload):
    ticket = ticket_open(traveller=traveller, subject="x", body="y")

    response = client.post(
        f"/api/v1/support/tickets/{ticket.public_id}/messages",
        {"body": "See attached", "files": [png_upload(), upload()]},
        **auth,
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "attachment_rejected" and upload().name in error["message"]
    assert ticket.messages.count() == 1 and not TicketAttachment.objects.exists()


def test_the_refusal_is_in_the_callers_language(client):
    traveller = make_user(preferred_language="ko")
    _, token = api_token_create(user=traveller)
    ticket = ticket_open(traveller=traveller, subject="x", body="y")

    response = client.post(
        f"/api/v1/support/tickets/{ticket.public_id}/messages",
        {"body": "사진 보내요", "files": [fake_image_upload()]},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )

    message = response.json()["error"]["message"]
    assert "invoice.png" in message and ("이미지" in message or "사진" in message)


def test_invalid_input_names_its_fields(client, traveller, auth):
    other_card = make_card(owner=make_user())

    empty = post_json(client, auth, "/support/tickets", {"subject": " ", "body": "y"})
    theirs = post_json(
        client, auth, "/support/tickets", {"subject": "x", "body": "y", "card_id": other_card.pk}
    )
    wrong_topic = post_json(
        client, auth, "/support/tickets", {"subject": "x", "body": "y", "topic": "nope"}
    )

    assert empty.status_code == 400 and "subject" in empty.json()["error"]["fields"]
    assert theirs.status_code == 400 and "card" in theirs.json()["error"]["fields"]
    assert wrong_topic.status_code == 422
    assert wrong_topic.json()["error"]["code"] == "invalid_input"
    assert not Ticket.objects.exists()


def test_another_travellers_ticket_and_picture_are_not_found(client, auth):
    theirs = ticket_open(traveller=make_user(), subject="x", body="y", files=[png_upload()])
    attachment = theirs.attachments.get()

    for response in (
        client.get(f"/api/v1/support/tickets/{theirs.public_id}", **auth),
        client.post(f"/api/v1/support/tickets/{theirs.public_id}/close", **auth),
        client.post(f"/api/v1/support/tickets/{theirs.public_id}/messages", {"body": "hi"}, **auth),
        client.get(f"/api/v1/support/attachments/{attachment.public_id}", **auth),
    ):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "ticket_not_found"
    assert theirs.messages.count() == 1 and theirs.state == "open"


def test_internal_notes_never_appear_and_reading_marks_read(client, traveller, auth):
    ticket = ticket_open(traveller=traveller, subject="x", body="y")
    TicketMessage.objects.create(ticket=ticket, kind="note", body="SECRET")
    ticket_reply_by_staff(ticket=ticket, staff=make_staff(), body="Try this")

    listing = client.get("/api/v1/support/tickets", **auth).json()
    detail = client.get(f"/api/v1/support/tickets/{ticket.public_id}", **auth).json()
    after = client.get("/api/v1/support/tickets", **auth).json()

    assert listing["unread"] == 1 and listing["tickets"][0]["unread"] is True
    assert [m["kind"] for m in detail["messages"]] == ["traveller", "staff"]
    assert "SECRET" not in str(detail)
    assert after["unread"] == 0


def test_an_oversized_body_is_refused_unread(client, auth):
    response = client.generic(
        "POST",
        "/api/v1/support/tickets",
        data=b"{}",
        content_type="application/json",
        CONTENT_LENGTH=str(upload_limit_bytes() + 1),
        **auth,
    )

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"


def test_the_schema_documents_the_endpoints(client):
    schema = client.get("/api/v1/openapi.json").json()

    paths = {path for path in schema["paths"] if "/support/" in path}
    assert paths == {
        "/api/v1/support/tickets",
        "/api/v1/support/tickets/{ticket_id}",
        "/api/v1/support/tickets/{ticket_id}/messages",
        "/api/v1/support/tickets/{ticket_id}/close",
        "/api/v1/support/attachments/{attachment_id}",
    }
    upload = schema["paths"]["/api/v1/support/tickets/{ticket_id}/messages"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
