"""API: a card's usage records — what it used per UTC day and country over a period, the
totals, when the figures are as of, and the forecast per coverage."""

from dataclasses import asdict
from datetime import date, datetime

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from roamcard.cards.api import CardId, CoverageOut
from roamcard.catalog.countries import country_name
from roamcard.core.api import error_responses

from .records import (
    DEFAULT_PERIOD_DAYS,
    EARLIEST_DAY,
    MAX_PERIOD_DAYS,
    PACE_DAYS,
    CountryUsage,
    CoverageForecast,
    Outlook,
    usage_forecast,
    usage_records_for,
)

router = Router(tags=["usage"])


class UsagePeriodIn(Schema):
    from_: date | None = Field(
        None,
        alias="from",
        description=f"The first UTC day (`2026-11-01`). Default: {DEFAULT_PERIOD_DAYS} days "
        "before `to`.",
    )
    to: date | None = Field(None, description="The last UTC day, included. Default: today.")


class UsageFiguresOut(Schema):
    bytes: int = Field(description="Data used, up and down.")
    charged_bytes: int = Field(description="Charged to the card's allowances.")
    overage_bytes: int = Field(
        description="Beyond every allowance that covered the country at the time."
    )
    uncovered_bytes: int = Field(
        description="Used where none of the card's coverages applies: recorded, not charged."
    )
    events: int = Field(description="Usage records the network sent.")


class UsageCountryOut(UsageFiguresOut):
    country: str = Field(description="ISO 3166-1 alpha-2 code.")
    name: str = Field(description="The country's name in the caller's language.")


class UsageDayOut(Schema):
    day: date = Field(description="A UTC day.")
    total: UsageFiguresOut
    countries: list[UsageCountryOut] = Field(description="Most used first.")


class UsageForecastOut(Schema):
    coverage: CoverageOut
    is_card_coverage: bool = Field(
        description="The card's own coverage (everywhere the card works)."
    )
    outlook: Outlook = Field(
        description=f"At the pace of the last {PACE_DAYS} days: `data_first` (the data runs "
        "out before the validity ends), `validity_first`; or `unlimited`, `used_up`, "
        f"`no_usage` (no charged usage there in the last {PACE_DAYS} days: no forecast)."
    )
    bytes_left: int | None = Field(
        description="Live and queued data of the coverage; null when unlimited."
    )
    valid_until: datetime = Field(
        description="When the coverage's last allowance ends. At this pace: a queued "
        "allowance starts (and so ends) earlier when the one before it runs out."
    )
    pace_bytes_per_day: int | None = Field(
        description="Charged usage a day in the countries charged to this coverage; null "
        "when unlimited, used up or without usage."
    )
    pace_days: int = Field(
        description=f"The days the pace was measured over: {PACE_DAYS}, or fewer when the "
        "usage there started later."
    )
    runs_out_at: datetime | None = Field(
        description="When the data runs out at this pace; only when `data_first`."
    )
    message: str = Field(description="The forecast in a sentence, in the caller's language.")


class CardUsageOut(Schema):
    card_id: int
    from_: date = Field(alias="from", description="The first UTC day of the period.")
    to: date = Field(description="The last UTC day of the period, included.")
    as_of: datetime | None = Field(
        description="When the card's figures were last updated (any day); null: no usage yet."
    )
    totals: UsageFiguresOut = Field(description="Over the period.")
    countries: list[UsageCountryOut] = Field(description="Over the period, most used first.")
    days: list[UsageDayOut] = Field(
        description="The days of the period with usage, oldest first (a day without usage "
        "is left out)."
    )
    forecast: list[UsageForecastOut] = Field(
        description="Per coverage with live, queued or used-up data: narrower coverages "
        "first, the card's own last."
    )


def _country(usage: CountryUsage) -> dict:
    return {
        **asdict(usage.figures),
        "country": usage.country,
        "name": country_name(usage.country),
    }


def _forecast(forecast: CoverageForecast, zone: str | None) -> dict:
    region = forecast.region
    return {
        "coverage": {"code": region.code, "name": region.name, "countries": region.countries},
        "is_card_coverage": forecast.is_card_coverage,
        "outlook": forecast.outlook,
        "bytes_left": forecast.bytes_left,
        "valid_until": forecast.valid_until,
        "pace_bytes_per_day": forecast.pace_bytes_per_day,
        "pace_days": forecast.pace_days,
        "runs_out_at": forecast.runs_out_at,
        "message": forecast.describe(zone=zone),
    }


@router.get(
    "/{card_id}/usage",
    response={200: CardUsageOut, **error_responses(400, 401, 404, 422)},
    summary="A card's usage records and forecast",
    description=f"What the card used per UTC day and country from `from` to `to` (default: "
    f"the last {DEFAULT_PERIOD_DAYS} days), the totals, when the figures are as of, and per "
    f"coverage the forecast at the pace of the last {PACE_DAYS} days. A period of at most "
    f"{MAX_PERIOD_DAYS} days, not before {EARLIEST_DAY.isoformat()}: otherwise 400 "
    "`invalid_input` naming `from` or `to`. Someone else's card: 404 `card_not_found`. "
    "Dates in `message` are in the traveller's time zone.",
    by_alias=True,
)
def card_usage(request: HttpRequest, card_id: CardId, period: Query[UsagePeriodIn]):
    records = usage_records_for(
        user=request.auth, card_id=card_id, start=period.from_, end=period.to
    )
    zone = getattr(request.auth, "time_zone", None) or None
    return {
        "card_id": records.card.pk,
        "from": records.period.start,
        "to": records.period.end,
        "as_of": records.as_of,
        "totals": asdict(records.total),
        "countries": [_country(c) for c in records.countries],
        "days": [
            {
                "day": day.day,
                "total": asdict(day.total),
                "countries": [_country(c) for c in day.countries],
            }
            for day in records.days
        ],
        "forecast": [_forecast(f, zone) for f in usage_forecast(card=records.card)],
    }
