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

from .models import Account, Entry, Transaction


class EntryInline(TabularInline):
    model = Entry
    extra = 0
    max_num = 0
    can_delete = False
    fields = ("account", "unit", "amount")
    readonly_fields = fields


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
    def balance(self, account: Account) -> int:
        """In minor units of the currency, or bytes. Positive is a debit balance."""
        return account.total or 0


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
    list_display = ("transaction", "account", "unit", "amount")
    list_filter = ("unit",)
    search_fields = ("account__code", "transaction__key")
    list_select_related = ("transaction", "account")
    fields = ("transaction", "account", "unit", "amount")
    readonly_fields = fields
