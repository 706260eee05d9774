"""Rate-limit counts live in the database and are counted in one statement."""

from datetime import timedelta

import pytest
from django.utils import timezone

from roamcard.core.counters import counter_give_back, counter_hit, counters_purge
from roamcard.core.models import Counter

pytestmark = pytest.mark.django_db


def test_hits_count_up_within_the_window_and_start_again_after_it():
    now = timezone.now()

    counts = [counter_hit(key="login:x", window=300, now=now) for _ in range(3)]
    after = counter_hit(key="login:x", window=300, now=now + timedelta(seconds=301))

    assert counts == [1, 2, 3]
    assert after == 1


def test_keys_are_counted_apart_and_a_hit_can_be_given_back():
    counter_hit(key="a", window=60)
    counter_hit(key="a", window=60)
    counter_give_back(key="a")

    assert counter_hit(key="b", window=60) == 1
    assert counter_hit(key="a", window=60) == 2


def test_ended_windows_are_purged():
    now = timezone.now()
    counter_hit(key="old", window=1, now=now - timedelta(minutes=5))
    counter_hit(key="live", window=600, now=now)

    assert counters_purge(now=now) == 1
    assert list(Counter.objects.values_list("key", flat=True)) == ["live"]
