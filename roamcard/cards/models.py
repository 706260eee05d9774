import uuid
from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from roamcard.catalog.models import Plan, Region

from .choices import BucketState, CardForm, CardImportStage, CardImportState, CardStatus, StartMode


class Card(models.Model):
    """A physical SIM or an eSIM profile, identified by its ICCID."""

    iccid = models.CharField(_("ICCID"), max_length=20, unique=True)
    password_hash = models.CharField(_("card password (hash)"), max_length=200, editable=False)
    form = models.CharField(
        _("form"), max_length=10, choices=CardForm.choices, default=CardForm.PHYSICAL
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=CardStatus.choices,
        default=CardStatus.IN_STOCK,
        db_index=True,
    )
    region = models.ForeignKey(
        Region, verbose_name=_("coverage"), on_delete=models.PROTECT, related_name="cards"
    )
    msisdn = models.CharField(_("MSISDN"), max_length=16, blank=True)
    activation_code = models.CharField(
        _("eSIM activation code"),
        max_length=255,
        blank=True,
        help_text="LPA:1$<SM-DP+ address>$<matching id>",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cards",
    )
    label = models.CharField(_("label"), max_length=60, blank=True)
    # The ISO code of the country the card last used data in, as the network reports it:
    # the country whose balance the card's headline shows first. Null: none seen yet.
    last_country = models.CharField(  # noqa: DJ001 (null: never seen, not "no country")
        _("last country seen"), max_length=2, null=True, blank=True
    )
    # When the usage that set last_country started: a late event never overrides a newer one.
    last_usage_at = models.DateTimeField(_("last usage at"), null=True, blank=True)
    # Set when usage went beyond every bucket and the network was asked to suspend or
    # throttle the card; cleared when a renewal lands and the network is asked to resume.
    data_limited_at = models.DateTimeField(_("limited for no data since"), null=True, blank=True)
    bound_at = models.DateTimeField(_("bound at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["iccid"]
        verbose_name = _("card")
        verbose_name_plural = _("cards")

    def __str__(self) -> str:
        return self.iccid

    @property
    def iccid_masked(self) -> str:
        return f"{self.iccid[:4]} •••• {self.iccid[-4:]}"


class Bucket(models.Model):
    """The allowance one fulfilled purchase puts on a card. Its window is exactly its plan's
    validity; when it starts is the purchase's start mode (docs/decisions/0003): now, queued
    after the current bucket of the same coverage, or at first use (no window until then).
    Its state is derived (bucket_state), never stored: time alone moves a bucket from queued
    to live to ended."""

    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="buckets")
    plan = models.ForeignKey(
        Plan, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey(
        Region, verbose_name=_("coverage"), on_delete=models.PROTECT, related_name="+"
    )
    bytes_granted = models.BigIntegerField(_("bytes granted"), null=True, blank=True)
    bytes_remaining = models.BigIntegerField(_("bytes remaining"), null=True, blank=True)
    starts = models.CharField(
        _("starts"), max_length=10, choices=StartMode.choices, default=StartMode.NOW
    )
    # The plan's validity when bought; null only for buckets made before windows were exact.
    validity_days = models.PositiveIntegerField(_("validity (days)"), null=True, blank=True)
    # Null until a first-use bucket is first used.
    valid_from = models.DateTimeField(_("valid from"), null=True, blank=True)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    # A first-use bucket not started by then ends unused.
    activate_by = models.DateTimeField(_("start by"), null=True, blank=True)
    # Taken back (its order was refunded): ended, whatever its window says.
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    updated_at = models.DateTimeField(_("figures as of"), auto_now=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = [models.F("valid_until").asc(nulls_last=True), "id"]
        verbose_name = _("bucket")
        verbose_name_plural = _("buckets")
        permissions = [("adjust_bucket", _("Can adjust a bucket's data and validity"))]
        indexes = [
            models.Index(fields=["card", "valid_until"]),
            # The validity alerts' scan: buckets ending within the next days.
            models.Index(
                fields=["valid_until"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="bucket_ending",
            ),
            # The queue job's scan: queued buckets not yet started.
            models.Index(
                fields=["valid_from"],
                condition=models.Q(starts="queued", withdrawn_at__isnull=True),
                name="bucket_queued_start",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(bytes_remaining__gte=0) | models.Q(bytes_remaining__isnull=True),
                name="bucket_remaining_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_until__gt=models.F("valid_from")),
                name="bucket_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_from__isnull=True, valid_until__isnull=True)
                | models.Q(valid_from__isnull=False, valid_until__isnull=False),
                name="bucket_window_whole_or_none",
            ),
            # Only a first-use bucket may wait without a window, and it has a deadline.
            models.CheckConstraint(
                condition=models.Q(valid_from__isnull=False)
                | models.Q(starts="first_use", activate_by__isnull=False),
                name="bucket_windowless_only_first_use",
            ),
        ]

    def __str__(self) -> str:
        if self.valid_until is None:
            return f"{self.card} (starts on first use)"
        return f"{self.card} until {self.valid_until:%Y-%m-%d}"

    @property
    def is_unlimited(self) -> bool:
        return self.bytes_granted is None

    @property
    def is_used_up(self) -> bool:
        return self.bytes_granted is not None and not self.bytes_remaining

    @property
    def plan_name(self) -> str:
        """The name of the plan it came from; empty for data given without one."""
        return self.plan.name if self.plan_id else ""

    def state_at(self, now: datetime) -> BucketState:
        if self.withdrawn_at is not None:
            return BucketState.ENDED
        if self.valid_from is None or self.valid_until is None:
            if self.activate_by is not None and now >= self.activate_by:
                return BucketState.ENDED
            return BucketState.WAITING_FIRST_USE
        if now >= self.valid_until:
            return BucketState.ENDED
        if self.is_used_up:
            return BucketState.USED_UP
        if now < self.valid_from:
            return BucketState.QUEUED
        return BucketState.LIVE

    @property
    def state(self) -> BucketState:
        return self.state_at(timezone.now())

    def is_live_at(self, now: datetime) -> bool:
        """Usable now: started, not ended, not used up, not withdrawn."""
        return self.state_at(now) == BucketState.LIVE


class CardBindFailure(models.Model):
    """A wrong card password while binding. Counted per card number (existing or not)."""

    iccid = models.CharField(max_length=20, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["iccid", "at"])]

    def __str__(self) -> str:
        return f"{self.iccid} at {self.at:%Y-%m-%d %H:%M}"


def card_import_upload_path(card_import: "CardImport", filename: str) -> str:
    """Where an uploaded file waits for its import: in the default storage under private/,
    which no URL serves, under a random name (never the uploader's). It holds card passwords
    in clear, so the import deletes it when it finishes."""
    return f"private/card-imports/{uuid.uuid4().hex}.csv"


class CardImport(models.Model):
    """A CSV file of cards uploaded in the back office and its import: the record of who
    imported what, when, and with what result. The file itself is deleted once imported;
    its SHA-256 stays to recognise it."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True, db_index=True)
    # The uploader's language: the job writes its messages in it.
    language = models.CharField(max_length=10, default="en")
    file = models.FileField(upload_to=card_import_upload_path, max_length=200, blank=True)
    file_name = models.CharField(_("file name"), max_length=255)
    file_size = models.PositiveBigIntegerField(_("file size (bytes)"))
    file_sha256 = models.CharField(_("SHA-256 of the file"), max_length=64, db_index=True)
    skip_bad = models.BooleanField(_("import the good rows even if some are bad"), default=False)
    dry_run = models.BooleanField(_("check only"), default=False)

    state = models.CharField(
        _("state"), max_length=10, choices=CardImportState.choices, default=CardImportState.QUEUED
    )
    stage = models.CharField(_("step"), max_length=12, choices=CardImportStage.choices, blank=True)
    stage_total = models.PositiveIntegerField(default=0)
    stage_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    # Cards already in stock whose card password hash was replaced (another card password,
    # or the same one hashed with an older key).
    updated = models.PositiveIntegerField(_("updated"), default=0, db_default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    # Cards the file would create (the same as created once written).
    to_create = models.PositiveIntegerField(default=0)
    written = models.BooleanField(_("written"), default=False)
    error_count = models.PositiveIntegerField(_("bad rows"), default=0)
    # The first MAX_ERRORS bad rows: [{"line": 14, "message": "..."}].
    errors = models.JSONField(default=list, blank=True)
    # Why the file as a whole could not be imported.
    message = models.TextField(_("message"), blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    # When the worker last reported progress: an import that stops reporting was stopped
    # (card_import_sweep).
    progress_at = models.DateTimeField(_("last progress at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    MAX_ERRORS = 1000

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("card import")
        verbose_name_plural = _("card imports")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.created_at:%Y-%m-%d %H:%M})"

    @property
    def is_finished(self) -> bool:
        return self.state in (CardImportState.DONE, CardImportState.FAILED)

    @property
    def stage_percent(self) -> int:
        return self.stage_done * 100 // self.stage_total if self.stage_total else 0
