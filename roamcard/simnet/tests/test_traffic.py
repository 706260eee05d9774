"""The simulated network's traffic: which cards use data, where, how much, and what the
network sends to the usage API."""

import random
import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from roamcard.cards.choices import CardStatus, StartMode
from roamcard.cards.models import Bucket, Card
from roamcard.cards.selectors import card_balance
from roamcard.demo import run
from roamcard.demo.services import TRAVELLER_EMAIL, demo_seed
from roamcard.simnet.models import SimCard
from roamcard.simnet.traffic import (
    KEY_NAME,
    MB,
    STRAY_COUNTRIES,
    USAGE_EVENTS_PATH,
    CardInUse,
    NotDelivered,
    TrafficGenerator,
    TrafficOptions,
    answer_summary,
    cards_in_use,
    traffic_key_issue,
    traffic_run,
)
from roamcard.testing import GIB, make_bucket, make_card, make_region, make_user
from roamcard.usage.models import NetworkApiKey, UsageDay, UsageEvent

NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
EUROPE = frozenset({"FR", "DE", "IT", "ES"})


def in_use(iccid="8985200000000000001", countries=EUROPE, **kwargs) -> CardInUse:
    return CardInUse(
        iccid=iccid,
        countries=countries,
        last_country=kwargs.get("last_country"),
        throttle_kbps=kwargs.get("throttle_kbps"),
        usable_since=kwargs.get("usable_since", NOW - timedelta(days=1)),
    )


def generator(seed=1, **options) -> TrafficGenerator:
    return TrafficGenerator(options=TrafficOptions(**options), rng=random.Random(seed))


def ticks(gen: TrafficGenerator, cards: list[CardInUse], count: int) -> list[list[dict]]:
    step = timedelta(seconds=gen.options.interval_seconds)
    return [gen.tick(now=NOW + n * step, cards=cards) for n in range(count)]


def total_bytes(events) -> int:
    return sum(e["bytes_up"] + e["bytes_down"] for e in events)


def test_a_tick_reports_each_card_s_use_since_the_last_one_in_a_covered_country():
    cards = [in_use("8985200000000000001"), in_use("8985200000000000002", frozenset({"JP"}))]
    gen = generator(resend_chance=0, stray_chance=0)

    first, second = ticks(gen, cards, 2)

    for events, since in ((first, NOW - timedelta(seconds=5)), (second, NOW)):
        assert {e["iccid"] for e in events} == {c.iccid for c in cards}
        for event in events:
            start = datetime.fromisoformat(event["started_at"])
            end = datetime.fromisoformat(event["ended_at"])
            assert since <= start <= end <= since + timedelta(seconds=5)
            assert start.utcoffset() == timedelta(0)
            assert event["bytes_up"] >= 0 and event["bytes_down"] > event["bytes_up"]
            wanted = EUROPE if event["iccid"].endswith("1") else {"JP"}
            assert event["country"] in wanted
    ids = [e["event_id"] for e in first + second]
    assert len(set(ids)) == len(ids) and all(0 < len(i) <= 64 for i in ids)


def test_at_the_default_pace_a_card_uses_about_600_mb_a_minute():
    """Minutes of real use (about 10 MB a minute) played 60 times faster: the demo's Europe
    card (5 GB, 55 % left) crosses 50 % within a minute and 20 % within a few."""
    gen = generator(resend_chance=0)

    events = [e for tick in ticks(gen, [in_use()], 36) for e in tick]

    used = total_bytes(events)
    assert 0.75 * GIB < used < 4 * GIB  # in three minutes
    sizes = sorted(e["bytes_up"] + e["bytes_down"] for e in events)
    assert sizes[-1] > 10 * sizes[len(sizes) // 2]  # video comes in bursts


def test_a_card_stays_in_its_country_and_moves_now_and_then():
    card = in_use(last_country="IT")
    stays = generator(move_chance=0, stray_chance=0)
    assert {e["country"] for tick in ticks(stays, [card], 20) for e in tick} == {"IT"}

    moves = generator(move_chance=0.3, stray_chance=0)
    countries = [tick[0]["country"] for tick in ticks(moves, [card], 40)]
    assert len(set(countries)) > 1 and set(countries) <= EUROPE
    assert sum(a == b for a, b in zip(countries, countries[1:], strict=False)) > 20


def test_a_card_seen_outside_its_coverage_comes_back_to_where_it_was():
    card = in_use(last_country="FR")
    gen = generator(move_chance=0, stray_chance=1)
    [strayed] = ticks(gen, [card], 1)
    assert {e["country"] for e in strayed} <= set(STRAY_COUNTRIES) - EUROPE

    gen.options = TrafficOptions(move_chance=0, stray_chance=0)
    assert {e["country"] for e in gen.tick(now=NOW + timedelta(seconds=5), cards=[card])} == {"FR"}


def test_the_network_now_and_then_sends_an_event_again():
    gen = generator(resend_chance=1)
    first, second = ticks(gen, [in_use()], 2)

    assert len({e["event_id"] for e in first}) == len(first)  # nothing sent before
    [again] = [e for e in second if e["event_id"] in {f["event_id"] for f in first}]
    assert again in first


def test_a_throttled_card_uses_no_more_than_its_speed_allows():
    gen = generator(resend_chance=0)
    [events] = ticks(gen, [in_use(throttle_kbps=64)], 1)
    # 64 kbit/s for 5 minutes of use (5 s at 60 times).
    assert 0 < total_bytes(events) <= 64_000 / 8 * 300


def test_after_a_pause_only_a_few_intervals_are_reported():
    gen = generator(resend_chance=0, stray_chance=0)
    gen.tick(now=NOW, cards=[in_use()])
    events = gen.tick(now=NOW + timedelta(hours=2), cards=[in_use()])
    assert min(datetime.fromisoformat(e["started_at"]) for e in events) >= NOW + timedelta(
        hours=2, seconds=-15
    )


def test_nothing_is_reported_from_before_the_card_had_data():
    bought = NOW - timedelta(seconds=2)
    [events] = ticks(generator(resend_chance=0), [in_use(usable_since=bought)], 1)
    assert min(datetime.fromisoformat(e["started_at"]) for e in events) == bought


@pytest.mark.django_db
def test_cards_in_use_have_live_data_or_a_day_pass_waiting():
    now = timezone.now()
    asia = make_region(code="sea", name="South-East Asia", countries=("TH", "VN"))
    japan = make_region(code="japan", name="Japan", countries=("JP",))
    owner = make_user()
    live = make_card(owner=owner, status=CardStatus.ACTIVE)
    make_bucket(card=live, bytes_granted=GIB)
    make_bucket(card=live, region=japan, bytes_granted=GIB, bytes_remaining=0)  # used up
    waiting = make_card(owner=owner, region=asia, status=CardStatus.ACTIVE)
    Bucket.objects.create(
        card=waiting, region=asia, bytes_granted=GIB, bytes_remaining=GIB,
        starts=StartMode.FIRST_USE, validity_days=1, activate_by=now + timedelta(days=30),
    )  # fmt: skip
    queued_only = make_card(owner=owner, status=CardStatus.ACTIVE)
    Bucket.objects.create(
        card=queued_only, region=queued_only.region, bytes_granted=GIB, bytes_remaining=GIB,
        starts=StartMode.QUEUED, valid_from=now + timedelta(days=1),
        valid_until=now + timedelta(days=8),
    )  # fmt: skip
    suspended = make_card(owner=owner, status=CardStatus.ACTIVE)
    make_bucket(card=suspended)
    SimCard.objects.create(iccid=suspended.iccid, suspended=True)
    throttled = make_card(owner=owner, status=CardStatus.ACTIVE)
    make_bucket(card=throttled, bytes_granted=None)
    SimCard.objects.create(iccid=throttled.iccid, throttle_kbps=64)
    make_bucket(card=make_card())  # in stock

    found = {card.iccid: card for card in cards_in_use(now=now)}

    assert set(found) == {live.iccid, waiting.iccid, throttled.iccid}
    assert found[live.iccid].countries == live.region.country_set  # not Japan: used up
    assert found[waiting.iccid].countries == {"TH", "VN"}
    assert found[waiting.iccid].usable_since == waiting.buckets.get().created_at
    assert found[throttled.iccid].throttle_kbps == 64 and found[live.iccid].throttle_kbps is None


@pytest.mark.django_db
def test_each_run_issues_its_own_key_and_revokes_what_an_earlier_run_left():
    left, _ = traffic_key_issue()

    key, secret = traffic_key_issue()

    left.refresh_from_db()
    assert left.revoked_at is not None
    assert key.name == KEY_NAME and key.scope == NetworkApiKey.Scope.USAGE_WRITE
    assert key.revoked_at is None and key.created_by is None
    assert secret.startswith("rcn_") and secret[:8] == key.prefix


def test_the_demo_runs_the_simulated_network_unless_switched_off(monkeypatch):
    monkeypatch.delenv("DEMO_TRAFFIC", raising=False)
    [network] = [c for c in run.demo_children() if c.name == "simulated network"]
    assert network.argv[-2:] == ["manage.py", "simnet_traffic"]

    monkeypatch.setenv("DEMO_TRAFFIC", "0")
    assert [c.name for c in run.demo_children()] == ["web", "worker"]


def test_the_traffic_refuses_to_run_beside_a_real_network(settings):
    settings.NETWORK = {"ADAPTER": "operator.network.RealOperator", "OPTIONS": {}}
    with pytest.raises(CommandError, match="demo only"):
        call_command("simnet_traffic")


def test_sizes_are_whole_bytes_and_megabytes_per_minute_are_realistic():
    # An hour, reported every minute, not played faster.
    gen = generator(interval_seconds=60, speedup=1, resend_chance=0)
    events = [e for tick in ticks(gen, [in_use()], 60) for e in tick]
    assert all(isinstance(e["bytes_up"], int) and isinstance(e["bytes_down"], int) for e in events)
    assert 2 * 60 * MB < total_bytes(events) < 25 * 60 * MB


def client_sender(client):
    """The HTTP sender's part, through Django's test client to the real endpoint."""

    def send(events, secret):
        response = client.post(
            USAGE_EVENTS_PATH,
            {"events": events},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {secret}",
        )
        assert response.status_code == 200, response.content
        return response.json()

    return send


def data_left(card: Card) -> int:
    return card_balance(card=Card.objects.get(pk=card.pk)).bytes_remaining


@pytest.mark.django_db
def test_one_tick_through_the_api_moves_the_demo_cards_and_charges_each_event_once(client):
    demo_seed()
    europe = Card.objects.get(owner__email=TRAVELLER_EMAIL, region__code="europe-33")
    before = data_left(europe)
    _key, secret = traffic_key_issue()
    send = client_sender(client)
    gen = generator(resend_chance=0, stray_chance=0)
    now = timezone.now()
    cards = cards_in_use(now=now)
    assert len(cards) == 3  # the waiting day pass too

    events = gen.tick(now=now, cards=cards)
    answer = send(events, secret)

    assert (answer["accepted"], answer["duplicates"], answer["rejected"]) == (len(events), 0, 0)
    used = total_bytes(e for e in events if e["iccid"] == europe.iccid)
    assert data_left(europe) == before - used > 0
    assert sum(day.bytes for day in UsageDay.objects.filter(card=europe)) == used
    day_pass = Bucket.objects.get(card__region__code="south-east-asia", card__owner=europe.owner)
    assert day_pass.valid_from is not None  # started by its first use

    again = send(events, secret)
    assert (again["accepted"], again["duplicates"]) == (0, len(events))
    gen.options = TrafficOptions(resend_chance=1)
    retried = send(gen.tick(now=timezone.now(), cards=cards_in_use(now=timezone.now())), secret)
    assert retried["duplicates"] == 1
    assert UsageEvent.objects.count() == len(events) + retried["accepted"]
    assert data_left(europe) < before - used


# Outside a test transaction, as the process runs: it refreshes its connection each tick.
@pytest.mark.django_db(transaction=True)
def test_the_loop_reports_then_revokes_its_key_when_stopped(client):
    demo_seed()
    stop = threading.Event()
    answers, lines = [], []
    send = client_sender(client)

    def send_then_stop(events, secret):
        answers.append(send(events, secret))
        stop.set()
        return answers[-1]

    traffic_run(generator=generator(), send=send_then_stop, stop=stop, say=lines.append)

    [key] = NetworkApiKey.objects.filter(name=KEY_NAME)
    assert key.revoked_at is not None
    assert answers[0]["accepted"] > 0 and UsageEvent.objects.exists()
    assert lines == [
        f"simnet: {answers[0]['accepted']} events for 3 cards: {answers[0]['accepted']} accepted"
    ]


# Outside a test transaction, as the process runs: it refreshes its connection each tick.
@pytest.mark.django_db(transaction=True)
def test_a_batch_the_server_did_not_take_is_sent_again_with_the_next(client):
    demo_seed()
    stop = threading.Event()
    batches, lines = [], []
    send = client_sender(client)

    def down_then_up(events, secret):
        batches.append(events)
        if len(batches) == 1:
            raise NotDelivered("ConnectionError", retry=True)
        stop.set()
        return send(events, secret)

    gen = generator(interval_seconds=0.01, resend_chance=0)
    traffic_run(generator=gen, send=down_then_up, stop=stop, say=lines.append)

    first, second = batches
    assert second[: len(first)] == first and len(second) > len(first)
    assert lines[0].endswith("not delivered (ConnectionError); sending them again next time")
    assert UsageEvent.objects.count() == len(second)


def test_the_console_line_is_short_and_says_what_the_api_answered():
    answer = {
        "accepted": 10,
        "duplicates": 1,
        "rejected": 2,
        "results": [{"result": "rejected", "reason": "unknown_card"}] * 2,
    }
    assert answer_summary(events=13, cards=1, answer=answer) == (
        "simnet: 13 events for 1 card: 10 accepted, 1 duplicate, 2 rejected (unknown_card)"
    )
