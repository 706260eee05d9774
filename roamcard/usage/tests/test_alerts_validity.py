"""Validity alerts: 3 days and 1 day before a coverage's last live or queued bucket ends,
once each; nothing while a renewal continues the coverage; nothing for days a plan never
had. The periodic task finds the candidates through the index on buckets' ends."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from roamcard.cards.models import Bucket
from roamcard.core.formatting import format_local_datetime
from roamcard.testing import make_bucket
from roamcard.usage.alerts import (
    VALIDITY_ENDING,
    usage_validity_alerts_check,
    validity_alert_candidates,
)
from roamcard.usage.models import UsageAlert
from roamcard.usage.tasks import usage_validity_alerts_task

from .alerting import GIB, alerts_of, make_coverage, make_traveller_card, messages_of, notices_of

pytestmark = pytest.mark.django_db

START = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)  # noon in Tokyo
DAY = timedelta(days=1)


@pytest.fixture
def card():
    return make_traveller_card()[1]


def bucket_from(card, start: datetime, days: int, *, region=None, **fields) -> Bucket:
    bucket = make_bucket(card=card, bytes_granted=10 * GIB, region=region)
    Bucket.objects.filter(pk=bucket.pk).update(
        valid_from=start, valid_until=start + days * DAY, **fields
    )
    bucket.refresh_from_db()
    return bucket


def check_at(moment: datetime) -> int:
    return usage_validity_alerts_check(now=moment)


def test_three_days_and_one_day_before_the_end(card):
    bucket = bucket_from(card, START, 7)
    end = bucket.valid_until

    sent = [
        check_at(end - 4 * DAY),
        check_at(end - 3 * DAY + timedelta(minutes=10)),
        check_at(end - 3 * DAY + timedelta(minutes=20)),
        check_at(end - 2 * DAY),
        check_at(end - DAY + timedelta(minutes=10)),
        check_at(end - DAY + timedelta(minutes=20)),
        check_at(end - timedelta(minutes=10)),
    ]

    assert sent == [0, 1, 0, 0, 1, 0, 0]
    assert alerts_of(bucket, UsageAlert.Kind.VALIDITY) == {3: True, 1: True}
    until = format_local_datetime(end, language="en", zone="Asia/Tokyo")
    notices = notices_of(card.owner)
    assert [n.kind for n in notices] == [VALIDITY_ENDING, VALIDITY_ENDING]
    assert notices[0].title == "Japan: the data on your card 8985 •••• 1234 ends soon"
    assert notices[0].body == (
        f"Japan: the data on your card 8985 •••• 1234 is valid until {until}. "
        "Renew to stay connected."
    )
    # By default SMS carry only the urgent alert: the last day.
    assert [m.channel for m in messages_of(card.owner)] == ["email", "email", "sms"]
    assert messages_of(card.owner, "sms")[0].body == (
        f"roamcard: Japan on your card 8985 •••• 1234 is valid until {until} — "
        f"renew: http://127.0.0.1:9/cards/{card.pk}/plans/"
    )


def test_a_queued_renewal_that_continues_the_coverage_puts_the_alert_off(card):
    current = bucket_from(card, START, 7)
    queued = bucket_from(card, current.valid_until, 7, starts="queued")

    assert check_at(current.valid_until - 3 * DAY + timedelta(minutes=10)) == 0
    assert check_at(current.valid_until - DAY + timedelta(minutes=10)) == 0
    assert check_at(queued.valid_until - 3 * DAY + timedelta(minutes=10)) == 1

    assert alerts_of(current, UsageAlert.Kind.VALIDITY) == {}
    assert alerts_of(queued, UsageAlert.Kind.VALIDITY) == {3: True}


def test_a_renewal_started_now_that_ends_later_puts_it_off_too(card):
    current = bucket_from(card, START, 7)
    bucket_from(card, START + 2 * DAY, 30)

    assert check_at(current.valid_until - 3 * DAY + timedelta(minutes=10)) == 0


def test_another_coverage_does_not_continue_this_one(card):
    japan = bucket_from(card, START, 7)
    bucket_from(card, START, 30, region=make_coverage("global", countries=("JP", "KR")))

    assert check_at(japan.valid_until - 3 * DAY + timedelta(minutes=10)) == 1
    assert alerts_of(japan, UsageAlert.Kind.VALIDITY) == {3: True}


def test_a_plan_shorter_than_an_alert_gets_only_the_alerts_it_lives_to_see(card):
    two_days = bucket_from(card, START, 2)

    assert check_at(START + timedelta(minutes=10)) == 0  # 2 days left: never had 3
    assert check_at(two_days.valid_until - DAY + timedelta(minutes=10)) == 1

    assert alerts_of(two_days, UsageAlert.Kind.VALIDITY) == {1: True}


def test_a_day_pass_gets_no_validity_alert(card):
    bucket_from(card, START, 1, starts="first_use")

    assert check_at(START + timedelta(minutes=10)) == 0
    assert check_at(START + timedelta(hours=20)) == 0


def test_a_missed_three_day_mark_sends_only_the_one_day_alert(card):
    """The worker was down for days: the 3-day alert is stale by then and not sent."""
    bucket = bucket_from(card, START, 7)

    assert check_at(bucket.valid_until - timedelta(hours=20)) == 1

    assert alerts_of(bucket, UsageAlert.Kind.VALIDITY) == {1: True}


def test_a_used_up_coverage_gets_no_validity_alert(card):
    bucket = bucket_from(card, START, 7, bytes_remaining=0)

    assert check_at(bucket.valid_until - 3 * DAY + timedelta(minutes=10)) == 0


def test_a_withdrawn_bucket_gets_no_validity_alert(card):
    bucket = bucket_from(card, START, 7, withdrawn_at=START + DAY)

    assert check_at(bucket.valid_until - 3 * DAY + timedelta(minutes=10)) == 0


def test_the_periodic_task_runs_the_check(card, time_machine):
    bucket = bucket_from(card, START, 7)
    time_machine.move_to(bucket.valid_until - 3 * DAY + timedelta(minutes=10), tick=False)

    usage_validity_alerts_task()

    assert alerts_of(bucket, UsageAlert.Kind.VALIDITY) == {3: True}


def test_the_candidates_come_from_the_index_on_bucket_ends():
    now = timezone.now()
    candidates = validity_alert_candidates(
        threshold=3, band_start=now + DAY, band_end=now + 3 * DAY
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
        plan = candidates.explain()

    assert "bucket_ending" in plan
