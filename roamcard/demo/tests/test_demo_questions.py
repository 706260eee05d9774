"""Customer service in the demo: the saved replies, and the demo traveller's questions, one
answered and one waiting in the back office's queue, from the first `make run`."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from roamcard.demo.questions import DAY_PASS_START, NO_DATA_IN_PARIS
from roamcard.demo.services import STAFF_EMAIL, TRAVELLER_EMAIL, demo_seed
from roamcard.notifications.models import Notice
from roamcard.support.models import SavedReply, Ticket
from roamcard.support.standard_replies import STANDARD_REPLIES
from roamcard.testing import make_user

pytestmark = pytest.mark.django_db

MY_QUESTIONS = reverse("support:ticket_list")
QUEUE = reverse("admin:support_ticket_changelist")


def demo_users():
    User = get_user_model()
    return User.objects.get(email=TRAVELLER_EMAIL), User.objects.get(email=STAFF_EMAIL)


def test_the_traveller_has_an_answered_question_and_one_waiting_for_staff(client):
    demo_seed()
    traveller, staff = demo_users()

    answered = Ticket.objects.get(traveller=traveller, subject=NO_DATA_IN_PARIS.subject["en"])
    waiting = Ticket.objects.get(traveller=traveller, subject=DAY_PASS_START.subject["en"])
    assert (answered.state, answered.assignee, answered.card.region.code) == (
        "answered",
        staff,
        "europe-33",
    )
    [asked, reply] = answered.messages.all()
    assert (asked.kind, reply.kind, reply.author) == ("traveller", "staff", staff)
    assert reply.body == SavedReply.objects.get(key="no-data-abroad").body_en
    assert Notice.objects.filter(user=traveller).count() == 1  # told of the answer, as anyone
    assert (waiting.state, waiting.assignee, waiting.card.region.code) == (
        "open",
        None,
        "south-east-asia",
    )
    assert waiting.traveller_waiting_since is not None

    client.force_login(traveller)
    page = client.get(MY_QUESTIONS).content.decode()
    assert "No internet in Paris" in page and "When does my day pass start?" in page
    assert page.count("ticket-item is-unread") == 1  # the answer is new to them


def test_the_demo_staff_member_works_the_queue_with_the_saved_replies(client):
    demo_seed()
    traveller, staff = demo_users()
    waiting = Ticket.objects.get(traveller=traveller, state="open")

    assert staff.has_perms(["support.view_ticket", "support.change_ticket", "support.add_ticket"])
    client.force_login(staff)
    queue = client.get(QUEUE).content.decode()
    assert waiting.reference in queue
    ticket_page = client.get(reverse("admin:support_ticket_change", args=[waiting.pk]))
    html = ticket_page.content.decode()
    assert "Ask for a screenshot of the error" in html and "APN settings" in html
    response = client.post(
        reverse("admin:support_ticket_reply", args=[waiting.pk]),
        {"body": "It starts the first time you use data in South-East Asia."},
    )
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.state == "answered"


def test_a_traveller_who_writes_korean_asks_and_is_answered_in_korean():
    make_user(email=TRAVELLER_EMAIL, preferred_language="ko")

    demo_seed()

    tickets = Ticket.objects.filter(traveller__email=TRAVELLER_EMAIL)
    assert sorted(t.subject for t in tickets) == sorted(
        [NO_DATA_IN_PARIS.subject["ko"], DAY_PASS_START.subject["ko"]]
    )
    assert {t.language for t in tickets} == {"ko"}
    reply = tickets.get(state="answered").messages.get(kind="staff")
    assert reply.body == SavedReply.objects.get(key="no-data-abroad").body_ko
    assert re.search("[가-힣]", reply.body)


def test_seeding_again_asks_nothing_twice_and_keeps_staff_edits_of_the_saved_replies():
    demo_seed()
    SavedReply.objects.filter(key="solved").update(body_en="Great! Closing this one.")
    traveller, _staff = demo_users()
    before = list(Ticket.objects.values_list("pk", "state", "last_message_at"))

    again = demo_seed()

    assert again.created == 0
    assert list(Ticket.objects.values_list("pk", "state", "last_message_at")) == before
    assert SavedReply.objects.count() == len(STANDARD_REPLIES)
    assert SavedReply.objects.get(key="solved").body_en == "Great! Closing this one."
    assert Notice.objects.filter(user=traveller).count() == 1
