"""The traveller's usage records of a card: the page (chart, forecast, table) and its CSV
export, over the same period. Thin: read the period, call the records selectors, render.
Someone else's card is a 404, as on every card page."""

import csv

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from roamcard.cards.errors import CardNotFound
from roamcard.catalog.countries import country_name

from .records import (
    DEFAULT_PERIOD_DAYS,
    PERIOD_CHOICES,
    UsageRecords,
    usage_forecast,
    usage_records_for,
)
from .records_chart import usage_chart


def _period_days(request: HttpRequest) -> int:
    """The period the page was asked for (?days=7, 30 or 90); anything else: the default."""
    value = request.GET.get("days", "")
    return int(value) if value.isdigit() and int(value) in PERIOD_CHOICES else DEFAULT_PERIOD_DAYS


def _own_records(request: HttpRequest, card_id: int, days: int) -> UsageRecords:
    try:
        return usage_records_for(user=request.user, card_id=card_id, days=days)
    except CardNotFound as exc:
        raise Http404(str(exc.message)) from exc


@login_required
@require_GET
def usage_records_view(request: HttpRequest, card_id: int) -> HttpResponse:
    days = _period_days(request)
    records = _own_records(request, card_id, days)
    return render(
        request,
        "usage/records.html",
        {
            "card": records.card,
            "records": records,
            "chart": usage_chart(records),
            "forecasts": usage_forecast(card=records.card),
            "days": days,
            "periods": PERIOD_CHOICES,
        },
    )


@login_required
@require_GET
def usage_records_csv_view(request: HttpRequest, card_id: int) -> HttpResponse:
    """One line per day and country, oldest first, ISO dates and bytes, for a spreadsheet:
    UTF-8 with a byte order mark, without which Excel reads Korean and Chinese country
    names as Latin-1."""
    records = _own_records(request, card_id, _period_days(request))
    period = records.period
    name = f"usage-{records.card.iccid[-4:]}-{period.start.isoformat()}-{period.end.isoformat()}"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(
        [
            _("Day (UTC)"),
            _("Country code"),
            _("Country"),
            _("Used (bytes)"),
            _("Charged (bytes)"),
            _("Beyond the allowance (bytes)"),
            _("Outside coverage (bytes)"),
        ]
    )
    for day in records.days:
        for usage in day.countries:
            figures = usage.figures
            writer.writerow(
                [
                    day.day.isoformat(),
                    usage.country,
                    country_name(usage.country),
                    figures.bytes,
                    figures.charged_bytes,
                    figures.overage_bytes,
                    figures.uncovered_bytes,
                ]
            )
    return response
