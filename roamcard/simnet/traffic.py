"""The simulated network's traffic. In the demo, the cards in use browse, stream and roam,
and the network reports it as a real one does: in batches, to our usage API
(POST /api/v1/network/usage-events), with a key of its own. So balances, usage records and
alerts move through the same path as in production, and nothing is charged behind the
API's back.

Which cards use data is read from our side (active cards with a live bucket or a day pass
waiting for its first use) and from the network's own state: a card the network suspended
sends nothing, a throttled one no more than its speed allows. A traveller stays in one
country of the card's coverage, moves on now and then, and rarely turns up outside it
(a border, a cruise): that usage is recorded and charged to nothing. Now and then the
network sends an event again, as networks retry, and the API answers that it is a duplicate.

Sizes are those of real use (a few MB a minute browsing, bursts of tens of MB for video)
played faster: `speedup` minutes of use every real minute, so that in a demo of a few
minutes a card visibly crosses 50 % and 20 % of its allowance."""

import random
import threading
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

import requests
from django.db import close_old_connections
from django.utils import timezone

from roamcard.cards.choices import BucketState, CardStatus
from roamcard.cards.models import Bucket
from roamcard.usage.models import NetworkApiKey
from roamcard.usage.services import network_api_key_issue, network_api_key_revoke

from .models import SimCard

USAGE_EVENTS_PATH = "/api/v1/network/usage-events"
HEALTH_PATH = "/api/v1/health"
KEY_NAME = "Simulated network (demo)"
MB = 1024**2
# Where a card turns up outside its coverage: real countries, none in every coverage.
STRAY_COUNTRIES = ("US", "KR", "AU", "TR", "AE", "MA", "KE", "PE", "NP", "GE")
# Events kept to be sent again; and how many undelivered ones are kept for the next try
# (well under the API's 10,000 per batch).
RESEND_POOL = 200
UNSENT_KEPT = 5000
_USING_DATA = (BucketState.LIVE, BucketState.WAITING_FIRST_USE)


@dataclass(frozen=True)
class Activity:
    name: str
    weight: float
    mb_per_minute: tuple[float, float]
    upload_share: float


# About 10 MB per minute of use on average.
ACTIVITIES = (
    Activity("background", 0.25, (0.05, 0.5), 0.3),
    Activity("browsing", 0.55, (2.0, 6.0), 0.1),
    Activity("video", 0.20, (25.0, 60.0), 0.03),
)


@dataclass(frozen=True)
class TrafficOptions:
    """How often the network reports, and how fast the cards use data. With the defaults
    (about 10 MB per minute of use, 60 minutes of use per real minute) a card uses about
    600 MB per real minute: a 5 GB allowance loses 10 % in under a minute."""

    interval_seconds: float = 5.0
    speedup: float = 60.0
    # Each report, for each card: the traveller moves to another country of the coverage;
    # the card is seen outside its coverage.
    move_chance: float = 0.05
    stray_chance: float = 0.02
    # Each report: one event already sent is sent again.
    resend_chance: float = 0.15


@dataclass(frozen=True)
class CardInUse:
    iccid: str
    countries: frozenset[str]
    last_country: str | None
    throttle_kbps: int | None
    # Since when it has had data to use: no usage is reported before (a plan bought a
    # second ago was not used during the previous interval).
    usable_since: datetime


def cards_in_use(*, now: datetime) -> list[CardInUse]:
    """Active cards with a live bucket or one waiting for its first use, the countries
    those cover, less the cards the network has suspended."""
    buckets = (
        Bucket.objects.filter(card__status=CardStatus.ACTIVE, withdrawn_at__isnull=True)
        .exclude(valid_until__lte=now)
        .select_related("card", "region")
        .order_by("card_id", "id")
    )
    coverage: dict[str, set[str]] = {}
    last_country: dict[str, str | None] = {}
    usable_since: dict[str, datetime] = {}
    for bucket in buckets:
        if bucket.state_at(now) in _USING_DATA:
            iccid = bucket.card.iccid
            coverage.setdefault(iccid, set()).update(bucket.region.country_set)
            last_country[iccid] = bucket.card.last_country
            since = max(bucket.created_at, bucket.valid_from or bucket.created_at)
            usable_since[iccid] = min(since, usable_since.get(iccid, since))
    # The network's own view of the card; a card it never heard of runs at full speed.
    network = {card.iccid: card for card in SimCard.objects.filter(iccid__in=coverage)}
    return [
        CardInUse(
            iccid=iccid,
            countries=frozenset(countries),
            last_country=last_country[iccid],
            throttle_kbps=network[iccid].throttle_kbps if iccid in network else None,
            usable_since=usable_since[iccid],
        )
        for iccid, countries in coverage.items()
        if not (iccid in network and network[iccid].suspended)
    ]


class TrafficGenerator:
    """Each tick, the usage of the cards in use since the previous tick, as events for the
    usage API. Remembers where each card is, and the events it sent (to send one again)."""

    def __init__(self, *, options: TrafficOptions | None = None, rng: random.Random | None = None):
        self.options = options or TrafficOptions()
        self.rng = rng or random.Random()
        self._where: dict[str, str] = {}
        self._sent: deque[dict[str, Any]] = deque(maxlen=RESEND_POOL)
        self._last_tick: datetime | None = None

    def tick(self, *, now: datetime, cards: list[CardInUse]) -> list[dict[str, Any]]:
        interval = timedelta(seconds=self.options.interval_seconds)
        # After a pause (a laptop asleep), report a few intervals, not the hours missed.
        since = max(self._last_tick or now - interval, now - 3 * interval)
        self._last_tick = now
        events = [event for card in cards for event in self._card_events(card, since, now)]
        if self._sent and self.rng.random() < self.options.resend_chance:
            events.append(dict(self.rng.choice(self._sent)))
        self._sent.extend(events)
        return events

    def _card_events(self, card: CardInUse, since: datetime, until: datetime):
        """One to three sessions back to back over the interval, in one country."""
        since = max(since, card.usable_since)
        if since >= until:
            return
        country = self._country(card)
        span = (until - since).total_seconds()
        cuts = sorted(self.rng.uniform(0, span) for _ in range(self.rng.randint(0, 2)))
        edges = [since, *(since + timedelta(seconds=cut) for cut in cuts), until]
        for start, end in pairwise(edges):
            minutes_of_use = (end - start).total_seconds() / 60 * self.options.speedup
            activity = self.rng.choices(ACTIVITIES, weights=[a.weight for a in ACTIVITIES])[0]
            total = int(self.rng.uniform(*activity.mb_per_minute) * MB * minutes_of_use)
            if card.throttle_kbps is not None:
                total = min(total, int(card.throttle_kbps * 1000 / 8 * 60 * minutes_of_use))
            if total <= 0:
                continue
            bytes_up = int(total * activity.upload_share)
            yield {
                "event_id": f"simnet-{uuid.uuid4()}",
                "iccid": card.iccid,
                "bytes_up": bytes_up,
                "bytes_down": total - bytes_up,
                "started_at": start.isoformat(),
                "ended_at": end.isoformat(),
                "country": country,
            }

    def _country(self, card: CardInUse) -> str:
        """Where the card is this tick: where it was (or was last seen), sometimes another
        country of its coverage, rarely somewhere outside it (for this tick only)."""
        where = self._where.get(card.iccid) or card.last_country
        if where not in card.countries or self.rng.random() < self.options.move_chance:
            where = self.rng.choice(sorted(card.countries))
        self._where[card.iccid] = where
        if self.rng.random() < self.options.stray_chance:
            outside = [code for code in STRAY_COUNTRIES if code not in card.countries]
            if outside:
                return self.rng.choice(outside)
        return where


class NotDelivered(Exception):
    """The API did not take the batch: `retry` says whether sending it again may help (the
    server was down or failing) or not (it refused the batch)."""

    def __init__(self, message: str, *, retry: bool):
        self.retry = retry
        super().__init__(message)


# (events, the key's secret) -> the API's answer: {"accepted": n, "duplicates": n, ...}
Send = Callable[[list[dict[str, Any]], str], dict[str, Any]]


def http_sender(base_url: str, *, timeout_seconds: float = 30) -> Send:
    session = requests.Session()
    url = base_url.rstrip("/") + USAGE_EVENTS_PATH

    def send(events: list[dict[str, Any]], secret: str) -> dict[str, Any]:
        try:
            response = session.post(
                url,
                json={"events": events},
                headers={"Authorization": f"Bearer {secret}"},
                timeout=timeout_seconds,
            )
        except requests.RequestException as error:
            raise NotDelivered(type(error).__name__, retry=True) from error
        if response.status_code != 200:
            raise NotDelivered(f"HTTP {response.status_code}", retry=response.status_code >= 500)
        return response.json()

    return send


def wait_until_answering(base_url: str, *, stop: threading.Event) -> bool:
    """Wait for the web server to answer its health check; False if stopped first."""
    url = base_url.rstrip("/") + HEALTH_PATH
    while not stop.is_set():
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return True
        except requests.RequestException:
            pass
        stop.wait(1)
    return False


def traffic_key_issue() -> tuple[NetworkApiKey, str]:
    """A key for this run; the secret stays in the process's memory. Keys an earlier run
    left live (it was killed before it could revoke its own) are revoked first."""
    leftovers = NetworkApiKey.objects.filter(name=KEY_NAME, revoked_at__isnull=True)
    for key_id in leftovers.values_list("pk", flat=True):
        network_api_key_revoke(key_id=key_id, staff=None, ip_address=None)
    return network_api_key_issue(
        name=KEY_NAME, scope=NetworkApiKey.Scope.USAGE_WRITE, staff=None, ip_address=None
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def answer_summary(*, events: int, cards: int, answer: dict[str, Any]) -> str:
    """One short line for the demo's console (English, like the rest of `make run`'s)."""
    parts = [f"{answer.get('accepted', 0)} accepted"]
    if answer.get("duplicates"):
        parts.append(_count(answer["duplicates"], "duplicate"))
    if answer.get("rejected"):
        reasons = sorted(
            {r.get("reason") or "?" for r in answer.get("results", []) if r["result"] == "rejected"}
        )
        parts.append(f"{answer['rejected']} rejected ({', '.join(reasons)})")
    return f"simnet: {_count(events, 'event')} for {_count(cards, 'card')}: {', '.join(parts)}"


def traffic_run(
    *, generator: TrafficGenerator, send: Send, stop: threading.Event, say: Callable[[str], None]
) -> None:
    """Report usage every interval until `stop` is set; the key is revoked on the way out,
    whatever stopped the loop. A batch the server did not take (it was restarting) is sent
    again with the next one: the usage happened all the same."""
    key, secret = traffic_key_issue()
    try:
        unsent: list[dict[str, Any]] = []
        while not stop.is_set():
            close_old_connections()
            now = timezone.now()
            cards = cards_in_use(now=now)
            batch = unsent + generator.tick(now=now, cards=cards)
            unsent = []
            if batch:
                try:
                    answer = send(batch, secret)
                except NotDelivered as error:
                    if error.retry:
                        unsent = batch[-UNSENT_KEPT:]
                    again = "; sending them again next time" if error.retry else ""
                    say(f"simnet: {_count(len(batch), 'event')} not delivered ({error}){again}")
                else:
                    say(answer_summary(events=len(batch), cards=len(cards), answer=answer))
            stop.wait(generator.options.interval_seconds)
    finally:
        network_api_key_revoke(key_id=key.pk, staff=None, ip_address=None)
