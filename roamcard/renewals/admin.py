"""Renewals in the back office: find an order, read its history, payments and refunds,
refund it in full or in part ("Refund…": amount, reason, a preview of the data it takes
back, then confirm); follow provisioning jobs and retry a waiting one.

Orders are never edited by hand: every change goes through a service, so it is recorded
as an order event (and, for staff, in the audit log)."""

import uuid
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from unfold.admin import TabularInline
from unfold.contrib.filters.admin import RangeDateTimeFilter
from unfold.decorators import action, display
from unfold.widgets import (
    UnfoldAdminDecimalFieldWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminTextareaWidget,
)

from roamcard.catalog.prices import minor_units
from roamcard.core.admin_audit import AuditedModelAdminMixin, ReadOnlyModelAdmin, request_ip
from roamcard.core.admin_display import Badge, choice_badge
from roamcard.core.errors import DomainError
from roamcard.core.formatting import format_bytes
from roamcard.core.money import format_money, minor_digits
from roamcard.orders.choices import OrderState
from roamcard.orders.errors import OrderNotRefundable
from roamcard.orders.models import Order, OrderEvent
from roamcard.payments.choices import STAFF_REFUND_REASONS, RefundState
from roamcard.payments.models import Payment
from roamcard.payments.selectors import refunds_of_order
from roamcard.provisioning.models import ProvisioningJob

from .selectors import order_refundable, refund_method_label, refund_preview
from .services import STAFF_REFUND_NOTE_MAX, renewal_provision, renewal_refund_by_staff

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
    """Read-only. "Refund…" (on an order's page) asks for the amount and the reason, shows
    what it will do, and only then refunds; its service writes the audit record (with the
    confirmation step in between, the generic action audit would log a refund that staff
    then declined)."""

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
        (_("Refunds"), {"fields": ("refundable", "refund_list")}),
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
        "refundable",
        "refund_list",
    )
    inlines = (OrderEventInline, PaymentInline)
    actions_detail = ("refund",)

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

    @display(description=_("can still be refunded"))
    def refundable(self, order: Order) -> str:
        refundable = order_refundable(order=order)
        return format_money(refundable.refundable)

    @display(description=_("refunds"))
    def refund_list(self, order: Order) -> str:
        """Every refund of the order's payments: amount, reason, state, who, when; a failed
        one in red, with the gateway's words, for staff to act on."""
        refunds = list(refunds_of_order(order_id=order.pk))
        if not refunds:
            return "—"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                '<li class="{}">{} · {} · <strong>{}</strong> · {} · {}{}</li>',
                (
                    (
                        "text-red-600" if refund.state == RefundState.FAILED else "",
                        format_money(refund.money),
                        refund.get_reason_code_display() or refund.reason,
                        refund.get_state_display(),
                        refund.requested_by or gettext("automatic"),
                        refund.created_at.strftime("%Y-%m-%d %H:%M"),
                        f" · {refund.note}" if refund.note else "",
                    )
                    for refund in refunds
                ),
            ),
        )

    def has_refund_permission(self, request: HttpRequest, object_id: Any = None) -> bool:
        return request.user.has_perm("payments.add_refund")

    @action(description=_("Refund…"), url_path="refund", permissions=["refund"], icon="undo")
    def refund(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The amount (all that is left, unless staff change it), a reason and a note; then a
        page that says what will happen — money to which method, data taken off the card —
        and only "Confirm" refunds."""
        if not self.has_refund_permission(request):
            raise PermissionDenied
        order = self.get_object(request, unquote(object_id))
        if order is None:
            raise Http404
        refundable = order_refundable(order=order)
        if not refundable.can_refund:
            why = (
                OrderNotRefundable.message
                if refundable.payment is None
                else gettext("This order has nothing left to refund.")
            )
            self.message_user(request, str(why), messages.WARNING)
            return redirect("admin:orders_order_change", order.pk)
        left = refundable.refundable
        form = OrderRefundForm(
            request.POST or None,
            currency=order.currency,
            initial={"token": uuid.uuid4().hex, "amount": left.decimal},
        )
        if refundable.full_only:
            form.fields["amount"].disabled = True
        preview = None
        if request.method == "POST" and form.is_valid():
            amount_minor = form.amount_minor()
            if amount_minor > left.amount_minor:
                form.add_error(
                    "amount",
                    gettext("At most %(amount)s can still be refunded on this payment.")
                    % {"amount": format_money(left)},
                )
            elif request.POST.get("confirm") == "yes" and request.POST.get("previewed") == str(
                amount_minor
            ):
                # Confirmed as previewed (an amount changed after the preview is previewed
                # again, never refunded unseen).
                return self._refund_confirmed(request, order, form, amount_minor)
            else:
                preview = refund_preview(order=order, amount_minor=amount_minor)
        return TemplateResponse(
            request,
            "admin/orders/order/refund.html",
            {
                **self.admin_site.each_context(request),
                "title": gettext("Refund order %(number)s") % {"number": order.short_id},
                "opts": self.model._meta,
                "original": order,
                "form": form,
                "refundable": refundable,
                "preview": preview,
                "preview_data": format_bytes(preview.bytes_withdrawn)
                if preview is not None and preview.bytes_withdrawn is not None
                else None,
                "method_label": refund_method_label(payment=refundable.payment),
            },
        )

    def _refund_confirmed(
        self, request: HttpRequest, order: Order, form: "OrderRefundForm", amount_minor: int
    ) -> HttpResponse:
        token = form.cleaned_data["token"]
        if refunds_of_order(order_id=order.pk).filter(idempotency_key=f"staff:{token}").exists():
            self.message_user(
                request,
                gettext("This refund was already requested; nothing was refunded twice."),
                messages.WARNING,
            )
            return redirect("admin:orders_order_change", order.pk)
        try:
            refund = renewal_refund_by_staff(
                order=order,
                staff=request.user,
                amount_minor=amount_minor,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
                idempotency_key=token,
                ip_address=request_ip(request),
            )
        except DomainError as exc:
            self.message_user(request, str(exc.message), messages.ERROR)
            return redirect("admin:orders_order_change", order.pk)
        self.message_user(
            request,
            gettext(
                "Refund of %(amount)s requested. It completes when the gateway confirms; "
                "the traveller is told then."
            )
            % {"amount": format_money(refund.money)},
            messages.SUCCESS,
        )
        return redirect("admin:orders_order_change", order.pk)


class OrderRefundForm(forms.Form):
    """Staff type the amount as it is written ("34.50", "1200" yen), in the order's currency;
    the token makes a form submitted twice one refund."""

    token = forms.CharField(widget=forms.HiddenInput, max_length=64)
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=[("", "---------"), *((r.value, r.label) for r in STAFF_REFUND_REASONS)],
        widget=UnfoldAdminSelectWidget,
        help_text=_("The traveller is told this reason, in their language."),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=STAFF_REFUND_NOTE_MAX,
        widget=UnfoldAdminTextareaWidget(attrs={"rows": 3}),
        help_text=_(
            "For staff only: kept with the refund and in the audit log, never shown to the "
            "traveller. Required when the reason is “Other”."
        ),
    )

    def __init__(self, *args: Any, currency: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.currency = currency
        digits = minor_digits(currency)
        self.fields = {
            "token": self.fields["token"],
            "amount": forms.DecimalField(
                label=gettext("Amount (%(currency)s)") % {"currency": currency},
                min_value=Decimal(1).scaleb(-digits),
                max_digits=14,
                decimal_places=digits,
                widget=UnfoldAdminDecimalFieldWidget,
                help_text=gettext(
                    "Prefilled with all that can still be refunded; lower it for a partial refund."
                ),
            ),
            "reason": self.fields["reason"],
            "note": self.fields["note"],
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("reason") == "other" and not (data.get("note") or "").strip():
            self.add_error("note", gettext("Say what the reason is."))
        return data

    def amount_minor(self) -> int:
        return minor_units(self.cleaned_data["amount"], self.currency)


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
