"""The public store: destinations, the plans that cover a country, a coverage's countries.
No sign-in needed; "Buy" hands over to the cards (cards:buy), which asks for one."""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_POST

from .countries import country_search, is_country
from .errors import RegionNotFound
from .store import (
    store_country,
    store_currency,
    store_offers_by_region,
    store_offers_for_country,
    store_offers_for_region,
    store_region_countries,
    store_region_get,
)

CURRENCY_COOKIE = "currency"
_QUERY_MAX = 60


def _visitor_currency(request: HttpRequest) -> str:
    return store_currency(
        user_currency=getattr(request.user, "preferred_currency", "") or "",
        chosen=request.COOKIES.get(CURRENCY_COOKIE, ""),
        language=get_language(),
        accept_language=request.headers.get("Accept-Language", ""),
    )


def _safe_next(request: HttpRequest, url: str) -> str | None:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return None


@require_GET
def store_view(request: HttpRequest) -> HttpResponse:
    """Without a search, every coverage on sale and its plans. With ?q=, the countries that
    match; the best match's plans (or ?country='s), best fit first."""
    query = request.GET.get("q", "").strip()[:_QUERY_MAX]
    code = request.GET.get("country", "").strip().upper()
    currency = _visitor_currency(request)
    language = get_language()
    matches = country_search(query, language=language) if query else []
    country = None
    if code and is_country(code):
        country = store_country(code=code, language=language)
    elif matches:
        country = matches[0]
    context = {
        "query": query,
        "country": country,
        "other_matches": [m for m in matches if m != country][:8],
        "currency": currency,
        "currencies": settings.CURRENCIES,
        "picks_currency": not request.user.is_authenticated,
    }
    if country is not None:
        context["offers"] = store_offers_for_country(country=country.code, currency=currency)
    elif not query:
        context["regions"] = store_offers_by_region(currency=currency)
    return render(request, "catalog/store.html", context)


@require_POST
def store_currency_view(request: HttpRequest) -> HttpResponse:
    """The currency picker of an anonymous visitor: remembered in a cookie."""
    back = _safe_next(request, request.POST.get("next", "")) or reverse("store:index")
    response = redirect(back)
    currency = request.POST.get("currency", "").upper()
    if currency in settings.CURRENCIES:
        response.set_cookie(
            CURRENCY_COOKIE,
            currency,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            secure=request.is_secure(),
            httponly=True,
        )
    return response


@require_GET
def region_view(request: HttpRequest, code: str) -> HttpResponse:
    """A coverage's full country list, searchable (?q= without JavaScript; htmx swaps
    only the list as one types)."""
    try:
        region = store_region_get(code=code)
    except RegionNotFound as exc:
        raise Http404(str(exc.message)) from exc
    query = request.GET.get("q", "").strip()[:_QUERY_MAX]
    currency = _visitor_currency(request)
    return render(
        request,
        "catalog/region.html",
        {
            "region": region,
            "query": query,
            "countries": store_region_countries(
                region=region, query=query, language=get_language()
            ),
            "offers": store_offers_for_region(region=region, currency=currency),
            "currency": currency,
        },
    )
