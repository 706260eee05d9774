from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import localize
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from unfold.admin import TabularInline
from unfold.contrib.filters.admin import RangeDateTimeFilter, RelatedDropdownFilter
from unfold.decorators import action, display
from unfold.widgets import UnfoldAdminPasswordWidget

from roamcard.core.admin_audit import AuditedModelAdmin, ReadOnlyModelAdmin, request_ip
from roamcard.core.formatting import format_bytes

from .iccid import normalize_iccid
from .importer import validate_activation_code, validate_msisdn
from .models import Bucket, Card, CardBindFailure
from .passwords import hash_card_password, validate_card_password
from .selectors import card_balance
from .services import card_bind_unlock, card_unbind_by_staff


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
            obj.password_hash = hash_card_password(new_password)
        super().save_model(request, obj, form, change)

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


@admin.register(Bucket)
class BucketAdmin(AuditedModelAdmin):
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
    autocomplete_fields = ("card",)
    readonly_fields = ("updated_at", "created_at")

    @display(description=_("granted"), ordering="bytes_granted")
    def granted(self, bucket: Bucket) -> str:
        return _bytes_or_unlimited(bucket.bytes_granted)

    @display(description=_("remaining"), ordering="bytes_remaining")
    def remaining(self, bucket: Bucket) -> str:
        return _bytes_or_unlimited(bucket.bytes_remaining)


@admin.register(CardBindFailure)
class CardBindFailureAdmin(ReadOnlyModelAdmin):
    """Wrong card passwords while binding: what customer service checks for a locked card."""

    list_display = ("iccid", "user", "ip_address", "at")
    list_filter = (("at", RangeDateTimeFilter),)
    list_filter_submit = True
    search_fields = ("iccid", "user__email", "user__phone", "ip_address")
    list_select_related = ("user",)
