"""Usage records and the forecast, read from UsageDay: the period, the figures per day and
country, and per coverage whether data or validity ends first at the recent pace."""

from datetime import UTC, date, datetime, timedelta

import pytest

from roamcard.cards.models import Bucket
from roamcard.core.errors import InvalidInput
from roamcard.testing import GIB, make_card, make_region, make_usage_day
from roamcard.usage.records import (
    MAX_PERIOD_DAYS,
    Outlook,
    usage_forecast,
    usage_period,
    usage_records,
    usage_records_for,
)
from roamcard.usage.records_chart import MAX_SERIES, usage_chart

pytestmark = pytest.mark.django_db

MIB = 1024**2
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
TODAY = NOW.date()


def days_ago(n: int) -> date:
    return TODAY - timedelta(days=n)


def bucket(card, *, left, start_days=-1.0, end_days=10.0, granted=None, region=None):
    """A bucket whose window runs from `start_days` to `end_days` days from NOW."""
    return Bucket.objects.create(
        card=card,
        region=region or card.region,
        bytes_granted=granted if granted is not None else left,
        bytes_remaining=left,
        starts="queued" if start_days > 0 else "now",
        valid_from=NOW + timedelta(days=start_days),
        valid_until=NOW + timedelta(days=end_days),
    )


def use_every_day(card, *, per_day, days=7, country="FR"):
    for n in range(days):
        make_usage_day(card=card, day=days_ago(n), country=country, used=per_day)


def forecast_of(card):
    [forecast] = usage_forecast(card=card, now=NOW)
    return forecast


def approx_moment(days: float):
    return pytest.approx((NOW + timedelta(days=days)).timestamp(), abs=60)


# --- The period --------------------------------------------------------------------------


def test_the_default_period_is_the_last_30_utc_days():
    period = usage_period(today=TODAY)

    assert (period.start, period.end) == (days_ago(29), TODAY)
    assert len(period.days) == 30


def test_a_period_may_be_given_by_either_end():
    assert usage_period(end=date(2026, 11, 10), days=7, today=TODAY).start == date(2026, 11, 4)
    assert usage_period(start=date(2026, 11, 10), today=TODAY).end == TODAY


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (date(2026, 11, 10), date(2026, 11, 9), "from"),
        (TODAY - timedelta(days=MAX_PERIOD_DAYS), TODAY, "from"),
        (date(1999, 12, 31), date(2000, 1, 5), "from"),
        (None, date(1, 1, 1), "to"),
    ],
)
def test_a_period_that_cannot_be_is_invalid_input(start, end, field):
    with pytest.raises(InvalidInput) as raised:
        usage_period(start=start, end=end, today=TODAY)

    assert list(raised.value.fields) == [field]


# --- Records -----------------------------------------------------------------------------


def test_records_add_up_per_day_and_country(traveller):
    card = make_card(owner=traveller)
    make_usage_day(card=card, day=days_ago(1), country="FR", used=300 * MIB, overage=100 * MIB)
    make_usage_day(card=card, day=days_ago(1), country="DE", used=500 * MIB)
    make_usage_day(card=card, day=TODAY, country="FR", used=400 * MIB, uncovered=0, events=3)
    make_usage_day(card=card, day=days_ago(40), country="IT", used=GIB)  # before the period
    make_usage_day(card=make_card(owner=traveller), day=TODAY, country="FR", used=GIB)

    records = usage_records_for(user=traveller, card_id=card.pk, today=TODAY)

    assert [(d.day, [(c.country, c.figures.bytes) for c in d.countries]) for d in records.days] == [
        (days_ago(1), [("DE", 500 * MIB), ("FR", 300 * MIB)]),
        (TODAY, [("FR", 400 * MIB)]),
    ]
    assert [(c.country, c.figures.bytes) for c in records.countries] == [
        ("FR", 700 * MIB),
        ("DE", 500 * MIB),
    ]
    assert records.total.bytes == 1200 * MIB
    assert records.total.charged_bytes == 1100 * MIB
    assert records.total.overage_bytes == 100 * MIB
    assert records.total.events == 5


def test_figures_are_as_of_the_cards_latest_update_even_outside_the_period(traveller):
    card = make_card(owner=traveller)
    latest = NOW - timedelta(minutes=5)
    make_usage_day(card=card, day=days_ago(60), updated_at=latest)
    make_usage_day(card=card, day=days_ago(3), updated_at=latest - timedelta(days=1))

    records = usage_records_for(user=traveller, card_id=card.pk, days=7, today=TODAY)

    assert records.as_of == latest
    assert [d.day for d in records.days] == [days_ago(3)]


def test_no_usage_yet_has_no_as_of(traveller):
    card = make_card(owner=traveller)

    records = usage_records_for(user=traveller, card_id=card.pk, today=TODAY)

    assert (records.days, records.total.bytes, records.as_of) == ([], 0, None)


def test_another_travellers_card_has_no_records(traveller, other_traveller):
    from roamcard.cards.errors import CardNotFound

    card = make_card(owner=other_traveller)

    with pytest.raises(CardNotFound):
        usage_records_for(user=traveller, card_id=card.pk)


# --- The chart ---------------------------------------------------------------------------


def test_the_chart_stacks_each_day_by_country_on_a_scale_of_data_sizes(traveller):
    card = make_card(owner=traveller)
    make_usage_day(card=card, day=days_ago(1), country="FR", used=300 * MIB)
    make_usage_day(card=card, day=days_ago(1), country="DE", used=100 * MIB)
    make_usage_day(card=card, day=TODAY, country="FR", used=200 * MIB)

    chart = usage_chart(usage_records(card=card, period=usage_period(days=7, today=TODAY)))

    assert [(s.label, s.bytes) for s in chart.series] == [
        ("France", 500 * MIB),
        ("Germany", 100 * MIB),
    ]
    assert [t.label for t in chart.y_ticks] == ["0", "100 MB", "200 MB", "300 MB", "400 MB"]
    yesterday = [s for s in chart.segments if s.x == chart.segments[0].x]
    france, germany = yesterday
    assert (france.css_class, germany.css_class) == ("usage-series-0", "usage-series-1")
    assert france.height == pytest.approx(3 * germany.height)
    assert germany.y + germany.height == pytest.approx(france.y)  # stacked on top
    assert france.y + france.height == pytest.approx(chart.height - 22)  # on the axis
    assert chart.day_labels[-1].label == f"{TODAY.month}/{TODAY.day}"
    assert "400 MB" not in chart.description and "600 MB in all" in chart.description


def test_the_chart_gives_the_least_used_countries_one_colour(traveller):
    card = make_card(owner=traveller, region=make_region(code="world", countries=()))
    countries = ["JP", "KR", "FR", "DE", "IT", "ES", "PT", "GR"]
    for n, code in enumerate(countries):
        make_usage_day(card=card, day=TODAY, country=code, used=(20 - n) * MIB)

    chart = usage_chart(usage_records(card=card, period=usage_period(today=TODAY)))

    assert len(chart.series) == MAX_SERIES + 1
    assert (chart.series[-1].label, chart.series[-1].bytes) == ("Other countries", 27 * MIB)


def test_no_usage_in_the_period_draws_no_chart(traveller):
    card = make_card(owner=traveller)
    make_usage_day(card=card, day=days_ago(40))

    assert usage_chart(usage_records(card=card, period=usage_period(today=TODAY))) is None


# --- The forecast ------------------------------------------------------------------------


def test_data_runs_out_before_the_validity_ends(traveller):
    card = make_card(owner=traveller)
    bucket(card, left=GIB, granted=3 * GIB, end_days=10)
    use_every_day(card, per_day=200 * MIB)

    forecast = forecast_of(card)

    # 1,400 MB over the 6.5 days since the first of the 7 days began.
    pace = 1400 * MIB / 6.5
    assert forecast.outlook == Outlook.DATA_FIRST
    assert forecast.pace_bytes_per_day == round(pace)
    assert forecast.pace_days == 7
    assert forecast.bytes_left == GIB
    assert forecast.runs_out_at.timestamp() == approx_moment(GIB / pace)
    assert forecast.valid_until == NOW + timedelta(days=10)
    assert forecast.needs_data
    assert forecast.describe(zone="UTC") == (
        "At this pace your Europe data lasts until Dec 6, 2026, before your validity ends on "
        "Dec 11, 2026."
    )
    assert forecast.describe_pace() == "About 215 MB a day over the last 7 days."


def test_the_validity_ends_first(traveller):
    card = make_card(owner=traveller)
    bucket(card, left=10 * GIB, end_days=5)
    use_every_day(card, per_day=200 * MIB)

    forecast = forecast_of(card)

    assert forecast.outlook == Outlook.VALIDITY_FIRST
    assert forecast.runs_out_at is None
    assert forecast.valid_until == NOW + timedelta(days=5)
    assert not forecast.needs_data
    assert forecast.describe(zone="UTC") == (
        "At this pace your Europe data lasts beyond Dec 6, 2026: your validity ends first."
    )


def test_unlimited_data_has_no_data_forecast(traveller):
    card = make_card(owner=traveller)
    bucket(card, left=None, end_days=3)
    use_every_day(card, per_day=GIB)

    forecast = forecast_of(card)

    assert (forecast.outlook, forecast.bytes_left, forecast.pace_bytes_per_day) == (
        Outlook.UNLIMITED,
        None,
        None,
    )
    assert forecast.describe(zone="UTC") == "Your Europe data is unlimited until Dec 4, 2026."


def test_no_usage_lately_says_so(traveller):
    card = make_card(owner=traveller)
    bucket(card, left=GIB)
    make_usage_day(card=card, day=days_ago(8), used=GIB)  # before the last 7 days
    make_usage_day(card=card, day=TODAY, country="FR", used=GIB, uncovered=GIB)  # not charged

    forecast = forecast_of(card)

    assert (forecast.outlook, forecast.runs_out_at, forecast.pace_days) == (
        Outlook.NO_USAGE,
        None,
        0,
    )
    assert forecast.describe() == (
        "No usage in Europe in the last 7 days: a forecast appears once you use data there."
    )


def test_used_up_data_says_so(traveller):
    card = make_card(owner=traveller)
    bucket(card, left=0, granted=GIB, end_days=4)
    use_every_day(card, per_day=200 * MIB)

    forecast = forecast_of(card)

    assert (forecast.outlook, forecast.bytes_left) == (Outlook.USED_UP, 0)
    assert forecast.needs_data
    assert forecast.describe() == "Your Europe data is used up."


def test_a_card_without_data_has_no_forecast(traveller):
    card = make_card(owner=traveller)
    bucket(card, left=GIB, start_days=-20, end_days=-1)  # ended

    assert usage_forecast(card=card, now=NOW) == []


def test_the_pace_counts_only_the_days_since_usage_began(traveller):
    card = make_card(owner=traveller)
    bucket(card, left=10 * GIB, end_days=30)
    use_every_day(card, per_day=300 * MIB, days=2)  # yesterday and today

    forecast = forecast_of(card)

    # 600 MB over the day and a half since yesterday began.
    assert forecast.pace_days == 2
    assert forecast.pace_bytes_per_day == round(600 * MIB / 1.5)


def test_the_first_hours_of_usage_count_as_a_day_at_least(traveller):
    card = make_card(owner=traveller)
    bucket(card, left=10 * GIB, end_days=30)
    make_usage_day(card=card, day=TODAY, used=300 * MIB)

    forecast = usage_forecast(card=card, now=NOW.replace(hour=1))[0]

    assert forecast.pace_bytes_per_day == 300 * MIB


def test_queued_data_adds_to_what_is_left(traveller):
    card = make_card(owner=traveller)
    bucket(card, left=500 * MIB, granted=GIB, end_days=2)
    bucket(card, left=GIB, start_days=2, end_days=9)
    use_every_day(card, per_day=200 * MIB, days=1)  # 200 MB today: a day's pace

    forecast = forecast_of(card)

    # 400 MB of the current 500 MB are used by its end (the rest is lost); the queued 1 GB
    # then lasts 5.12 days, to day 7.12 of its 7.
    assert forecast.bytes_left == 500 * MIB + GIB
    assert forecast.outlook == Outlook.DATA_FIRST
    assert forecast.runs_out_at.timestamp() == approx_moment(2 + 1024 / 200)
    assert forecast.valid_until.timestamp() == approx_moment(9)


def test_queued_data_starts_early_when_the_current_runs_out(traveller):
    card = make_card(owner=traveller)
    bucket(card, left=100 * MIB, granted=GIB, end_days=5)
    bucket(card, left=10 * GIB, start_days=5, end_days=12)
    use_every_day(card, per_day=200 * MIB, days=1)

    forecast = forecast_of(card)

    # The current 100 MB lasts half a day; the queued 7 days then run from there.
    assert forecast.outlook == Outlook.VALIDITY_FIRST
    assert forecast.valid_until.timestamp() == approx_moment(0.5 + 7)


def test_a_queued_unlimited_allowance_outlasts_the_validity(traveller):
    card = make_card(owner=traveller)
    bucket(card, left=100 * MIB, granted=GIB, end_days=5)
    bucket(card, left=None, start_days=5, end_days=6)
    use_every_day(card, per_day=200 * MIB, days=1)

    forecast = forecast_of(card)

    assert (forecast.outlook, forecast.bytes_left) == (Outlook.VALIDITY_FIRST, None)
    assert forecast.valid_until.timestamp() == approx_moment(0.5 + 1)


def test_each_coverage_is_forecast_at_the_pace_of_what_it_is_charged_for(traveller):
    world = make_region(code="global", name="Global", countries=("JP", "KR", "FR"))
    japan = make_region(code="japan", name="Japan", countries=("JP",))
    card = make_card(owner=traveller, region=world)
    bucket(card, left=10 * GIB, end_days=20)
    bucket(card, left=GIB, end_days=10, region=japan)  # ends first: it takes Japan's usage
    use_every_day(card, per_day=300 * MIB, country="JP", days=1)
    use_every_day(card, per_day=100 * MIB, country="KR", days=1)

    japan_forecast, global_forecast = usage_forecast(card=card, now=NOW)

    assert (japan_forecast.region, japan_forecast.is_card_coverage) == (japan, False)
    assert japan_forecast.pace_bytes_per_day == 300 * MIB
    assert japan_forecast.outlook == Outlook.DATA_FIRST
    assert (global_forecast.region, global_forecast.is_card_coverage) == (world, True)
    assert global_forecast.pace_bytes_per_day == 100 * MIB
    assert global_forecast.outlook == Outlook.VALIDITY_FIRST
