"""Hundreds of purchases in a seeded random world of duplicated, reordered and late
notifications, declines, 3-D Secure, lost notifications, returns, cancellations, staff
refunds, network faults, dead workers and janitor sweeps; then, once everything has
settled, the exactly-once invariants (tests/simulation/invariants.py).

Seeds: SIM_SEEDS="1,2,3" picks them (a failure prints the seed and the command to replay
it); SIM_PURCHASES sets the orders per seed. SIM_LONG=1 runs the long variant."""

import os

import pytest

from roamcard.orders.models import Order

from .simulator import run_simulation

LONG = os.environ.get("SIM_LONG") == "1"
SEEDS = [int(s) for s in os.environ.get("SIM_SEEDS", "").split(",") if s.strip()] or (
    list(range(1, 11)) if LONG else [20261125, 7]
)
PURCHASES = int(os.environ.get("SIM_PURCHASES", "400" if LONG else "100"))


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("seed", SEEDS, ids=lambda seed: f"seed={seed}")
def test_randomized_renewals_are_exactly_once(seed, monkeypatch, capsys):
    simulation = run_simulation(seed=seed, purchases=PURCHASES, monkeypatch=monkeypatch)

    states = {}
    for state in Order.objects.values_list("state", flat=True):
        states[state] = states.get(state, 0) + 1
    with capsys.disabled():
        print(
            f"\n  seed={seed}: {simulation.orders_created} orders in {len(simulation.trace)} "
            f"steps, {simulation.elapsed:.1f}s; orders {states}; "
            f"steps {dict(sorted(simulation.counts.items()))}"
        )
    # The run was not trivially quiet: most kinds of trouble happened.
    assert states.get("fulfilled", 0) > PURCHASES // 5
    assert states.get("refunded", 0) > 0
