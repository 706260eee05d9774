import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from roamcard.catalog.models import Plan, Region

from .choices import CardForm, CardImportStage, CardImportState, CardStatus


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
    """The allowance one fulfilled purchase puts on a card."""

    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="buckets")
    plan = models.ForeignKey(
        Plan, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey(
        Region, verbose_name=_("coverage"), on_delete=models.PROTECT, related_name="+"
    )
    bytes_granted = models.BigIntegerField(_("bytes granted"), null=True, blank=True)
    bytes_remaining = models.BigIntegerField(_("bytes remaining"), null=True, blank=True)
    valid_from = models.DateTimeField(_("valid from"))
    valid_until = models.DateTimeField(_("valid until"))
    updated_at = models.DateTimeField(_("figures as of"), auto_now=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["valid_until", "id"]
        verbose_name = _("bucket")
        verbose_name_plural = _("buckets")
        permissions = [("adjust_bucket", _("Can adjust a bucket's data and validity"))]
        indexes = [models.Index(fields=["card", "valid_until"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(bytes_remaining__gte=0) | models.Q(bytes_remaining__isnull=True),
                name="bucket_remaining_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_until__gt=models.F("valid_from")),
                name="bucket_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.card} until {self.valid_until:%Y-%m-%d}"

    @property
    def is_unlimited(self) -> bool:
        return self.bytes_granted is None


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
