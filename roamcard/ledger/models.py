"""Double-entry bookkeeping for money (per currency) and data (bytes).

Every movement is a Transaction whose Entries sum to zero per unit. A Transaction has a
unique key (the business event it records), so posting the same event twice is a no-op."""

from django.db import models
from django.utils.translation import gettext_lazy as _

DATA_UNIT = "BYTE"


class Account(models.Model):
    """Where value sits: a card's data, a gateway's clearing balance, sales, ..."""

    code = models.CharField(_("code"), max_length=80, unique=True)
    unit = models.CharField(
        _("unit"), max_length=4, help_text=_("ISO 4217 code, or BYTE for data.")
    )
    card = models.ForeignKey(
        "cards.Card",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_accounts",
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("ledger account")
        verbose_name_plural = _("ledger accounts")

    def __str__(self) -> str:
        return self.code


class Transaction(models.Model):
    key = models.CharField(_("key"), max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=40, db_index=True)
    memo = models.CharField(_("memo"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("ledger transaction")
        verbose_name_plural = _("ledger transactions")

    def __str__(self) -> str:
        return self.key


class Entry(models.Model):
    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="entries")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    unit = models.CharField(max_length=4)
    amount = models.BigIntegerField(help_text=_("Positive is a debit, negative a credit."))

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        indexes = [models.Index(fields=["account", "unit"])]

    def __str__(self) -> str:
        return f"{self.account} {self.amount:+d} {self.unit}"
