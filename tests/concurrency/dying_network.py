"""The simulated network of a worker that dies around the call (tests/concurrency/worker.py)."""

import os

from roamcard.simnet.adapter import SimulatedNetwork

from .worker import wait_to_be_killed


class DyingNetwork(SimulatedNetwork):
    def apply_allowance(self, request):
        if os.environ["WORKER_DIES"] == "before-network":
            wait_to_be_killed()
        super().apply_allowance(request)
        wait_to_be_killed()
