"""Customer service as a Japanese traveller meets it in Chromium: asking about their card
from the card page, a PDF dressed as a PNG refused in Japanese, a real screenshot taken,
the question in "My questions", customer service's answer marked new, answering, and
"my problem is solved". Each page passes the accessibility checks and speaks Japanese."""

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from roamcard.core.tests.staff import make_staff
from roamcard.support.models import Ticket
from roamcard.support.services import ticket_reply_by_staff
from roamcard.testing import make_card, make_region, make_user

from .axe import axe_violations, describe
from .conftest import DESKTOP, PHONE
from .language import assert_in_language

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 200), (20, 90, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


PDF_AS_PNG = {"name": "invoice.png", "mimeType": "image/png", "buffer": b"%PDF-1.7\n%\xe2\xe3\n"}
SCREENSHOT = {"name": "screenshot.png", "mimeType": "image/png", "buffer": png_bytes()}


def staff_answers(ticket: Ticket, body: str) -> None:
    ticket_reply_by_staff(ticket=ticket, staff=make_staff(), body=body)


def checked(page, where: str) -> None:
    violations = axe_violations(page)
    assert not violations, describe(violations, f"on {where}")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # Image formats keep their Latin names in Japanese, as PDF does.
    assert_in_language(page, "ja", allow={"JPEG", "PNG", "WebP", "GIF"})


def test_a_japanese_traveller_asks_about_their_card_and_marks_it_solved(
    browser, live_server, log_in, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    traveller = make_user(
        email="haruka@example.com", preferred_language="ja", time_zone="Asia/Tokyo"
    )
    card = make_card(
        owner=traveller,
        label="東京のeSIM",
        region=make_region(code="japan", name="Japan", countries=["JP"]),
    )
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, locale="ja-JP", timezone_id="Asia/Tokyo"
    )
    context.set_default_timeout(15_000)
    page = log_in(context.new_page(), traveller)

    # From the card page, about this card.
    page.goto(f"/cards/{card.pk}/")
    page.get_by_role("link", name="このカードについて問い合わせる").click()
    expect(page).to_have_url(re.compile(rf"/support/new/\?card={card.pk}$"))
    expect(page.get_by_label("カード", exact=True)).to_have_value(str(card.pk))
    checked(page, "the new question page")

    page.get_by_label("件名").fill("大阪でデータ通信ができません")
    page.get_by_label("お問い合わせ内容").fill("今朝から4Gにつながりません。再起動しました。")
    page.get_by_label("画像").set_input_files([PDF_AS_PNG])
    page.get_by_role("button", name="送信").click()

    # Refused in Japanese, naming the file; what was typed is still there.
    expect(page.locator(".field-invalid")).to_contain_text(
        "「invoice.png」は受け付けられない形式です"
    )
    expect(page.get_by_label("件名")).to_have_value("大阪でデータ通信ができません")
    expect(page.get_by_label("お問い合わせ内容")).to_have_value(
        "今朝から4Gにつながりません。再起動しました。"
    )
    assert not Ticket.objects.exists()
    checked(page, "the refused question")

    page.get_by_label("画像").set_input_files([SCREENSHOT])
    page.get_by_role("button", name="送信").click()
    expect(page.get_by_role("heading", name="大阪でデータ通信ができません")).to_be_visible()
    expect(page.locator(".chat-traveller img")).to_have_count(1)
    ticket = Ticket.objects.get()
    assert ticket.card == card and ticket.language == "ja"
    assert ticket.attachments.get().content_type == "image/png"
    checked(page, "the conversation")

    page.goto("/support/")
    expect(page.locator(".ticket-item")).to_have_count(1)
    expect(page.locator(".ticket-item")).to_contain_text("カスタマーサービスの回答待ち")

    # Customer service answers: the next page shows it, marked new.
    staff_answers(ticket, "端末のデータローミングをオンにしてください。")
    page.reload()
    expect(page.locator(".ticket-item.is-unread")).to_contain_text("新着")
    expect(page.locator(".count-badge-avatar")).to_be_visible()
    checked(page, "My questions with an answer")
    page.locator(".ticket-link").click()
    expect(page.locator(".chat-staff")).to_contain_text("データローミングをオンに")
    expect(page.locator(".chat-staff")).to_contain_text("カスタマーサービス")

    page.get_by_label("返信内容").fill("ローミングをオンにしたらつながりました。")
    page.get_by_role("button", name="送信").click()
    expect(page.locator(".chat-traveller")).to_have_count(2)
    page.get_by_role("button", name="問題は解決しました").click()
    expect(page.locator(".ticket-meta .badge")).to_have_text("クローズ")
    ticket.refresh_from_db()
    assert ticket.state == "closed"
    page.goto("/support/")
    expect(page.locator(".ticket-item.is-unread")).to_have_count(0)
    expect(page.locator(".count-badge-avatar-support")).to_have_count(0)  # the notice stays
    context.close()


def test_a_tickets_whole_life_traveller_and_staff(browser, live_server, log_in, settings, tmp_path):
    """The traveller opens it; staff find it in the queue, take it, answer with the saved
    reply in Japanese and leave a note; the traveller sees the answer (never the note) and
    answers; staff close it; the traveller sees it closed."""
    from roamcard.support.models import SavedReply

    settings.MEDIA_ROOT = tmp_path / "media"
    traveller = make_user(
        email="kenta@example.com", preferred_language="ja", time_zone="Asia/Tokyo"
    )
    card = make_card(
        owner=traveller, region=make_region(code="japan", name="Japan", countries=["JP"])
    )
    staff = make_staff()
    SavedReply.objects.create(
        title_en="Roaming",
        body_en="Please switch data roaming on.",
        title_ja="データローミング",
        body_ja="端末の設定でデータローミングをオンにしてください。",
    )
    traveller_context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, locale="ja-JP", timezone_id="Asia/Tokyo"
    )
    staff_context = browser.new_context(base_url=live_server.url, viewport=DESKTOP)
    for context in (traveller_context, staff_context):
        context.set_default_timeout(15_000)
    mine = log_in(traveller_context.new_page(), traveller)
    desk = log_in(staff_context.new_page(), staff)

    # The traveller asks about their card.
    mine.goto(f"/support/new/?card={card.pk}")
    mine.get_by_label("件名").fill("データ通信ができません")
    mine.get_by_label("お問い合わせ内容").fill("成田に着きましたがつながりません。")
    mine.get_by_label("画像").set_input_files([SCREENSHOT])
    mine.get_by_role("button", name="送信").click()
    expect(mine.get_by_role("heading", name="データ通信ができません")).to_be_visible()
    ticket = Ticket.objects.get()

    # Staff find it in the queue, take it, answer with the saved reply, leave a note.
    desk.goto("/admin/support/ticket/")
    desk.get_by_role("link", name=ticket.reference).click()
    expect(desk.get_by_text("成田に着きましたがつながりません。")).to_be_visible()
    desk.get_by_label("Assigned to").select_option("me")
    desk.get_by_role("button", name="Assign").click()
    expect(desk.get_by_label("Assigned to")).to_have_value(str(staff.pk))
    desk.get_by_label("Saved reply").select_option(label="データローミング")
    expect(desk.get_by_label("Message", exact=True)).to_have_value(
        "端末の設定でデータローミングをオンにしてください。"
    )
    desk.get_by_role("button", name="Send reply").click()
    expect(desk.get_by_text("Reply sent. The traveller is notified.")).to_be_visible()
    desk.get_by_label("Note for colleagues (the traveller never sees it)").fill(
        "INTERNAL: roaming was off on the handset."
    )
    desk.get_by_role("button", name="Add note").click()
    expect(desk.locator(".rc-message-note")).to_contain_text("INTERNAL")

    # The traveller sees the answer, marked new, and not the note; and answers.
    mine.goto("/support/")
    expect(mine.locator(".ticket-item.is-unread")).to_contain_text("新着")
    mine.locator(".ticket-link").click()
    expect(mine.locator(".chat-staff")).to_contain_text("データローミングをオンに")
    expect(mine.get_by_text("INTERNAL")).to_have_count(0)
    checked(mine, "the answered conversation")
    mine.get_by_label("返信内容").fill("オンにしたらつながりました。ありがとうございます。")
    mine.get_by_role("button", name="送信").click()
    expect(mine.locator(".chat-traveller")).to_have_count(2)

    # Staff read the answer and close the ticket.
    desk.reload()
    expect(desk.get_by_text("オンにしたらつながりました。")).to_be_visible()
    desk.get_by_role("button", name="Close the ticket").click()
    expect(desk.get_by_text("Ticket closed.")).to_be_visible()

    mine.goto(f"/support/{ticket.public_id}/")
    expect(mine.locator(".ticket-meta .badge")).to_have_text("クローズ")
    expect(mine.get_by_role("heading", name="もう一度書く")).to_be_visible()
    ticket.refresh_from_db()
    assert ticket.state == "closed" and ticket.assignee == staff
    assert [m.kind for m in ticket.messages.all()] == ["traveller", "staff", "note", "traveller"]
    traveller_context.close()
    staff_context.close()
