"""The usage records page and its CSV export: only the card's owner sees them; the chart,
the table and the export show the same figures; Korean readers read them in Korean."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse

from roamcard.testing import GIB, make_bucket, make_card, make_region, make_usage_day
from roamcard.usage.records import utc_today

pytestmark = pytest.mark.django_db

MIB = 1024**2


@pytest.fixture
def card(traveller):
    world = make_region(code="asia", name="Asia", countries=("JP", "KR", "TW"))
    card = make_card(owner=traveller, region=world, iccid="89852000000000012345")
    make_bucket(card=card, bytes_granted=3 * GIB, bytes_remaining=GIB, days=10)
    return card


@pytest.fixture
def used(card):
    """Two days of usage: yesterday in Japan and Korea, today in Japan."""
    today = utc_today()
    make_usage_day(card=card, day=today - timedelta(days=1), country="JP", used=300 * MIB)
    make_usage_day(
        card=card, day=today - timedelta(days=1), country="KR", used=120 * MIB, overage=20 * MIB
    )
    make_usage_day(card=card, day=today, country="JP", used=200 * MIB)
    make_usage_day(card=card, day=today - timedelta(days=20), country="TW", used=50 * MIB)
    return card


def page_of(client, card, headers=None, **params):
    return client.get(reverse("usage:records", args=[card.pk]), params, headers=headers)


def html(response) -> str:
    return response.content.decode()


def csv_rows(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_the_records_need_a_login(client, card):
    for url in (
        reverse("usage:records", args=[card.pk]),
        reverse("usage:records_csv", args=[card.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))


def test_another_travellers_card_is_not_found(client, used, other_traveller):
    client.force_login(other_traveller)

    assert page_of(client, used).status_code == 404
    assert client.get(reverse("usage:records_csv", args=[used.pk])).status_code == 404


def test_the_card_page_links_to_its_records(client, traveller, card):
    client.force_login(traveller)

    response = client.get(reverse("cards:detail", args=[card.pk]))

    assert f'href="{reverse("usage:records", args=[card.pk])}">Usage records</a>' in html(response)


def test_the_page_shows_the_chart_the_table_and_the_forecast(client, traveller, used):
    client.force_login(traveller)

    page = html(page_of(client, used))

    assert "<strong>670 MB</strong>" in page  # the total of the last 30 days
    # The chart: a named image with its description, bars per country, a legend.
    assert (
        'role="img" aria-labelledby="usage-chart-title" aria-describedby="usage-chart-desc"' in page
    )
    assert '<title id="usage-chart-title">Data used per day</title>' in page
    assert "stacked by country: 670 MB in all; Japan 500 MB, South Korea 120 MB, and Taiwan" in page
    assert page.count('class="usage-series-0"') == 2 + 1  # Japan: two days and the legend
    assert page.count('class="usage-series-1"') == 1 + 1
    # The table: the same figures, per day (newest first) and country.
    table = page[page.index('<table class="usage-table"') : page.index("</table>")]
    assert table.index("Japan") < table.index("South Korea") < table.index("Taiwan")
    assert "300 MB" in table and "120 MB" in table and "20 MB beyond your allowance" in table
    assert "Day (UTC)" in table
    assert f'<time datetime="{utc_today().isoformat()}">' in table
    assert "20 MB of it went beyond your allowance." in page
    assert "Figures as of" in page and "Days are UTC days" in page
    # The forecast at the last days' pace: 620 MB charged in Asia in the last 7 days.
    assert "At this pace your Asia data lasts" in page
    assert reverse("usage:records_csv", args=[used.pk]) + "?days=30" in page


def test_the_period_switch_shows_the_last_7_days(client, traveller, used):
    client.force_login(traveller)

    page = html(page_of(client, used, days=7))

    assert "<strong>620 MB</strong>" in page
    assert "Taiwan" not in page
    assert 'href="?days=7" class="segment is-current" aria-current="page"' in page
    assert reverse("usage:records_csv", args=[used.pk]) + "?days=7" in page


def test_an_unknown_period_is_the_default_one(client, traveller, used):
    client.force_login(traveller)

    page = html(page_of(client, used, days="365"))

    assert 'href="?days=30" class="segment is-current"' in page


def test_without_usage_the_page_says_when_it_will_appear(client, traveller, card):
    client.force_login(traveller)

    page = html(page_of(client, card))

    assert "No usage yet: it appears here within a minute of the network reporting it." in page
    assert "usage-chart" not in page and "<table" not in page
    assert "No usage in Asia in the last 7 days" in page


def test_the_csv_export_has_the_same_figures_for_a_spreadsheet(client, traveller, used):
    client.force_login(traveller)

    response = client.get(reverse("usage:records_csv", args=[used.pk]), {"days": 7})

    today = utc_today()
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="usage-2345-{(today - timedelta(days=6)).isoformat()}-'
        f'{today.isoformat()}.csv"'
    )
    yesterday = (today - timedelta(days=1)).isoformat()
    assert csv_rows(response) == [
        [
            "Day (UTC)",
            "Country code",
            "Country",
            "Used (bytes)",
            "Charged (bytes)",
            "Beyond the allowance (bytes)",
            "Outside coverage (bytes)",
        ],
        [yesterday, "JP", "Japan", str(300 * MIB), str(300 * MIB), "0", "0"],
        [yesterday, "KR", "South Korea", str(120 * MIB), str(100 * MIB), str(20 * MIB), "0"],
        [today.isoformat(), "JP", "Japan", str(200 * MIB), str(200 * MIB), "0", "0"],
    ]


def test_the_csv_export_names_countries_in_the_readers_language(client, traveller, used):
    client.force_login(traveller)

    response = client.get(reverse("usage:records_csv", args=[used.pk]), HTTP_ACCEPT_LANGUAGE="ko")

    rows = csv_rows(response)
    assert rows[0][:3] == ["날짜(협정 세계시)", "국가 코드", "국가"]
    assert [row[2] for row in rows[1:]] == ["대만", "일본", "대한민국", "일본"]
    assert response.content.startswith("\ufeff".encode())


def test_the_page_reads_in_korean(client, traveller, used):
    client.force_login(traveller)

    page = html(page_of(client, used, headers={"Accept-Language": "ko"}))

    assert '<html lang="ko">' in page
    assert "<h1>사용 내역</h1>" in page
    assert "최근 30일" in page
    assert "일본" in page and "대한민국" in page
    assert "670MB" in page  # CLDR's Korean data sizes
    today = utc_today()
    assert f"{today.month}월 {today.day}일" in page
    assert "날짜(협정 세계시)" in page
    assert "지금 속도라면 Asia 데이터는" in page
    for english in ("Usage records", "Data used", "Forecast", "Per day and country", "Japan"):
        assert english not in page
