from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CardStatus(models.TextChoices):
    IN_STOCK = "in_stock", _("In stock")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    EXPIRED = "expired", _("Expired")


class CardForm(models.TextChoices):
    PHYSICAL = "physical", _("Physical SIM")
    ESIM = "esim", _("eSIM")


class StartMode(models.TextChoices):
    """When a purchase's allowance starts (docs/decisions/0003)."""

    NOW = "now", pgettext_lazy("plan start", "Now")
    QUEUED = "queued", pgettext_lazy("plan start", "When the current plan ends or runs out")
    FIRST_USE = "first_use", pgettext_lazy("plan start", "On first use")


class BucketState(models.TextChoices):
    """Derived from a bucket's window, bytes and withdrawal at a moment (never stored)."""

    QUEUED = "queued", pgettext_lazy("bucket", "Starts later")
    WAITING_FIRST_USE = "waiting_first_use", pgettext_lazy("bucket", "Starts on first use")
    LIVE = "live", pgettext_lazy("bucket", "In use")
    USED_UP = "used_up", pgettext_lazy("bucket", "Used up")
    ENDED = "ended", pgettext_lazy("bucket", "Ended")


class CardImportState(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("card import", "Queued")
    RUNNING = "running", pgettext_lazy("card import", "Running")
    DONE = "done", pgettext_lazy("card import", "Done")
    FAILED = "failed", pgettext_lazy("card import", "Failed")


class CardImportStage(models.TextChoices):
    """The steps of a running import, in order (the importer's STAGE_* names)."""

    READING = "reading", _("Reading the file")
    VALIDATING = "validating", _("Checking each row")
    COMPARING = "comparing", _("Comparing with cards already in stock")
    INSERTING = "inserting", _("Saving the new cards")


class BucketAdjustReason(models.TextChoices):
    """Why staff changed a bucket by hand (recorded in the ledger and the audit log)."""

    GOODWILL = "goodwill", _("Goodwill")
    NETWORK_FAULT = "network_fault", _("Compensation for a network fault")
    CORRECTION = "correction", _("Correction of an error")
    FRAUD = "fraud", _("Fraud or abuse")
    OTHER = "other", _("Other")
