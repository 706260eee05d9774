"""A traveller on a phone, in Japanese, adds a mobile number to an e-mail account and
verifies it with the SMS code; "send the code again" counts down meanwhile."""

import re

import pytest
from playwright.sync_api import expect

from roamcard.testing import make_user

from .conftest import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_e_mail_account_adds_and_verifies_a_mobile_number_in_japanese(new_page, log_in):
    from roamcard.notifications.models import Message

    user = make_user(email="hana@example.com", preferred_language="ja")
    page = log_in(new_page(locale="ja-JP"), user)
    page.clock.install()  # the page's clock, so that the count-down can be run forward

    page.goto("/accounts/profile/")
    avatar = page.locator("summary.menu-avatar")
    expect(avatar).to_have_accessible_name("アカウント：hana@example.com")
    expect(avatar).to_have_text("H")
    page.get_by_role("link", name="携帯電話番号を追加").click()

    expect(page.get_by_role("heading", name="携帯電話番号を追加")).to_be_visible()
    page.get_by_label("携帯電話番号").fill("+81 90-1234-5678")
    page.get_by_role("button", name="コードを送信").click()
    confirm_password(page)

    expect(page.get_by_role("heading", name="携帯電話番号の確認")).to_be_visible()
    expect(page.get_by_text("+81 90-1234-5678")).to_be_visible()
    resend = page.locator("button[data-resend-wait]")
    expect(resend).to_be_disabled()
    expect(resend).to_have_text(re.compile(r"^[01]:\d\d 後に再送信できます$"))
    page.clock.fast_forward("01:01")
    expect(resend).to_be_enabled()
    expect(resend).to_have_text("コードを再送信")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= PHONE["width"], f"the code page scrolls sideways ({scroll_width}px)"

    sms = Message.objects.filter(to="+819012345678", channel="sms").latest("created_at")
    code = re.search(r"\b(\d{6})\b", sms.body).group(1)
    page.get_by_label("確認コード").fill(code)
    page.get_by_role("button", name="確認", exact=True).click()

    expect(page.get_by_role("heading", name="プロフィール")).to_be_visible()
    expect(page.locator(".contact-value", has_text="+81 90-1234-5678")).to_be_visible()
    expect(page.locator(".contacts .badge-verified")).to_have_count(2)
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= PHONE["width"], f"the profile scrolls sideways ({scroll_width}px)"
    user.refresh_from_db()
    assert (user.phone, user.phone_verified) == ("+819012345678", True)


def test_a_phone_only_account_s_avatar_is_a_person_named_by_the_number(new_page, log_in):
    user = make_user(phone="+821012345678", phone_verified=True, preferred_language="ko")
    page = log_in(new_page(locale="ko-KR"), user)

    page.goto("/accounts/profile/")

    avatar = page.locator("summary.menu-avatar")
    expect(avatar).to_have_accessible_name("계정: +82 10-1234-5678")
    expect(avatar).to_have_text("")
    expect(avatar.locator("svg.icon-person")).to_be_visible()
    page.get_by_role("link", name="이메일 주소 추가").click()
    expect(page.get_by_role("heading", name="이메일 주소 추가")).to_be_visible()


def confirm_password(page):
    """Changing a contact asks for the password again first (allauth's reauthentication)."""
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/"))
    page.locator("input[name=password]").fill("Secret-pass-42")
    page.locator("main form:has(input[name=password]) button[type=submit]").first.click()
