"""Posting to the ledger. Callers pass business events; this module knows the accounts."""

from collections import defaultdict
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from roamcard.core import rawsql

from .models import DATA_UNIT, Account, Entry, Transaction


class UnbalancedTransaction(ValueError):
    pass


@dataclass(frozen=True)
class Leg:
    account: str
    unit: str
    amount: int
    card_id: int | None = None


def _account(leg: Leg) -> Account:
    account, _ = Account.objects.get_or_create(
        code=leg.account, defaults={"unit": leg.unit, "card_id": leg.card_id}
    )
    if account.unit != leg.unit:
        raise UnbalancedTransaction(f"{leg.account} holds {account.unit}, not {leg.unit}")
    return account


def ledger_post(*, key: str, kind: str, legs: list[Leg], memo: str = "") -> Transaction:
    """Post one balanced transaction, once: a second call with the same key returns the
    first transaction and writes nothing."""
    totals: dict[str, int] = defaultdict(int)
    for leg in legs:
        totals[leg.unit] += leg.amount
    unbalanced = {unit: total for unit, total in totals.items() if total}
    if unbalanced:
        raise UnbalancedTransaction(f"{key}: entries do not sum to zero: {unbalanced}")

    existing = Transaction.objects.filter(key=key).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            txn = Transaction.objects.create(key=key, kind=kind, memo=memo[:200])
            Entry.objects.bulk_create(
                Entry(transaction=txn, account=_account(leg), unit=leg.unit, amount=leg.amount)
                for leg in legs
                if leg.amount
            )
    except IntegrityError:
        # Someone posted the same key concurrently; theirs stands.
        return Transaction.objects.get(key=key)
    return txn


DATA_USED_ACCOUNT = "network:data_used"


def card_data_account(card_id: int) -> str:
    return f"card:{card_id}:data"


def _transfer(
    *,
    key: str,
    kind: str,
    memo: str,
    unit: str,
    amount: int,
    to: str,
    from_: str,
    card_id: int | None = None,
) -> Transaction:
    """A two-leg transaction: `amount` moves from account `from_` to account `to`. The card,
    when given, is the owner of whichever of the two is its data account."""
    data_account = card_data_account(card_id) if card_id is not None else None
    return ledger_post(
        key=key,
        kind=kind,
        memo=memo,
        legs=[
            Leg(to, unit, amount, card_id=card_id if to == data_account else None),
            Leg(from_, unit, -amount, card_id=card_id if from_ == data_account else None),
        ],
    )


def ledger_post_data_grant(
    *, key: str, card_id: int, bytes_granted: int, memo: str = ""
) -> Transaction:
    """Data granted to a card by a fulfilled purchase: it comes from the network."""
    return _transfer(
        key=key,
        kind="data_grant",
        memo=memo,
        unit=DATA_UNIT,
        amount=bytes_granted,
        to=card_data_account(card_id),
        from_="network:data_granted",
        card_id=card_id,
    )


def ledger_post_data_reversal(
    *, key: str, card_id: int, bytes_removed: int, memo: str = ""
) -> Transaction:
    """Data taken back from a card (a refunded purchase's unused allowance)."""
    return _transfer(
        key=key,
        kind="data_reversal",
        memo=memo,
        unit=DATA_UNIT,
        amount=bytes_removed,
        to="network:data_granted",
        from_=card_data_account(card_id),
        card_id=card_id,
    )


def ledger_post_data_usage(
    *, key: str, card_id: int, bytes_used: int, memo: str = ""
) -> Transaction:
    """Data the card used on the network."""
    return _transfer(
        key=key,
        kind="data_usage",
        memo=memo,
        unit=DATA_UNIT,
        amount=bytes_used,
        to=DATA_USED_ACCOUNT,
        from_=card_data_account(card_id),
        card_id=card_id,
    )


DATA_ADJUSTED_ACCOUNT = "network:data_adjusted"


def ledger_post_data_adjustment(
    *, key: str, card_id: int, bytes_delta: int, memo: str = ""
) -> Transaction:
    """Data that staff added to a card (`bytes_delta` > 0: goodwill, compensation) or took
    off it (< 0: correcting an error, fraud), against the account of staff adjustments.
    Zero still records the adjustment, as a transaction without entries (only the
    bucket's window changed), so the key marks the adjustment as done."""
    if bytes_delta >= 0:
        to, from_, amount = card_data_account(card_id), DATA_ADJUSTED_ACCOUNT, bytes_delta
    else:
        to, from_, amount = DATA_ADJUSTED_ACCOUNT, card_data_account(card_id), -bytes_delta
    return _transfer(
        key=key,
        kind="data_adjustment",
        memo=memo,
        unit=DATA_UNIT,
        amount=amount,
        to=to,
        from_=from_,
        card_id=card_id,
    )


def ledger_post_payment(
    *, key: str, gateway: str, amount_minor: int, currency: str, memo: str = ""
) -> Transaction:
    """Money a gateway collected for us: it sits with the gateway until settlement."""
    return _transfer(
        key=key,
        kind="payment",
        memo=memo,
        unit=currency,
        amount=amount_minor,
        to=f"gateway:{gateway}:{currency}",
        from_=f"sales:{currency}",
    )


def ledger_post_refund(
    *, key: str, gateway: str, amount_minor: int, currency: str, memo: str = ""
) -> Transaction:
    """Money given back: it leaves the gateway's balance."""
    return _transfer(
        key=key,
        kind="refund",
        memo=memo,
        unit=currency,
        amount=amount_minor,
        to=f"refunds:{currency}",
        from_=f"gateway:{gateway}:{currency}",
    )


def ledger_post_data_usage_batch(*, batch_id: int, charges: list[tuple[int, int, int]]) -> None:
    """Book a usage batch: one data transaction per bucket it charged, (card id, bucket id,
    bytes), keyed usage:<batch>:<bucket>, from the card's data account to the network's
    data used. Set-based (a batch may charge 10,000 buckets): one statement per table. The
    batch is new, so its keys are too; the caller's transaction makes it all or nothing."""
    charges = [charge for charge in charges if charge[2]]
    if not charges:
        return
    codes = {card_id: card_data_account(card_id) for card_id, _b, _n in charges}
    accounts = {
        code: pk
        for code, pk in rawsql.values_in(
            "SELECT code, id FROM ledger_account WHERE code {in}",
            [*set(codes.values()), DATA_USED_ACCOUNT],
        )
    }
    for card_id, code in codes.items():
        if code not in accounts:
            accounts[code] = _account(Leg(code, DATA_UNIT, 0, card_id=card_id)).pk
    if DATA_USED_ACCOUNT not in accounts:
        accounts[DATA_USED_ACCOUNT] = _account(Leg(DATA_USED_ACCOUNT, DATA_UNIT, 0)).pk
    now = rawsql.db_datetime(timezone.now())
    keys = [f"usage:{batch_id}:{bucket_id}" for _c, bucket_id, _n in charges]
    rawsql.rows_insert(
        Transaction._meta.db_table,
        ["key", "kind", "memo", "created_at"],
        [(key, "data_usage", f"usage batch {batch_id}", now) for key in keys],
    )
    ids = dict(rawsql.values_in("SELECT key, id FROM ledger_transaction WHERE key {in}", keys))
    used = accounts[DATA_USED_ACCOUNT]
    entries = []
    for key, (card_id, _bucket_id, used_bytes) in zip(keys, charges, strict=True):
        entries.append((ids[key], accounts[codes[card_id]], DATA_UNIT, -used_bytes))
        entries.append((ids[key], used, DATA_UNIT, used_bytes))
    rawsql.rows_insert(
        Entry._meta.db_table, ["transaction_id", "account_id", "unit", "amount"], entries
    )
