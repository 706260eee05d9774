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

TRIES = 41


def seconds(action) -> float:
    started = time.perf_counter()
    with pytest.raises(CardBindRejected):
        action()
    return time.perf_counter() - started


def medians_interleaved(first, second) -> tuple[float, float]:
    """Both actions timed in turns, so a machine that slows down or speeds up during the
    measurement (these are shared) weighs on both alike."""
    firsts, seconds_ = [], []
    for _ in range(TRIES):
        firsts.append(seconds(first))
        seconds_.append(seconds(second))
    return statistics.median(firsts), statistics.median(seconds_)


def test_unknown_card_numbers_take_as_long_as_wrong_passwords(settings, traveller):
    settings.CARD_BIND_MAX_FAILURES = 10 * TRIES  # never locked during the measurement
    card = make_card(password="246810")
    unknown = make_iccid()

    def wrong_password():
        card_bind(user=traveller, iccid=card.iccid, card_password="135790")

    def unknown_card():
        card_bind(user=traveller, iccid=unknown, card_password="135790")

    medians_interleaved(wrong_password, unknown_card)  # warm up: connections, imports, caches
    known, unknown_ = medians_interleaved(wrong_password, unknown_card)
    ratio = unknown_ / known

    assert 0.6 <= ratio <= 1.6, f"unknown/known = {ratio:.2f}"
