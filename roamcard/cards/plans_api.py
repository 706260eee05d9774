"""API: the plans a card can take, priced in the traveller's currency (the catalogue seen
from a card, so it lives with the cards, above the catalogue). A plan not sold in that
currency says which one it is charged in (`charged_price`): never a silent switch."""

from typing import Literal

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import get_language
from ninja import Router, Schema
from pydantic import Field

from roamcard.catalog.choices import PlanKind
from roamcard.catalog.selectors import PlanOffer, plan_currencies, plan_offers_for_card
from roamcard.core.api import error_responses
from roamcard.core.formatting import format_bytes

from .api import CardId
from .selectors import card_get_for

router = Router(tags=["plans"])

Currency = Literal[tuple(settings.CURRENCIES)]  # type: ignore[valid-type]


class PriceOut(Schema):
    amount_minor: int = Field(description="In the currency's smallest unit (cents, fen, yen).")
    currency: str = Field(description="ISO 4217 code.")
    formatted: str = Field(description="E.g. `US$9.90` or `¥68.00`, for the caller's language.")


class PlanOut(Schema):
    id: int = Field(description="Order this plan with it: `plan_id` in `POST /orders`.")
    code: str
    name: str = Field(description="In the caller's language.")
    description: str = Field(description="One short line, in the caller's language; may be empty.")
    kind: PlanKind
    coverage_code: str
    coverage_name: str
    countries: list[str]
    unlimited: bool
    data_bytes: int | None = Field(description="Null when unlimited.")
    data_formatted: str
    fair_use_kbps: int | None = Field(description="Speed after the fair-use threshold (unlimited).")
    validity_days: int
    price: PriceOut | None = Field(description="In the requested currency; null if not sold in it.")
    charged_price: PriceOut | None = Field(
        description="What ordering this plan costs: `price` when it is sold in the requested "
        "currency, otherwise its price in the currency it is charged in instead (the site's "
        "default currency when the plan has it). Order with `charged_price.currency`. Null "
        "only for a plan with no price at all."
    )
    sold_in_currency: bool = Field(
        description="False when `charged_price` is in another currency than the requested one: "
        "tell the traveller."
    )
    other_prices: list[PriceOut] = Field(description="Every price but `price`.")


class PlanListOut(Schema):
    currency: str = Field(
        description="The currency asked for (`currency`, else the caller's preferred one): "
        "`price` is in it. Never switched: see each plan's `charged_price`."
    )
    currencies: list[str] = Field(description="Every currency these plans can be paid in.")
    plans: list[PlanOut]


def _plan(offer: PlanOffer, language: str) -> dict:
    plan = offer.plan
    return {
        "id": plan.pk,
        "code": plan.code,
        "name": plan.name,
        "description": plan.description or "",
        "kind": plan.kind,
        "coverage_code": plan.region.code,
        "coverage_name": plan.region.name,
        "countries": plan.region.countries,
        "unlimited": plan.is_unlimited,
        "data_bytes": plan.data_bytes,
        "data_formatted": format_bytes(plan.data_bytes, language=language),
        "fair_use_kbps": plan.fair_use_kbps,
        "validity_days": plan.validity_days,
        "price": offer.price.as_json(language) if offer.price else None,
        "charged_price": offer.charged.as_json(language) if offer.charged else None,
        "sold_in_currency": offer.price is not None,
        "other_prices": [m.as_json(language) for m in offer.other_prices],
    }


@router.get(
    "/cards/{card_id}/plans",
    response={200: PlanListOut, **error_responses(401, 404, 422)},
    summary="Plans for a card",
)
def plan_list_for_card(request: HttpRequest, card_id: CardId, currency: Currency | None = None):
    """`currency` defaults to the caller's preferred currency."""
    card = card_get_for(user=request.auth, card_id=card_id)
    currency = currency or request.auth.preferred_currency
    offers = plan_offers_for_card(card=card, currency=currency)
    language = get_language()
    return {
        "currency": currency,
        "currencies": plan_currencies(offers=offers),
        "plans": [_plan(offer, language) for offer in offers],
    }
