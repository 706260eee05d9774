"""Customer service's queue in a real browser, under the back office's Content-Security-
Policy: find the traveller's ticket, answer with a saved reply in their language (edited
before sending), leave a note for colleagues, close it with a last word."""

import pytest
from playwright.sync_api import expect

from roamcard.core.tests.staff import make_staff
from roamcard.notifications.models import Notice
from roamcard.support.models import SavedReply
from roamcard.support.services import ticket_open
from roamcard.testing import make_card, make_user

from .conftest import DESKTOP
from .test_card_import import refusals

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_answer_a_korean_traveller_with_a_saved_reply(new_page, log_in):
    traveller = make_user(email="minji@example.com", preferred_language="ko")
    card = make_card(owner=traveller)
    ticket = ticket_open(
        traveller=traveller, subject="데이터가 안 돼요", body="도쿄에서 안 돼요.", card_id=card.pk
    )
    SavedReply.objects.create(
        title_en="Roaming",
        body_en="Please switch data roaming on.",
        title_ko="데이터 로밍",
        body_ko="데이터 로밍을 켜 주세요.",
    )
    page = log_in(new_page(viewport=DESKTOP), make_staff())
    refused = refusals(page)

    page.goto("/admin/support/ticket/")
    page.locator("#searchbar").fill(card.iccid)
    page.keyboard.press("Enter")
    page.get_by_role("link", name=ticket.reference).click()

    expect(page.get_by_text("도쿄에서 안 돼요.")).to_be_visible()
    page.get_by_label("Saved reply").select_option(label="데이터 로밍")
    reply = page.get_by_label("Message", exact=True)
    expect(reply).to_have_value("데이터 로밍을 켜 주세요.")  # filled at once, by our script
    reply.fill("데이터 로밍을 켜 주세요. 그래도 안 되면 다시 알려 주세요.")
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_text("Reply sent. The traveller is notified.")).to_be_visible()

    page.get_by_label("Note for colleagues (the traveller never sees it)").fill("Roaming was off.")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator(".rc-message-note")).to_contain_text("Roaming was off.")

    page.get_by_label("Last message to the traveller (optional)").fill("해결되어 다행이에요.")
    page.get_by_role("button", name="Close the ticket").click()
    expect(page.get_by_text("Ticket closed.")).to_be_visible()
    expect(page.get_by_role("button", name="Reopen")).to_be_visible()

    ticket.refresh_from_db()
    assert ticket.state == "closed"
    assert [m.kind for m in ticket.messages.all()] == ["traveller", "staff", "note", "staff"]
    assert Notice.objects.filter(user=traveller).count() == 2  # the reply, the resolution
    page.screenshot(path="/tmp/sups/ticket.png", full_page=True)
    assert refused == []
