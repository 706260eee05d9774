"""A Korean traveller in Seoul whose card binding is locked finds the answer and a person:
the lock message links to the card password article, which shows customer service's hours
on the provider's clock and on hers."""

import re

import pytest
from playwright.sync_api import expect

from roamcard.testing import make_card, make_user

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


def test_a_locked_korean_traveller_follows_the_link_to_the_article_and_sees_the_hours(
    seoul_page, log_in
):
    from datetime import time

    from roamcard.help.models import SupportContact
    from roamcard.help.services import help_load_defaults

    help_load_defaults()
    SupportContact.objects.create(
        days=[0, 1, 2, 3, 4],
        opens_at=time(9, 0),
        closes_at=time(18, 0),
        time_zone="Asia/Hong_Kong",
        languages=["ko", "en"],
        email="help@provider.example",
        kakaotalk="_xbRkCn",
    )
    card = make_card(password="482913")
    page = log_in(
        seoul_page,
        make_user(email="jiwoo@example.com", preferred_language="ko", time_zone="Asia/Seoul"),
    )
    page.goto("/cards/bind/")

    for _ in range(5):
        page.locator("input[name=iccid]").fill(card.iccid)
        page.locator("input[name=card_password]").fill("000000")
        page.locator("form.form button[type=submit]").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("1시간 동안 등록이 잠겼어요")

    alert.get_by_role("link", name="카드 비밀번호를 잊으셨나요? 이렇게 하세요").click()

    expect(page).to_have_url(re.compile(r"/help/forgot-card-password/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "카드 비밀번호를 잊었거나 카드가 잠겼어요"
    )
    contact = page.locator(".help-contact")
    expect(contact).to_contain_text("월요일–금요일")
    expect(contact).to_contain_text("오전 9:00–오후 6:00")  # Hong Kong's clock
    expect(contact).to_contain_text("내 시간대(대한민국 시간)로는 오전 10:00–오후 7:00예요.")
    expect(contact.locator(".help-open .badge")).to_have_text(
        re.compile("^(지금 상담 가능|지금은 상담 시간이 아니에요)$")
    )
    expect(contact.get_by_role("link", name="help@provider.example")).to_have_attribute(
        "href", "mailto:help@provider.example"
    )
    expect(contact.get_by_role("link", name="_xbRkCn")).to_have_attribute(
        "href", "https://pf.kakao.com/_xbRkCn"
    )
    expect(contact).to_contain_text("상담 언어: 한국어, 영어.")
