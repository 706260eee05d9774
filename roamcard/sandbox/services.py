"""The sandbox vendor: charges, the payer's choices on its pages, refunds, saved payment
methods (test cards and deduction agreements) charged without the payer, and notifications
delivered to the merchant over HTTP with retries and backoff."""

import json
import logging
from dataclasses import dataclass
from datetime import datetime

import requests
from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from roamcard.core.tasks import enqueue_on_commit

from . import signing
from .models import (
    SandboxCharge,
    SandboxEvent,
    SandboxMandate,
    SandboxRefund,
    customer_id,
    mandate_id,
)

logger = logging.getLogger(__name__)

Status = SandboxCharge.Status
MandateStatus = SandboxMandate.Status
Behaviour = SandboxMandate.Behaviour
# Sending a notification to the merchant: a job registered in tasks.py.
DELIVER_JOB = "sandbox.deliver"


@dataclass(frozen=True)
class TestCard:
    number: str
    label: object
    outcome: str  # succeed | decline | action | lose_notification
    failure_code: str = ""
    failure_message: object = ""


TEST_CARDS = [
    TestCard("4242424242424242", _("Succeeds"), "succeed"),
    TestCard("4000000000003220", _("Needs an extra confirmation step (3-D Secure)"), "action"),
    TestCard(
        "4000000000000002", _("Declined"), "decline", "card_declined", _("Your card was declined.")
    ),
    TestCard(
        "4000000000009995",
        _("Declined: insufficient funds"),
        "decline",
        "insufficient_funds",
        _("Your card has insufficient funds."),
    ),
    TestCard(
        "4000000000000259",
        _("Succeeds, but the notification to the shop is lost"),
        "lose_notification",
    ),
]
_BY_NUMBER = {card.number: card for card in TEST_CARDS}


@dataclass(frozen=True)
class SetupTestCard:
    """A test card on the page that saves a card: its number says what later charges do
    (None: the card is refused and nothing is saved)."""

    number: str
    label: object
    behaviour: str | None


SETUP_TEST_CARDS = [
    SetupTestCard("4242424242424242", _("Saved; later charges succeed"), Behaviour.SUCCEED),
    SetupTestCard(
        "4000002760003184",
        _("Saved; later charges need a 3-D Secure confirmation"),
        Behaviour.ACTION,
    ),
    SetupTestCard("4000000000000341", _("Saved; later charges are declined"), Behaviour.DECLINE),
    SetupTestCard(
        "4000000000009995",
        _("Saved; later charges fail: insufficient funds"),
        Behaviour.INSUFFICIENT_FUNDS,
    ),
    SetupTestCard("4000000000000002", _("Declined: nothing is saved"), None),
]
_SETUP_BY_NUMBER = {card.number: card for card in SETUP_TEST_CARDS}
# What a charge to a saved method answers when its behaviour is to fail.
_CHARGE_FAILURES = {
    Behaviour.DECLINE: ("card_declined", "Your card was declined."),
    Behaviour.INSUFFICIENT_FUNDS: ("insufficient_funds", "Your card has insufficient funds."),
}
_WALLET_FAILURES = {
    Behaviour.DECLINE: ("declined", "The wallet declined the deduction."),
    Behaviour.INSUFFICIENT_FUNDS: ("insufficient_balance", "The wallet's balance is too low."),
}

NOTIFY_BACKOFF_SECONDS = [1, 2, 5, 15, 60, 300, 900]

# Why a charge that was never paid can no longer be paid (failure codes, as a vendor's).
CLOSED = "closed"
EXPIRED = "expired"
_OPEN = (Status.REQUIRES_PAYMENT, Status.REQUIRES_ACTION)


class SandboxError(Exception):
    """The sandbox refuses a request (as a vendor answers 4xx)."""


def _secret() -> str:
    return settings.PAYMENT_GATEWAYS["sandbox"]["OPTIONS"]["secret"]


def sandbox_charge_create(
    *,
    merchant_payment_id: str,
    amount_minor: int,
    currency: str,
    method: str,
    description: str,
    return_url: str,
    notify_url: str,
    language: str = "en",
    expires_at: datetime | None = None,
) -> SandboxCharge:
    """Idempotent by the merchant's payment id, as the vendor's idempotency key."""
    charge, created = SandboxCharge.objects.get_or_create(
        merchant_payment_id=merchant_payment_id,
        defaults={
            "amount_minor": amount_minor,
            "currency": currency.upper(),
            "method": method,
            "description": description[:200],
            "language": language,
            "return_url": return_url,
            "notify_url": notify_url,
            "expires_at": expires_at,
        },
    )
    if not created and (charge.amount_minor, charge.currency) != (amount_minor, currency.upper()):
        raise SandboxError("idempotency key reused with a different amount")
    return charge


def sandbox_charge_get(*, merchant_payment_id: str) -> SandboxCharge | None:
    """The charge as it stands now: one whose deadline has passed unpaid is expired first,
    as a vendor's own timer would have done."""
    charge = SandboxCharge.objects.filter(merchant_payment_id=merchant_payment_id).first()
    return None if charge is None else sandbox_charge_expire_if_due(charge)


def sandbox_charge_expire_if_due(charge: SandboxCharge) -> SandboxCharge:
    """The charge, expired first if its deadline has passed unpaid."""
    if not _past_deadline(charge):
        return charge
    with transaction.atomic():
        return _locked_open_charge(charge.pk)


def _past_deadline(charge: SandboxCharge) -> bool:
    return (
        charge.status in _OPEN
        and charge.expires_at is not None
        and timezone.now() >= charge.expires_at
    )


def _locked_open_charge(charge_id: str) -> SandboxCharge:
    """The charge, locked for this transaction, expired first if its deadline has passed."""
    charge = SandboxCharge.objects.select_for_update().get(pk=charge_id)
    if _past_deadline(charge):
        _finish(charge, Status.FAILED, EXPIRED, "The time to pay ran out before it was paid.")
    return charge


def sandbox_charge_close(*, merchant_payment_id: str) -> SandboxCharge | None:
    """The merchant closes a charge: if unpaid, the payer can no longer pay it. A charge
    already paid, failed or closed stays as it is, so closing twice answers the same."""
    with transaction.atomic():
        charge_id = (
            SandboxCharge.objects.filter(merchant_payment_id=merchant_payment_id)
            .values_list("pk", flat=True)
            .first()
        )
        if charge_id is None:
            return None
        charge = _locked_open_charge(charge_id)
        if charge.status in _OPEN:
            _finish(
                charge, Status.FAILED, CLOSED, "The shop closed this payment before it was paid."
            )
    return charge


def _digits(number: str) -> str:
    return "".join(ch for ch in number if ch.isdigit())


def sandbox_pay_by_card(*, charge_id: str, number: str) -> SandboxCharge:
    """The payer submits a card on the hosted page."""
    number = _digits(number)
    test_card = _BY_NUMBER.get(number)
    with transaction.atomic():
        charge = _locked_open_charge(charge_id)
        if charge.status != Status.REQUIRES_PAYMENT:
            return charge
        charge.card_last4 = number[-4:]
        if test_card is None:
            _finish(
                charge,
                Status.FAILED,
                "unknown_test_card",
                "Only the test cards listed on the page work in the sandbox.",
            )
        elif test_card.outcome == "action":
            charge.status = Status.REQUIRES_ACTION
            charge.save()
        elif test_card.outcome == "decline":
            _finish(charge, Status.FAILED, test_card.failure_code, str(test_card.failure_message))
        else:
            charge.lose_notification = test_card.outcome == "lose_notification"
            _finish(charge, Status.SUCCEEDED)
    return charge


def sandbox_confirm_action(*, charge_id: str, approve: bool) -> SandboxCharge:
    """The payer answers the bank's extra confirmation step (or, for a deduction from a
    wallet's agreement, the wallet's request to confirm it)."""
    with transaction.atomic():
        charge = _locked_open_charge(charge_id)
        if charge.status != Status.REQUIRES_ACTION:
            return charge
        if approve:
            _finish(charge, Status.SUCCEEDED)
        elif charge.method == "card":
            _finish(
                charge,
                Status.FAILED,
                "authentication_failed",
                "The payment was not confirmed with the bank.",
            )
        else:
            _finish(
                charge, Status.FAILED, "payer_cancelled", "The deduction was refused in the wallet."
            )
    return charge


def sandbox_wallet_answer(*, charge_id: str, approve: bool) -> SandboxCharge:
    """The payer confirms (or cancels) in the Alipay / WeChat Pay app after scanning."""
    with transaction.atomic():
        charge = _locked_open_charge(charge_id)
        if charge.status != Status.REQUIRES_PAYMENT:
            return charge
        if approve:
            _finish(charge, Status.SUCCEEDED)
        else:
            _finish(
                charge, Status.FAILED, "payer_cancelled", "The payment was cancelled in the wallet."
            )
    return charge


# --- saved payment methods --------------------------------------------------------------------


def sandbox_mandate_create(
    *,
    merchant_setup_id: str,
    customer: str,
    method: str,
    return_url: str,
    language: str = "en",
    expires_at: datetime | None = None,
) -> SandboxMandate:
    """A setup the payer completes on the sandbox's page; idempotent by the merchant's setup
    id. Without a customer the sandbox makes one, as Stripe does."""
    mandate, _created = SandboxMandate.objects.get_or_create(
        merchant_setup_id=merchant_setup_id,
        defaults={
            "id": mandate_id(method),
            "customer": customer or customer_id(),
            "method": method,
            "return_url": return_url,
            "language": language,
            "expires_at": expires_at,
        },
    )
    return mandate


def sandbox_mandate_get(*, merchant_setup_id: str) -> SandboxMandate | None:
    mandate = SandboxMandate.objects.filter(merchant_setup_id=merchant_setup_id).first()
    return None if mandate is None else sandbox_mandate_expire_if_due(mandate)


def sandbox_mandate_expire_if_due(mandate: SandboxMandate) -> SandboxMandate:
    """The setup, failed first if the payer's time ran out before they completed it."""
    if not _setup_past_deadline(mandate):
        return mandate
    with transaction.atomic():
        return _locked_open_mandate(mandate.pk)


def _setup_past_deadline(mandate: SandboxMandate) -> bool:
    return (
        mandate.status == MandateStatus.REQUIRES_PAYER
        and mandate.expires_at is not None
        and timezone.now() >= mandate.expires_at
    )


def _locked_open_mandate(pk: str) -> SandboxMandate:
    mandate = SandboxMandate.objects.select_for_update().get(pk=pk)
    if _setup_past_deadline(mandate):
        _settle_mandate(
            mandate, MandateStatus.FAILED, EXPIRED, "The time to complete this ran out."
        )
    return mandate


def _settle_mandate(
    mandate: SandboxMandate, status: str, failure_code: str = "", failure_message: str = ""
) -> None:
    mandate.status = status
    mandate.failure_code = failure_code
    mandate.failure_message = failure_message
    mandate.save()


def card_expiry(text: str) -> tuple[int, int] | None:
    """ "MM/YY" or "MM/YYYY" -> (month, year), for a card that has not expired; else None."""
    month_text, _, year_text = text.replace(" ", "").partition("/")
    if not (month_text.isdigit() and year_text.isdigit() and len(year_text) in (2, 4)):
        return None
    month, year = int(month_text), int(year_text) + (2000 if len(year_text) == 2 else 0)
    today = timezone.now().date()
    if not 1 <= month <= 12 or (year, month) < (today.year, today.month):
        return None
    return month, year


def sandbox_save_card(*, mandate_id: str, number: str, expiry: tuple[int, int]) -> SandboxMandate:
    """The payer submits a card on the page that saves one. Only its last four digits,
    brand and expiry are kept, with what its test number says later charges do."""
    number = _digits(number)
    test_card = _SETUP_BY_NUMBER.get(number)
    with transaction.atomic():
        mandate = _locked_open_mandate(mandate_id)
        if mandate.status != MandateStatus.REQUIRES_PAYER:
            return mandate
        mandate.card_last4 = number[-4:]
        mandate.card_brand = "visa" if number.startswith("4") else "card"
        mandate.exp_month, mandate.exp_year = expiry
        if test_card is None:
            _settle_mandate(
                mandate,
                MandateStatus.FAILED,
                "unknown_test_card",
                "Only the test cards listed on the page work in the sandbox.",
            )
        elif test_card.behaviour is None:
            _settle_mandate(
                mandate, MandateStatus.FAILED, "card_declined", "Your card was declined."
            )
        else:
            mandate.behaviour = test_card.behaviour
            _settle_mandate(mandate, MandateStatus.ACTIVE)
    return mandate


def sandbox_sign_agreement(*, mandate_id: str, approve: bool, behaviour: str) -> SandboxMandate:
    """The payer signs (or refuses) a deduction agreement in the Alipay / WeChat Pay app;
    the tester chooses what later deductions do."""
    with transaction.atomic():
        mandate = _locked_open_mandate(mandate_id)
        if mandate.status != MandateStatus.REQUIRES_PAYER:
            return mandate
        if not approve:
            _settle_mandate(
                mandate, MandateStatus.FAILED, "payer_cancelled", "The payer did not sign."
            )
        else:
            mandate.behaviour = Behaviour(behaviour)
            _settle_mandate(mandate, MandateStatus.ACTIVE)
    return mandate


def sandbox_mandate_revoke(*, mandate_id: str, customer: str) -> SandboxMandate | None:
    """The shop removes a saved method: nothing can be charged to it any more. Removing one
    already removed, or one this customer does not have, changes nothing."""
    with transaction.atomic():
        mandate = (
            SandboxMandate.objects.select_for_update()
            .filter(pk=mandate_id, customer=customer)
            .first()
        )
        if mandate is not None and mandate.status == MandateStatus.ACTIVE:
            _settle_mandate(mandate, MandateStatus.REVOKED)
    return mandate


def sandbox_charge_saved(
    *,
    merchant_payment_id: str,
    mandate_id: str,
    customer: str,
    amount_minor: int,
    currency: str,
    description: str,
    return_url: str,
    notify_url: str,
) -> SandboxCharge:
    """The shop charges a saved method without the payer. Idempotent by the merchant's
    payment id. The mandate's behaviour decides: the charge succeeds, fails, or waits for
    the payer to confirm it (REQUIRES_ACTION, on the confirmation page)."""
    with transaction.atomic():
        mandate = SandboxMandate.objects.select_for_update().filter(pk=mandate_id).first()
        charge, created = SandboxCharge.objects.get_or_create(
            merchant_payment_id=merchant_payment_id,
            defaults={
                "amount_minor": amount_minor,
                "currency": currency.upper(),
                "method": mandate.method if mandate else "card",
                "description": description[:200],
                "language": mandate.language if mandate else "en",
                "return_url": return_url,
                "notify_url": notify_url,
                "mandate": mandate,
            },
        )
        if not created:
            if (charge.amount_minor, charge.currency) != (amount_minor, currency.upper()):
                raise SandboxError("idempotency key reused with a different amount")
            return charge
        if (
            mandate is None
            or mandate.customer != customer
            or mandate.status != MandateStatus.ACTIVE
        ):
            _finish(
                charge,
                Status.FAILED,
                "payment_method_unusable",
                "This saved payment method cannot be charged (removed, or not this customer's).",
            )
            return charge
        charge.card_last4 = mandate.card_last4
        failures = _CHARGE_FAILURES if mandate.method == "card" else _WALLET_FAILURES
        if mandate.behaviour == Behaviour.ACTION:
            charge.status = Status.REQUIRES_ACTION
            charge.save()
        elif mandate.behaviour in failures:
            _finish(charge, Status.FAILED, *failures[mandate.behaviour])
        else:
            _finish(charge, Status.SUCCEEDED)
    return charge


def _finish(
    charge: SandboxCharge, status: str, failure_code: str = "", failure_message: str = ""
) -> None:
    charge.status = status
    charge.failure_code = failure_code
    charge.failure_message = failure_message
    charge.save()
    _emit(
        charge,
        "payment.succeeded" if status == Status.SUCCEEDED else "payment.failed",
    )


def sandbox_refund_create(
    *, merchant_payment_id: str, merchant_refund_id: str, amount_minor: int
) -> SandboxRefund:
    """Refund all or part of a succeeded charge, idempotent by the merchant's refund id. A
    charge may be refunded in several parts, never more than it took in all."""
    with transaction.atomic():
        existing = SandboxRefund.objects.filter(merchant_refund_id=merchant_refund_id).first()
        if existing is not None:
            return existing
        charge = (
            SandboxCharge.objects.select_for_update()
            .filter(merchant_payment_id=merchant_payment_id)
            .first()
        )
        if charge is None or charge.status != Status.SUCCEEDED:
            raise SandboxError("only a succeeded charge can be refunded")
        refunded = charge.refunds.aggregate(total=Sum("amount_minor"))["total"] or 0
        if amount_minor <= 0 or refunded + amount_minor > charge.amount_minor:
            raise SandboxError(
                f"cannot refund {amount_minor}: {charge.amount_minor - refunded} is left"
            )
        refund = SandboxRefund.objects.create(
            merchant_refund_id=merchant_refund_id, charge=charge, amount_minor=amount_minor
        )
        _emit(charge, "refund.succeeded", refund=refund)
    return refund


def _emit(
    charge: SandboxCharge, event_type: str, refund: SandboxRefund | None = None
) -> SandboxEvent:
    data = {
        "charge": charge.id,
        "merchant_payment_id": charge.merchant_payment_id,
        "amount": charge.amount_minor,
        "currency": charge.currency,
        "method": charge.method,
        "status": charge.status,
        "failure_code": charge.failure_code,
        "failure_message": charge.failure_message,
    }
    if refund is not None:
        data.update(
            {
                "refund": refund.id,
                "merchant_refund_id": refund.merchant_refund_id,
                "refund_amount": refund.amount_minor,
            }
        )
    event = SandboxEvent(type=event_type, charge=charge, payload={})
    event.payload = {
        "id": event.id,
        "type": event_type,
        "created": int(timezone.now().timestamp()),
        "data": data,
    }
    event.save()
    if not (charge.lose_notification and event_type.startswith("payment.")):
        enqueue_on_commit(DELIVER_JOB, event.id)
    return event


def sandbox_deliver(*, event_id: str) -> bool:
    """POST one notification to the merchant. On failure it is tried again later, with a
    growing delay, until NOTIFY_BACKOFF_SECONDS runs out. Returns True once delivered."""
    event = SandboxEvent.objects.select_related("charge").get(pk=event_id)
    if event.delivered_at is not None:
        return True
    body = json.dumps(event.payload, separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json",
        signing.HEADER: signing.sign(secret=_secret(), body=body),
        "User-Agent": "roamcard-sandbox/1",
    }
    error = ""
    try:
        response = requests.post(event.charge.notify_url, data=body, headers=headers, timeout=10)
        if 200 <= response.status_code < 300:
            SandboxEvent.objects.filter(pk=event.pk).update(
                delivered_at=timezone.now(), attempts=event.attempts + 1, last_error=""
            )
            return True
        error = f"HTTP {response.status_code}"
    except requests.RequestException as exc:
        error = str(exc)[:300]
    attempts = event.attempts + 1
    SandboxEvent.objects.filter(pk=event.pk).update(attempts=attempts, last_error=error)
    if attempts <= len(NOTIFY_BACKOFF_SECONDS):
        delay = NOTIFY_BACKOFF_SECONDS[attempts - 1]
        logger.info("Sandbox notification %s failed (%s); next try in %ss", event.id, error, delay)
        enqueue_on_commit(DELIVER_JOB, event.id, delay=delay)
    else:
        logger.warning("Sandbox notification %s given up after %s attempts", event.id, attempts)
    return False
