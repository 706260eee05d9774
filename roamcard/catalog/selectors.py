"""Reading the catalogue: which plans a card can take, and at what price."""

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

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


def region_fits(*, plan_region: Region, coverage: Region) -> bool:
    """A plan fits a card when every country the plan covers is inside the card's coverage."""
    return bool(plan_region.country_set) and plan_region.country_set <= coverage.country_set


@dataclass(frozen=True)
class PlanOffer:
    plan: Plan
    price: Money | None
    other_prices: list[Money]


def plan_offers_for_card(*, card, currency: str) -> list[PlanOffer]:
    """The active plans whose region fits the card's coverage, priced in `currency` when the
    plan has a price in it (otherwise `price` is None and only the other prices are shown)."""
    offers = []
    for plan in plan_list_active():
        if not region_fits(plan_region=plan.region, coverage=card.region):
            continue
        prices = [p.money for p in plan.prices.all()]
        chosen = next((m for m in prices if m.currency == currency), None)
        offers.append(
            PlanOffer(plan=plan, price=chosen, other_prices=[m for m in prices if m is not chosen])
        )
    return offers


def plan_currencies(*, offers: list[PlanOffer]) -> list[str]:
    """Every currency at least one of the offers can be paid in."""
    currencies = {
        m.currency for o in offers for m in ([o.price] if o.price else []) + o.other_prices
    }
    return sorted(currencies)
