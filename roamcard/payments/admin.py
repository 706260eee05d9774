"""Payments in the back office: read-only records of what the gateways did and said, and
the payment methods travellers saved (read-only, with a "Remove" action, audited).

Flagged webhook deliveries (an amount or currency that does not match, an unknown payment)
are what staff must look at: filter the deliveries by outcome."""

import json

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from unfold.admin import TabularInline
from unfold.contrib.filters.admin import RangeDateTimeFilter
from unfold.decorators import action, display

from roamcard.core.admin_audit import AuditedModelAdminMixin, ReadOnlyModelAdmin, request_ip
from roamcard.core.admin_display import Badge, choice_badge
from roamcard.core.money import format_money

from .choices import PaymentState, RefundState
from .models import (
    Payment,
    PaymentEvent,
    PaymentSetup,
    Refund,
    SavedPaymentMethod,
    WebhookDelivery,
)
from .selectors import saved_method_expiry
from .services import saved_method_remove

PAYMENT_COLOURS = {
    PaymentState.CREATED: "",
    PaymentState.PENDING: "warning",
    PaymentState.UNKNOWN: "warning",
    PaymentState.REQUIRES_ACTION: "warning",
    PaymentState.SUCCEEDED: "success",
    PaymentState.FAILED: "danger",
}
REFUND_COLOURS = {
    RefundState.CREATED: "",
    RefundState.PENDING: "warning",
    RefundState.UNKNOWN: "warning",
    RefundState.SUCCEEDED: "success",
    RefundState.FAILED: "danger",
}
OUTCOME_COLOURS = {
    WebhookDelivery.Outcome.RECEIVED: "info",
    WebhookDelivery.Outcome.REJECTED: "danger",
    WebhookDelivery.Outcome.DUPLICATE: "",
    WebhookDelivery.Outcome.PROCESSED: "success",
    WebhookDelivery.Outcome.FLAGGED: "danger",
    WebhookDelivery.Outcome.IGNORED: "",
}
SAVED_METHOD_COLOURS = {
    SavedPaymentMethod.State.ACTIVE: "success",
    SavedPaymentMethod.State.REMOVED: "",
}
SETUP_COLOURS = {
    PaymentSetup.State.PENDING: "warning",
    PaymentSetup.State.SUCCEEDED: "success",
    PaymentSetup.State.FAILED: "danger",
}


def _pretty_json(value) -> str:
    return format_html(
        '<pre class="whitespace-pre-wrap">{}</pre>', json.dumps(value, indent=2, ensure_ascii=False)
    )


class PaymentEventInline(TabularInline):
    model = PaymentEvent
    extra = 0
    max_num = 0
    can_delete = False
    fields = ("at", "kind", "state", "data")
    readonly_fields = fields


@admin.register(Payment)
class PaymentAdmin(ReadOnlyModelAdmin):
    list_display = (
        "public_id",
        "created_at",
        "order_number",
        "gateway",
        "method",
        "amount",
        "state_label",
        "paid_order",
    )
    list_filter = (
        "state",
        "gateway",
        "method",
        "currency",
        "paid_order",
        "off_session",
        ("created_at", RangeDateTimeFilter),
    )
    list_filter_submit = True
    list_select_related = ("order",)
    search_fields = (
        "=public_id",
        "gateway_reference",
        "=order__public_id",
        "order__user__email",
        "order__card__iccid",
    )
    date_hierarchy = "created_at"
    readonly_fields = (
        "public_id",
        "order",
        "gateway",
        "method",
        "amount",
        "state_label",
        "gateway_reference",
        "paid_order",
        "off_session",
        "saved_method",
        "redirect_url",
        "qr_code",
        "error_code",
        "error_message",
        "created_at",
        "updated_at",
        "completed_at",
        "reconcile_attempts",
        "next_reconcile_at",
        "expires_at",
    )
    fields = readonly_fields
    inlines = (PaymentEventInline,)

    @display(description=_("order"), ordering="order__public_id")
    def order_number(self, payment: Payment) -> str:
        return payment.order.short_id

    @display(description=_("amount"), ordering="amount_minor")
    def amount(self, payment: Payment) -> str:
        return format_money(payment.money)

    @display(description=_("state"), ordering="state", label=PAYMENT_COLOURS)
    def state_label(self, payment: Payment) -> Badge:
        return choice_badge(payment, "state", PAYMENT_COLOURS)


@admin.register(Refund)
class RefundAdmin(ReadOnlyModelAdmin):
    list_display = (
        "public_id",
        "created_at",
        "payment",
        "amount",
        "state_label",
        "reason_code",
        "requested_by",
    )
    list_filter = ("state", "reason_code", "currency", ("created_at", RangeDateTimeFilter))
    list_filter_submit = True
    list_select_related = ("payment", "requested_by")
    search_fields = (
        "=public_id",
        "gateway_reference",
        "=payment__public_id",
        "=payment__order__public_id",
        "reason",
    )
    readonly_fields = (
        "public_id",
        "payment",
        "amount",
        "state_label",
        "reason_code",
        "note",
        "reason",
        "bytes_withdrawn",
        "idempotency_key",
        "gateway_reference",
        "error_message",
        "requested_by",
        "attempts",
        "created_at",
        "updated_at",
        "completed_at",
    )
    fields = readonly_fields

    @display(description=_("amount"), ordering="amount_minor")
    def amount(self, refund: Refund) -> str:
        return format_money(refund.money)

    @display(description=_("state"), ordering="state", label=REFUND_COLOURS)
    def state_label(self, refund: Refund) -> Badge:
        return choice_badge(refund, "state", REFUND_COLOURS)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyModelAdmin):
    list_display = ("received_at", "gateway", "event_id", "outcome_label", "reason", "payment")
    list_filter = ("outcome", "gateway", ("received_at", RangeDateTimeFilter))
    list_filter_submit = True
    list_select_related = ("payment",)
    search_fields = ("event_id", "=payment__public_id", "reason")
    date_hierarchy = "received_at"
    readonly_fields = (
        "received_at",
        "gateway",
        "event_id",
        "outcome_label",
        "reason",
        "payment",
        "processed_at",
        "event_pretty",
        "headers_pretty",
        "body_size",
        "body_sha256",
        "body",
    )
    fields = readonly_fields

    @display(description=_("outcome"), ordering="outcome", label=OUTCOME_COLOURS)
    def outcome_label(self, delivery: WebhookDelivery) -> Badge:
        return choice_badge(delivery, "outcome", OUTCOME_COLOURS)

    @display(description=_("event"))
    def event_pretty(self, delivery: WebhookDelivery) -> str:
        return _pretty_json(delivery.event)

    @display(description=_("headers"))
    def headers_pretty(self, delivery: WebhookDelivery) -> str:
        return _pretty_json(delivery.headers)


@admin.register(SavedPaymentMethod)
class SavedPaymentMethodAdmin(AuditedModelAdminMixin, ReadOnlyModelAdmin):
    """What travellers saved for automatic renewal. Read-only: "Remove" stops every further
    charge to the method and tells the gateway (audited, as staff)."""

    list_display = (
        "label",
        "user",
        "method",
        "gateway",
        "expiry",
        "state_label",
        "created_at",
        "removed_at",
        "vendor_removed_at",
    )
    list_filter = ("state", "gateway", "method", ("created_at", RangeDateTimeFilter))
    list_filter_submit = True
    list_select_related = ("user",)
    search_fields = ("=public_id", "user__email", "user__phone", "label", "=token")
    date_hierarchy = "created_at"
    readonly_fields = (
        "public_id",
        "user",
        "gateway",
        "method",
        "label",
        "brand",
        "expiry",
        "state_label",
        "token",
        "customer_ref",
        "created_at",
        "removed_at",
        "vendor_removed_at",
        "vendor_removal_attempts",
        "next_vendor_removal_at",
    )
    fields = readonly_fields
    actions = ("remove_methods",)

    @display(description=_("expires"))
    def expiry(self, method: SavedPaymentMethod) -> str:
        return saved_method_expiry(method)

    @display(description=_("state"), ordering="state", label=SAVED_METHOD_COLOURS)
    def state_label(self, method: SavedPaymentMethod) -> Badge:
        return choice_badge(method, "state", SAVED_METHOD_COLOURS)

    def has_remove_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("payments.change_savedpaymentmethod")

    @action(description=_("Remove (nothing more is charged to it)"), permissions=["remove"])
    def remove_methods(self, request: HttpRequest, queryset: QuerySet[SavedPaymentMethod]) -> None:
        active = queryset.filter(state=SavedPaymentMethod.State.ACTIVE)
        removed = 0
        for method in active:
            saved_method_remove(
                saved_method_id=method.pk,
                actor=request.user,
                by_staff=True,
                ip_address=request_ip(request),
            )
            removed += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d payment method removed.", "%(count)d payment methods removed.", removed
            )
            % {"count": removed},
            messages.SUCCESS if removed else messages.INFO,
        )


@admin.register(PaymentSetup)
class PaymentSetupAdmin(ReadOnlyModelAdmin):
    """Travellers adding a payment method at a gateway, and how it ended."""

    list_display = ("created_at", "user", "method", "gateway", "state_label", "error_code")
    list_filter = ("state", "gateway", "method", ("created_at", RangeDateTimeFilter))
    list_filter_submit = True
    list_select_related = ("user",)
    search_fields = ("=public_id", "user__email", "user__phone", "reference")
    date_hierarchy = "created_at"
    readonly_fields = (
        "public_id",
        "user",
        "gateway",
        "method",
        "state_label",
        "reference",
        "redirect_url",
        "customer_ref",
        "error_code",
        "error_message",
        "saved_method",
        "expires_at",
        "next_check_at",
        "check_attempts",
        "created_at",
        "completed_at",
    )
    fields = readonly_fields

    @display(description=_("state"), ordering="state", label=SETUP_COLOURS)
    def state_label(self, setup: PaymentSetup) -> Badge:
        return choice_badge(setup, "state", SETUP_COLOURS)
