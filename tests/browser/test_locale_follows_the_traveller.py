"""A Korean browser in Seoul: the visitor's times are shown in Seoul time, and the account
created from it speaks Korean, prices in won and keeps Seoul's time zone."""

import pytest
from playwright.sync_api import expect

from .conftest import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def seoul_page(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, locale="ko-KR", timezone_id="Asia/Seoul"
    )
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def test_a_korean_browser_in_seoul_signs_up_in_korean_in_seoul_time(seoul_page):
    from django.contrib.auth import get_user_model

    from roamcard.notifications.models import Message

    page = seoul_page
    page.goto("/")
    expect(page.locator("footer")).to_contain_text("협정 세계시")  # before app.js has run once
    page.reload()
    expect(page.locator("footer")).to_contain_text("대한민국 시간")

    page.goto("/accounts/signup/")
    expect(page.locator("input[name=time_zone]")).to_have_value("Asia/Seoul")
    page.locator("input[name=email]").fill("jiwoo@example.com")
    page.locator("input[name=password1]").fill("Travel-far-2025")
    page.locator("input[name=password2]").fill("Travel-far-2025")
    page.locator("input[name=password2]").press("Enter")
    expect(page.locator("input[name=code]")).to_be_visible()

    user = get_user_model().objects.get(email="jiwoo@example.com")
    assert (user.preferred_language, user.preferred_currency, user.time_zone) == (
        "ko",
        "KRW",
        "Asia/Seoul",
    )
    assert Message.objects.get(to="jiwoo@example.com").language == "ko"
