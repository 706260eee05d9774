"""Reading the catalogue: which plans a card can take, and at what price."""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from modeltranslation.utils import build_localized_fieldname

from roamcard.core.money import Money

from .models import Plan, PlanPrice, Region


def region_list() -> QuerySet[Region]:
    return Region.objects.order_by("sort_order", "name")


def plan_list_active() -> QuerySet[Plan]:
    return (
        Plan.objects.filter(active=True)
        .select_related("region")
        .prefetch_related(Prefetch("prices", queryset=PlanPrice.objects.order_by("currency")))
        .order_by("sort_order", "validity_days", "name")
    )


def plan_names(*, plan: Plan) -> dict[str, str]:
    """The plan's name in each language it has one in: {"en": ..., "ko": ...}."""
    names = {
        code: getattr(plan, build_localized_fieldname("name", code), "")
        for code, _label in settings.LANGUAGES
    }
    return {code: name for code, name in names.items() if name}


def region_fits(*, plan_region: Region, coverage: Region) -> bool:
    """A plan fits a card when every country the plan covers is inside the card's coverage."""
    return bool(plan_region.country_set) and plan_region.country_set <= coverage.country_set


@dataclass(frozen=True)
class PlanOffer:
    plan: Plan
    # In the currency asked for; None when the plan is not sold in it.
    price: Money | None
    # What ordering the plan costs: `price`, or else its price in the currency it is charged
    # in instead (plan_charge_price); None only for a plan with no price at all.
    charged: Money | None
    # Every price but `price`.
    other_prices: list[Money]

    @property
    def charged_elsewhere(self) -> bool:
        """Sold, but not in the currency asked for: the traveller must be told."""
        return self.price is None and self.charged is not None


def plan_charge_price(*, prices: list[Money], currency: str) -> Money | None:
    """The price a traveller asking for `currency` pays: the one in `currency`; for a plan not
    sold in it, the one in the site's default currency, else in the first of
    settings.CURRENCIES it has. The pages and the API say so whenever it is not `currency`
    (never a silent switch)."""
    by_currency = {money.currency: money for money in prices}
    for candidate in (
        currency,
        settings.DEFAULT_CURRENCY,
        *settings.CURRENCIES,
        *sorted(by_currency),
    ):
        if candidate in by_currency:
            return by_currency[candidate]
    return None


def plan_offers_for_card(*, card, currency: str) -> list[PlanOffer]:
    """The active plans whose region fits the card's coverage, priced in `currency` when the
    plan has a price in it, and each with the price it is charged at (see PlanOffer)."""
    offers = []
    for plan in plan_list_active():
        if not region_fits(plan_region=plan.region, coverage=card.region):
            continue
        prices = [p.money for p in plan.prices.all()]
        chosen = next((m for m in prices if m.currency == currency), None)
        offers.append(
            PlanOffer(
                plan=plan,
                price=chosen,
                charged=plan_charge_price(prices=prices, currency=currency),
                other_prices=[m for m in prices if m is not chosen],
            )
        )
    return offers


def plan_currencies(*, offers: list[PlanOffer]) -> list[str]:
    """Every currency at least one of the offers can be paid in."""
    currencies = {
        m.currency for o in offers for m in ([o.price] if o.price else []) + o.other_prices
    }
    return sorted(currencies)
