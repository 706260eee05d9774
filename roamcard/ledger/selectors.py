from django.db.models import Sum

from .models import DATA_UNIT, Entry, Transaction
from .services import card_data_account


def account_balance(*, code: str) -> int:
    return Entry.objects.filter(account__code=code).aggregate(total=Sum("amount"))["total"] or 0


def card_data_balance(*, card_id: int) -> int:
    """Bytes the ledger says the card holds."""
    return account_balance(code=card_data_account(card_id))


def ledger_transaction_exists(*, key: str) -> bool:
    """Whether the business event with this key has been posted already."""
    return Transaction.objects.filter(key=key).exists()


def unit_totals() -> dict[str, int]:
    """The sum of every entry per unit: zero for each, always."""
    rows = Entry.objects.values("unit").annotate(total=Sum("amount"))
    return {row["unit"]: row["total"] for row in rows}


__all__ = [
    "DATA_UNIT",
    "account_balance",
    "card_data_balance",
    "ledger_transaction_exists",
    "unit_totals",
]
