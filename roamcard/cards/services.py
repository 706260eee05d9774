"""Writing cards: binding a card to a traveller, unbinding it."""

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from roamcard.core.audit import audit_record
from roamcard.core.errors import InvalidInput

from .choices import CardStatus
from .errors import (
    CardAlreadyBound,
    CardAlreadyYours,
    CardBindLocked,
    CardBindRejected,
    CardNotBindable,
    CardNotFound,
)
from .iccid import normalize_iccid
from .models import Bucket, Card, CardBindFailure
from .passwords import check_card_password_or_spend_the_time, validate_card_password


def _recent_failures(iccid: str) -> int:
    since = timezone.now() - timedelta(seconds=settings.CARD_BIND_LOCK_SECONDS)
    return CardBindFailure.objects.filter(iccid=iccid, at__gte=since).count()


def card_bind_is_locked(*, iccid: str) -> bool:
    return _recent_failures(iccid) >= settings.CARD_BIND_MAX_FAILURES


def card_bind(*, user: Any, iccid: str, card_password: str, ip_address: str | None = None) -> Card:
    """Bind a card to the traveller's account, proving possession with the card password.

    Wrong passwords are counted per card number, whether or not such a card exists, and
    after CARD_BIND_MAX_FAILURES in an hour binding that number is locked for an hour."""
    try:
        iccid = normalize_iccid(iccid)
    except ValidationError as exc:
        raise InvalidInput(exc.messages[0], fields={"iccid": exc.messages}) from exc
    try:
        card_password = validate_card_password(card_password)
    except ValidationError as exc:
        raise InvalidInput(exc.messages[0], fields={"card_password": exc.messages}) from exc

    if card_bind_is_locked(iccid=iccid):
        raise CardBindLocked()

    card = Card.objects.filter(iccid=iccid).first()
    # An unknown number is checked against a dummy hash: the same answer in the same time.
    if not check_card_password_or_spend_the_time(
        card_password, card.password_hash if card is not None else None
    ):
        # Recorded outside any caller's transaction, so the failure counts even though
        # the request ends in an error.
        CardBindFailure.objects.create(iccid=iccid, user=user, ip_address=ip_address)
        if card_bind_is_locked(iccid=iccid):
            raise CardBindLocked()
        raise CardBindRejected()

    with transaction.atomic():
        card = Card.objects.select_for_update().get(pk=card.pk)
        if card.owner_id == user.pk:
            raise CardAlreadyYours()
        if card.owner_id is not None:
            raise CardAlreadyBound()
        if card.status in (CardStatus.EXPIRED, CardStatus.SUSPENDED):
            raise CardNotBindable()
        card.owner = user
        card.bound_at = timezone.now()
        if card.status == CardStatus.IN_STOCK:
            card.status = CardStatus.ACTIVE
        card.save(update_fields=["owner", "bound_at", "status"])
        CardBindFailure.objects.filter(iccid=iccid, user=user).delete()
    return card


def card_unbind(*, user: Any, card_id: int) -> Card:
    """Remove a card from the traveller's account. The card keeps its buckets; whoever
    binds it next with the card password sees them."""
    with transaction.atomic():
        card = Card.objects.select_for_update().filter(pk=card_id, owner=user).first()
        if card is None:
            raise CardNotFound()
        card.owner = None
        card.bound_at = None
        card.save(update_fields=["owner", "bound_at"])
    return card


def card_unbind_by_staff(*, staff: Any, card: Card, ip_address: str | None = None) -> Card:
    with transaction.atomic():
        previous_owner = card.owner
        card.owner = None
        card.bound_at = None
        card.save(update_fields=["owner", "bound_at"])
        audit_record(
            actor=staff,
            action="card.unbind",
            obj=card,
            details={"previous_owner": str(previous_owner) if previous_owner else None},
            ip_address=ip_address,
        )
    return card


def card_bind_unlock(*, staff: Any, card: Card, ip_address: str | None = None) -> int:
    """Customer service lifts a binding lockout (after checking who is asking): the recorded
    wrong attempts for the card's number are cleared. Returns how many were cleared."""
    with transaction.atomic():
        cleared, _ = CardBindFailure.objects.filter(iccid=card.iccid).delete()
        audit_record(
            actor=staff,
            action="card.bind_unlock",
            obj=card,
            details={"failures_cleared": cleared},
            ip_address=ip_address,
        )
    return cleared


# --- buckets: what fulfilled purchases put on a card ------------------------------------------


def bucket_grant(
    *,
    card_id: int,
    plan: Any,
    bytes_granted: int | None,
    valid_from: datetime,
    valid_until: datetime,
) -> Bucket:
    """Put a purchase's allowance on a card (an in-stock or expired card becomes active).
    Runs in the caller's transaction, which also books the grant in the ledger."""
    card = Card.objects.select_for_update().get(pk=card_id)
    bucket = Bucket.objects.create(
        card=card,
        plan=plan,
        region=plan.region,
        bytes_granted=bytes_granted,
        bytes_remaining=bytes_granted,
        valid_from=valid_from,
        valid_until=valid_until,
    )
    if card.status in (CardStatus.IN_STOCK, CardStatus.EXPIRED):
        card.status = CardStatus.ACTIVE
        card.save(update_fields=["status"])
    return bucket


def bucket_withdraw(*, bucket_id: int, now: datetime) -> int:
    """Take a refunded purchase's allowance off the card: no bytes left, and it ends now (or
    a second after it began, as a bucket must end after it starts). Returns the bytes
    removed, for the caller to book in the ledger in the same transaction."""
    bucket = Bucket.objects.select_for_update().get(pk=bucket_id)
    removed = bucket.bytes_remaining or 0
    bucket.bytes_remaining = 0 if bucket.bytes_granted is not None else None
    bucket.valid_until = max(bucket.valid_from + timedelta(seconds=1), min(bucket.valid_until, now))
    bucket.save(update_fields=["bytes_remaining", "valid_until", "updated_at"])
    return removed
