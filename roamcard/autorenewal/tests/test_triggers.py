"""When a policy fires, decided on the buckets of the coverage it renews, at a moment."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import count

from roamcard.autorenewal.triggers import NOTHING, policy_outlook
from roamcard.cards.choices import StartMode
from roamcard.cards.models import Bucket

GIB = 1024**3
MB = 1024**2
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
_ids = count(1)


@dataclass
class Policy:
    trigger_percent: int | None = 10
    trigger_mb: int | None = None
    trigger_hours: int | None = 24


def bucket(*, granted=5 * GIB, left=None, start=-2, days=7, starts=StartMode.NOW, first_use=False):
    """A bucket started `start` days from NOW (negative: in the past), lasting `days`."""
    valid_from = None if first_use else NOW + timedelta(days=start)
    return Bucket(
        pk=next(_ids),
        bytes_granted=granted,
        bytes_remaining=granted if left is None else left,
        starts=StartMode.FIRST_USE if first_use else starts,
        validity_days=days,
        valid_from=valid_from,
        valid_until=valid_from + timedelta(days=days) if valid_from else None,
        activate_by=NOW + timedelta(days=180) if first_use else None,
    )


def outlook(buckets, policy=None, **kwargs):
    return policy_outlook(policy=policy or Policy(), buckets=buckets, now=NOW, **kwargs)


def test_data_at_the_share_fires_on_the_bucket_in_use():
    live = bucket(left=GIB // 2)  # exactly 10 %
    result = outlook([live])
    assert result.trigger.kind == "data"
    assert result.trigger.bucket_id == live.pk
    assert result.trigger.bytes_remaining == GIB // 2
    assert result.due_at is None


def test_data_above_the_share_waits_for_the_validity_trigger():
    live = bucket(left=GIB)  # 20 %
    result = outlook([live])
    assert result.trigger is None
    assert result.due_at == live.valid_until - timedelta(hours=24)


def test_an_amount_fires_even_above_the_share():
    live = bucket(left=400 * MB)
    assert outlook([live], Policy(trigger_percent=5, trigger_mb=500)).trigger.kind == "data"
    assert outlook([live], Policy(trigger_percent=5, trigger_mb=300)).trigger is None


def test_the_share_is_of_every_live_bucket_and_the_first_to_end_is_the_one_in_use():
    ending = bucket(granted=GIB, left=100 * MB, start=-6)  # ends in a day
    later = bucket(granted=10 * GIB, left=GIB, start=-1)
    result = outlook([later, ending], Policy(trigger_hours=None))
    assert result.trigger.bucket_id == ending.pk  # 1.1 GB of 11 GB: 10 %
    # Above the share, it is looked at again when the first ends: the share changes then.
    result = outlook([later, ending], Policy(trigger_percent=5, trigger_hours=None))
    assert result.trigger is None
    assert result.due_at == ending.valid_until


def test_used_up_fires_on_the_last_to_run_out():
    first = bucket(granted=GIB, left=0, start=-3)
    last = bucket(granted=GIB, left=0, start=-1)
    result = outlook([first, last])
    assert (result.trigger.kind, result.trigger.bucket_id) == ("data", last.pk)
    assert result.trigger.bytes_remaining == 0


def test_an_unlimited_plan_is_never_low_but_its_validity_ends():
    unlimited = bucket(granted=None, start=-6, days=7)  # ends in 24 h
    result = outlook([unlimited])
    assert result.trigger.kind == "validity"
    assert result.trigger.bytes_remaining is None


def test_validity_within_the_hours_fires_on_the_last_bucket():
    live = bucket(start=-6, days=7)
    live.valid_until = NOW + timedelta(hours=23)
    result = outlook([live])
    assert (result.trigger.kind, result.trigger.bucket_id) == ("validity", live.pk)
    assert result.trigger.coverage_ends_at == live.valid_until


def test_a_plan_queued_after_it_goes_on_so_nothing_fires():
    live = bucket(left=0)
    queued = bucket(start=5, starts=StartMode.QUEUED)
    result = outlook([live, queued])
    assert result.trigger is None
    # Once the queued one is in use, its own end may fire.
    assert result.due_at == queued.valid_until - timedelta(hours=24)


def test_a_short_plan_queued_is_looked_at_when_it_starts():
    live = bucket(left=0)
    queued = bucket(start=5, days=1, starts=StartMode.QUEUED)
    assert outlook([live, queued]).due_at == queued.valid_from


def test_a_day_pass_waiting_or_an_order_being_applied_goes_on():
    live = bucket(left=0)
    assert outlook([live, bucket(first_use=True, days=1)]) == NOTHING
    assert outlook([live], order_pending=True) == NOTHING


def test_nothing_in_use_has_nothing_to_renew():
    assert outlook([]) == NOTHING


def test_a_trigger_acted_on_does_not_fire_again_on_the_same_bucket():
    live = bucket(left=100 * MB, start=-6)
    live.valid_until = NOW + timedelta(hours=2)
    both = outlook([live])
    assert both.trigger.kind == "data"  # data first when both are met
    second = outlook([live], acted_on=frozenset({(live.pk, "data")}))
    assert second.trigger.kind == "validity"
    done = outlook([live], acted_on=frozenset({(live.pk, "data"), (live.pk, "validity")}))
    assert done == NOTHING


def test_without_a_validity_trigger_only_usage_can_make_it_fire():
    result = outlook([bucket(left=GIB)], Policy(trigger_hours=None))
    assert result == NOTHING
