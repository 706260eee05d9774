"""Writing cards: binding a card to a traveller, unbinding it; importing a file of cards
uploaded in the back office."""

import codecs
import hashlib
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from roamcard.catalog.models import Region
from roamcard.core import rawsql
from roamcard.core.audit import audit_record
from roamcard.core.errors import InvalidInput
from roamcard.core.tasks import enqueue_on_commit
from roamcard.ledger.selectors import ledger_transaction_exists
from roamcard.ledger.services import ledger_post_data_adjustment

from .choices import BucketAdjustReason, CardImportStage, CardImportState, CardStatus, StartMode
from .errors import (
    CardAlreadyBound,
    CardAlreadyYours,
    CardBindLocked,
    CardBindRejected,
    CardNotBindable,
    CardNotFound,
)
from .iccid import normalize_iccid
from .importer import CardImportFileError, card_import_csv
from .models import Bucket, Card, CardBindFailure, CardImport
from .passwords import (
    card_password_needs_rehash,
    check_card_password_or_spend_the_time,
    hash_card_password,
    validate_card_password,
)
from .selectors import bucket_queue_end


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
        iccid=iccid,
        password=card_password,
        encoded=card.password_hash if card is not None else None,
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
        fields = ["owner", "bound_at", "status"]
        # An Argon2 hash, or one made with an older key, is replaced now that the password
        # is known to be right (docs/decisions/0002).
        if card_password_needs_rehash(card.password_hash):
            card.password_hash = hash_card_password(iccid=iccid, password=card_password)
            fields.append("password_hash")
        card.save(update_fields=fields)
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


class BucketWindowError(ValueError):
    """A window that is not exactly its plan's validity: a bug, never the traveller's."""


def _check_window(
    *, valid_from: datetime | None, valid_until: datetime | None, validity_days: int | None
) -> None:
    """Every window a bucket is given is exactly its plan's validity (docs/decisions/0003);
    every service that sets a window checks it here."""
    if valid_from is None and valid_until is None:
        return
    if (
        valid_from is None
        or valid_until is None
        or validity_days is None
        or valid_until - valid_from != timedelta(days=validity_days)
    ):
        raise BucketWindowError(f"window {valid_from} – {valid_until} is not {validity_days} days")


def bucket_grant(
    *,
    card_id: int,
    plan: Any,
    bytes_granted: int | None,
    validity_days: int,
    starts: str,
    valid_from: datetime | None,
    valid_until: datetime | None,
    activate_by: datetime | None = None,
    now: datetime | None = None,
) -> Bucket:
    """Put a purchase's allowance on a card (an in-stock or expired card becomes active),
    starting as the purchase says: now, queued (after what the coverage holds, however the
    window was predicted; earlier if the allowance before it has run out meanwhile), or on
    first use (no window, a deadline).
    Runs in the caller's transaction, which also books the grant in the ledger."""
    now = now or timezone.now()
    if starts == StartMode.FIRST_USE:
        valid_from = valid_until = None
        if activate_by is None:
            activate_by = now + timedelta(days=settings.BUCKET_FIRST_USE_WITHIN_DAYS)
    card = Card.objects.select_for_update().get(pk=card_id)
    if starts == StartMode.QUEUED and valid_from is not None:
        # Never before what the coverage already holds: another renewal's bucket may have
        # landed since this window was predicted (its job retried, or finished first).
        queue_end = bucket_queue_end(card_id=card_id, region_id=plan.region_id, now=now)
        if queue_end is not None and queue_end > valid_from:
            valid_from, valid_until = queue_end, queue_end + timedelta(days=validity_days)
    _check_window(valid_from=valid_from, valid_until=valid_until, validity_days=validity_days)
    bucket = Bucket.objects.create(
        card=card,
        plan=plan,
        region=plan.region,
        bytes_granted=bytes_granted,
        bytes_remaining=bytes_granted,
        starts=starts,
        validity_days=validity_days,
        valid_from=valid_from,
        valid_until=valid_until,
        activate_by=activate_by if starts == StartMode.FIRST_USE else None,
    )
    if starts == StartMode.QUEUED:
        bucket_activate_next(card=card, region=plan.region, now=now)
        bucket.refresh_from_db()
    if card.status in (CardStatus.IN_STOCK, CardStatus.EXPIRED):
        card.status = CardStatus.ACTIVE
        card.save(update_fields=["status"])
    return bucket


def bucket_activate_next(*, card: Card, region: Any, now: datetime) -> list[Bucket]:
    """The allowance of one coverage ran out (used up, or withdrawn) before its end: the
    queued buckets of that coverage move earlier, each to start at the latest end of what
    is still usable and of the queued ones before it (now, when there is nothing), as when
    it was bought. A queued window only ever moves earlier and keeps its length. Called by
    the charging path when a bucket reaches zero, and by the periodic catch-up
    (bucket_queue_catch_up). Returns the buckets moved."""
    Card.objects.select_for_update().filter(pk=card.pk).first()
    buckets = list(
        Bucket.objects.select_for_update()
        .filter(
            card_id=card.pk,
            region_id=region.pk,
            withdrawn_at__isnull=True,
            valid_from__isnull=False,
            valid_until__gt=now,
        )
        .order_by("valid_from", "id")
    )
    usable_end = max(
        (b.valid_until for b in buckets if b.valid_from <= now and not b.is_used_up),
        default=now,
    )
    anchor = usable_end
    moved = []
    for bucket in buckets:
        if bucket.valid_from <= now or bucket.starts != StartMode.QUEUED:
            continue
        start = min(bucket.valid_from, anchor)
        if start < bucket.valid_from:
            bucket.valid_from = start
            bucket.valid_until = start + timedelta(days=bucket.validity_days)
            _check_window(
                valid_from=bucket.valid_from,
                valid_until=bucket.valid_until,
                validity_days=bucket.validity_days,
            )
            bucket.save(update_fields=["valid_from", "valid_until", "updated_at"])
            moved.append(bucket)
        anchor = max(anchor, bucket.valid_until)
    return moved


def bucket_queue_catch_up(*, now: datetime) -> int:
    """Start queued buckets whose predecessor ran out without the charging path saying so
    (a periodic safety net; cheap: it reads only queued buckets not yet started, through a
    partial index). Returns how many buckets moved."""
    pairs = (
        Bucket.objects.filter(
            starts=StartMode.QUEUED, withdrawn_at__isnull=True, valid_from__gt=now
        )
        .values_list("card_id", "region_id")
        .distinct()
    )
    moved = 0
    for card_id, region_id in list(pairs):
        with transaction.atomic():
            moved += len(
                bucket_activate_next(card=Card(pk=card_id), region=Region(pk=region_id), now=now)
            )
    return moved


def bucket_first_use(*, bucket: Bucket, at: datetime) -> Bucket:
    """A first-use bucket (a day pass) is used for the first time at `at`, in a covered
    country: its window becomes [at, at + its days]. Only the first call counts; a bucket
    withdrawn, or not started by its deadline, stays as it is."""
    with transaction.atomic():
        locked = Bucket.objects.select_for_update().get(pk=bucket.pk)
        if (
            locked.valid_from is None
            and locked.withdrawn_at is None
            and locked.validity_days is not None
            and (locked.activate_by is None or at < locked.activate_by)
        ):
            locked.valid_from = at
            locked.valid_until = at + timedelta(days=locked.validity_days)
            _check_window(
                valid_from=locked.valid_from,
                valid_until=locked.valid_until,
                validity_days=locked.validity_days,
            )
            locked.save(update_fields=["valid_from", "valid_until", "updated_at"])
    return locked


def bucket_withdraw(*, bucket_id: int, now: datetime) -> int:
    """Take a refunded purchase's allowance off the card: no bytes left, withdrawn now (a
    started window ends now, or a second after it began, as a bucket must end after it
    starts), and queued buckets of its coverage move up. Returns the bytes removed, for the
    caller to book in the ledger in the same transaction."""
    # The card first, as every writer of buckets locks it (usage_ingest among them).
    card_id = Bucket.objects.values_list("card_id", flat=True).get(pk=bucket_id)
    Card.objects.select_for_update().filter(pk=card_id).first()
    bucket = Bucket.objects.select_for_update().select_related("card", "region").get(pk=bucket_id)
    removed = bucket.bytes_remaining or 0
    bucket.bytes_remaining = 0 if bucket.bytes_granted is not None else None
    bucket.withdrawn_at = bucket.withdrawn_at or now
    fields = ["bytes_remaining", "withdrawn_at", "updated_at"]
    if bucket.valid_from is not None and bucket.valid_from <= now < bucket.valid_until:
        bucket.valid_until = max(bucket.valid_from + timedelta(seconds=1), now)
        fields.append("valid_until")
    bucket.save(update_fields=fields)
    bucket_activate_next(card=bucket.card, region=bucket.region, now=now)
    return removed


def bucket_take_back(*, bucket_id: int, bytes_wanted: int, now: datetime) -> int:
    """Take part of a purchase's allowance off the card (a partial refund): up to
    `bytes_wanted`, never more than it has left; its window stays. A bucket left with
    nothing lets the queued buckets of its coverage move up, as one used up does. Returns
    the bytes removed, for the caller to book in the ledger in the same transaction."""
    # The card first, as every writer of buckets locks it (usage_ingest among them).
    card_id = Bucket.objects.values_list("card_id", flat=True).get(pk=bucket_id)
    Card.objects.select_for_update().filter(pk=card_id).first()
    bucket = Bucket.objects.select_for_update().select_related("card", "region").get(pk=bucket_id)
    if bucket.bytes_remaining is None or bucket.withdrawn_at is not None or bytes_wanted <= 0:
        return 0  # unlimited (nothing countable to take), or withdrawn already
    removed = min(bucket.bytes_remaining, bytes_wanted)
    bucket.bytes_remaining -= removed
    bucket.save(update_fields=["bytes_remaining", "updated_at"])
    if bucket.bytes_remaining == 0:
        bucket_activate_next(card=bucket.card, region=bucket.region, now=now)
    return removed


def bucket_rating_save(
    *, rows: list[tuple[int, int | None, Any, Any, int | None]], now: datetime
) -> None:
    """Write what rating did to buckets: (id, bytes remaining, valid from, valid until,
    validity days of a window rating set, else None). Called by usage_ingest under the
    cards' locks; one statement however many buckets. Every window rating set is checked to
    be exactly its plan's validity."""
    for _pk, _remaining, valid_from, valid_until, days in rows:
        if valid_from is not None and days is not None:
            _check_window(valid_from=valid_from, valid_until=valid_until, validity_days=days)
    when = rawsql.datetime_writer()
    rawsql.rows_update(
        Bucket._meta.db_table,
        "id",
        ["bytes_remaining", "valid_from", "valid_until", "updated_at"],
        [(pk, left, when(start), when(end), when(now)) for pk, left, start, end, _d in rows],
    )


def card_usage_seen_save(*, rows: list[tuple[int, str, Any, Any]]) -> None:
    """Write what usage taught about cards: (id, last country, when it was seen, limited
    for lack of data since). Called by usage_ingest under the cards' locks."""
    when = rawsql.datetime_writer()
    rawsql.rows_update(
        Card._meta.db_table,
        "id",
        ["last_country", "last_usage_at", "data_limited_at"],
        [(pk, country, when(seen), when(limited)) for pk, country, seen, limited in rows],
    )  # fmt: skip


# --- staff adjusting a bucket by hand ----------------------------------------------------

# Named, not imported: automatic renewal looks at the card again (roamcard.autorenewal).
AUTORENEWAL_JOB = "autorenewal.evaluate"

# No single bucket holds more than this, whatever is typed (a slip of a few zeros).
BUCKET_ADJUST_MAX_BYTES = 1024**4
# Reasons that may give a card more data than its bucket granted (a top-up).
BUCKET_TOP_UP_REASONS = (BucketAdjustReason.GOODWILL, BucketAdjustReason.NETWORK_FAULT)
BUCKET_ADJUST_NOTE_MAX = 500


@dataclass(frozen=True)
class BucketAdjustment:
    bucket: Bucket
    applied: bool  # False: this request id was applied before (a double submit)


def bucket_adjust(
    *,
    bucket_id: int,
    staff: Any,
    request_id: str,
    reason: str,
    note: str = "",
    bytes_remaining: int | None = None,
    valid_until: datetime | None = None,
    ip_address: str | None = None,
) -> BucketAdjustment:
    """Staff set a bucket's remaining data and/or the end of its validity, in one
    transaction with its ledger adjustment and its audit entry (old and new values,
    reason, note). The bucket's row is locked while it changes.

    Remaining data may be set from 0 up to what the bucket granted; above that only for
    goodwill or compensating a network fault, when the bucket's grant grows by the same
    amount (a top-up). The ledger posts the difference in remaining data, so the card's
    balance stays the sum of its entries. An unlimited bucket only has its window changed.
    `request_id` comes from the form: submitting the same form twice applies it once."""
    request_id = (request_id or "").strip()
    if not request_id or len(request_id) > 64:
        raise InvalidInput(_("This form has expired. Open the page again and retry."))
    note = (note or "").strip()
    if reason not in BucketAdjustReason.values:
        raise InvalidInput(_("Choose a reason."), fields={"reason": [_("Choose a reason.")]})
    if reason == BucketAdjustReason.OTHER and not note:
        message = _("Say what the reason is.")
        raise InvalidInput(message, fields={"note": [message]})
    if len(note) > BUCKET_ADJUST_NOTE_MAX:
        message = _("Keep the note to %(max)d characters.") % {"max": BUCKET_ADJUST_NOTE_MAX}
        raise InvalidInput(message, fields={"note": [message]})
    key = f"bucket:{bucket_id}:adjust:{request_id}"

    with transaction.atomic():
        # The card first, as every writer of buckets locks it (usage_ingest among them).
        card_id = Bucket.objects.filter(pk=bucket_id).values_list("card_id", flat=True).first()
        Card.objects.select_for_update().filter(pk=card_id).first()
        try:
            bucket = Bucket.objects.select_for_update().get(pk=bucket_id)
        except Bucket.DoesNotExist as exc:
            raise InvalidInput(_("This bucket no longer exists.")) from exc
        if ledger_transaction_exists(key=key):
            return BucketAdjustment(bucket=bucket, applied=False)
        old = _bucket_figures(bucket)
        fields = _bucket_apply_adjustment(
            bucket=bucket, reason=reason, bytes_remaining=bytes_remaining, valid_until=valid_until
        )
        delta = (bucket.bytes_remaining or 0) - (old["bytes_remaining"] or 0)
        bucket.save(update_fields=[*fields, "updated_at"])
        ledger_post_data_adjustment(
            key=key,
            card_id=bucket.card_id,
            bytes_delta=delta,
            memo=f"{reason}: {note}" if note else reason,
        )
        audit_record(
            actor=staff,
            action="bucket.adjust",
            obj=bucket,
            details={
                "old": old,
                "new": _bucket_figures(bucket),
                "bytes_delta": delta,
                "reason": reason,
                "note": note,
                "ledger_key": key,
            },
            ip_address=ip_address,
        )
        enqueue_on_commit(AUTORENEWAL_JOB, [bucket.card_id])
    return BucketAdjustment(bucket=bucket, applied=True)


def _bucket_figures(bucket: Bucket) -> dict[str, Any]:
    return {
        "bytes_granted": bucket.bytes_granted,
        "bytes_remaining": bucket.bytes_remaining,
        "valid_until": bucket.valid_until.isoformat() if bucket.valid_until else None,
    }


def _bucket_apply_adjustment(
    *, bucket: Bucket, reason: str, bytes_remaining: int | None, valid_until: datetime | None
) -> list[str]:
    """Check the new figures against the locked bucket and set them; returns the fields
    changed. Raises InvalidInput, naming the form's field, and changes nothing then."""
    if bucket.withdrawn_at is not None:
        # Data put back on a refunded bucket could never be used (withdrawn is ended), yet
        # the ledger would say the card holds it.
        raise InvalidInput(
            _("This plan was refunded and its data taken back: its bucket can no longer change.")
        )
    fields: list[str] = []
    if bytes_remaining is not None and bytes_remaining != bucket.bytes_remaining:
        if bucket.is_unlimited:
            message = _("This bucket is unlimited: only the end of its validity can change.")
            raise InvalidInput(message, fields={"remaining": [message]})
        if bytes_remaining < 0:
            message = _("The remaining data cannot be negative.")
            raise InvalidInput(message, fields={"remaining": [message]})
        if bytes_remaining > BUCKET_ADJUST_MAX_BYTES:
            message = _("That is more data than any bucket may hold.")
            raise InvalidInput(message, fields={"remaining": [message]})
        if bytes_remaining > bucket.bytes_granted:
            if reason not in BUCKET_TOP_UP_REASONS:
                message = _(
                    "More than the bucket granted is a top-up: choose goodwill or "
                    "compensation for a network fault as the reason."
                )
                raise InvalidInput(message, fields={"remaining": [message]})
            bucket.bytes_granted += bytes_remaining - bucket.bytes_remaining
            fields.append("bytes_granted")
        bucket.bytes_remaining = bytes_remaining
        fields.append("bytes_remaining")
    if valid_until is not None and valid_until != bucket.valid_until:
        _bucket_window_may_change(bucket)
        if valid_until <= bucket.valid_from:
            message = _("The validity must end after it starts (%(start)s).") % {
                "start": formats.localize(timezone.localtime(bucket.valid_from))
            }
            raise InvalidInput(message, fields={"valid_until": [message]})
        bucket.valid_until = valid_until
        fields.append("valid_until")
    if not fields:
        message = _("Nothing to change: enter new remaining data or a new end of validity.")
        raise InvalidInput(message)
    return fields


def _bucket_window_may_change(bucket: Bucket) -> None:
    """Staff may move the end of a bucket that has its window and nothing queued after it.
    A plan waiting for its first use has no window yet, and the plans queued in a coverage
    follow each other end to start (docs/decisions/0003): moving one end would leave a gap
    or an overlap, so those are refused with the reason."""
    if bucket.valid_from is None or bucket.valid_until is None:
        message = _(
            "This plan has not started: it starts the first time it is used. Only its data "
            "can change."
        )
        raise InvalidInput(message, fields={"valid_until": [message]})
    queued_after = Bucket.objects.filter(
        card_id=bucket.card_id,
        region_id=bucket.region_id,
        starts=StartMode.QUEUED,
        withdrawn_at__isnull=True,
        valid_from__gte=bucket.valid_until,
    ).exclude(pk=bucket.pk)
    if bucket.starts == StartMode.QUEUED and bucket.valid_from > timezone.now():
        queued_after = queued_after | Bucket.objects.filter(pk=bucket.pk)
    if queued_after.exists():
        message = _(
            "A plan in this coverage is queued to start when another ends, so this end "
            "cannot move. Change the remaining data instead."
        )
        raise InvalidInput(message, fields={"valid_until": [message]})


# --- importing cards from an uploaded file ---------------------------------------------------

logger = logging.getLogger(__name__)

CARD_IMPORT_JOB = "cards.card_import_run"
CARD_IMPORT_MAX_BYTES = 50 * 1024 * 1024
# How much of an upload is looked at before it is accepted: enough to tell a spreadsheet or
# an image from CSV text. The rest is checked by the import itself.
_SNIFF_BYTES = 64 * 1024


def _card_import_check_upload(upload: UploadedFile) -> None:
    """Refuse, with a clear message, what cannot be a CSV file of cards."""
    name = PurePath(upload.name or "").name
    if not name.lower().endswith(".csv"):
        raise CardImportFileError(
            _("%(name)s is not a CSV file. Choose a file ending in .csv.") % {"name": name}
        )
    if not upload.size:
        raise CardImportFileError(_("The file is empty."))
    if upload.size > CARD_IMPORT_MAX_BYTES:
        raise CardImportFileError(
            _("The file is larger than %(limit)d MB. Split it into smaller files.")
            % {"limit": CARD_IMPORT_MAX_BYTES // (1024 * 1024)}
        )
    upload.seek(0)
    head = upload.read(_SNIFF_BYTES)
    upload.seek(0)
    if b"\x00" in head:
        raise CardImportFileError(
            _(
                "%(name)s is not CSV text (it holds binary data, as a spreadsheet does). "
                "Save it as CSV UTF-8 and try again."
            )
            % {"name": name}
        )
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError as exc:
        raise CardImportFileError(
            _(
                "The file is not UTF-8 text (undecodable byte at offset %(offset)d). "
                "Save it as CSV UTF-8 and try again."
            )
            % {"offset": exc.start}
        ) from exc


def card_import_create(
    *,
    staff: Any,
    upload: UploadedFile,
    skip_bad: bool = False,
    dry_run: bool = False,
    language: str = "en",
    ip_address: str | None = None,
) -> CardImport:
    """Keep an uploaded CSV file of cards and queue its import (card_import_run).

    Raises CardImportFileError for a file that is not CSV text or is too large; then
    nothing is kept. The upload is audited as `cardimport.upload`."""
    _card_import_check_upload(upload)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    card_import = CardImport(
        created_by=staff,
        language=language,
        file_name=PurePath(upload.name or "").name[:255],
        file_size=upload.size,
        file_sha256=digest.hexdigest(),
        skip_bad=skip_bad,
        dry_run=dry_run,
    )
    card_import.file.save(card_import.file_name, upload, save=False)
    try:
        with transaction.atomic():
            card_import.save()
            audit_record(
                actor=staff,
                action="cardimport.upload",
                obj=card_import,
                details={
                    "file": card_import.file_name,
                    "size": card_import.file_size,
                    "sha256": card_import.file_sha256,
                    "skip_bad": skip_bad,
                    "dry_run": dry_run,
                },
                ip_address=ip_address,
            )
            enqueue_on_commit(CARD_IMPORT_JOB, card_import.pk)
    except BaseException:
        card_import.file.delete(save=False)
        raise
    return card_import


class _RecordProgress:
    """The importer's progress callback for a CardImport: writes the current step, how far
    it has got (bytes of the file while it is read) and the rows read so far onto the
    record, at most twice a second, for its page to show."""

    INTERVAL_SECONDS = 0.5

    def __init__(self, card_import_id: int) -> None:
        self.card_import_id = card_import_id
        self.stage = ""
        self.total = 0
        self.done = 0
        self.rows: int | None = None
        self.saved_at = 0.0

    def __call__(
        self, *, stage: str, total: int, desc: str, unit: str = "rows"
    ) -> "_RecordProgress":
        self.stage, self.total, self.done = stage, total, 0
        self._save()
        return self

    def __enter__(self) -> "_RecordProgress":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._save()

    def update(self, n: int = 1, *, rows: int | None = None) -> None:
        self.done += n
        if rows is not None:
            self.rows = rows
        if time.monotonic() - self.saved_at >= self.INTERVAL_SECONDS:
            self._save()

    def _save(self) -> None:
        self.saved_at = time.monotonic()
        CardImport.objects.filter(pk=self.card_import_id).update(
            stage=self.stage,
            stage_total=self.total,
            stage_done=self.done,
            progress_at=timezone.now(),
            **({"rows_total": self.rows} if self.rows is not None else {}),
        )


def card_import_run(*, card_import_id: int) -> CardImport:
    """Import a queued CardImport's file with the same importer as the command line, and
    record the result on it. Runs once: a repeated job finds the import no longer queued.

    Messages are written in the uploader's language. The stored file (card passwords in
    clear) is deleted at the end, whatever the outcome."""
    claimed = CardImport.objects.filter(pk=card_import_id, state=CardImportState.QUEUED).update(
        state=CardImportState.RUNNING,
        started_at=timezone.now(),
        progress_at=timezone.now(),
        stage=CardImportStage.READING,
    )
    card_import = CardImport.objects.select_related("created_by").get(pk=card_import_id)
    if not claimed:
        return card_import

    result: dict[str, Any]
    with translation.override(card_import.language):
        try:
            with card_import.file.storage.open(card_import.file.name, "rb") as stream:
                report = card_import_csv(
                    source=stream,
                    file_name=card_import.file_name,
                    skip_bad=card_import.skip_bad,
                    dry_run=card_import.dry_run,
                    progress=_RecordProgress(card_import.pk),
                    actor=card_import.created_by,
                    audit_details={"card_import": card_import.pk},
                )
        except CardImportFileError as exc:
            result = {"state": CardImportState.FAILED, "message": str(exc.message)}
        except Exception:
            logger.exception("card import %s stopped", card_import.pk)
            result = {
                "state": CardImportState.FAILED,
                "message": _(
                    "The import stopped on an unexpected error (see the server log); "
                    "nothing was imported."
                ),
            }
        else:
            succeeded = report.written or card_import.dry_run
            result = {
                "state": CardImportState.DONE if succeeded else CardImportState.FAILED,
                "rows_total": report.rows,
                "created": report.created,
                "unchanged": report.unchanged,
                "to_create": report.to_create,
                "written": report.written,
                "updated": report.updated,
                "error_count": report.bad_count,
                "errors": [
                    {"line": bad_row.line, "message": bad_row.reason}
                    for bad_row in report.bad_rows[: CardImport.MAX_ERRORS]
                ],
            }
        finally:
            card_import.file.delete(save=False)
    CardImport.objects.filter(pk=card_import.pk).update(
        **result, file="", stage="", finished_at=timezone.now()
    )
    card_import.refresh_from_db()
    return card_import


# An import whose worker has said nothing for this long was stopped (killed, redeployed);
# a queued one whose job has not started for this long lost its job.
CARD_IMPORT_SILENT_AFTER = timedelta(minutes=30)
CARD_IMPORT_UNSTARTED_AFTER = timedelta(minutes=5)


@dataclass(frozen=True)
class CardImportSweep:
    requeued: int
    failed: int


def card_import_sweep(*, now: datetime) -> CardImportSweep:
    """The janitor of uploads: a queued import whose job was lost is queued again (running
    it twice is harmless: card_import_run claims it once); a running one whose worker went
    silent is marked failed, its stored file (card passwords in clear) deleted, and staff
    upload the file again. An import writes its cards in one transaction, so a stopped one
    wrote nothing; one that finishes after all still records its true result."""
    lost = CardImport.objects.filter(
        state=CardImportState.QUEUED, created_at__lt=now - CARD_IMPORT_UNSTARTED_AFTER
    ).values_list("pk", flat=True)
    requeued = 0
    for card_import_id in lost:
        enqueue_on_commit(CARD_IMPORT_JOB, card_import_id)
        requeued += 1
    silent = CardImport.objects.filter(
        state=CardImportState.RUNNING, progress_at__lt=now - CARD_IMPORT_SILENT_AFTER
    )
    failed = 0
    for card_import in silent:
        with translation.override(card_import.language):
            message = _(
                "The import stopped without finishing (its worker was stopped); nothing was "
                "imported. Upload the file again."
            )
        stopped = CardImport.objects.filter(
            pk=card_import.pk, state=CardImportState.RUNNING, progress_at=card_import.progress_at
        ).update(state=CardImportState.FAILED, message=message, stage="", finished_at=now)
        if stopped:
            if card_import.file:
                card_import.file.delete(save=False)
                CardImport.objects.filter(pk=card_import.pk).update(file="")
            failed += 1
    return CardImportSweep(requeued=requeued, failed=failed)
