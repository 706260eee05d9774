"""Alerts end to end: the network's usage through usage_ingest (and its HTTP endpoint),
charged to a bucket granted as a renewal grants it, then the `usage.charged` job that the
batch enqueues once it commits."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from roamcard.cards.choices import StartMode
from roamcard.cards.services import bucket_grant
from roamcard.notifications.models import Notice
from roamcard.testing import make_plan
from roamcard.usage.alerts import DATA_LOW, DATA_OUT
from roamcard.usage.ingest import usage_ingest
from roamcard.usage.models import NetworkApiKey, UsageAlert, UsageBatch
from roamcard.usage.services import network_api_key_issue

from .alerting import MIB, alerts_of, make_coverage, make_traveller_card, messages_of, notices_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def japan():
    return make_coverage()


@pytest.fixture
def owner_card(japan):
    return make_traveller_card(region=japan)


def granted(card, region, *, starts=StartMode.NOW):
    """A 1 GB, 7-day plan, as the renewal's provisioning grants it (two hours ago)."""
    plan = make_plan(region=region, data_bytes=1024 * MIB, days=7)
    at = timezone.now() - timedelta(hours=2)
    start = None if starts == StartMode.FIRST_USE else at
    with time_machine.travel(at, tick=False):
        return bucket_grant(
            card_id=card.pk,
            plan=plan,
            bytes_granted=plan.data_bytes,
            validity_days=7,
            starts=starts,
            valid_from=start,
            valid_until=start + timedelta(days=7) if start else None,
            now=at,
        )


def used(card, name: str, mb: int, *, minutes_ago: int = 30) -> dict:
    at = timezone.now() - timedelta(minutes=minutes_ago)
    return {
        "event_id": f"{card.pk}-{name}",
        "iccid": card.iccid,
        "bytes_up": mb * MIB // 4,
        "bytes_down": mb * MIB - mb * MIB // 4,
        "started_at": at.isoformat(),
        "ended_at": (at + timedelta(minutes=5)).isoformat(),
        "country": "JP",
    }


@pytest.fixture
def ingest(django_capture_on_commit_callbacks):
    """One batch from the network, with what runs after it commits."""

    def send(*events):
        with django_capture_on_commit_callbacks(execute=True):
            return usage_ingest(events=list(events), source=UsageBatch.Source.API)

    return send


def test_usage_from_the_network_alerts_each_threshold_once(owner_card, japan, ingest):
    owner, card = owner_card
    bucket = granted(card, japan)

    ingest(used(card, "a", 300))  # 724 MB left: 70 %
    assert notices_of(owner) == []
    ingest(used(card, "b", 300), used(card, "c", 100))  # 324 MB: 31 %
    ingest(used(card, "d", 200))  # 124 MB: 12 %
    ingest(used(card, "e", 200))  # used up, 76 MB beyond

    assert [n.kind for n in notices_of(owner)] == [DATA_LOW, DATA_LOW, DATA_OUT]
    assert [n.title for n in notices_of(owner)] == [
        "Japan: 324 MB left on your card 8985 •••• 1234",
        "Japan: 124 MB left on your card 8985 •••• 1234",
        "Japan: no data left on your card 8985 •••• 1234",
    ]
    assert alerts_of(bucket) == {50: True, 20: True, 10: False, 0: True}
    assert [m.channel for m in messages_of(owner)] == ["email", "email", "email", "sms"]


def test_a_batch_sent_again_alerts_nothing_more(owner_card, japan, ingest):
    owner, card = owner_card
    granted(card, japan)
    batch = [used(card, "a", 600), used(card, "b", 300)]

    ingest(*batch)
    ingest(*batch)

    assert [n.kind for n in notices_of(owner)] == [DATA_LOW]
    assert UsageAlert.objects.filter(notified=True).count() == 1


def test_late_usage_charged_to_a_bucket_already_over_alerts_nothing(owner_card, japan, ingest):
    """Usage from before the current bucket started is charged to none of its data."""
    owner, card = owner_card
    granted(card, japan)

    ingest(used(card, "old", 900, minutes_ago=60 * 24))

    assert notices_of(owner) == []


def test_a_queued_renewal_taking_over_means_no_out_of_data_alert(owner_card, japan, ingest):
    owner, card = owner_card
    current = granted(card, japan)
    granted(card, japan, starts=StartMode.QUEUED)

    ingest(used(card, "a", 1100))  # the current runs out; the queued one starts and pays

    assert [n.kind for n in notices_of(owner)] == []
    assert alerts_of(current) == {}


def test_the_http_endpoint_runs_the_alerts_once_the_batch_commits(
    client, owner_card, japan, django_capture_on_commit_callbacks
):
    owner, card = owner_card
    granted(card, japan)
    _key, secret = network_api_key_issue(
        name="feed", scope=NetworkApiKey.Scope.USAGE_WRITE, staff=None, ip_address=None
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/network/usage-events",
            {"events": [used(card, "a", 1000)]},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {secret}",
        )

    assert response.status_code == 200
    (notice,) = Notice.objects.filter(user=owner)
    assert notice.title == "Japan: 24 MB left on your card 8985 •••• 1234"
