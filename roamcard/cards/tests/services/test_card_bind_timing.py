"""An unknown card number is answered in the time a wrong card password takes, so the
answer's timing does not tell which card numbers exist (decision 0002).

Compared in one test run, as a ratio of medians, with the keyed hash production uses."""

import statistics
import time

import pytest

from roamcard.cards.errors import CardBindRejected
from roamcard.cards.services import card_bind
from roamcard.testing import make_card, make_iccid

pytestmark = pytest.mark.django_db

TRIES = 9


def median_seconds(action) -> float:
    timings = []
    for _ in range(TRIES):
        started = time.perf_counter()
        with pytest.raises(CardBindRejected):
            action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def test_unknown_card_numbers_take_as_long_as_wrong_passwords(settings, traveller):
    settings.CARD_BIND_MAX_FAILURES = 10 * TRIES  # never locked during the measurement
    card = make_card(password="246810")
    unknown = make_iccid()

    def wrong_password():
        card_bind(user=traveller, iccid=card.iccid, card_password="135790")

    def unknown_card():
        card_bind(user=traveller, iccid=unknown, card_password="135790")

    median_seconds(wrong_password)  # warm up: connections, imports, caches
    median_seconds(unknown_card)
    ratio = median_seconds(unknown_card) / median_seconds(wrong_password)

    assert 0.6 <= ratio <= 1.6, f"unknown/known = {ratio:.2f}"
