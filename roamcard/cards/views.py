"""The traveller's card pages. Thin: parse the request, call one selector or service,
render. A card that is not the traveller's is a 404, never a 403, so ids reveal nothing."""

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from roamcard.catalog.countries import country_name, sort_key
from roamcard.catalog.errors import PlanNotFound
from roamcard.catalog.selectors import plan_currencies, plan_offers_for_card, region_fits
from roamcard.catalog.store import store_plan_get
from roamcard.core.errors import DomainError, InvalidInput

from .errors import CardAlreadyBound, CardBindLocked, CardNotBindable, CardNotFound
from .forms import CardBindForm
from .models import Card
from .selectors import card_balance, card_get_for, card_list_fitting, card_list_for
from .services import card_bind, card_unbind


def _own_card(request: HttpRequest, card_id: int) -> Card:
    try:
        return card_get_for(user=request.user, card_id=card_id)
    except CardNotFound as exc:
        raise Http404(str(exc.message)) from exc


@login_required
def card_list_view(request: HttpRequest) -> HttpResponse:
    cards = [(card, card_balance(card=card)) for card in card_list_for(user=request.user)]
    return render(request, "cards/card_list.html", {"cards": cards})


def _safe_next(request: HttpRequest) -> str:
    """Where to go after binding (the store's "Buy" sends the traveller here with it);
    only a path on this site, never somewhere else (`next=https://evil.example`)."""
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return ""


def _with_card(url: str, card: Card) -> str:
    """`url` with `card=<id>` added: the page that sent the traveller knows which card
    they just bound."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "card"] + [("card", str(card.pk))]
    return urlunsplit(parts._replace(query=urlencode(query)))


_BIND_STUCK = {
    CardBindLocked.code: "locked",
    CardAlreadyBound.code: "contact",
    CardNotBindable.code: "contact",
}


@login_required
@require_http_methods(["GET", "POST"])
def card_bind_view(request: HttpRequest) -> HttpResponse:
    form = CardBindForm(request.POST or None)
    next_url = _safe_next(request)
    # What the error page offers beside the message: the card password article and the
    # contact when binding is locked, the contact when only customer service can help.
    stuck = ""
    if request.method == "POST" and form.is_valid():
        try:
            card = card_bind(
                user=request.user,
                iccid=form.cleaned_data["iccid"],
                card_password=form.cleaned_data["card_password"],
                ip_address=request.META.get("REMOTE_ADDR"),
            )
        except InvalidInput as exc:
            for field, field_messages in exc.fields.items():
                for message in field_messages:
                    form.add_error(field if field in form.fields else None, message)
            if not exc.fields:
                form.add_error(None, str(exc.message))
        except DomainError as exc:
            form.add_error(None, str(exc.message))
            stuck = _BIND_STUCK.get(exc.code, "")
        else:
            messages.success(
                request,
                _("Card %(number)s is now in your account.") % {"number": card.iccid_masked},
            )
            if next_url:
                return redirect(_with_card(next_url, card))
            return redirect("cards:detail", card_id=card.pk)
    return render(request, "cards/card_bind.html", {"form": form, "next": next_url, "stuck": stuck})


@login_required
def card_detail_view(request: HttpRequest, card_id: int) -> HttpResponse:
    card = _own_card(request, card_id)
    now = timezone.now()
    balance = card_balance(card=card, now=now, country=request.GET.get("country"))
    countries = sorted(
        ((code, country_name(code)) for code in card.region.countries),
        key=lambda pair: sort_key(pair[1]),
    )
    return render(
        request,
        "cards/card_detail.html",
        {"card": card, "balance": balance, "now": now, "countries": countries},
    )


@login_required
@require_http_methods(["GET", "POST"])
def card_unbind_view(request: HttpRequest, card_id: int) -> HttpResponse:
    """GET asks for confirmation; only the POST from that page unbinds."""
    card = _own_card(request, card_id)
    if request.method == "POST":
        card_unbind(user=request.user, card_id=card.pk)
        messages.success(
            request,
            _("Card %(number)s was removed from your account.") % {"number": card.iccid_masked},
        )
        return redirect("cards:list")
    return render(request, "cards/card_unbind.html", {"card": card})


def _chosen_currency(request: HttpRequest) -> str:
    """The currency the page prices in: the ?currency= the traveller picked (any currency
    the site sells in), else their preferred one. Never switched behind their back: a plan
    not sold in it says what it will be charged in instead."""
    asked = request.GET.get("currency", "").upper()
    if asked in settings.CURRENCIES:
        return asked
    return getattr(request.user, "preferred_currency", "") or settings.DEFAULT_CURRENCY


@login_required
def card_plans_view(request: HttpRequest, card_id: int) -> HttpResponse:
    card = _own_card(request, card_id)
    currency = _chosen_currency(request)
    offers = plan_offers_for_card(card=card, currency=currency)
    # The switcher offers what the plans are sold in, and always shows the page's currency.
    currencies = sorted({*plan_currencies(offers=offers), currency})
    return render(
        request,
        "cards/card_plans.html",
        {
            "card": card,
            "balance": card_balance(card=card),
            "offers": offers,
            "currencies": currencies,
            "currency": currency,
        },
    )


def _plan_page(card: Card, plan_code: str, currency: str) -> HttpResponse:
    query = f"?{urlencode({'currency': currency})}" if currency else ""
    url = reverse("cards:plans", kwargs={"card_id": card.pk})
    return redirect(f"{url}{query}#plan-{plan_code}")


@login_required
@require_GET
def card_buy_view(request: HttpRequest, plan_code: str) -> HttpResponse:
    """The store's "Buy": on to the plan on the traveller's card that it fits. No fitting
    card: bind one first (and come back here); several: the traveller picks one."""
    try:
        plan = store_plan_get(code=plan_code)
    except PlanNotFound as exc:
        raise Http404(str(exc.message)) from exc
    currency = request.GET.get("currency", "").upper()
    currency = currency if currency in settings.CURRENCIES else ""
    here = reverse("cards:buy", kwargs={"plan_code": plan.code})
    if currency:
        here += f"?{urlencode({'currency': currency})}"
    card_id = request.GET.get("card", "")
    if card_id:
        card = _own_card(request, int(card_id) if card_id.isdigit() else 0)
        if region_fits(plan_region=plan.region, coverage=card.region):
            return _plan_page(card, plan.code, currency)
        return render(
            request, "cards/card_buy.html", {"plan": plan, "unfit_card": card, "here": here}
        )
    cards = card_list_fitting(user=request.user, plan_region=plan.region)
    if not cards:
        messages.info(
            request,
            _("Add the card you will use for %(plan)s: it needs to cover %(region)s.")
            % {"plan": plan.name, "region": plan.region.name},
        )
        return redirect(f"{reverse('cards:bind')}?{urlencode({'next': here})}")
    if len(cards) == 1:
        return _plan_page(cards[0], plan.code, currency)
    choices = [(card, _with_card(here, card)) for card in cards]
    return render(request, "cards/card_buy.html", {"plan": plan, "choices": choices, "here": here})
