from functools import cache

import babel
from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from modeltranslation.utils import get_translation_fields
from unfold.admin import TabularInline
from unfold.decorators import display
from unfold.widgets import UnfoldAdminTextareaWidget

from roamcard.core.admin_audit import AuditedModelAdmin
from roamcard.core.admin_translation import FieldsetsTranslationAdmin
from roamcard.core.formatting import format_bytes

from .forms import PlanAdminForm, PlanPriceForm
from .models import Plan, PlanPrice, Region

# Codes CLDR lists as territories that are not ISO 3166-1 countries (continents' stand-ins,
# exceptional reservations, pseudo-locales). Kosovo's XK stays: networks use it.
_NOT_COUNTRIES = {
    "AC",
    "CP",
    "CQ",
    "DG",
    "EA",
    "EU",
    "EZ",
    "IC",
    "QO",
    "TA",
    "UN",
    "XA",
    "XB",
    "ZZ",
}


@cache
def iso_country_codes() -> frozenset[str]:
    territories = babel.Locale("en").territories
    return frozenset(
        code
        for code in territories
        if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
    )


class CountryCodesField(forms.CharField):
    """A list of ISO 3166-1 alpha-2 codes, typed as "FR, DE, IT"; stored sorted, once each."""

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(value)
        return value

    def to_python(self, value) -> list[str]:
        if isinstance(value, list | tuple):
            return sorted(set(value))
        text = super().to_python(value)
        return sorted(
            {code.strip().upper() for code in text.replace("\n", ",").split(",") if code.strip()}
        )

    def validate(self, value: list[str]) -> None:
        super().validate(value)
        unknown = [code for code in value if code not in iso_country_codes()]
        if unknown:
            raise ValidationError(
                _("Not ISO 3166-1 alpha-2 country codes: %(codes)s"),
                code="invalid_country",
                params={"codes": ", ".join(unknown)},
            )

    def has_changed(self, initial, data) -> bool:
        return self.to_python(initial or []) != self.to_python(data or "")


class RegionAdminForm(forms.ModelForm):
    countries = CountryCodesField(
        label=_("Countries"),
        widget=UnfoldAdminTextareaWidget(attrs={"rows": 3}),
        help_text=_("ISO 3166-1 alpha-2 codes separated by commas, e.g. FR, DE, JP."),
    )

    class Meta:
        model = Region
        fields = ("code", "countries", "sort_order")


@admin.register(Region)
class RegionAdmin(AuditedModelAdmin, FieldsetsTranslationAdmin):
    form = RegionAdminForm
    fieldsets = (
        (_("Name in each language"), {"fields": ("name",)}),
        (None, {"fields": ("code", "countries", "sort_order")}),
    )
    list_display = ("name", "code", "country_count", "countries_list", "sort_order")
    list_editable = ("sort_order",)
    search_fields = ("code", *get_translation_fields("name"))
    prepopulated_fields = {"code": ("name",)}

    @display(description=_("countries"))
    def country_count(self, region: Region) -> int:
        return len(region.countries)

    @display(description=_("codes"))
    def countries_list(self, region: Region) -> str:
        codes = region.countries
        return ", ".join(codes[:12]) + (" …" if len(codes) > 12 else "")


class PlanPriceInline(TabularInline):
    model = PlanPrice
    form = PlanPriceForm
    fields = ("currency", "amount", "formatted")
    readonly_fields = ("formatted",)

    def get_extra(self, request: HttpRequest, obj: Plan | None = None, **kwargs) -> int:
        # A new plan offers a row per currency (PlanAdmin.get_formset_kwargs fills them in).
        return 0 if obj else len(settings.CURRENCIES)

    @display(description=_("as travellers see it"))
    def formatted(self, price: PlanPrice) -> str:
        return price.money.format() if price.pk else ""


@admin.register(Plan)
class PlanAdmin(AuditedModelAdmin, FieldsetsTranslationAdmin):
    form = PlanAdminForm
    fieldsets = (
        (_("Name in each language"), {"fields": ("name",)}),
        (_("Description in each language"), {"fields": ("description",)}),
        (None, {"fields": ("code", "kind", "region", "validity_days", "active", "sort_order")}),
        (
            _("Data"),
            {"fields": (("data_amount", "data_unit"), "unlimited", "fair_use_kbps")},
        ),
    )
    list_display = (
        "name",
        "code",
        "kind",
        "region",
        "data",
        "validity_days",
        "prices_formatted",
        "active",
        "sort_order",
    )
    list_editable = ("active", "sort_order")
    list_filter = ("kind", "region", "active")
    search_fields = ("code", *get_translation_fields("name"))
    list_select_related = ("region",)
    prepopulated_fields = {"code": ("name",)}
    inlines = (PlanPriceInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Plan]:
        return super().get_queryset(request).prefetch_related("prices")

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, PlanPriceInline) and obj.pk is None:
            kwargs["initial"] = [{"currency": currency} for currency in settings.CURRENCIES]
        return kwargs

    @display(description=_("data"), ordering="data_bytes")
    def data(self, plan: Plan) -> str:
        if plan.is_unlimited:
            return _("unlimited (then %(kbps)d kbit/s)") % {"kbps": plan.fair_use_kbps or 0}
        return format_bytes(plan.data_bytes)

    @display(description=_("prices"))
    def prices_formatted(self, plan: Plan) -> str:
        return " · ".join(price.money.format() for price in plan.prices.all())
