"""The queue in the back office, as a member of customer service uses it."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from roamcard.core.models import AuditEvent
from roamcard.core.tests.staff import make_staff
from roamcard.notifications.models import Notice
from roamcard.support.models import SavedReply, Ticket
from roamcard.support.services import ticket_assign, ticket_note_add, ticket_open
from roamcard.testing import make_card, make_user

from .images import png_upload
from .journey import pay_for_renewal

pytestmark = pytest.mark.django_db

QUEUE = reverse("admin:support_ticket_changelist")


def page(ticket):
    return reverse("admin:support_ticket_change", args=[ticket.pk])


def act(ticket, verb):
    return reverse(f"admin:support_ticket_{verb}", args=[ticket.pk])


def references(response) -> list[str]:
    """The tickets listed, in order (each appears in several cells of its row)."""
    html = response.content.decode()
    return re.findall(r'class="field-reference[^>]*>(?:\s|<[^>]+>)*(T-[0-9A-F]{8})', html)


@pytest.fixture
def agent():
    return make_staff(email="agent@example.com")


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client


def test_the_queue_puts_the_longest_waiting_traveller_first_and_filters(
    agent_client, agent, time_machine
):
    time_machine.move_to("2026-11-29 08:00Z", tick=False)
    older = ticket_open(traveller=make_user(), subject="Older", body="Help")
    time_machine.move_to("2026-11-29 09:30Z", tick=False)
    newer = ticket_open(traveller=make_user(), subject="Newer", body="Help", topic="refund")
    time_machine.move_to("2026-11-29 10:00Z", tick=False)
    ticket_assign(ticket=newer, staff=agent, assignee=agent)

    listed = references(agent_client.get(QUEUE))
    assert listed.index(older.reference) < listed.index(newer.reference)
    assert "2\xa0hours" in agent_client.get(QUEUE).content.decode()  # older has waited 2 h

    assert references(agent_client.get(QUEUE, {"assignee": "mine"})) == [newer.reference]
    assert references(agent_client.get(QUEUE, {"assignee": "nobody"})) == [older.reference]
    assert references(agent_client.get(QUEUE, {"topic__exact": "refund"})) == [newer.reference]
    assert references(agent_client.get(QUEUE, {"state__exact": "closed"})) == []


def test_the_queue_finds_a_ticket_by_iccid_reference_email_and_order_number(
    agent_client, korean_traveller, japan_card, japan_plan, committed
):
    with committed():
        order = pay_for_renewal(traveller=korean_traveller, card=japan_card, plan=japan_plan)
    ticket = ticket_open(
        traveller=korean_traveller, subject="Q", body="?", order_public_id=order.public_id
    )
    other = ticket_open(traveller=make_user(), subject="Other", body="?")

    for term in (japan_card.iccid, ticket.reference, "minji@example", order.short_id):
        assert references(agent_client.get(QUEUE, {"q": term})) == [ticket.reference], term
    assert references(agent_client.get(QUEUE, {"q": other.reference})) == [other.reference]


def test_the_ticket_page_shows_the_conversation_and_beside_it_what_staff_need(
    agent_client, agent, korean_traveller, japan_card, japan_plan, committed
):
    with committed():
        order = pay_for_renewal(
            traveller=korean_traveller, card=japan_card, plan=japan_plan, network_fails=True
        )
        make_card(owner=korean_traveller)
    ticket = ticket_open(
        traveller=korean_traveller,
        subject="충전이 안 돼요",
        body="결제했는데 충전이 안 돼요.",
        order_public_id=order.public_id,
        files=[png_upload("결제.png")],
    )
    ticket_note_add(ticket=ticket, staff=agent, body="Network says gateway unavailable.")

    html = agent_client.get(page(ticket)).content.decode()

    assert "결제했는데 충전이 안 돼요." in html
    assert 'class="rc-message rc-message-note"' in html  # set apart
    assert "Internal note (staff only)" in html
    assert "결제.png" in html
    # the order's history, the payment's log and the provisioning job's attempts and error
    assert "pending_payment" in html and "paid" in html
    assert "sandbox/card" in html and "Succeeded" in html
    assert "provisioning gateway unavailable" in html
    assert re.search(r"Attempts</dt><dd>1</dd>", html)
    assert "Refund…" in html and reverse("admin:orders_order_refund", args=[order.pk]) in html


def test_the_card_buckets_are_beside_the_conversation(
    agent_client, korean_traveller, japan_card, japan_plan, committed
):
    with committed():
        order = pay_for_renewal(traveller=korean_traveller, card=japan_card, plan=japan_plan)
    ticket = ticket_open(traveller=korean_traveller, subject="Q", body="?", card_id=japan_card.pk)

    html = agent_client.get(page(ticket)).content.decode()

    order.refresh_from_db()
    assert order.state == "fulfilled"
    assert "Japan" in html and "5 GB / 5 GB" in html


def test_a_saved_reply_in_the_tickets_language_fills_the_reply_and_is_sent(
    agent_client, agent, korean_traveller, committed
):
    reply = SavedReply.objects.create(
        title_en="APN",
        body_en="Please check the APN.",
        title_ko="APN 확인",
        body_ko="APN 설정을 확인해 주세요.",
    )
    ticket = ticket_open(traveller=korean_traveller, subject="데이터", body="안 돼요")

    html = agent_client.get(page(ticket)).content.decode()
    assert "APN 확인" in html and 'data-text="APN 설정을 확인해 주세요."' in html
    assert "Please check the APN." not in html
    filled = agent_client.get(page(ticket), {"saved_reply": reply.pk}).content.decode()
    assert re.search(r'<textarea id="reply-body"[^>]*>APN 설정을 확인해 주세요.</textarea>', filled)

    with committed():
        response = agent_client.post(
            act(ticket, "reply"),
            {
                "body": "APN 설정을 확인해 주세요. 그리고 재부팅해 주세요.",
                "attachments": [png_upload()],
            },
        )

    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.state == "answered"
    staff_message = ticket.messages.get(kind="staff")
    assert (
        staff_message.body.endswith("재부팅해 주세요.") and staff_message.attachments.count() == 1
    )
    assert AuditEvent.objects.get(action="ticket.reply").ip_address == "127.0.0.1"
    assert Notice.objects.filter(user=korean_traveller, title__contains=ticket.reference).exists()


def test_a_rejected_reply_keeps_the_text_and_says_why(agent_client, korean_traveller):
    ticket = ticket_open(traveller=korean_traveller, subject="데이터", body="안 돼요")
    from .images import fake_image_upload

    response = agent_client.post(
        act(ticket, "reply"), {"body": "See the picture", "attachments": [fake_image_upload()]}
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "See the picture</textarea>" in html and "is not an image we accept" in html
    assert not ticket.messages.filter(kind="staff").exists()


def test_note_assign_close_and_reopen_from_the_page(agent_client, agent, korean_traveller):
    ticket = ticket_open(traveller=korean_traveller, subject="데이터", body="안 돼요")

    agent_client.post(act(ticket, "note"), {"body": "Asked the network team."})
    agent_client.post(act(ticket, "assign"), {"assignee": "me"})
    agent_client.post(act(ticket, "classify"), {"priority": "high", "topic": "data"})
    ticket.refresh_from_db()
    assert ticket.messages.get(kind="note").body == "Asked the network team."
    assert ticket.state == "open" and ticket.assignee == agent and ticket.priority == "high"
    assert not Notice.objects.filter(user=korean_traveller).exists()

    agent_client.post(act(ticket, "close"), {"body": ""})
    ticket.refresh_from_db()
    assert ticket.state == "closed"
    agent_client.post(act(ticket, "reopen"))
    ticket.refresh_from_db()
    assert ticket.state == "open"
    assert [e.action for e in AuditEvent.objects.order_by("id")] == [
        "ticket.note",
        "ticket.assign",
        "ticket.classify",
        "ticket.close",
        "ticket.reopen",
    ]


def test_staff_download_an_attachment_through_the_back_office_only(
    agent_client, client, korean_traveller
):
    ticket = ticket_open(traveller=korean_traveller, subject="Q", body="?", files=[png_upload()])
    attachment = ticket.attachments.get()
    url = reverse("admin:support_ticket_attachment", args=[attachment.public_id])

    response = agent_client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")

    client.logout()
    client.force_login(korean_traveller)  # not staff: the back office sends them to log in
    assert client.get(url).status_code == 302


def test_staff_without_support_rights_cannot_see_tickets(client, korean_traveller):
    ticket = ticket_open(traveller=korean_traveller, subject="Q", body="?", files=[png_upload()])
    outsider = make_staff(superuser=False, email="finance@example.com")
    client.force_login(outsider)

    assert client.get(QUEUE).status_code == 403
    assert client.get(page(ticket)).status_code == 403
    attachment = ticket.attachments.get()
    url = reverse("admin:support_ticket_attachment", args=[attachment.public_id])
    assert client.get(url).status_code == 403
    assert client.post(act(ticket, "reply"), {"body": "hi"}).status_code == 403

    outsider.user_permissions.add(Permission.objects.get(codename="view_ticket"))
    assert client.get(page(ticket)).status_code == 200
    assert client.post(act(ticket, "reply"), {"body": "hi"}).status_code == 403  # read only
    assert not ticket.messages.filter(kind="staff").exists()


def test_staff_open_a_ticket_for_a_traveller(agent_client, korean_traveller, japan_card, committed):
    add = reverse("admin:support_ticket_add")
    assert agent_client.get(add).status_code == 200

    refused = agent_client.post(
        add, {"traveller": "nobody@example.com", "subject": "x", "body": "y"}
    )
    assert refused.status_code == 400
    assert "No traveller has this e-mail address or phone." in refused.content.decode()

    with committed():
        response = agent_client.post(
            add,
            {
                "traveller": "+821012345678",
                "subject": "전화 문의",
                "body": "전화로 말씀하신 내용을 확인했어요.",
                "topic": "card",
                "priority": "normal",
                "iccid": japan_card.iccid,
            },
        )

    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == page(ticket)
    assert ticket.origin == "staff" and ticket.card == japan_card
    assert Notice.objects.filter(user=korean_traveller, title__contains=ticket.reference).exists()


def test_saved_replies_are_written_per_language(agent_client):
    html = agent_client.get(reverse("admin:support_savedreply_add")).content.decode()

    for field in ("title_en", "title_ko", "title_ja", "body_zh_hans", "body_zh_hant"):
        assert f'name="{field}"' in html
    response = agent_client.post(
        reverse("admin:support_savedreply_add"),
        {
            "title_en": "Roaming",
            "body_en": "Switch data roaming on.",
            "body_ko": "데이터 로밍을 켜 주세요.",
            "active": "on",
        },
    )
    assert response.status_code == 302
    assert SavedReply.objects.get().body_ko == "데이터 로밍을 켜 주세요."
    assert AuditEvent.objects.filter(action="savedreply.add").exists()
