"""The public store through the API: destinations, the plans that cover a country, and a
coverage's countries. No authentication; answers depend only on the URL and the
Accept-Language header, so shared caches may keep them for a few minutes."""

from collections.abc import Callable
from functools import wraps
from typing import Annotated, Any, Literal

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation.trans_real import parse_accept_lang_header
from ninja import Query, Router, Schema
from ninja.decorators import decorate_view
from pydantic import Field, StringConstraints

from roamcard.core.api import error_responses
from roamcard.core.formatting import format_bytes

from .choices import PlanKind
from .countries import Country, countries_sorted, country_codes, country_search
from .store import (
    StoreOffer,
    store_countries_on_sale,
    store_country,
    store_currency,
    store_offers_for_country,
    store_region_countries,
    store_region_get,
)

router = Router(tags=["store"], auth=None)

Currency = Literal[tuple(settings.CURRENCIES)]  # type: ignore[valid-type]
MAX_AGE = 300


def _language_from_header(header: str) -> str:
    """The best of our languages for the Accept-Language header alone (not the language
    cookie or a session), so the answer is the same for everyone sending that header."""
    for tag, _quality in parse_accept_lang_header(header):
        try:
            return translation.get_supported_language_variant(tag)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


def _public(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Answer in the Accept-Language's language (errors too) and let caches keep
    successful answers: they vary by that header only."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        language = _language_from_header(request.headers.get("Accept-Language", ""))
        with translation.override(language):
            response = view(request, *args, **kwargs)
            response["Content-Language"] = language
        patch_vary_headers(response, ["Accept-Language"])
        if response.status_code == 200:
            patch_cache_control(response, public=True, max_age=MAX_AGE)
        # Middleware looked at the session to find the user; the answer does not depend on
        # it, so the session middleware must not add "Vary: Cookie" (caches would then
        # keep one copy per visitor).
        session = getattr(request, "session", None)
        if session is not None and not session.modified:
            session.accessed = False
        return response

    return wrapped


class CountryOut(Schema):
    code: str = Field(description="ISO 3166-1 alpha-2 code.")
    name: str = Field(description="In the caller's language (CLDR).")


class DestinationOut(CountryOut):
    on_sale: bool = Field(description="Whether at least one plan on sale covers it.")


class DestinationListOut(Schema):
    countries: list[DestinationOut] = Field(description="Best matches first.")


class StorePriceOut(Schema):
    amount_minor: int = Field(description="In the currency's smallest unit (cents, fen, yen).")
    currency: str = Field(description="ISO 4217 code.")
    formatted: str = Field(description="E.g. `US$9.90` or `¥68.00`, for the caller's language.")


class StorePlanOut(Schema):
    code: str
    name: str
    kind: PlanKind
    coverage_code: str
    coverage_name: str
    country_count: int
    unlimited: bool
    data_bytes: int | None = Field(description="Null when unlimited.")
    data_formatted: str
    fair_use_kbps: int | None = Field(description="Speed after the fair-use threshold (unlimited).")
    validity_days: int
    price: StorePriceOut | None = Field(
        description="In the requested currency; null when the plan is not sold in it."
    )
    charged_price: StorePriceOut = Field(
        description="What buying it costs: `price`, or when that is null the price in the "
        "currency the order would be charged in."
    )


class StorePlanListOut(Schema):
    country: CountryOut
    currency: str = Field(description="The currency `price` is in.")
    plans: list[StorePlanOut] = Field(
        description="Best fit first: single-country plans, then regional, then global."
    )


class RegionOut(Schema):
    code: str
    name: str
    countries: list[CountryOut] = Field(description="In the caller's language's order.")


CountryCode = Literal[tuple(sorted(country_codes()))]  # type: ignore[valid-type]


class PlanFilter(Schema):
    country: CountryCode = Field(description="ISO 3166-1 alpha-2 code, e.g. `JP`.")
    currency: Currency | None = Field(
        None, description="Defaults to the currency of the caller's language."
    )


def _plan(offer: StoreOffer, language: str) -> dict:
    plan = offer.plan
    return {
        "code": plan.code,
        "name": plan.name,
        "kind": plan.kind,
        "coverage_code": plan.region.code,
        "coverage_name": plan.region.name,
        "country_count": len(plan.region.countries),
        "unlimited": plan.is_unlimited,
        "data_bytes": plan.data_bytes,
        "data_formatted": format_bytes(plan.data_bytes, language=language),
        "fair_use_kbps": plan.fair_use_kbps,
        "validity_days": plan.validity_days,
        "price": offer.price.as_json(language) if offer.price else None,
        "charged_price": offer.charged.as_json(language),
    }


def _country(country: Country) -> dict:
    return {"code": country.code, "name": country.name}


@router.get(
    "/store/destinations",
    response={200: DestinationListOut, **error_responses(422)},
    summary="Find a destination",
)
@decorate_view(_public)
def store_destinations(
    request: HttpRequest,
    q: Annotated[str, StringConstraints(max_length=60)] = "",
):
    """Countries whose name in any of our languages (or ISO code, or a common name such as
    "Korea") matches `q`; without `q`, every country a plan on sale covers."""
    language = translation.get_language()
    on_sale = store_countries_on_sale()
    if q.strip():
        countries = country_search(q, language=language)
    else:
        countries = countries_sorted(sorted(on_sale), language)
    return {"countries": [{**_country(c), "on_sale": c.code in on_sale} for c in countries]}


@router.get(
    "/store/plans",
    response={200: StorePlanListOut, **error_responses(422)},
    summary="Plans for a country",
)
@decorate_view(_public)
def store_plans(request: HttpRequest, filters: Query[PlanFilter]):
    """The plans on sale that cover `country`, best fit first, priced in `currency` (or
    the currency of the caller's language). A plan not sold in that currency has a null
    `price` and says in `charged_price` what it would cost and in which currency."""
    language = translation.get_language()
    currency = filters.currency or store_currency(
        language=language, accept_language=request.headers.get("Accept-Language", "")
    )
    offers = store_offers_for_country(country=filters.country, currency=currency)
    return {
        "country": _country(store_country(code=filters.country, language=language)),
        "currency": currency,
        "plans": [_plan(offer, language) for offer in offers],
    }


@router.get(
    "/store/regions/{code}",
    response={200: RegionOut, **error_responses(404)},
    summary="A coverage's countries",
)
@decorate_view(_public)
def store_region(request: HttpRequest, code: str):
    region = store_region_get(code=code)
    countries = store_region_countries(region=region, language=translation.get_language())
    return {
        "code": region.code,
        "name": region.name,
        "countries": [_country(c) for c in countries],
    }
