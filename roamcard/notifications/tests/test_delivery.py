"""The outbox delivers every message at least once, tells the truth about each one, and hands
the provider the message's own idempotency key on every attempt.

Crashes of real processes are in tests/processes/; here the rows a crash leaves behind are
set up directly and the sweep is called as the periodic task calls it."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from roamcard.notifications.models import Message
from roamcard.notifications.services import message_deliver, message_queue, outbox_sweep
from roamcard.notifications.tests import providers
from roamcard.notifications.tests.providers import provider

pytestmark = pytest.mark.django_db

PROVIDERS = "roamcard.notifications.tests.providers"


@pytest.fixture(autouse=True)
def outbox_settings(settings):
    settings.SMS_SENDER = f"{PROVIDERS}.SmsProvider"
    settings.OUTBOX_ATTEMPT_TIMEOUT_SECONDS = 120
    settings.OUTBOX_MAX_ATTEMPTS = 3
    settings.OUTBOX_RETRY_BACKOFF_SECONDS = [60, 300]
    providers.reset()
    return settings


@pytest.fixture
def now(time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    return time_machine


@pytest.fixture
def queue(django_capture_on_commit_callbacks):
    """Queue a message as a service does, and let its job run when the caller commits."""

    def queue_message(**fields) -> Message:
        with django_capture_on_commit_callbacks(execute=True):
            message = message_queue(**{"kind": "renewal_confirmed", **fields})
        message.refresh_from_db()
        return message

    return queue_message


@pytest.fixture
def queue_sms(queue):
    def queue_one(body: str = "Your card is renewed.") -> Message:
        return queue(channel="sms", to="+85261234567", body=body)

    return queue_one


def left_mid_send(message: Message, *, minutes_ago: int) -> Message:
    """The row as a worker killed during the provider call leaves it."""
    Message.objects.filter(pk=message.pk).update(
        state=Message.State.SENDING,
        attempts=1,
        sent_at=None,
        attempt_started_at=timezone.now() - timedelta(minutes=minutes_ago),
    )
    message.refresh_from_db()
    return message


def test_an_sms_goes_to_the_provider_once_with_its_own_key(queue_sms):
    message = queue_sms()

    assert message.state == Message.State.SENT
    assert message.attempts == 1
    assert provider.sends == [
        {
            "to": "+85261234567",
            "body": "Your card is renewed.",
            "idempotency_key": str(message.uuid),
        }
    ]
    assert message.provider_message_id == provider.accepted[str(message.uuid)]
    assert queue_sms().uuid != message.uuid


def test_an_email_carries_a_message_id_made_from_its_key(queue, now):
    message = queue(
        channel="email", to="alice@example.com", subject="Renewed", body="Your card is renewed."
    )
    message = left_mid_send(message, minutes_ago=5)
    outbox_sweep()

    first, again = mail.outbox
    assert first.message()["Message-ID"] == f"<{message.uuid}@roamcard.test>"
    assert again.message()["Message-ID"] == first.message()["Message-ID"]
    message.refresh_from_db()
    assert message.state == Message.State.SENT


def test_a_message_whose_job_was_lost_is_delivered_by_the_sweep(now):
    lost = Message.objects.create(
        channel="sms", to="+85261234567", kind="renewal_confirmed", body="Renewed.",
        next_attempt_at=timezone.now() + timedelta(seconds=120),
    )  # fmt: skip

    outbox_sweep()  # its job may still be on its way: too early to step in
    lost.refresh_from_db()
    assert lost.state == Message.State.QUEUED
    assert provider.sends == []

    now.shift(121)
    outbox_sweep()
    lost.refresh_from_db()
    assert lost.state == Message.State.SENT
    assert provider.delivered() == [str(lost.uuid)]


def test_an_attempt_still_in_flight_is_left_alone(queue_sms, now):
    message = left_mid_send(queue_sms(), minutes_ago=1)
    providers.reset()

    message_deliver(message_id=message.pk)  # a duplicate job
    outbox_sweep()

    message.refresh_from_db()
    assert message.state == Message.State.SENDING
    assert provider.sends == [] and provider.lookups == []


def test_a_crash_after_the_provider_took_it_is_resolved_by_lookup_without_a_second_send(
    queue_sms, now
):
    message = left_mid_send(queue_sms(), minutes_ago=5)
    sends_before = len(provider.sends)

    result = outbox_sweep()

    message.refresh_from_db()
    assert result.presumed_dead == 1
    assert message.state == Message.State.SENT
    assert provider.lookups == [str(message.uuid)]
    assert len(provider.sends) == sends_before
    assert message.provider_message_id == provider.accepted[str(message.uuid)]


def test_a_crash_before_the_provider_took_it_is_sent_again_with_the_same_key(queue_sms, now):
    message = left_mid_send(queue_sms(), minutes_ago=5)
    providers.reset()  # the provider never got it

    outbox_sweep()

    message.refresh_from_db()
    assert message.state == Message.State.SENT
    assert message.attempts == 2
    assert [s["idempotency_key"] for s in provider.sends] == [str(message.uuid)]


def test_a_lost_answer_leaves_it_unknown_until_the_provider_is_asked(queue_sms, settings, now):
    settings.SMS_SENDER = f"{PROVIDERS}.AnswerLostSmsProvider"
    message = queue_sms()

    assert message.state == Message.State.UNKNOWN
    assert "read timeout" in message.last_error

    now.shift(61)
    outbox_sweep()

    message.refresh_from_db()
    assert message.state == Message.State.SENT
    assert len(provider.sends) == 1
    assert provider.lookups == [str(message.uuid)]


def test_without_lookup_an_unknown_one_is_sent_again_with_the_same_key(queue_sms, settings, now):
    settings.SMS_SENDER = f"{PROVIDERS}.SmsProviderWithoutLookup"
    message = left_mid_send(queue_sms(), minutes_ago=5)

    outbox_sweep()

    message.refresh_from_db()
    assert message.state == Message.State.SENT
    assert [s["idempotency_key"] for s in provider.sends] == [str(message.uuid)] * 2
    assert provider.delivered() == [str(message.uuid)]


def test_a_message_the_provider_keeps_refusing_fails_after_the_last_attempt(
    queue_sms, settings, now
):
    settings.SMS_SENDER = f"{PROVIDERS}.FailingSmsProvider"
    message = queue_sms()

    assert message.state == Message.State.QUEUED  # to be tried again, not given up
    assert message.attempts == 1
    assert "503 Service Unavailable" in message.last_error
    assert message.next_attempt_at == timezone.now() + timedelta(seconds=60)

    outbox_sweep()  # not due yet
    now.shift(61)
    outbox_sweep()
    message.refresh_from_db()
    assert (message.state, message.attempts) == (Message.State.QUEUED, 2)

    now.shift(301)
    outbox_sweep()
    message.refresh_from_db()
    assert (message.state, message.attempts) == (Message.State.FAILED, 3)
    assert "503 Service Unavailable" in message.last_error

    now.shift(3600)
    outbox_sweep()
    assert len(provider.sends) == 3


def test_the_dev_inbox_and_the_outbox_show_every_state(queue_sms, staff_client, now):
    sent = queue_sms("Sent one.")
    left_mid_send(queue_sms("Crashed one."), minutes_ago=1)
    Message.objects.create(
        channel="sms", to="+85261234567", kind="k", body="Refused one.",
        state=Message.State.FAILED, attempts=3, last_error="503 from the provider",
    )  # fmt: skip
    Message.objects.create(
        channel="sms", to="+85261234567", kind="k", body="Lost answer.",
        state=Message.State.UNKNOWN, attempts=1, last_error="read timeout",
    )  # fmt: skip

    inbox = staff_client.get("/dev/inbox/").content.decode()
    for label in ("Sent", "Sending", "Failed", "Unknown"):
        assert label in inbox
    assert "503 from the provider" in inbox

    outbox = staff_client.get("/admin/notifications/message/").content.decode()
    for label in ("Sent", "Sending", "Failed", "Unknown"):
        assert label in outbox
    detail = staff_client.get(f"/admin/notifications/message/{sent.pk}/change/").content.decode()
    assert str(sent.uuid) in detail
