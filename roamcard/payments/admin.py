"""Payments in the back office: read-only records of what the gateways did and said.

Flagged webhook deliveries (an amount or currency that does not match, an unknown payment)
are what staff must look at: filter the deliveries by outcome."""

import json

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.admin import TabularInline
from unfold.contrib.filters.admin import RangeDateTimeFilter
from unfold.decorators import display

from roamcard.core.admin_audit import ReadOnlyModelAdmin
from roamcard.core.admin_display import Badge, choice_badge
from roamcard.core.money import format_money

from .choices import PaymentState, RefundState
from .models import Payment, PaymentEvent, Refund, WebhookDelivery

PAYMENT_COLOURS = {
    PaymentState.CREATED: "",
    PaymentState.PENDING: "warning",
    PaymentState.UNKNOWN: "warning",
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
        "reason",
        "requested_by",
    )
    list_filter = ("state", "currency", ("created_at", RangeDateTimeFilter))
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
        "reason",
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
