"""The ledger in the back office: read-only, like any book of account. Corrections are
new transactions posted by the code, never edits."""

from django.contrib import admin
from django.db.models import QuerySet, Sum
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from unfold.admin import TabularInline
from unfold.contrib.filters.admin import RangeDateTimeFilter
from unfold.decorators import display

from roamcard.core.admin_audit import ReadOnlyModelAdmin
from roamcard.core.formatting import format_bytes
from roamcard.core.money import Money

from .models import DATA_UNIT, Account, Entry, Transaction


def human_amount(amount: int, unit: str) -> str:
    """An amount as staff read it, data in GB / MB and money in its currency, then the exact
    figure in bytes or minor units: "-1.5 GB (-1610612736)", "CN¥68.00 (+6800)". A debit is
    positive, a credit negative, as in the book."""
    if unit == DATA_UNIT:
        readable = ("-" if amount < 0 else "") + format_bytes(abs(amount))
    else:
        try:
            readable = Money(amount, unit).format()
        except ValueError:  # not a currency code: the raw figure rather than a failed page
            return f"{amount:+d} {unit}"
    return f"{readable} ({amount:+d})"


class EntryInline(TabularInline):
    model = Entry
    extra = 0
    max_num = 0
    can_delete = False
    fields = ("account", "unit", "amount_shown")
    readonly_fields = fields

    @display(description=_("amount"), ordering="amount")
    def amount_shown(self, entry: Entry) -> str:
        return human_amount(entry.amount, entry.unit)


@admin.register(Account)
class AccountAdmin(ReadOnlyModelAdmin):
    list_display = ("code", "unit", "card", "balance")
    list_filter = ("unit",)
    search_fields = ("code", "card__iccid")
    list_select_related = ("card",)
    fields = ("code", "unit", "card", "balance")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Account]:
        return super().get_queryset(request).annotate(total=Sum("entries__amount"))

    @display(description=_("balance"), ordering="total")
    def balance(self, account: Account) -> str:
        """In GB / MB, or in the currency; positive is a debit balance. The exact figure (in
        bytes or minor units) is beside it."""
        return human_amount(account.total or 0, account.unit)


@admin.register(Transaction)
class TransactionAdmin(ReadOnlyModelAdmin):
    list_display = ("created_at", "kind", "key", "memo")
    list_filter = ("kind", ("created_at", RangeDateTimeFilter))
    list_filter_submit = True
    search_fields = ("key", "memo")
    date_hierarchy = "created_at"
    fields = ("key", "kind", "memo", "created_at")
    readonly_fields = fields
    inlines = (EntryInline,)


@admin.register(Entry)
class EntryAdmin(ReadOnlyModelAdmin):
    list_display = ("transaction", "account", "unit", "amount_shown")
    list_filter = ("unit",)
    search_fields = ("account__code", "transaction__key")
    list_select_related = ("transaction", "account")
    fields = ("transaction", "account", "unit", "amount", "amount_shown")
    readonly_fields = fields

    @display(description=_("amount"), ordering="amount")
    def amount_shown(self, entry: Entry) -> str:
        return human_amount(entry.amount, entry.unit)
