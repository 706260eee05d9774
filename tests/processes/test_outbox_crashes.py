"""A task worker killed (SIGKILL) while it delivers an SMS: the message says `sending` (not
`queued`), the sweep takes it up, and the restarted worker delivers it once."""

import signal

import pytest

from .conftest import key, wait_for

pytestmark = pytest.mark.slow


def kill(process) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(10)


def test_a_worker_killed_mid_send_leaves_sending_and_the_sweep_delivers_it(stack):
    message_id = stack.queue_sms("Your card is renewed.")
    worker = stack.start_worker(SMS_SEND_SECONDS="60")
    wait_for(lambda: stack.journal("started"), "the worker to call the provider", timeout=120)

    kill(worker)

    message = stack.messages()[message_id]
    assert message["state"] == "sending"
    assert message["attempts"] == 1 and message["attempt_started_at"]

    stack.manage("outbox_sweep")  # by hand; the worker runs it every minute
    assert stack.messages()[message_id]["state"] == "unknown"

    worker = stack.start_worker()
    wait_for(lambda: stack.messages()[message_id]["state"] == "sent", "the re-drive", timeout=120)

    message = stack.messages()[message_id]
    assert [e["key"] for e in stack.journal("accepted")] == [key(message)]
    assert {e["key"] for e in stack.journal("started")} == {key(message)}
    assert message["provider_message_id"] == stack.journal("accepted")[0]["id"]


def test_a_worker_killed_after_the_provider_took_it_is_settled_by_lookup_not_resent(stack):
    message_id = stack.queue_sms("Your card is renewed.")
    worker = stack.start_worker(SMS_HANG_AFTER_ACCEPT="1")
    wait_for(lambda: stack.journal("accepted"), "the provider to accept it", timeout=120)

    kill(worker)

    assert stack.messages()[message_id]["state"] == "sending"
    stack.manage("outbox_sweep")
    assert stack.messages()[message_id]["state"] == "unknown"

    worker = stack.start_worker()
    wait_for(lambda: stack.messages()[message_id]["state"] == "sent", "the re-drive", timeout=120)

    message = stack.messages()[message_id]
    assert len(stack.journal("started")) == 1  # sent once, never again
    assert [e["key"] for e in stack.journal("lookup")] == [key(message)]
    assert message["provider_message_id"] == stack.journal("accepted")[0]["id"]
