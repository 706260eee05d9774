"""The demo's Japan eSIM renews itself, once, as the simulated network uses its data: the
notice with its skip link, the automatic charge, the renewal's confirmation; and the next
time it runs low, the cap's notice instead of a second charge."""

import random
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from roamcard.autorenewal.choices import RenewalState, SkipReason
from roamcard.autorenewal.models import AutoRenewal
from roamcard.autorenewal.sweep import autorenewal_sweep
from roamcard.cards.models import Card
from roamcard.demo.services import TRAVELLER_EMAIL, demo_seed
from roamcard.notifications.models import Message
from roamcard.orders.models import Order
from roamcard.simnet.traffic import TrafficGenerator, TrafficOptions, cards_in_use
from roamcard.usage.ingest import usage_ingest

pytestmark = pytest.mark.django_db(transaction=True)

INTERVAL = timedelta(seconds=30)


def test_the_japan_card_renews_itself_once_as_the_simulated_network_uses_its_data():
    demo_seed()
    card = Card.objects.get(region__code="japan", owner__email=TRAVELLER_EMAIL)
    policy = card.renewal_policy
    assert policy.enabled and policy.max_renewals == 1 and policy.saved_method is not None
    traffic = TrafficGenerator(
        options=TrafficOptions(interval_seconds=INTERVAL.total_seconds(), stray_chance=0),
        rng=random.Random(20261129),
    )

    moment = timezone.now()
    for _ in range(60):  # half an hour of the demo, the network reporting every 30 s
        moment += INTERVAL
        with time_machine.travel(moment, tick=False):
            in_use = [c for c in cards_in_use(now=moment) if c.iccid == card.iccid]
            events = traffic.tick(now=moment, cards=in_use)
            if events:
                usage_ingest(events=events, source="api")
            autorenewal_sweep()

    renewed, capped = AutoRenewal.objects.filter(card=card).order_by("id")
    assert renewed.state == RenewalState.SUCCEEDED
    assert (capped.state, capped.skipped_reason) == ("skipped", SkipReason.RENEWALS_CAP)
    assert Order.objects.filter(card=card).count() == 1
    kinds = set(Message.objects.filter(user=card.owner).values_list("kind", flat=True))
    assert {"autorenewal_coming", "renewal_confirmed", "autorenewal_cap_reached"} <= kinds
    confirmed = Message.objects.get(kind="renewal_confirmed", channel="email")
    assert "renewed automatically" in confirmed.subject
