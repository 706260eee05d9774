"""SIGTERM drains the task worker: the task in flight finishes, no new one starts, and the
worker exits cleanly (a bare `run_huey` abandons the task in flight on SIGTERM)."""

import signal

import pytest

from .conftest import key, wait_for

pytestmark = pytest.mark.slow


def test_sigterm_finishes_the_task_in_flight_and_takes_no_new_one(stack):
    first = stack.queue_sms("First.")
    second = stack.queue_sms("Second.")
    worker = stack.start_worker(SMS_SEND_SECONDS="4")
    wait_for(lambda: stack.journal("started"), "the worker to start a delivery", timeout=120)

    worker.send_signal(signal.SIGTERM)

    assert worker.wait(30) == 0
    messages = stack.messages()
    in_flight = next(m for m in messages.values() if key(m) == stack.journal("started")[0]["key"])
    waiting = messages[second if in_flight["id"] == first else first]
    assert in_flight["state"] == "sent"
    assert (waiting["state"], waiting["attempts"]) == ("queued", 0)
    assert [e["key"] for e in stack.journal("started")] == [key(in_flight)]
