"""The records move with what the network sends: usage ingested through usage_ingest shows
on the page, in the export and in the API, charged, beyond the allowance or outside
coverage, and the forecast follows."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from roamcard.accounts.tokens import api_token_create
from roamcard.testing import GIB, make_bucket, make_card, make_region
from roamcard.usage.ingest import usage_ingest
from roamcard.usage.models import UsageBatch

pytestmark = pytest.mark.django_db

MIB = 1024**2


@pytest.fixture
def card(traveller):
    asia = make_region(code="asia", name="Asia", countries=("JP", "KR"))
    card = make_card(owner=traveller, region=asia)
    make_bucket(card=card, bytes_granted=GIB, days=10)
    return card


@pytest.fixture
def api_client(traveller):
    _, token = api_token_create(user=traveller)
    return Client(headers={"Authorization": f"Bearer {token}"})


def send(card, *events):
    """The network reports usage: (event id, MiB, country, minutes ago)."""
    now = timezone.now()
    outcome = usage_ingest(
        events=[
            {
                "event_id": event_id,
                "iccid": card.iccid,
                "bytes_up": mib * MIB // 4,
                "bytes_down": mib * MIB - mib * MIB // 4,
                "started_at": (now - timedelta(minutes=ago)).isoformat(),
                "ended_at": (now - timedelta(minutes=ago - 1)).isoformat(),
                "country": country,
            }
            for event_id, mib, country, ago in events
        ],
        source=UsageBatch.Source.API,
    )
    assert outcome.rejected == 0, outcome.results
    return outcome


def records_page(client, card) -> str:
    return client.get(reverse("usage:records", args=[card.pk])).content.decode()


def test_the_page_moves_as_usage_arrives(client, traveller, card):
    client.force_login(traveller)
    assert "No usage yet" in records_page(client, card)

    send(card, ("ev-1", 300, "JP", 30), ("ev-2", 100, "KR", 20))
    first = records_page(client, card)

    assert "<strong>400 MB</strong>" in first
    assert "Japan 300 MB" in first and "South Korea 100 MB" in first
    assert "At this pace your Asia data lasts until" in first

    # More usage, a repeat of an event already counted, and usage outside the coverage.
    outcome = send(card, ("ev-3", 200, "JP", 10), ("ev-1", 300, "JP", 30), ("ev-4", 50, "FR", 5))
    assert (outcome.accepted, outcome.duplicates) == (2, 1)
    second = records_page(client, card)

    assert "<strong>650 MB</strong>" in second
    assert "Japan 500 MB" in second
    assert "50 MB of it was used outside your coverage and not charged to your data." in second
    assert "outside your coverage, not charged" in second


def test_usage_beyond_the_allowance_shows_as_such_everywhere(client, api_client, traveller, card):
    send(card, ("ev-1", 1000, "JP", 30), ("ev-2", 100, "JP", 20))  # 76 MB more than the 1 GB

    client.force_login(traveller)
    page = records_page(client, card)
    body = api_client.get(f"/api/v1/cards/{card.pk}/usage").json()
    export = client.get(reverse("usage:records_csv", args=[card.pk])).content.decode("utf-8-sig")

    assert "76 MB of it went beyond your allowance." in page
    assert body["totals"]["overage_bytes"] == 76 * MIB
    assert body["totals"]["charged_bytes"] == GIB
    assert [f["outlook"] for f in body["forecast"]] == ["used_up"]
    # One line per UTC day (the events may straddle midnight), the same figures in all.
    lines = [line.split(",") for line in export.splitlines()[1:]]
    assert {(line[1], line[2]) for line in lines} == {("JP", "Japan")}
    assert [sum(int(line[n]) for line in lines) for n in (3, 4, 5, 6)] == [
        1100 * MIB,
        GIB,
        76 * MIB,
        0,
    ]
