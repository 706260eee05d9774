import csv
import io

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.urls import reverse

from roamcard.core.tests.staff import make_staff
from roamcard.reports.pages import REPORTS
from roamcard.reports.tests.conftest import NOW

WEEK = {"range": "custom", "first": "2026-11-01", "last": "2026-11-07"}


@pytest.fixture(autouse=True)
def _on_the_fifth_of_november():
    """The stuck orders are those of the hand-built week as seen on 5 November, 03:00 UTC
    (before anyone logs in, so their sessions are current then)."""
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def seoul_staff_client(client, db):
    staff = make_staff()
    staff.time_zone = "Asia/Seoul"
    staff.save(update_fields=["time_zone"])
    client.force_login(staff)
    return client


def report_url(slug: str) -> str:
    return reverse("admin:reports_report_show", args=[slug])


def test_the_sidebar_and_the_index_list_every_report(seoul_staff_client):
    response = seoul_staff_client.get(reverse("admin:index"))
    assert reverse("admin:reports_report_changelist").encode() in response.content
    response = seoul_staff_client.get(reverse("admin:reports_report_changelist"))
    assert response.status_code == 200
    for spec in REPORTS:
        assert report_url(spec.slug) in response.content.decode()


@pytest.mark.parametrize("slug", [spec.slug for spec in REPORTS])
def test_every_report_shows_a_chart_and_its_numbers(seoul_staff_client, business, slug):
    response = seoul_staff_client.get(report_url(slug), {**WEEK, "minutes": 30})
    assert response.status_code == 200
    page = response.content.decode()
    assert "<svg" in page and "<title id=" in page and "<table" in page
    assert "Asia/Seoul" in page


@pytest.mark.parametrize("slug", [spec.slug for spec in REPORTS])
def test_an_empty_period_says_so(seoul_staff_client, db, slug):
    response = seoul_staff_client.get(report_url(slug), WEEK)
    assert response.status_code == 200
    assert "No data in this period." in response.content.decode()
    assert "<svg" not in response.content.decode()


def test_revenue_csv_has_decimal_amounts_beside_their_currency(seoul_staff_client, business):
    response = seoul_staff_client.get(report_url("revenue"), {**WEEK, "export": "revenue-per-day"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "revenue-per-day-2026-11-01-2026-11-07.csv" in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")  # for Excel
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows == [
        ["Day", "Currency", "Payments", "Refunds", "Net"],
        ["2026-11-02", "CNY", "100.00", "0.00", "100.00"],
        ["2026-11-04", "CNY", "0.00", "68.00", "-68.00"],
        ["2026-11-03", "USD", "9.49", "0.00", "9.49"],
    ]


def test_revenue_per_month_in_the_readers_language(seoul_staff_client, business):
    response = seoul_staff_client.get(
        report_url("revenue"), {**WEEK, "by": "month"}, HTTP_ACCEPT_LANGUAGE="ja"
    )
    page = response.content.decode()
    assert "2026年11月" in page
    rows = list(
        csv.reader(
            io.StringIO(
                seoul_staff_client.get(
                    report_url("revenue"), {**WEEK, "by": "month", "export": "revenue-per-month"}
                )
                .content.decode()
                .lstrip("\ufeff")
            )
        )
    )
    assert rows[1] == ["2026-11", "CNY", "100.00", "68.00", "32.00"]


def test_stuck_orders_link_to_the_order(seoul_staff_client, business):
    response = seoul_staff_client.get(report_url("stuck-orders"), {"range": "7", "minutes": 30})
    order = business.stuck_order
    assert reverse("admin:orders_order_change", args=[order.pk]) in response.content.decode()
    assert order.short_id in response.content.decode()


def test_a_reversed_period_is_refused_clearly(seoul_staff_client, db):
    response = seoul_staff_client.get(
        report_url("revenue"), {"range": "custom", "first": "2026-11-07", "last": "2026-11-01"}
    )
    assert response.status_code == 200
    assert "The first day is after the last day." in response.content.decode()


def test_unknown_report_or_table_is_not_found(seoul_staff_client, db):
    assert seoul_staff_client.get(report_url("nope")).status_code == 404
    assert seoul_staff_client.get(report_url("revenue"), {"export": "nope"}).status_code == 404


def test_staff_need_the_reports_permission(client, db):
    staff = make_staff(superuser=False, email="clerk@example.com")
    client.force_login(staff)
    assert client.get(report_url("revenue")).status_code == 403
    assert (
        reverse("admin:reports_report_changelist")
        not in client.get(reverse("admin:index")).content.decode()
    )

    staff.user_permissions.add(Permission.objects.get(codename="view_reports"))
    assert client.get(report_url("revenue")).status_code == 200


def test_travellers_never_reach_the_reports(client, traveller):
    client.force_login(traveller)
    response = client.get(report_url("revenue"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_reports_read_in_korean(seoul_staff_client, business):
    page = seoul_staff_client.get(
        report_url("payment-rates"), WEEK, HTTP_ACCEPT_LANGUAGE="ko"
    ).content.decode()
    assert "결제 실패와 환불" in page and "통화별 환불률" in page and "40.0%" in page
    index = seoul_staff_client.get(
        reverse("admin:reports_report_changelist"), HTTP_ACCEPT_LANGUAGE="ko"
    ).content.decode()
    assert "보고서" in index and "등록 잠금" in index


def test_csv_cells_never_run_as_formulas(seoul_staff_client, business):
    business.plan_a.name = "=HYPERLINK(1)"
    business.plan_a.save()
    response = seoul_staff_client.get(
        report_url("renewals"), {**WEEK, "export": "renewals-per-plan"}
    )
    rows = list(csv.reader(io.StringIO(response.content.decode().lstrip("\ufeff"))))
    assert ["'=HYPERLINK(1)", "2", "2", "0"] in rows
    refunds = seoul_staff_client.get(report_url("revenue"), {**WEEK, "export": "revenue-per-day"})
    assert "-68.00" in refunds.content.decode() and "'-68.00" not in refunds.content.decode()
