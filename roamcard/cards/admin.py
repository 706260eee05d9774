import uuid
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone, translation
from django.utils.formats import localize
from django.utils.html import escape
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from unfold.admin import TabularInline
from unfold.contrib.filters.admin import RangeDateTimeFilter, RelatedDropdownFilter
from unfold.decorators import action, display
from unfold.widgets import (
    UnfoldAdminDecimalFieldWidget,
    UnfoldAdminFileFieldWidget,
    UnfoldAdminPasswordWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminSplitDateTimeWidget,
    UnfoldAdminTextareaWidget,
    UnfoldBooleanSwitchWidget,
)

from roamcard.catalog.forms import DATA_UNITS, DataUnitField
from roamcard.core.admin_audit import AuditedModelAdmin, ReadOnlyModelAdmin, request_ip
from roamcard.core.admin_display import Badge, choice_badge
from roamcard.core.errors import InvalidInput
from roamcard.core.formatting import format_bytes

from .choices import BucketAdjustReason, CardImportState
from .iccid import normalize_iccid
from .importer import CardImportFileError, validate_activation_code, validate_msisdn
from .models import Bucket, Card, CardBindFailure, CardImport
from .passwords import hash_card_password, validate_card_password
from .selectors import card_balance, card_import_earlier_of_same_file
from .services import (
    BUCKET_ADJUST_NOTE_MAX,
    CARD_IMPORT_MAX_BYTES,
    bucket_adjust,
    card_bind_unlock,
    card_import_create,
    card_unbind_by_staff,
)


def _bytes_or_unlimited(value: int | None) -> str:
    return _("unlimited") if value is None else format_bytes(value)


class CardAdminForm(forms.ModelForm):
    """The card password is never shown; staff may set a new one, which is stored hashed."""

    new_card_password = forms.CharField(
        label=_("New card password"),
        required=False,
        strip=True,
        widget=UnfoldAdminPasswordWidget(attrs={"autocomplete": "off"}),
        help_text=_(
            "6 to 8 digits. Leave empty to keep the current card password. Only a hash is stored."
        ),
    )

    class Meta:
        model = Card
        fields = ("iccid", "form", "status", "region", "msisdn", "activation_code", "label")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The admin does not escape help texts, and the model's one has <placeholders>.
        self.fields["activation_code"].help_text = escape(
            Card._meta.get_field("activation_code").help_text
        )
        if self.instance.pk is None:
            self.fields["new_card_password"].label = _("Card password")
            self.fields["new_card_password"].required = True

    def clean_iccid(self) -> str:
        return normalize_iccid(self.cleaned_data["iccid"])

    def clean_msisdn(self) -> str:
        return validate_msisdn(self.cleaned_data.get("msisdn", ""))

    def clean_new_card_password(self) -> str:
        value = self.cleaned_data.get("new_card_password", "")
        return validate_card_password(value) if value else ""

    def clean(self):
        cleaned = super().clean()
        form = cleaned.get("form")
        if form:
            try:
                validate_activation_code(
                    form=form, activation_code=cleaned.get("activation_code", "")
                )
            except ValidationError as exc:
                self.add_error("activation_code", exc)
        # The stored hash covers the card number too (docs/decisions/0002).
        if (
            self.instance.pk is not None
            and "iccid" in self.changed_data
            and not cleaned.get("new_card_password")
            and "new_card_password" not in self.errors
        ):
            self.add_error(
                "new_card_password",
                _("A changed card number needs its card password: enter it again."),
            )
        return cleaned


class BucketInline(TabularInline):
    """Read-only on the card: a bucket is corrected on its own page, deliberately."""

    model = Bucket
    extra = 0
    max_num = 0
    can_delete = False
    fields = ("plan", "region", "granted", "remaining", "valid_from", "valid_until", "updated_at")
    readonly_fields = fields
    show_change_link = True

    @display(description=_("granted"))
    def granted(self, bucket: Bucket) -> str:
        return _bytes_or_unlimited(bucket.bytes_granted)

    @display(description=_("remaining"))
    def remaining(self, bucket: Bucket) -> str:
        return _bytes_or_unlimited(bucket.bytes_remaining)


@admin.register(Card)
class CardAdmin(AuditedModelAdmin):
    form = CardAdminForm
    list_display = ("iccid", "form", "status", "region", "owner", "bound_at", "data_remaining")
    list_filter = ("status", "form", ("region", RelatedDropdownFilter))
    list_filter_submit = True
    search_fields = ("iccid", "msisdn", "owner__email", "owner__phone")
    list_select_related = ("region", "owner")
    readonly_fields = ("owner", "bound_at", "created_at", "data_remaining", "valid_until")
    fieldsets = (
        (
            None,
            {"fields": ("iccid", "form", "status", "region", "msisdn", "activation_code", "label")},
        ),
        (_("Card password"), {"fields": ("new_card_password",)}),
        (_("Owner"), {"fields": ("owner", "bound_at")}),
        (_("Balance"), {"fields": ("data_remaining", "valid_until", "created_at")}),
    )
    inlines = (BucketInline,)
    actions = ("unbind_from_owner", "clear_binding_lockout")
    actions_list = ("import_cards",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Card]:
        return super().get_queryset(request).prefetch_related("buckets")

    def get_fieldsets(self, request: HttpRequest, obj: Card | None = None):
        if obj is None:
            return ((None, {"fields": (*self.fieldsets[0][1]["fields"], "new_card_password")}),)
        return self.fieldsets

    def get_inlines(self, request: HttpRequest, obj: Card | None):
        return self.inlines if obj is not None else ()

    @display(description=_("data remaining"))
    def data_remaining(self, card: Card) -> str:
        balance = card_balance(card=card)
        if balance.unlimited:
            return str(_("unlimited"))
        if not balance.active_buckets:
            return "—"
        return format_bytes(balance.bytes_remaining)

    @display(description=_("valid until"))
    def valid_until(self, card: Card) -> str:
        valid_until = card_balance(card=card).valid_until
        return localize(timezone.localtime(valid_until)) if valid_until else "—"

    def save_model(
        self, request: HttpRequest, obj: Card, form: CardAdminForm, change: bool
    ) -> None:
        new_password = form.cleaned_data.get("new_card_password")
        if new_password:
            obj.password_hash = hash_card_password(iccid=obj.iccid, password=new_password)
        super().save_model(request, obj, form, change)

    def has_import_permission(self, request: HttpRequest) -> bool:
        return _may_import_cards(request)

    @action(description=_("Import cards"), url_path="import", permissions=["import"], icon="upload")
    def import_cards(self, request: HttpRequest) -> HttpResponse:
        """The upload page: a CSV file goes to a background import (the same importer as the
        `import-cards` command), whose page then shows its progress and result."""
        form = CardImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                card_import = card_import_create(
                    staff=request.user,
                    upload=form.cleaned_data["file"],
                    skip_bad=form.cleaned_data["skip_bad"],
                    dry_run=form.cleaned_data["dry_run"],
                    language=translation.get_language() or "en",
                    ip_address=request_ip(request),
                )
            except CardImportFileError as exc:
                form.add_error("file", str(exc.message))
            else:
                return redirect("admin:cards_cardimport_change", card_import.pk)
        return TemplateResponse(
            request,
            "admin/cards/card/import.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Import cards"),
                "opts": self.model._meta,
                "form": form,
                "max_megabytes": CARD_IMPORT_MAX_BYTES // (1024 * 1024),
            },
        )

    @action(description=_("Unbind from owner"))
    def unbind_from_owner(self, request: HttpRequest, queryset: QuerySet[Card]) -> None:
        cards = list(queryset.filter(owner__isnull=False).select_related("owner"))
        for card in cards:
            card_unbind_by_staff(staff=request.user, card=card, ip_address=request_ip(request))
        self.message_user(
            request,
            ngettext("%(count)d card unbound.", "%(count)d cards unbound.", len(cards))
            % {"count": len(cards)},
            messages.SUCCESS if cards else messages.WARNING,
        )

    @action(description=_("Clear the binding lockout"))
    def clear_binding_lockout(self, request: HttpRequest, queryset: QuerySet[Card]) -> None:
        cleared = sum(
            card_bind_unlock(staff=request.user, card=card, ip_address=request_ip(request))
            for card in queryset
        )
        self.message_user(
            request,
            ngettext(
                "%(count)d wrong attempt cleared.", "%(count)d wrong attempts cleared.", cleared
            )
            % {"count": cleared},
            messages.SUCCESS,
        )


class BucketAdjustForm(forms.Form):
    """Staff type the new remaining data as they read it (MB or GB), not bytes, and not a
    difference: the page shows what the bucket holds now."""

    request_id = forms.CharField(widget=forms.HiddenInput, max_length=64)
    remaining = forms.DecimalField(
        label=_("New remaining data"),
        required=False,
        max_digits=12,
        decimal_places=2,
        widget=UnfoldAdminDecimalFieldWidget,
        help_text=_(
            "What the bucket should hold from now on, not a difference. Leave empty to keep "
            "it. Above what the bucket granted is a top-up, for goodwill or compensation "
            "for a network fault only."
        ),
    )
    unit = DataUnitField()
    valid_until = forms.SplitDateTimeField(
        label=_("New end of validity"),
        required=False,
        widget=UnfoldAdminSplitDateTimeWidget,
        help_text=_("Leave empty to keep it."),
    )
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=[("", "---------"), *BucketAdjustReason.choices],
        widget=UnfoldAdminSelectWidget,
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=BUCKET_ADJUST_NOTE_MAX,
        widget=UnfoldAdminTextareaWidget(attrs={"rows": 3}),
        help_text=_("Required when the reason is “Other”. Kept in the audit log."),
    )

    def remaining_bytes(self) -> int | None:
        amount = self.cleaned_data.get("remaining")
        if amount is None:
            return None
        return int(amount * DATA_UNITS[self.cleaned_data["unit"]])


@admin.register(Bucket)
class BucketAdmin(AuditedModelAdmin):
    """Buckets are read-only here: staff change one only with “Adjust”, which books the
    change in the ledger and the audit log (cards.services.bucket_adjust)."""

    list_display = (
        "card",
        "region",
        "plan",
        "granted",
        "remaining",
        "valid_from",
        "valid_until",
        "updated_at",
    )
    list_filter = (("region", RelatedDropdownFilter), ("valid_until", RangeDateTimeFilter))
    list_filter_submit = True
    search_fields = ("card__iccid", "card__owner__email", "card__owner__phone")
    list_select_related = ("card", "region", "plan")
    fields = (
        "card",
        "plan",
        "region",
        "granted",
        "remaining",
        "valid_from",
        "valid_until",
        "updated_at",
        "created_at",
    )
    readonly_fields = fields
    actions_detail = ("adjust",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Bucket | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Bucket | None = None) -> bool:
        return False

    def has_adjust_permission(self, request: HttpRequest, object_id: Any = None) -> bool:
        return request.user.has_perm("cards.adjust_bucket")

    @display(description=_("granted"), ordering="bytes_granted")
    def granted(self, bucket: Bucket) -> str:
        return _bytes_or_unlimited(bucket.bytes_granted)

    @display(description=_("remaining"), ordering="bytes_remaining")
    def remaining(self, bucket: Bucket) -> str:
        return _bytes_or_unlimited(bucket.bytes_remaining)

    @action(description=_("Adjust"), url_path="adjust", permissions=["adjust"], icon="tune")
    def adjust(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Set a bucket's remaining data and/or end of validity, with a reason."""
        if not self.has_adjust_permission(request):
            raise PermissionDenied
        bucket = self.get_object(request, unquote(object_id))
        if bucket is None:
            raise Http404
        form = BucketAdjustForm(
            request.POST or None, initial={"request_id": uuid.uuid4().hex, "unit": "GB"}
        )
        if bucket.is_unlimited:
            form.fields["remaining"].disabled = True
            form.fields["unit"].disabled = True
        if request.method == "POST" and form.is_valid():
            valid_until = form.cleaned_data.get("valid_until")
            try:
                outcome = bucket_adjust(
                    bucket_id=bucket.pk,
                    staff=request.user,
                    request_id=form.cleaned_data["request_id"],
                    reason=form.cleaned_data["reason"],
                    note=form.cleaned_data["note"],
                    bytes_remaining=form.remaining_bytes(),
                    valid_until=valid_until,
                    ip_address=request_ip(request),
                )
            except InvalidInput as exc:
                _errors_to_form(form, exc)
            else:
                if outcome.applied:
                    self.message_user(request, gettext("The bucket was adjusted."))
                else:
                    self.message_user(
                        request,
                        gettext("This adjustment was already made; nothing changed twice."),
                        messages.WARNING,
                    )
                return redirect("admin:cards_bucket_change", bucket.pk)
        return TemplateResponse(
            request,
            "admin/cards/bucket/adjust.html",
            {
                **self.admin_site.each_context(request),
                "title": gettext("Adjust bucket %(bucket)s") % {"bucket": bucket},
                "opts": self.model._meta,
                "original": bucket,
                "form": form,
                "granted": _bytes_or_unlimited(bucket.bytes_granted),
                "remaining": _bytes_or_unlimited(bucket.bytes_remaining),
            },
        )


def _errors_to_form(form: forms.Form, exc: InvalidInput) -> None:
    """A service's refusal, on the fields it names (or above the form)."""
    if not exc.fields:
        form.add_error(None, str(exc.message))
    for name, field_messages in exc.fields.items():
        for message in field_messages:
            form.add_error(name if name in form.fields else None, str(message))


@admin.register(CardBindFailure)
class CardBindFailureAdmin(ReadOnlyModelAdmin):
    """Wrong card passwords while binding: what customer service checks for a locked card."""

    list_display = ("iccid", "user", "ip_address", "at")
    list_filter = (("at", RangeDateTimeFilter),)
    list_filter_submit = True
    search_fields = ("iccid", "user__email", "user__phone", "ip_address")
    list_select_related = ("user",)


def _may_import_cards(request: HttpRequest) -> bool:
    return request.user.has_perms(("cards.add_card", "cards.add_cardimport"))


class CardImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        widget=UnfoldAdminFileFieldWidget(attrs={"accept": ".csv,text/csv"}),
    )
    skip_bad = forms.BooleanField(
        label=_("Import the good rows even if some rows are bad"),
        required=False,
        widget=UnfoldBooleanSwitchWidget,
    )
    dry_run = forms.BooleanField(
        label=_("Check only: report what would happen, import nothing"),
        required=False,
        widget=UnfoldBooleanSwitchWidget,
    )


IMPORT_STATE_COLOURS = {
    CardImportState.QUEUED: "",
    CardImportState.RUNNING: "info",
    CardImportState.DONE: "success",
    CardImportState.FAILED: "danger",
}


def _import_outcome(card_import: CardImport) -> str:
    """One sentence saying what a finished import did."""
    if card_import.message:
        return card_import.message
    if card_import.written:
        return gettext("Imported.")
    if card_import.dry_run:
        return gettext("Dry run: nothing imported; %(count)d cards would be created.") % {
            "count": card_import.to_create
        }
    return gettext(
        "Nothing imported: %(count)d bad rows. Fix them and upload the file again, or upload "
        "it with “Import the good rows even if some rows are bad” to import the "
        "%(good)d good rows."
    ) % {"count": card_import.error_count, "good": card_import.to_create}


@admin.register(CardImport)
class CardImportAdmin(ReadOnlyModelAdmin):
    """The record of every card import uploaded in the back office. An import's page shows
    its progress while it runs, then its result with the bad rows by line number."""

    list_display = (
        "created_at",
        "file_name",
        "created_by",
        "state_label",
        "rows_total",
        "created",
        "updated",
        "unchanged",
        "error_count",
    )
    list_filter = ("state", ("created_at", RangeDateTimeFilter))
    list_filter_submit = True
    list_select_related = ("created_by",)
    search_fields = ("file_name", "=file_sha256", "created_by__email")
    date_hierarchy = "created_at"
    actions_list = ("upload",)

    @display(description=_("state"), ordering="state", label=IMPORT_STATE_COLOURS)
    def state_label(self, card_import: CardImport) -> Badge:
        return choice_badge(card_import, "state", IMPORT_STATE_COLOURS)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_view_permission(request, obj) or _may_import_cards(request)

    def has_import_permission(self, request: HttpRequest) -> bool:
        return _may_import_cards(request)

    @action(description=_("Import cards"), url_path="upload", permissions=["import"], icon="upload")
    def upload(self, request: HttpRequest) -> HttpResponse:
        return redirect("admin:cards_card_import_cards")

    def get_urls(self):
        return [
            path(
                "<path:object_id>/progress/",
                self.admin_site.admin_view(self.progress_view),
                name="cards_cardimport_progress",
            ),
            *super().get_urls(),
        ]

    def _card_import(self, request: HttpRequest, object_id: str) -> CardImport:
        if not self.has_view_permission(request):
            raise PermissionDenied
        card_import = self.get_object(request, unquote(object_id))
        if card_import is None:
            raise Http404
        return card_import

    def _context(self, card_import: CardImport) -> dict[str, Any]:
        errors = [
            gettext("line %(line)d: %(reason)s")
            % {"line": error["line"], "reason": error["message"]}
            for error in card_import.errors
        ]
        return {
            "card_import": card_import,
            "state_badge": choice_badge(card_import, "state", IMPORT_STATE_COLOURS).__html__(),
            "outcome": _import_outcome(card_import) if card_import.is_finished else "",
            "errors": errors,
            "errors_not_listed": card_import.error_count - len(errors),
        }

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        card_import = self._card_import(request, object_id)
        return TemplateResponse(
            request,
            "admin/cards/cardimport/detail.html",
            {
                **self.admin_site.each_context(request),
                **self._context(card_import),
                "title": card_import.file_name,
                "opts": self.model._meta,
                "original": card_import,
                "earlier": card_import_earlier_of_same_file(card_import=card_import),
                "may_import": _may_import_cards(request),
            },
        )

    def progress_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The progress part of an import's page, which the page reloads while it runs."""
        card_import = self._card_import(request, object_id)
        return TemplateResponse(
            request, "admin/cards/cardimport/progress.html", self._context(card_import)
        )
