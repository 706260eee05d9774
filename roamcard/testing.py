"""Builders for test data, shared by every app's tests (imported by the root conftest)."""

import itertools
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from roamcard.cards.iccid import iccid_with_check_digit
from roamcard.cards.models import Bucket, Card
from roamcard.cards.passwords import check_card_password, hash_card_password
from roamcard.catalog.models import Plan, PlanPrice, Region
from roamcard.usage.models import UsageDay

_sequence = itertools.count(1)

GIB = 1024**3


def make_user(
    *, email: str | None = None, phone: str | None = None, password: str = "Secret-pass-42", **extra
):
    n = next(_sequence)
    if email is None and phone is None:
        email = f"traveller{n}@example.com"
    user = get_user_model().objects.create_user(
        username=f"user{n}", email=email, phone=phone, password=password, **extra
    )
    if email:
        from allauth.account.models import EmailAddress

        EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
    return user


def make_region(*, code: str = "europe", name: str = "Europe", countries=("FR", "DE", "IT", "ES")):
    region, _ = Region.objects.get_or_create(
        code=code, defaults={"name": name, "countries": list(countries)}
    )
    return region


def make_iccid() -> str:
    return iccid_with_check_digit(f"8985200{next(_sequence):012d}")


def card_password_is(card, password: str) -> bool:
    """Whether `password` is the card's card password, as binding checks it."""
    return check_card_password(iccid=card.iccid, password=password, encoded=card.password_hash)


def make_card(
    *, region=None, password: str = "123456", owner=None, iccid: str | None = None, **extra
):
    iccid = iccid or make_iccid()
    return Card.objects.create(
        iccid=iccid,
        password_hash=extra.pop("password_hash", None)
        or hash_card_password(iccid=iccid, password=password),
        region=region or make_region(),
        owner=owner,
        bound_at=timezone.now() if owner else None,
        status=extra.pop("status", "active" if owner else "in_stock"),
        **extra,
    )


def make_plan(
    *,
    region=None,
    code: str | None = None,
    data_bytes: int | None = GIB,
    days: int = 7,
    kind: str = "week",
    prices: dict[str, int] | None = None,
    **extra,
):
    plan = Plan.objects.create(
        code=code or f"plan-{next(_sequence)}",
        name=extra.pop("name", f"{days} days"),
        kind=kind,
        region=region or make_region(),
        data_bytes=data_bytes,
        fair_use_kbps=extra.pop("fair_use_kbps", None if data_bytes else 512),
        validity_days=days,
        **extra,
    )
    for currency, amount in (prices or {"USD": 990, "CNY": 6800}).items():
        PlanPrice.objects.create(plan=plan, currency=currency, amount_minor=amount)
    return plan


def make_bucket(
    *,
    card,
    bytes_granted: int | None = GIB,
    bytes_remaining: int | None = None,
    days: int = 7,
    plan=None,
    region=None,
):
    now = timezone.now()
    return Bucket.objects.create(
        card=card,
        plan=plan,
        region=region or card.region,
        bytes_granted=bytes_granted,
        bytes_remaining=bytes_granted if bytes_remaining is None else bytes_remaining,
        valid_from=now - timedelta(hours=1),
        valid_until=now + timedelta(days=days),
    )


def make_usage_day(
    *,
    card,
    day=None,
    country: str = "FR",
    used: int = 100 * 1024**2,
    overage: int = 0,
    uncovered: int = 0,
    events: int = 1,
    updated_at=None,
):
    """A card's usage on one UTC day (default today) in one country, as ingestion leaves
    it: what was neither beyond the allowance nor outside coverage was charged."""
    now = timezone.now()
    return UsageDay.objects.create(
        card=card,
        day=day or now.date(),
        country=country,
        bytes=used,
        charged_bytes=used - overage - uncovered,
        overage_bytes=overage,
        uncovered_bytes=uncovered,
        events=events,
        updated_at=updated_at or now,
    )


def log_in_to_change_contacts(client, user, *, password: str = "Secret-pass-42") -> None:
    """Sign `user` in and confirm the password again, as a traveller does before changing
    their e-mail address or mobile number (allauth's reauthentication)."""
    from django.urls import reverse

    client.force_login(user)
    response = client.post(reverse("account_reauthenticate"), {"password": password})
    assert response.status_code == 302, "the password was not confirmed"


# What a sandbox test card saved for charges without the payer does with them.
SANDBOX_SAVED_CARDS = {
    "succeed": "4242424242424242",
    "decline": "4000000000000341",
    "insufficient_funds": "4000000000009995",
    "action": "4000002760003184",
}


def save_sandbox_method(user, *, method: str = "card", behaviour: str = "succeed"):
    """A payment method `user` saved at the sandbox gateway, the way a traveller saves one
    (the setup, the sandbox's page, the return), whose later charges `behaviour`:
    "succeed", "decline", "insufficient_funds" or "action" (the traveller must confirm)."""
    from roamcard.payments.services import payment_setup_start, payment_setup_sync
    from roamcard.sandbox import services as sandbox

    setup = payment_setup_start(user=user, method=method)
    if method == "card":
        sandbox.sandbox_save_card(
            mandate_id=setup.reference, number=SANDBOX_SAVED_CARDS[behaviour], expiry=(12, 2031)
        )
    else:
        sandbox.sandbox_sign_agreement(
            mandate_id=setup.reference, approve=True, behaviour=behaviour
        )
    setup = payment_setup_sync(setup_id=setup.pk)
    assert setup.saved_method is not None, f"nothing saved: {setup.error_code}"
    return setup.saved_method
