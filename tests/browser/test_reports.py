"""The back office's reports in a real browser, under the Content-Security-Policy: staff open
them from the sidebar, read a chart drawn on the server (nothing refused, nothing fetched),
change the period, and the page passes the accessibility checks."""

import pytest
from playwright.sync_api import expect

from roamcard.core.tests.staff import make_staff
from roamcard.reports.tests.conftest import business  # noqa: F401 (the fixture)

from .axe import axe_violations, describe
from .conftest import DESKTOP

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def refusals(page):
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.on("pageerror", lambda error: refused.append(str(error)))
    return refused


@pytest.mark.parametrize("language", ["en", "ko"])
def test_staff_read_the_revenue_from_the_sidebar(new_page, log_in, business, language):  # noqa: F811
    staff = make_staff()
    staff.time_zone = "Asia/Seoul"
    staff.preferred_language = language
    staff.save()
    page = log_in(new_page(viewport=DESKTOP, locale=language), staff)
    refused = refusals(page)

    page.goto("/admin/")
    sidebar = page.locator("#nav-sidebar-inner, nav").filter(
        has_text={"en": "Reports", "ko": "보고서"}[language]
    )
    sidebar.locator('a[href="/admin/reports/report/"]').first.click()
    page.get_by_role("link", name={"en": "Revenue", "ko": "매출"}[language]).first.click()
    page.get_by_label({"en": "Period", "ko": "기간"}[language], exact=True).select_option("custom")
    page.get_by_label({"en": "From", "ko": "시작일"}[language], exact=True).fill("2026-11-01")
    page.get_by_label({"en": "To", "ko": "종료일"}[language], exact=True).fill("2026-11-07")
    page.get_by_role("button", name={"en": "Show", "ko": "보기"}[language]).click()

    expect(page.locator("svg[role=img]").first).to_be_visible()
    expect(
        page.get_by_role("cell", name="CN¥100.00" if language == "en" else "CN¥100.00").first
    ).to_be_visible()
    page.screenshot(path=f"/tmp/reports-revenue-{language}.png", full_page=True)
    assert refused == []
    violations = axe_violations(page)
    assert not violations, describe(violations, "on the revenue report")
