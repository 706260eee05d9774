"""Automatic renewal in the back office, read-only: each card's policy (as its traveller set
it, and whether and why we switched it off), and every automatic renewal with its payment
attempts. Travellers change their policies themselves (audited); staff read, and act on
the orders the renewals created from the orders' own pages."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from unfold.admin import TabularInline
from unfold.contrib.filters.admin import RangeDateTimeFilter
from unfold.decorators import display

from roamcard.core.admin_audit import ReadOnlyModelAdmin
from roamcard.core.admin_display import Badge, choice_badge
from roamcard.core.formatting import format_bytes
from roamcard.core.money import format_money

from .choices import RenewalState
from .models import AutoRenewal, AutoRenewalAttempt, RenewalPolicy

STATE_COLOURS = {
    RenewalState.SCHEDULED: "info",
    RenewalState.CHARGING: "info",
    RenewalState.ACTION_REQUIRED: "warning",
    RenewalState.RETRY_WAIT: "warning",
    RenewalState.SUCCEEDED: "success",
    RenewalState.FAILED: "danger",
    RenewalState.SKIPPED: "",
}


@admin.register(RenewalPolicy)
class RenewalPolicyAdmin(ReadOnlyModelAdmin):
    list_display = ("card", "user", "enabled", "plan", "due_at", "off_reason", "updated_at")
    list_filter = ("enabled", "off_reason", "starts")
    list_select_related = ("card", "user", "plan")
    search_fields = ("card__iccid", "user__email", "user__phone")
    fields = (
        "card",
        "user",
        "enabled",
        "plan",
        "currency",
        "saved_method",
        "starts",
        "trigger_percent",
        "trigger_mb",
        "trigger_hours",
        "max_renewals",
        "monthly_limit",
        "notice_minutes",
        "due_at",
        "off_reason",
        "off_at",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields

    @display(description=_("spending limit per calendar month"))
    def monthly_limit(self, policy: RenewalPolicy) -> str:
        limit = policy.monthly_limit
        return format_money(limit) if limit is not None else "—"


class AttemptInline(TabularInline):
    model = AutoRenewalAttempt
    extra = 0
    max_num = 0
    can_delete = False
    fields = (
        "number",
        "outcome",
        "payment",
        "error_code",
        "error_message",
        "started_at",
        "finished_at",
    )
    readonly_fields = fields
    verbose_name_plural = _("payment attempts")


@admin.register(AutoRenewal)
class AutoRenewalAdmin(ReadOnlyModelAdmin):
    list_display = (
        "created_at",
        "card",
        "trigger",
        "plan",
        "amount",
        "state_label",
        "skipped_reason",
    )
    list_filter = ("state", "trigger", "skipped_reason", ("created_at", RangeDateTimeFilter))
    list_filter_submit = True
    list_select_related = ("card", "plan")
    search_fields = ("=public_id", "card__iccid", "user__email", "user__phone")
    date_hierarchy = "created_at"
    fields = (
        "public_id",
        "card",
        "user",
        "state_label",
        "skipped_reason",
        "trigger",
        "bucket",
        "data_left",
        "coverage_ends_at",
        "plan",
        "amount",
        "starts",
        "order",
        "announced_at",
        "charge_at",
        "next_step_at",
        "created_at",
        "finished_at",
    )
    readonly_fields = fields
    inlines = (AttemptInline,)

    @display(description=_("amount"), ordering="amount_minor")
    def amount(self, renewal: AutoRenewal) -> str:
        return format_money(renewal.money)

    @display(description=_("data left"))
    def data_left(self, renewal: AutoRenewal) -> str:
        if renewal.bytes_remaining is None:
            return str(_("unlimited"))
        return format_bytes(renewal.bytes_remaining)

    @display(description=_("state"), ordering="state", label=STATE_COLOURS)
    def state_label(self, renewal: AutoRenewal) -> Badge:
        return choice_badge(renewal, "state", STATE_COLOURS)
