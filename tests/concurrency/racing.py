"""Running actions at the same instant in real threads, each with its own database
connection, and delivering the sandbox's signed notifications ourselves."""

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from roamcard.sandbox import signing
from roamcard.sandbox.models import SandboxEvent
from roamcard.simnet.adapter import SimulatedNetwork


@dataclass
class Outcome:
    value: Any = None
    error: BaseException | None = None


def race(*actions: Callable[[], Any], timeout: float = 60) -> list[Outcome]:
    """Run every action in its own thread, released together by a barrier once each thread
    holds an open database connection (so connecting does not stagger the start). Each
    thread closes its connection at the end. Returns what each returned or raised."""
    barrier = threading.Barrier(len(actions))
    outcomes = [Outcome() for _ in actions]

    def run(index: int, action: Callable[[], Any]) -> None:
        try:
            connection.ensure_connection()
            barrier.wait(timeout)
            outcomes[index].value = action()
        except BaseException as exc:  # reported to the test, never swallowed
            outcomes[index].error = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(i, action), name=f"racer-{i}")
        for i, action in enumerate(actions)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    stuck = [thread.name for thread in threads if thread.is_alive()]
    assert not stuck, f"threads still running after {timeout}s (a deadlock?): {stuck}"
    return outcomes


def raise_first_error(outcomes: list[Outcome]) -> None:
    errors = [o.error for o in outcomes if o.error is not None]
    if errors:
        raise AssertionError(
            f"{len(errors)} of {len(outcomes)} racers failed: {errors!r}"
        ) from errors[0]


def signed_body(event: SandboxEvent) -> tuple[bytes, str]:
    """The notification exactly as the sandbox sends it: its stored payload, signed now."""
    body = json.dumps(event.payload, separators=(",", ":")).encode()
    secret = settings.PAYMENT_GATEWAYS["sandbox"]["OPTIONS"]["secret"]
    return body, signing.sign(secret=secret, body=body)


def deliver(event: SandboxEvent, client: Client | None = None) -> int:
    """POST one notification to our webhook endpoint; returns the HTTP status."""
    body, signature = signed_body(event)
    response = (client or Client()).post(
        reverse("payments:webhook", kwargs={"gateway": "sandbox"}),
        data=body,
        content_type="application/json",
        headers={signing.HEADER: signature},
    )
    return response.status_code


class Killed(BaseException):
    """The worker dies: nothing of ours catches it (provisioning_run catches Exception)."""


class SlowNetwork(SimulatedNetwork):
    """The simulated network, taking 0.3 s to answer, so that racers overlap inside the
    call; counts its calls; with `die_after_applying`, the caller dies once it applied."""

    calls = 0
    die_after_applying = False

    def apply_allowance(self, request):
        type(self).calls += 1
        time.sleep(0.3)
        result = super().apply_allowance(request)
        if type(self).die_after_applying:
            raise Killed()
        return result
