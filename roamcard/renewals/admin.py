"""Renewals in the back office: find an order, read its history and payments, refund it
in full; follow provisioning jobs and retry a waiting one.

Orders are never edited by hand: every change goes through a service, so it is recorded
as an order event (and, for staff, in the audit log)."""

import uuid

from django.contrib import admin, messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from unfold.admin import TabularInline
from unfold.contrib.filters.admin import RangeDateTimeFilter
from unfold.decorators import action, display

from roamcard.core.admin_audit import AuditedModelAdminMixin, ReadOnlyModelAdmin, request_ip
from roamcard.core.admin_display import Badge, choice_badge
from roamcard.core.errors import DomainError
from roamcard.core.formatting import format_bytes
from roamcard.core.money import format_money
from roamcard.orders.choices import OrderState
from roamcard.orders.models import Order, OrderEvent
from roamcard.payments.models import Payment
from roamcard.provisioning.models import ProvisioningJob

from .services import renewal_provision, renewal_refund_by_staff

STATE_COLOURS = {
    OrderState.PENDING_PAYMENT: "warning",
    OrderState.PAID: "info",
    OrderState.FULFILLED: "success",
    OrderState.PAYMENT_FAILED: "danger",
    OrderState.CANCELLED: "",
    OrderState.REFUNDED: "info",
}


class OrderEventInline(TabularInline):
    model = OrderEvent
    extra = 0
    max_num = 0
    can_delete = False
    fields = ("at", "from_state", "to_state", "cause", "details")
    readonly_fields = fields
    verbose_name = _("state change")
    verbose_name_plural = _("history")


class PaymentInline(TabularInline):
    model = Payment
    extra = 0
    max_num = 0
    can_delete = False
    fields = (
        "public_id",
        "gateway",
        "method",
        "state",
        "amount",
        "gateway_reference",
        "paid_order",
        "error_message",
        "created_at",
    )
    readonly_fields = fields
    show_change_link = True

    @display(description=_("amount"))
    def amount(self, payment: Payment) -> str:
        return format_money(payment.money)


@admin.register(Order)
class OrderAdmin(ReadOnlyModelAdmin):
    """Read-only. The refund action's service writes its own audit record per order (with
    the confirmation step in between, the generic action audit would log a refund that
    staff then declined)."""

    list_display = ("number", "created_at", "user", "card", "plan_name", "amount", "state_label")
    list_filter = ("state", "currency", ("created_at", RangeDateTimeFilter))
    list_filter_submit = True
    list_select_related = ("user", "card")
    search_fields = ("user__email", "user__phone", "card__iccid")
    search_help_text = _(
        "Order number (full or the 8 characters on receipts), e-mail, phone or ICCID."
    )
    date_hierarchy = "created_at"
    fieldsets = (
        (
            None,
            {"fields": ("public_id", "number", "state_label", "failure_message", "user", "card")},
        ),
        (
            _("What was bought"),
            {
                "fields": (
                    "plan",
                    "plan_name",
                    "data",
                    "validity_days",
                    "starts",
                    "amount",
                    "bucket",
                )
            },
        ),
        (_("Times"), {"fields": ("created_at", "paid_at", "fulfilled_at", "updated_at")}),
        (_("Idempotency"), {"fields": ("idempotency_key",), "classes": ("collapse",)}),
    )
    readonly_fields = (
        "public_id",
        "number",
        "state_label",
        "failure_message",
        "user",
        "card",
        "plan",
        "plan_name",
        "data",
        "validity_days",
        "starts",
        "amount",
        "bucket",
        "created_at",
        "paid_at",
        "fulfilled_at",
        "updated_at",
        "idempotency_key",
    )
    inlines = (OrderEventInline, PaymentInline)
    actions = ("refund_in_full",)

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        """An order number matches exactly; the 8 characters of a receipt match as a prefix
        (as a range of UUIDs, which every database compares the same way)."""
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip().replace("-", "").lower()
        extra = Q()
        try:
            extra = Q(public_id=uuid.UUID(term))
        except ValueError:
            if 4 <= len(term) < 32 and all(c in "0123456789abcdef" for c in term):
                low = uuid.UUID(term.ljust(32, "0"))
                high = uuid.UUID(term.ljust(32, "f"))
                extra = Q(public_id__gte=low, public_id__lte=high)
        if extra:
            queryset = queryset | self.model.objects.filter(extra)
        return queryset, may_have_duplicates

    @display(description=_("order"), ordering="public_id")
    def number(self, order: Order) -> str:
        return order.short_id

    @display(description=_("amount"), ordering="amount_minor")
    def amount(self, order: Order) -> str:
        return format_money(order.money)

    @display(description=_("data"))
    def data(self, order: Order) -> str:
        return str(_("unlimited")) if order.data_bytes is None else format_bytes(order.data_bytes)

    @display(description=_("state"), ordering="state", label=STATE_COLOURS)
    def state_label(self, order: Order) -> Badge:
        return choice_badge(order, "state", STATE_COLOURS)

    def has_refund_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("payments.add_refund")

    @action(description=_("Refund in full"), permissions=["refund"])
    def refund_in_full(
        self, request: HttpRequest, queryset: QuerySet[Order]
    ) -> HttpResponse | None:
        """Asks for confirmation first (money leaves the company); then refunds each order's
        payment in full, to the original method in the original currency."""
        orders = list(queryset.select_related("user", "card"))
        if request.POST.get("confirm") != "yes":
            return TemplateResponse(
                request,
                "admin/orders/order/refund_confirmation.html",
                {
                    **self.admin_site.each_context(request),
                    "title": _("Refund these orders in full?"),
                    "opts": self.model._meta,
                    "orders": orders,
                    "objects": orders,
                    "action_name": "refund_in_full",
                    "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                },
            )
        refunded, refused = 0, []
        for order in orders:
            try:
                renewal_refund_by_staff(
                    order=order, staff=request.user, ip_address=request_ip(request)
                )
            except DomainError as exc:
                refused.append(f"{order.short_id}: {exc.message}")
            else:
                refunded += 1
        if refunded:
            self.message_user(
                request,
                ngettext(
                    "Refund requested for %(count)d order. It completes when the gateway confirms.",
                    "Refunds requested for %(count)d orders. "
                    "They complete when the gateway confirms.",
                    refunded,
                )
                % {"count": refunded},
                messages.SUCCESS,
            )
        for reason in refused:
            self.message_user(request, reason, messages.WARNING)
        return None


JOB_COLOURS = {
    ProvisioningJob.State.PENDING: "warning",
    ProvisioningJob.State.RUNNING: "info",
    ProvisioningJob.State.SUCCEEDED: "success",
    ProvisioningJob.State.FAILED: "danger",
}


@admin.register(ProvisioningJob)
class ProvisioningJobAdmin(AuditedModelAdminMixin, ReadOnlyModelAdmin):
    """Applying paid orders to the network. Read-only; "Retry now" runs a waiting job at
    once instead of at its next backoff step (audited)."""

    list_display = (
        "order",
        "state_label",
        "attempts",
        "next_attempt_at",
        "last_error",
        "updated_at",
    )
    list_filter = ("state", ("updated_at", RangeDateTimeFilter))
    list_filter_submit = True
    list_select_related = ("order",)
    search_fields = ("=order__public_id", "order__card__iccid", "network_reference", "last_error")
    readonly_fields = (
        "order",
        "state_label",
        "attempts",
        "next_attempt_at",
        "lease_until",
        "last_error",
        "network_reference",
        "valid_from",
        "valid_until",
        "withdraw_requested_at",
        "withdrawn_at",
        "created_at",
        "updated_at",
    )
    fields = readonly_fields
    actions = ("retry_now",)

    @display(description=_("state"), ordering="state", label=JOB_COLOURS)
    def state_label(self, job: ProvisioningJob) -> Badge:
        return choice_badge(job, "state", JOB_COLOURS)

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("provisioning.change_provisioningjob")

    @action(description=_("Retry now"), permissions=["retry"])
    def retry_now(self, request: HttpRequest, queryset: QuerySet[ProvisioningJob]) -> None:
        """Only waiting jobs run; a running one (within its lease) or a finished one is left
        alone by the service itself."""
        results = [renewal_provision(job_id=job.pk) for job in queryset]
        succeeded = sum(job.state == ProvisioningJob.State.SUCCEEDED for job in results)
        waiting = [job for job in results if job.state != ProvisioningJob.State.SUCCEEDED]
        self.message_user(
            request,
            ngettext("%(count)d job succeeded.", "%(count)d jobs succeeded.", succeeded)
            % {"count": succeeded},
            messages.SUCCESS if succeeded else messages.INFO,
        )
        for job in waiting:
            self.message_user(
                request,
                _("Order %(order)s: %(state)s. %(error)s")
                % {
                    "order": job.order.short_id,
                    "state": job.get_state_display(),
                    "error": job.last_error,
                },
                messages.WARNING,
            )
