"""The automatic renewal pages: a card's policy (its state, the form, the history), skipping
or confirming a renewal from there, and the skip link of the notice, which works without
logging in. Thin: parse, call one selector or service, render. A card or renewal that is
not the traveller's is a 404."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from roamcard.cards.errors import CardNotFound
from roamcard.cards.models import Card
from roamcard.cards.selectors import card_get_for
from roamcard.catalog.selectors import plan_currencies, plan_offers_for_card
from roamcard.core.errors import DomainError, InvalidInput
from roamcard.payments.selectors import saved_method_display, saved_methods_of

from .choices import SKIPPABLE_STATES, RenewalState
from .errors import AutoRenewalNotFound
from .forms import RenewalPolicyForm
from .models import AutoRenewal, RenewalPolicy
from .policies import policy_update
from .selectors import (
    auto_renewal_get_for,
    auto_renewal_list_for,
    auto_renewal_payment_to_confirm,
    policy_state_for,
)
from .services import auto_renewal_from_token, auto_renewal_skip

HISTORY_SHOWN = 20
# The service names the limit in minor units; the form takes it as typed.
_FORM_FIELDS = {"monthly_limit_minor": "monthly_limit"}


def _own_card(request: HttpRequest, card_id: int) -> Card:
    try:
        return card_get_for(user=request.user, card_id=card_id)
    except CardNotFound as exc:
        raise Http404(str(exc.message)) from exc


def _own_renewal(request: HttpRequest, card: Card, public_id: uuid.UUID) -> AutoRenewal:
    renewal = auto_renewal_get_for(user=request.user, card=card, public_id=public_id)
    if renewal is None:
        raise Http404(str(AutoRenewalNotFound.message))
    return renewal


def _form(request: HttpRequest, card: Card, policy: RenewalPolicy) -> RenewalPolicyForm:
    currency = request.POST.get("currency") or policy.currency
    offers = plan_offers_for_card(card=card, currency=currency)
    plans = [
        (
            offer.plan.pk,
            f"{offer.plan.name} · {offer.price.format()}" if offer.price else offer.plan.name,
        )
        for offer in offers
    ]
    return RenewalPolicyForm(
        request.POST or None,
        initial=RenewalPolicyForm.initial_for(policy),
        plans=plans,
        currencies=sorted({*plan_currencies(offers=offers), policy.currency}),
        methods=[
            (method.pk, saved_method_display(method))
            for method in saved_methods_of(user=request.user)
        ],
    )


@login_required
@require_http_methods(["GET", "POST"])
def policy_view(request: HttpRequest, card_id: int) -> HttpResponse:
    card = _own_card(request, card_id)
    state = policy_state_for(user=request.user, card=card)
    form = _form(request, card, state.policy)
    if request.method == "POST" and form.is_valid():
        try:
            policy = policy_update(
                user=request.user,
                card_id=card.pk,
                data=form.policy_input(),
                ip_address=request.META.get("REMOTE_ADDR"),
            )
        except InvalidInput as exc:
            for field, field_messages in exc.fields.items():
                for message in field_messages:
                    form.add_error(_FORM_FIELDS.get(field, field), message)
        else:
            messages.success(
                request,
                _("Automatic renewal is on.") if policy.enabled else _("Automatic renewal is off."),
            )
            return redirect("autorenewal:policy", card_id=card.pk)
    return render(
        request,
        "autorenewal/policy.html",
        {
            "card": card,
            "state": state,
            "policy": state.policy,
            "form": form,
            "history": auto_renewal_list_for(card=card)[:HISTORY_SHOWN],
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def skip_view(request: HttpRequest, card_id: int, public_id: uuid.UUID) -> HttpResponse:
    card = _own_card(request, card_id)
    renewal = _own_renewal(request, card, public_id)
    try:
        auto_renewal_skip(renewal=renewal)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("This renewal is skipped; nothing was charged."))
    return redirect("autorenewal:policy", card_id=card.pk)


@login_required
@require_http_methods(["GET"])
def confirm_view(request: HttpRequest, card_id: int, public_id: uuid.UUID) -> HttpResponse:
    """On to the page where the bank (or the wallet) asks the traveller to confirm."""
    card = _own_card(request, card_id)
    renewal = _own_renewal(request, card, public_id)
    payment = auto_renewal_payment_to_confirm(renewal=renewal)
    if renewal.state != RenewalState.ACTION_REQUIRED or payment is None:
        messages.info(request, _("This payment no longer needs your confirmation."))
        return redirect("autorenewal:policy", card_id=card.pk)
    return redirect(payment.redirect_url)


@require_http_methods(["GET", "POST"])
def skip_link_view(request: HttpRequest, token: str) -> HttpResponse:
    """The notice's link: GET shows what would be skipped and one button (a link checker
    opening the link skips nothing); POST skips it."""
    try:
        renewal = auto_renewal_from_token(token=token)
    except AutoRenewalNotFound as exc:
        raise Http404(str(exc.message)) from exc
    skipped_now, problem = False, ""
    # Used once: a second use (a double tap) shows what became of it.
    if request.method == "POST" and renewal.state in SKIPPABLE_STATES:
        try:
            renewal = auto_renewal_skip(renewal=renewal)
        except DomainError as exc:
            problem = str(exc.message)
        else:
            skipped_now = True
    return render(
        request,
        "autorenewal/skip_link.html",
        {"renewal": renewal, "skipped_now": skipped_now, "problem": problem},
    )
