"""Quiet hours: when they end for a traveller, and an outbox message that must not be sent
before then (neither its delivery job nor the sweep sends it early)."""

from datetime import UTC, datetime, time, timedelta

import pytest
from huey.contrib.djhuey import HUEY

from roamcard.notifications.models import Message, NotificationPreferences
from roamcard.notifications.services import (
    message_deliver,
    message_queue,
    outbox_sweep,
    quiet_hours_end,
)
from roamcard.notifications.tests import providers
from roamcard.notifications.tests.providers import provider


def preferences(start=time(22), end=time(8), *, on=True) -> NotificationPreferences:
    return NotificationPreferences(quiet_hours=on, quiet_from=start, quiet_until=end)


def tokyo(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment given in Tokyo time (UTC+9, no daylight saving)."""
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC) - timedelta(hours=9)


@pytest.mark.parametrize(
    ("now", "ends"),
    [
        (tokyo(1, 21, 59), None),
        (tokyo(1, 22, 0), tokyo(2, 8)),
        (tokyo(1, 23, 30), tokyo(2, 8)),
        (tokyo(2, 3, 0), tokyo(2, 8)),
        (tokyo(2, 7, 59), tokyo(2, 8)),
        (tokyo(2, 8, 0), None),
        (tokyo(2, 12, 0), None),
    ],
)
def test_quiet_hours_over_midnight(now, ends):
    assert quiet_hours_end(preferences=preferences(), zone="Asia/Tokyo", now=now) == ends


def test_quiet_hours_within_a_day():
    afternoon = preferences(time(13), time(15))

    assert quiet_hours_end(preferences=afternoon, zone="Asia/Tokyo", now=tokyo(1, 14)) == tokyo(
        1, 15
    )
    assert quiet_hours_end(preferences=afternoon, zone="Asia/Tokyo", now=tokyo(1, 16)) is None


def test_quiet_hours_switched_off():
    assert (
        quiet_hours_end(preferences=preferences(on=False), zone="Asia/Tokyo", now=tokyo(1, 23))
        is None
    )


def test_quiet_hours_are_wall_clock_hours_across_a_change_of_clocks():
    """New York moves its clocks back on 1 November 2026: the night is an hour longer, and
    quiet hours still end at 08:00 on the clock (13:00 UTC, no longer 12:00)."""
    evening = datetime(2026, 10, 31, 23, 0, tzinfo=UTC) + timedelta(hours=4)  # 23:00 EDT

    ends = quiet_hours_end(preferences=preferences(), zone="America/New_York", now=evening)

    assert ends == datetime(2026, 11, 1, 13, 0, tzinfo=UTC)


def test_an_unknown_time_zone_counts_as_utc():
    ends = quiet_hours_end(
        preferences=preferences(), zone="Mars/Olympus", now=datetime(2026, 12, 1, 23, tzinfo=UTC)
    )

    assert ends == datetime(2026, 12, 2, 8, tzinfo=UTC)


@pytest.fixture
def sms_provider(settings):
    settings.SMS_SENDER = "roamcard.notifications.tests.providers.SmsProvider"
    settings.OUTBOX_ATTEMPT_TIMEOUT_SECONDS = 120
    providers.reset()


@pytest.mark.django_db
def test_a_held_message_is_sent_only_once_quiet_hours_end(
    sms_provider, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(tokyo(1, 23, 30), tick=False)
    HUEY.storage.flush_schedule()  # the in-memory queue of the tests: only this job in it
    with django_capture_on_commit_callbacks(execute=True):
        message = message_queue(
            channel="sms", to="+819012345678", kind="usage_data_out", body="No data left.",
            not_before=tokyo(2, 8),
        )  # fmt: skip

    # Its delivery job is scheduled for the end of the quiet hours, not run now.
    (scheduled,) = HUEY.scheduled()
    assert scheduled.args == (message.pk,)
    assert scheduled.eta.replace(tzinfo=UTC) == tokyo(2, 8)
    message.refresh_from_db()
    assert message.state == Message.State.QUEUED and provider.sends == []

    # A job that runs early (a clock off, a manual retry) does nothing; the sweep leaves it.
    time_machine.move_to(tokyo(2, 7, 59), tick=False)
    assert message_deliver(message_id=message.pk).state == Message.State.QUEUED
    assert outbox_sweep().redriven == 0
    assert provider.sends == []

    # Its job at 08:00 sends it.
    time_machine.move_to(tokyo(2, 8), tick=False)
    assert message_deliver(message_id=message.pk).state == Message.State.SENT
    assert [send["body"] for send in provider.sends] == ["No data left."]


@pytest.mark.django_db
def test_the_sweep_sends_a_held_message_whose_job_was_lost(
    sms_provider, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(tokyo(1, 23, 30), tick=False)
    message = message_queue(
        channel="sms",
        to="+819012345678",
        kind="usage_data_out",
        body="No data left.",
        not_before=tokyo(2, 8),
    )  # fmt: skip  (no commit captured: its job is never enqueued)

    time_machine.move_to(tokyo(2, 8, 1), tick=False)
    assert outbox_sweep().redriven == 0  # its job still has its time to run

    time_machine.move_to(tokyo(2, 8, 3), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox_sweep().redriven == 1

    message.refresh_from_db()
    assert message.state == Message.State.SENT


@pytest.mark.django_db
def test_a_not_before_in_the_past_sends_at_once(sms_provider, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = message_queue(
            channel="sms", to="+819012345678", kind="usage_data_out", body="No data left.",
            not_before=datetime(2020, 1, 1, tzinfo=UTC),
        )  # fmt: skip

    message.refresh_from_db()
    assert message.not_before is None
    assert message.state == Message.State.SENT
