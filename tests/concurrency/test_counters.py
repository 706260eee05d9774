"""Concurrent hits on one rate-limit key each get their own count (no lost update)."""

import pytest

from roamcard.core.counters import counter_hit

from .racing import race, raise_first_error

pytestmark = pytest.mark.django_db(transaction=True)


def test_twenty_concurrent_hits_count_to_twenty():
    outcomes = race(*[lambda: counter_hit(key="login:race", window=300) for _ in range(20)])

    raise_first_error(outcomes)
    assert sorted(outcome.value for outcome in outcomes) == list(range(1, 21))
