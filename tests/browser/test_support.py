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
from .conftest import PHONE
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
    expect(page.locator(".count-badge-avatar")).to_have_count(0)
    context.close()
