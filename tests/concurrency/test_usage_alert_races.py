"""Usage alerts under real concurrency: jobs checking the same coverage at the same instant
(two batches for one card finishing together) send each alert once; the unique constraint
on (bucket, kind, threshold) decides which job sends it."""

from datetime import timedelta

import pytest

from roamcard.cards.models import Bucket
from roamcard.notifications.models import Message, Notice
from roamcard.testing import make_bucket
from roamcard.usage.alerts import usage_alerts_check, usage_validity_alerts_check
from roamcard.usage.models import UsageAlert
from roamcard.usage.tests.alerting import GIB, make_traveller_card

from .racing import race, raise_first_error

pytestmark = pytest.mark.django_db(transaction=True)


def test_jobs_checking_one_coverage_at_once_send_the_alert_once():
    owner, card = make_traveller_card()
    bucket = make_bucket(card=card, bytes_granted=10 * GIB)
    Bucket.objects.filter(pk=bucket.pk).update(bytes_remaining=GIB)

    outcomes = race(*[lambda: usage_alerts_check(bucket_ids=[bucket.pk])] * 4)

    raise_first_error(outcomes)
    assert sorted(o.value for o in outcomes) == [0, 0, 0, 1]
    assert dict(UsageAlert.objects.values_list("threshold", "notified")) == {
        50: False,
        20: False,
        10: True,
    }
    assert Notice.objects.filter(user=owner).count() == 1
    assert Message.objects.filter(user=owner).count() == 1  # the e-mail; SMS: urgent only


def test_two_validity_sweeps_at_once_send_the_alert_once():
    owner, card = make_traveller_card()
    bucket = make_bucket(card=card, bytes_granted=10 * GIB, days=7)
    moment = bucket.valid_until - timedelta(hours=20)

    outcomes = race(*[lambda: usage_validity_alerts_check(now=moment)] * 3)

    raise_first_error(outcomes)
    assert sorted(o.value for o in outcomes) == [0, 0, 1]
    assert Notice.objects.filter(user=owner).count() == 1
