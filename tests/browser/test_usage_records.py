"""A Korean traveller opens a card's usage records on a phone: the chart is an image named
and described in Korean, the table holds the same figures, the period switch works, every
word is Korean, and axe-core finds no serious accessibility violation."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from roamcard.testing import GIB, make_bucket, make_card, make_region, make_usage_day, make_user
from roamcard.usage.records import utc_today

from .axe import axe_source, axe_violations, describe
from .conftest import PHONE
from .language import assert_in_language

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MIB = 1024**2


def traveller_with_usage():
    user = make_user(preferred_language="ko", time_zone="Asia/Seoul")
    asia = make_region(code="asia", name="Asia", countries=("JP", "KR", "TW"))
    asia.name_ko = "아시아"
    asia.save()
    card = make_card(owner=user, region=asia, label="가족 여행")
    make_bucket(card=card, bytes_granted=3 * GIB, bytes_remaining=GIB, days=10)
    today = utc_today()
    for n in range(10):
        make_usage_day(card=card, day=today - timedelta(days=n), country="JP", used=150 * MIB)
    make_usage_day(card=card, day=today - timedelta(days=1), country="KR", used=80 * MIB)
    make_usage_day(
        card=card, day=today - timedelta(days=12), country="TW", used=60 * MIB, overage=10 * MIB
    )
    return user, card


def test_the_usage_records_read_in_korean_with_a_chart_a_table_and_no_axe_violation(
    new_page, log_in
):
    axe_source()  # skip (or fail in CI) before building anything if axe-core is missing
    user, card = traveller_with_usage()
    page = log_in(new_page(locale="ko-KR"), user)

    page.goto(f"/cards/{card.pk}/")
    page.get_by_role("link", name="사용 내역").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("사용 내역")
    chart = page.get_by_role("img", name="날짜별 데이터 사용량")
    expect(chart).to_be_visible()
    expect(chart).to_have_accessible_description(re.compile(r"합계 1.6GB: 일본 1.46GB"))
    expect(page.locator(".usage-legend")).to_contain_text("대한민국")
    table = page.get_by_role("table", name="날짜·국가별")
    expect(table.get_by_role("columnheader", name="날짜(협정 세계시)")).to_be_visible()
    expect(table.locator("tbody tr")).to_have_count(10 + 1 + 1)  # Japan × 10, Korea, Taiwan
    expect(table.locator("tfoot")).to_contain_text("1.6GB")
    expect(table).to_contain_text("제공량 초과 10MB")
    expect(page.get_by_text("지금 속도라면 아시아 데이터는")).to_be_visible()

    found = {}
    for step in ("30 days", "7 days"):
        violations = axe_violations(page)
        if violations:
            found[step] = describe(violations, f"on the records page ({step})")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            found[f"{step} (width)"] = f"the records page scrolls sideways: {width}px at 360px"
        assert_in_language(page, "ko", step=step)
        if step == "30 days":
            page.get_by_role("navigation", name="기간").get_by_role("link", name="최근 7일").click()
            expect(page).to_have_url(re.compile(r"\?days=7$"))
            expect(table.locator("tbody tr")).to_have_count(7 + 1)
    assert not found, "\n\n".join(found.values())
