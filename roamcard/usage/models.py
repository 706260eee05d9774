from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from roamcard.core.bearer import BEARER_HASH_LENGTH


class NetworkApiKey(models.Model):
    """A key the network sends to the API (e.g. its usage records). Staff issue it in the
    back office; the secret is shown once and only its SHA-256 is stored."""

    class Scope(models.TextChoices):
        USAGE_WRITE = "usage:write", _("Send usage records")

    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=8)
    secret_hash = models.CharField(max_length=BEARER_HASH_LENGTH, unique=True)
    scope = models.CharField(_("scope"), max_length=32, choices=Scope.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("issued by"),
    )
    created_at = models.DateTimeField(_("issued"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )

    class Meta:
        verbose_name = _("network API key")
        verbose_name_plural = _("network API keys")
        ordering = ("-created_at", "-pk")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class UsageBatch(models.Model):
    """Usage events received together: one API request, or one chunk of a CDR file. The
    ledger books a batch's usage as one data transaction per bucket it charged."""

    class Source(models.TextChoices):
        API = "api", _("API")
        FILE = "file", _("CDR file")

    source = models.CharField(_("source"), max_length=4, choices=Source.choices)
    api_key = models.ForeignKey(
        NetworkApiKey,
        verbose_name=_("network API key"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # A CDR file's name and the lines of it this batch holds.
    file_name = models.CharField(_("file"), max_length=255, blank=True)
    first_line = models.PositiveIntegerField(_("first line"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"), db_index=True)
    events = models.PositiveIntegerField(_("events"), default=0)
    accepted = models.PositiveIntegerField(_("accepted"), default=0)
    duplicates = models.PositiveIntegerField(_("duplicates"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)

    class Meta:
        verbose_name = _("usage batch")
        verbose_name_plural = _("usage batches")
        ordering = ("-received_at", "-pk")

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.received_at:%Y-%m-%d %H:%M:%S}"


class UsageEvent(models.Model):
    """One usage record the network reported for a card, as charged. Its event id is the
    network's own and unique: the same event sent again is a duplicate, charged once.
    bytes_up + bytes_down = charged_bytes + overage_bytes, except out of coverage, where
    nothing is charged and nothing is overage."""

    id = models.BigAutoField(primary_key=True)
    # Unique by a constraint (Meta), not unique=True: on PostgreSQL that would add a second
    # index for LIKE queries, which none makes and which slowed inserts by a third.
    event_id = models.CharField(_("event id"), max_length=64)
    # No database constraint on these keys (nor on UsageCharge's and UsageDay's): checked
    # at commit, one per row, they cost as much as the rows; usage_ingest writes these rows
    # only for cards it has locked and the batch it has just made, and neither cards nor
    # batches are ever deleted (docs/decisions/0007).
    batch = models.ForeignKey(
        UsageBatch,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    card = models.ForeignKey(
        "cards.Card",
        verbose_name=_("card"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    started_at = models.DateTimeField(_("started"))
    ended_at = models.DateTimeField(_("ended"))
    bytes_up = models.BigIntegerField(_("bytes up"))
    bytes_down = models.BigIntegerField(_("bytes down"))
    # ISO 3166-1 alpha-2, as sent or from the MCC; `network` keeps the MCC-MNC when sent.
    country = models.CharField(_("country"), max_length=2)
    network = models.CharField(_("network (MCC-MNC)"), max_length=7, blank=True)
    charged_bytes = models.BigIntegerField(_("charged"))
    # Beyond every bucket covering the country at the time.
    overage_bytes = models.BigIntegerField(_("beyond the allowance"))
    out_of_coverage = models.BooleanField(_("outside coverage"), default=False)

    class Meta:
        verbose_name = _("usage event")
        verbose_name_plural = _("usage events")
        indexes = [models.Index(fields=["card", "started_at"], name="usage_event_card_time")]
        constraints = [models.UniqueConstraint(fields=["event_id"], name="usage_event_once")]

    def __str__(self) -> str:
        return self.event_id

    @property
    def total_bytes(self) -> int:
        return self.bytes_up + self.bytes_down


class UsageCharge(models.Model):
    """What one batch charged to one bucket: the ledger's data transaction for the pair
    (key usage:<batch>:<bucket>). A bucket's charges plus what it has left are what it was
    granted (plus staff adjustments)."""

    batch = models.ForeignKey(
        UsageBatch, on_delete=models.PROTECT, related_name="charges", db_constraint=False
    )
    bucket = models.ForeignKey(
        "cards.Bucket", on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    bytes = models.BigIntegerField(_("bytes"))

    class Meta:
        verbose_name = _("usage charge")
        verbose_name_plural = _("usage charges")
        constraints = [
            models.UniqueConstraint(fields=["batch", "bucket"], name="usage_charge_once"),
        ]
        indexes = [models.Index(fields=["bucket"], name="usage_charge_bucket")]

    def __str__(self) -> str:
        return f"batch {self.batch_id} → bucket {self.bucket_id}: {self.bytes}"


class UsageDay(models.Model):
    """A card's usage on one day (UTC) in one country: what the records page, its chart,
    the CSV export and the forecast read. Kept up to date by every batch."""

    card = models.ForeignKey(
        "cards.Card", on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    day = models.DateField(_("day (UTC)"))
    country = models.CharField(_("country"), max_length=2)
    bytes = models.BigIntegerField(_("used"), default=0)
    charged_bytes = models.BigIntegerField(_("charged"), default=0)
    overage_bytes = models.BigIntegerField(_("beyond the allowance"), default=0)
    uncovered_bytes = models.BigIntegerField(_("outside coverage"), default=0)
    events = models.PositiveIntegerField(_("events"), default=0)
    updated_at = models.DateTimeField(_("figures as of"))

    class Meta:
        verbose_name = _("daily usage")
        verbose_name_plural = _("daily usage")
        ordering = ("card", "day", "country")
        constraints = [
            models.UniqueConstraint(fields=["card", "day", "country"], name="usage_day_once"),
        ]

    def __str__(self) -> str:
        return f"{self.card_id} {self.day} {self.country}: {self.bytes}"


class UsageAlert(models.Model):
    """An alert about one coverage of a card, recorded on the bucket it concerns: data left
    fell to a threshold (percent) or validity is about to end (days). The unique constraint
    makes each alert happen at most once per bucket and threshold, whichever job gets there
    first. Thresholds passed together with a lower one are recorded unsent (`notified`
    false), so that they are never sent later."""

    class Kind(models.TextChoices):
        DATA = "data", _("Data left")
        VALIDITY = "validity", _("Validity ending")

    bucket = models.ForeignKey(
        "cards.Bucket", verbose_name=_("bucket"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    # Percent of data left for `data`, days before the end for `validity`.
    threshold = models.PositiveSmallIntegerField(_("threshold"))
    notified = models.BooleanField(_("sent"), default=True)
    # What the alert said: the coverage's data left, and when the coverage ends.
    bytes_remaining = models.BigIntegerField(_("data left"), null=True, blank=True)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("usage alert")
        verbose_name_plural = _("usage alerts")
        ordering = ("-created_at", "-pk")
        constraints = [
            models.UniqueConstraint(
                fields=["bucket", "kind", "threshold"], name="usage_alert_once"
            ),
        ]

    def __str__(self) -> str:
        return f"bucket {self.bucket_id}: {self.kind} {self.threshold}"
