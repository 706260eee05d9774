"""What automatic renewal tells the traveller, in their language and time zone, on the
channels their notification preferences choose (docs/decisions/0008: notifications.services.
alert_send, which also keeps SMS for the end of their quiet hours).

Before the charge: it is coming, when, and how to skip it. After a charge: a decline (with
when it is tried again and a link to renew by hand), a payment to confirm, a cap that
stopped it, automatic renewal switched off and why. A successful charge is confirmed by
the renewal flow's own message, which says the renewal was automatic."""

from datetime import datetime
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from roamcard.core.formatting import format_local_datetime
from roamcard.notifications.services import alert_send
from roamcard.payments.selectors import payment_failure_text

from .choices import OffReason, SkipReason
from .models import AutoRenewal, AutoRenewalAttempt, RenewalPolicy

COMING = "autorenewal_coming"
CHARGE_FAILED = "autorenewal_failed"
ACTION_REQUIRED = "autorenewal_action_required"
CAP_REACHED = "autorenewal_cap_reached"
SWITCHED_OFF = "autorenewal_switched_off"


def _absolute(path: str) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + path


def _page(renewal: AutoRenewal) -> str:
    return reverse("autorenewal:policy", kwargs={"card_id": renewal.card_id})


def _plans(renewal: AutoRenewal) -> str:
    return reverse("cards:plans", kwargs={"card_id": renewal.card_id})


def _context(renewal: AutoRenewal, **extra: Any) -> dict[str, Any]:
    """What every message names, in the traveller's language: the card, the plan and its
    price, the coverage; and the automatic renewal's page."""
    user = renewal.user
    language = user.preferred_language or settings.LANGUAGE_CODE
    card = renewal.card
    with translation.override(language):
        context = {
            "card_name": card.label or card.iccid_masked,
            "plan_name": str(renewal.plan.name),
            "coverage": str(renewal.bucket.region.name),
            "amount": renewal.money.format(language),
            "settings_url": _absolute(_page(renewal)),
        }
        for name, value in extra.items():
            context[name] = (
                format_local_datetime(value, language=language, zone=user.time_zone or "UTC")
                if isinstance(value, datetime)
                else str(value)
            )
    return context


def notify_coming(*, renewal: AutoRenewal, skip_url_path: str, now: datetime) -> None:
    """The notice before the charge, with its one-tap skip link (it works without logging
    in). An SMS that quiet hours would hold until after the charge is not sent: it would
    announce what has already happened."""
    alert_send(
        user=renewal.user,
        kind=COMING,
        context=_context(
            renewal,
            charge_at=renewal.charge_at,
            skip_url=_absolute(skip_url_path),
            trigger=renewal.get_trigger_display(),
        ),
        link=_page(renewal),
        urgent=False,
        now=now,
        sms_not_after=renewal.charge_at,
    )


def notify_charge_failed(
    *, renewal: AutoRenewal, attempt: AutoRenewalAttempt, retry_at: datetime, now: datetime
) -> None:
    with translation.override(renewal.user.preferred_language or settings.LANGUAGE_CODE):
        why = payment_failure_text(payment=attempt.payment) if attempt.payment else ""
    alert_send(
        user=renewal.user,
        kind=CHARGE_FAILED,
        context=_context(renewal, retry_at=retry_at, why=why or attempt.error_message),
        link=_plans(renewal),
        urgent=True,
        now=now,
    )


def notify_action_required(*, renewal: AutoRenewal, now: datetime) -> None:
    """The bank (or wallet) wants the traveller to confirm the charge: the automatic
    renewal's page takes them to it."""
    alert_send(
        user=renewal.user,
        kind=ACTION_REQUIRED,
        context=_context(renewal),
        link=_page(renewal),
        urgent=True,
        now=now,
    )


def notify_cap_reached(
    *, renewal: AutoRenewal, reason: str, policy: RenewalPolicy | None, now: datetime
) -> None:
    context = _context(renewal)
    context["spending"] = reason == SkipReason.SPENDING_CAP
    if policy is not None:
        context["max_renewals"] = policy.max_renewals
        if policy.monthly_limit is not None:
            language = renewal.user.preferred_language or settings.LANGUAGE_CODE
            context["monthly_limit"] = policy.monthly_limit.format(language)
    alert_send(
        user=renewal.user,
        kind=CAP_REACHED,
        context=context,
        link=_page(renewal),
        urgent=False,
        now=now,
    )


def notify_switched_off(*, renewal: AutoRenewal, reason: str, now: datetime) -> None:
    with translation.override(renewal.user.preferred_language or settings.LANGUAGE_CODE):
        why = str(OffReason(reason).label)
    context = _context(renewal, why=why)
    context["plans_url"] = _absolute(_plans(renewal))
    alert_send(
        user=renewal.user,
        kind=SWITCHED_OFF,
        context=context,
        link=_page(renewal),
        urgent=True,
        now=now,
    )
