"""Reading the public store: which plans cover a country, best fit first, priced in the
visitor's currency or plainly in the currency they would be charged in."""

from dataclasses import dataclass

from django.conf import settings

from roamcard.core.locales import default_currency
from roamcard.core.money import Money

from .countries import Country, countries_sorted, country_name, country_search
from .errors import PlanNotFound, RegionNotFound
from .models import Plan, Region
from .selectors import plan_charge_price, plan_list_active


@dataclass(frozen=True)
class StoreOffer:
    plan: Plan
    price: Money | None  # in the visitor's currency, if the plan is sold in it
    charged: Money  # what buying it costs: `price`, or the price in another currency

    @property
    def in_other_currency(self) -> bool:
        return self.price is None


def store_currency(
    *, user_currency: str = "", chosen: str = "", language: str, accept_language: str = ""
) -> str:
    """The currency the store shows: a signed-in traveller's preferred one, else the one
    the visitor picked on the page, else what their language and browser suggest."""
    for candidate in (user_currency, chosen.upper()):
        if candidate in settings.CURRENCIES:
            return candidate
    return default_currency(language, accept_language=accept_language)


def _offer(plan: Plan, currency: str) -> StoreOffer | None:
    prices = [p.money for p in plan.prices.all()]
    charged = plan_charge_price(prices=prices, currency=currency)
    price = charged if charged is not None and charged.currency == currency else None
    if charged is None:  # a plan with no price at all cannot be bought
        return None
    return StoreOffer(plan=plan, price=price, charged=charged)


def _fit_order(plan: Plan) -> tuple[int, int, int, str]:
    """Best fit first: a single-country plan before a regional one before a global one."""
    return (len(plan.region.countries), plan.sort_order, plan.validity_days, plan.name)


def store_offers_for_country(*, country: str, currency: str) -> list[StoreOffer]:
    plans = [p for p in plan_list_active() if country.upper() in p.region.country_set]
    offers = [_offer(plan, currency) for plan in sorted(plans, key=_fit_order)]
    return [offer for offer in offers if offer is not None]


def store_offers_by_region(*, currency: str) -> list[tuple[Region, list[StoreOffer]]]:
    """Every coverage on sale with its plans, the coverages from the smallest up."""
    by_region: dict[int, tuple[Region, list[StoreOffer]]] = {}
    for plan in sorted(plan_list_active(), key=_fit_order):
        offer = _offer(plan, currency)
        if offer is not None:
            by_region.setdefault(plan.region_id, (plan.region, []))[1].append(offer)
    return list(by_region.values())


def store_offers_for_region(*, region: Region, currency: str) -> list[StoreOffer]:
    offers = [_offer(plan, currency) for plan in plan_list_active().filter(region=region)]
    return [offer for offer in offers if offer is not None]


def store_countries_on_sale() -> frozenset[str]:
    """Every country at least one active plan covers."""
    return frozenset(code for plan in plan_list_active() for code in plan.region.countries)


def store_region_get(*, code: str) -> Region:
    try:
        return Region.objects.get(code=code)
    except Region.DoesNotExist:
        raise RegionNotFound() from None


def store_region_countries(
    *, region: Region, query: str = "", language: str | None = None
) -> list[Country]:
    """The coverage's countries in `language`'s order, narrowed by `query` if given."""
    if query.strip():
        return country_search(query, language=language, within=region.country_set)
    return countries_sorted(region.countries, language)


def store_country(*, code: str, language: str | None = None) -> Country:
    return Country(code=code.upper(), name=country_name(code, language))


def store_plan_get(*, code: str) -> Plan:
    """An active plan by its code (PlanNotFound for an unknown or withdrawn one)."""
    plan = plan_list_active().filter(code=code).first()
    if plan is None:
        raise PlanNotFound()
    return plan
