"""Usage events in, charged once: what the network sends through the API and what a
traveller then sees on their card (balance, records, the ledger)."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone, translation

from roamcard.accounts.tokens import api_token_create
from roamcard.cards.choices import StartMode
from roamcard.cards.models import Bucket, Card
from roamcard.cards.services import bucket_grant
from roamcard.ledger.models import Entry, Transaction
from roamcard.ledger.services import card_data_account, ledger_post_data_grant
from roamcard.provisioning.models import CardNetworkAction
from roamcard.provisioning.services import card_network_lift_limit
from roamcard.simnet.models import SimCard
from roamcard.testing import make_card, make_plan, make_region, make_user
from roamcard.usage.events import REASON_MESSAGES
from roamcard.usage.ingest import usage_ingest
from roamcard.usage.models import NetworkApiKey, UsageBatch, UsageCharge, UsageDay, UsageEvent
from roamcard.usage.services import network_api_key_issue

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
API = UsageBatch.Source.API
URL = "/api/v1/network/usage-events"


def grant(card, plan, *, starts=StartMode.NOW, at=None):
    """A fulfilled purchase, as the renewal flow books it (by default two hours ago)."""
    at = at or timezone.now() - timedelta(hours=2)
    days = plan.validity_days
    start = None if starts == StartMode.FIRST_USE else at
    with time_machine.travel(at, tick=False):
        bucket = bucket_grant(
            card_id=card.pk,
            plan=plan,
            bytes_granted=plan.data_bytes,
            validity_days=days,
            starts=starts,
            valid_from=start,
            valid_until=start + timedelta(days=days) if start else None,
            now=at,
        )
    if plan.data_bytes:
        ledger_post_data_grant(
            key=f"test-grant-{bucket.pk}", card_id=card.pk, bytes_granted=plan.data_bytes
        )
    return bucket


def event(card, n=1, *, mb=10, country="FR", at=None, minutes=5, **extra):
    at = at or timezone.now() - timedelta(minutes=30)
    return {
        "event_id": extra.pop("event_id", f"ev-{card.pk}-{n}-{at.timestamp()}"),
        "iccid": card.iccid,
        "bytes_up": mb * MB // 4,
        "bytes_down": mb * MB - mb * MB // 4,
        "started_at": at.isoformat(),
        "ended_at": (at + timedelta(minutes=minutes)).isoformat(),
        "country": country,
        **extra,
    }


@pytest.fixture
def europe():
    return make_region(code="europe", name="Europe", countries=("FR", "DE", "IT", "ES"))


@pytest.fixture
def card(europe):
    return make_card(region=europe, owner=make_user())


@pytest.fixture
def secret():
    _key, secret = network_api_key_issue(
        name="feed", scope=NetworkApiKey.Scope.USAGE_WRITE, staff=None, ip_address=None
    )
    return secret


def post(client, secret, events, **meta):
    return client.post(
        URL,
        {"events": events},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
        **meta,
    )


def test_an_event_moves_the_balance_the_records_the_ledger_and_the_last_country(
    client, secret, card, europe
):
    bucket = grant(card, make_plan(region=europe, data_bytes=1024 * MB, days=7))

    response = post(client, secret, [event(card, mb=100, country="DE")])

    assert response.status_code == 200
    body = response.json()
    assert body["accepted"] == 1 and body["results"][0]["result"] == "accepted"
    bucket.refresh_from_db()
    assert bucket.bytes_remaining == 924 * MB
    stored = UsageEvent.objects.get()
    assert (stored.charged_bytes, stored.overage_bytes, stored.country) == (100 * MB, 0, "DE")
    day = UsageDay.objects.get(card=card)
    assert (day.country, day.bytes, day.charged_bytes, day.events) == ("DE", 100 * MB, 100 * MB, 1)
    txn = Transaction.objects.get(key=f"usage:{body['batch']}:{bucket.pk}")
    assert sorted(e.amount for e in txn.entries.all()) == [-100 * MB, 100 * MB]
    card_account = Entry.objects.filter(account__code=card_data_account(card.pk))
    assert sum(e.amount for e in card_account) == 924 * MB
    card.refresh_from_db()
    assert card.last_country == "DE"


def test_sending_a_batch_again_charges_nothing_more(client, secret, card, europe):
    bucket = grant(card, make_plan(region=europe, data_bytes=1024 * MB))
    events = [event(card, n, mb=10) for n in range(5)]
    assert post(client, secret, events).json()["accepted"] == 5

    again = post(client, secret, [*events, events[0]]).json()

    assert (again["accepted"], again["duplicates"]) == (0, 6)
    assert {r["result"] for r in again["results"]} == {"duplicate"}
    bucket.refresh_from_db()
    assert bucket.bytes_remaining == 974 * MB
    assert UsageEvent.objects.count() == 5
    assert UsageCharge.objects.filter(bucket=bucket).count() == 1


def test_the_same_event_twice_in_one_batch_counts_once(client, secret, card, europe):
    bucket = grant(card, make_plan(region=europe, data_bytes=1024 * MB))
    one = event(card, mb=10)

    body = post(client, secret, [one, one]).json()

    assert [r["result"] for r in body["results"]] == ["accepted", "duplicate"]
    bucket.refresh_from_db()
    assert bucket.bytes_remaining == 1014 * MB


BAD = [
    ("malformed", {"bytes_up": None}),
    ("malformed", {"event_id": ""}),
    ("bad_bytes", {"bytes_down": -1}),
    ("bad_bytes", {"bytes_up": 1.5}),
    ("bad_time", {"started_at": "yesterday"}),
    ("bad_time", {"started_at": "2026-11-28T10:00:00"}),
    ("unknown_country", {"country": "XX"}),
    ("unknown_country", {"country": "99901"}),
    ("unknown_card", {"iccid": "8900000000000000000"}),
]


@pytest.mark.parametrize(("reason", "change"), BAD)
def test_a_bad_event_is_rejected_with_its_reason_and_the_good_ones_go_through(
    client, secret, card, europe, reason, change
):
    bucket = grant(card, make_plan(region=europe, data_bytes=1024 * MB))
    good, bad = event(card, 1, mb=10), {**event(card, 2, mb=10), **change}

    body = post(client, secret, [bad, good], HTTP_ACCEPT_LANGUAGE="ko").json()

    assert body["results"][0]["result"] == "rejected"
    assert body["results"][0]["reason"] == reason
    assert body["results"][1]["result"] == "accepted"
    bucket.refresh_from_db()
    assert bucket.bytes_remaining == 1014 * MB


def test_an_event_ending_before_it_starts_too_old_or_in_the_future_is_rejected(
    client, secret, card, europe
):
    grant(card, make_plan(region=europe))
    now = timezone.now()
    backwards = event(card, 1)
    backwards["ended_at"] = (now - timedelta(hours=2)).isoformat()
    old = event(card, 2, at=now - timedelta(days=120))
    future = event(card, 3, at=now + timedelta(hours=1))

    body = post(client, secret, [backwards, old, future]).json()

    assert [r["reason"] for r in body["results"]] == ["bad_time", "too_old", "in_future"]
    assert UsageEvent.objects.count() == 0


def test_reasons_come_in_the_callers_language(client, secret, card):
    body = post(client, secret, [event(card, country="ZZ")], HTTP_ACCEPT_LANGUAGE="ja").json()
    message = REASON_MESSAGES["unknown_country"]
    with translation.override("ja"):
        assert body["results"][0]["message"] == str(message)
    with translation.override("en"):
        assert body["results"][0]["message"] != str(message)


def test_a_network_code_names_the_country(client, secret, card, europe):
    grant(card, make_plan(region=europe))

    post(client, secret, [event(card, country="208-01")])

    stored = UsageEvent.objects.get()
    assert (stored.country, stored.network) == ("FR", "20801")


def test_an_event_spans_buckets_the_one_ending_first_pays_first(client, secret, card, europe):
    week = grant(card, make_plan(region=europe, data_bytes=100 * MB, days=7))
    month = grant(card, make_plan(region=europe, data_bytes=1024 * MB, days=30))

    post(client, secret, [event(card, mb=150)])

    week.refresh_from_db()
    month.refresh_from_db()
    assert (week.bytes_remaining, month.bytes_remaining) == (0, 974 * MB)
    assert UsageEvent.objects.get().charged_bytes == 150 * MB


def test_usage_beyond_every_bucket_is_overage_and_the_card_is_suspended_until_a_renewal(
    client, secret, card, europe, django_capture_on_commit_callbacks
):
    plan = make_plan(region=europe, data_bytes=100 * MB)
    bucket = grant(card, plan)

    with django_capture_on_commit_callbacks(execute=True):
        post(client, secret, [event(card, mb=130)])

    bucket.refresh_from_db()
    assert bucket.bytes_remaining == 0
    stored = UsageEvent.objects.get()
    assert (stored.charged_bytes, stored.overage_bytes) == (100 * MB, 30 * MB)
    card.refresh_from_db()
    assert card.data_limited_at is not None
    action = CardNetworkAction.objects.get(card=card)
    assert action.action == CardNetworkAction.Action.SUSPEND
    assert SimCard.objects.get(iccid=card.iccid).suspended

    # More overage asks nothing more of the network.
    post(client, secret, [event(card, 2, mb=5)])
    assert CardNetworkAction.objects.filter(card=card).count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        grant(card, plan, at=timezone.now())
        card_network_lift_limit(card_id=card.pk)
    card.refresh_from_db()
    assert card.data_limited_at is None
    assert not SimCard.objects.get(iccid=card.iccid).suspended


def test_usage_outside_coverage_is_recorded_charged_to_nothing_and_flagged(
    client, secret, card, europe
):
    bucket = grant(card, make_plan(region=europe, data_bytes=100 * MB))

    post(client, secret, [event(card, mb=20, country="JP")])

    bucket.refresh_from_db()
    assert bucket.bytes_remaining == 100 * MB
    stored = UsageEvent.objects.get()
    assert stored.out_of_coverage and stored.charged_bytes == stored.overage_bytes == 0
    assert UsageDay.objects.get().uncovered_bytes == 20 * MB
    card.refresh_from_db()
    assert card.data_limited_at is None


def test_a_late_event_is_charged_to_the_bucket_live_when_it_happened(card, europe):
    now = timezone.now()
    old = grant(
        card, make_plan(region=europe, data_bytes=100 * MB, days=1), at=now - timedelta(days=3)
    )
    new = grant(
        card, make_plan(region=europe, data_bytes=100 * MB, days=7), at=now - timedelta(hours=1)
    )

    usage_ingest(events=[event(card, mb=10, at=now - timedelta(days=2, hours=12))], source=API)

    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.bytes_remaining, new.bytes_remaining) == (90 * MB, 100 * MB)


def test_a_day_pass_starts_at_its_first_use_and_lasts_a_day(card, europe):
    japan = make_region(code="japan", name="Japan", countries=("JP",))
    day_pass = make_plan(region=japan, data_bytes=None, days=1, kind="day_pass")
    bucket = grant(card, day_pass, starts=StartMode.FIRST_USE)
    first = timezone.now() - timedelta(minutes=20)

    usage_ingest(events=[event(card, 1, country="JP", at=first)], source=API)
    usage_ingest(events=[event(card, 2, country="JP", at=first - timedelta(minutes=5))], source=API)

    bucket.refresh_from_db()
    assert bucket.valid_from == first
    assert bucket.valid_until - bucket.valid_from == timedelta(days=1)
    assert bucket.bytes_remaining is None
    assert UsageEvent.objects.get(event_id__startswith=f"ev-{card.pk}-1").charged_bytes == 10 * MB
    # The earlier event arrived later: it was before the pass started, so nothing paid.
    assert UsageEvent.objects.get(event_id__startswith=f"ev-{card.pk}-2").overage_bytes == 10 * MB


def test_a_queued_bucket_starts_when_the_current_one_runs_out(card, europe):
    now = timezone.now()
    plan = make_plan(region=europe, data_bytes=100 * MB, days=7)
    current = grant(card, plan, at=now - timedelta(days=1))
    queued = grant(card, plan, starts=StartMode.QUEUED, at=now - timedelta(hours=2))
    assert queued.valid_from == current.valid_until
    at = now - timedelta(minutes=30)

    usage_ingest(events=[event(card, mb=130, at=at)], source=API)

    current.refresh_from_db()
    queued.refresh_from_db()
    assert current.bytes_remaining == 0
    assert queued.valid_from == at
    assert queued.valid_until - queued.valid_from == timedelta(days=7)
    assert queued.bytes_remaining == 70 * MB


def test_an_unlimited_bucket_pays_without_a_ledger_entry(card, europe):
    bucket = grant(card, make_plan(region=europe, data_bytes=None, days=7))

    outcome = usage_ingest(events=[event(card, mb=500)], source=API)

    bucket.refresh_from_db()
    assert bucket.bytes_remaining is None
    assert UsageCharge.objects.get(bucket=bucket).bytes == 500 * MB
    assert not Transaction.objects.filter(key__startswith=f"usage:{outcome.batch_id}:").exists()


def test_more_than_ten_thousand_events_is_refused_whole(client, secret, card):
    body = [event(card, n) for n in range(10_001)]

    response = post(client, secret, body)

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "batch_too_large"
    assert UsageBatch.objects.count() == 0


def test_a_body_that_is_not_a_batch_is_refused(client, secret):
    response = client.post(
        URL, "[1, 2", content_type="application/json", headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_input"


def test_only_a_live_network_key_may_send(client, card):
    _token, traveller_secret = api_token_create(user=card.owner, name="phone")
    for auth in (
        {},
        {"Authorization": "Bearer rcn_nope"},
        {"Authorization": f"Bearer {traveller_secret}"},
    ):
        response = client.post(URL, {"events": []}, content_type="application/json", headers=auth)
        assert response.status_code == 401
    assert Card.objects.get(pk=card.pk).last_country is None
    assert not Bucket.objects.exists()
