"""The sandbox vendor's hosted pages: a card form, the bank's extra confirmation step, and
"scan to pay" for Alipay and WeChat Pay; and, to save a payment method, a card form and an
agreement to sign. They stand in for the vendor's own website."""

import segno
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_http_methods

from . import services
from .models import SandboxCharge, SandboxMandate

Status = SandboxCharge.Status
MandateStatus = SandboxMandate.Status


def _render(request, template: str, charge: SandboxCharge, **context):
    with translation.override(charge.language):
        return render(request, template, {"charge": charge, "money": _money(charge), **context})


def _money(charge: SandboxCharge) -> str:
    from roamcard.core.money import Money

    return Money(charge.amount_minor, charge.currency).format(charge.language)


def _back_to_shop(charge: SandboxCharge) -> HttpResponseRedirect:
    return HttpResponseRedirect(charge.return_url)


def _charge(charge_id: str) -> SandboxCharge:
    return services.sandbox_charge_expire_if_due(get_object_or_404(SandboxCharge, pk=charge_id))


def _no_longer_payable(charge: SandboxCharge) -> bool:
    return charge.failure_code in (services.CLOSED, services.EXPIRED)


def _refuse(request, charge: SandboxCharge):
    """A closed or expired charge: whatever the payer submits, nothing is paid."""
    response = _render(request, "sandbox/done.html", charge)
    response.status_code = 410
    return response


@require_http_methods(["GET", "POST"])
def pay(request, charge_id: str):
    charge = _charge(charge_id)
    if _no_longer_payable(charge):
        return _refuse(request, charge)
    if charge.status == Status.REQUIRES_ACTION:
        return HttpResponseRedirect(reverse("sandbox:confirm", args=[charge.pk]))
    if charge.status != Status.REQUIRES_PAYMENT:
        return _render(request, "sandbox/done.html", charge)
    if charge.method != "card":
        wallet_url = request.build_absolute_uri(reverse("sandbox:wallet", args=[charge.pk]))
        qr_svg = segno.make(wallet_url, error="m").svg_inline(scale=5, dark="#111")
        return _render(request, "sandbox/scan.html", charge, qr_svg=qr_svg)
    error = ""
    if request.method == "POST":
        charge = services.sandbox_pay_by_card(
            charge_id=charge.pk, number=request.POST.get("number", "")
        )
        if charge.status == Status.REQUIRES_ACTION:
            return HttpResponseRedirect(reverse("sandbox:confirm", args=[charge.pk]))
        return _back_to_shop(charge)
    return _render(
        request, "sandbox/card.html", charge, test_cards=services.TEST_CARDS, error=error
    )


@require_http_methods(["GET", "POST"])
def confirm(request, charge_id: str):
    charge = _charge(charge_id)
    if _no_longer_payable(charge):
        return _refuse(request, charge)
    if request.method == "POST":
        charge = services.sandbox_confirm_action(
            charge_id=charge.pk, approve=request.POST.get("answer") == "approve"
        )
        return _back_to_shop(charge)
    if charge.status != Status.REQUIRES_ACTION:
        return _render(request, "sandbox/done.html", charge)
    return _render(request, "sandbox/confirm.html", charge)


@require_http_methods(["GET", "POST"])
def wallet(request, charge_id: str):
    """What the payer's phone shows after scanning the code; also reachable from the scan
    page by the "I have paid" button, for a desktop demo without a phone."""
    charge = _charge(charge_id)
    if _no_longer_payable(charge):
        return _refuse(request, charge)
    if request.method == "POST":
        charge = services.sandbox_wallet_answer(
            charge_id=charge.pk, approve=request.POST.get("answer") == "approve"
        )
        return _back_to_shop(charge)
    if charge.status != Status.REQUIRES_PAYMENT:
        return _render(request, "sandbox/done.html", charge)
    return _render(request, "sandbox/wallet.html", charge)


# --- saving a payment method -------------------------------------------------------------------


def _render_setup(request, template: str, mandate: SandboxMandate, **context):
    with translation.override(mandate.language):
        return render(request, template, {"mandate": mandate, **context})


def _mandate(mandate_id: str) -> SandboxMandate:
    return services.sandbox_mandate_expire_if_due(get_object_or_404(SandboxMandate, pk=mandate_id))


def _setup_settled(request, mandate: SandboxMandate):
    """A setup already completed, refused or expired: the page says which (410 when the payer
    can no longer complete it)."""
    response = _render_setup(request, "sandbox/setup_done.html", mandate)
    if mandate.failure_code == services.EXPIRED:
        response.status_code = 410
    return response


@require_http_methods(["GET", "POST"])
def setup(request, mandate_id: str):
    """Save a payment method: a card form, or an agreement to sign by scanning."""
    mandate = _mandate(mandate_id)
    if mandate.status != MandateStatus.REQUIRES_PAYER:
        return _setup_settled(request, mandate)
    if mandate.method != "card":
        wallet_url = request.build_absolute_uri(reverse("sandbox:setup_wallet", args=[mandate.pk]))
        qr_svg = segno.make(wallet_url, error="m").svg_inline(scale=5, dark="#111")
        return _render_setup(
            request,
            "sandbox/setup_agreement.html",
            mandate,
            qr_svg=qr_svg,
            behaviours=SandboxMandate.Behaviour.choices,
        )
    error = ""
    if request.method == "POST":
        expiry = services.card_expiry(request.POST.get("expiry", ""))
        if expiry is not None:
            mandate = services.sandbox_save_card(
                mandate_id=mandate.pk, number=request.POST.get("number", ""), expiry=expiry
            )
            return HttpResponseRedirect(mandate.return_url)
        error = "expiry"
    return _render_setup(
        request,
        "sandbox/setup_card.html",
        mandate,
        test_cards=services.SETUP_TEST_CARDS,
        error=error,
    )


@require_http_methods(["GET", "POST"])
def setup_wallet(request, mandate_id: str):
    """What the payer's phone shows after scanning: the agreement, to sign or refuse; also
    reachable from the signing page, for a desktop demo without a phone."""
    mandate = _mandate(mandate_id)
    if mandate.status != MandateStatus.REQUIRES_PAYER:
        return _setup_settled(request, mandate)
    if request.method == "POST":
        behaviour = request.POST.get("behaviour", "")
        if behaviour not in SandboxMandate.Behaviour.values:
            behaviour = SandboxMandate.Behaviour.SUCCEED
        mandate = services.sandbox_sign_agreement(
            mandate_id=mandate.pk,
            approve=request.POST.get("answer") == "approve",
            behaviour=behaviour,
        )
        return HttpResponseRedirect(mandate.return_url)
    return _render_setup(
        request,
        "sandbox/setup_wallet.html",
        mandate,
        behaviours=SandboxMandate.Behaviour.choices,
    )
