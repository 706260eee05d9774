from functools import cache

import babel
from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from unfold.admin import TabularInline
from unfold.decorators import display
from unfold.widgets import UnfoldAdminTextareaWidget

from roamcard.core.admin_audit import AuditedModelAdmin
from roamcard.core.formatting import format_bytes

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
        fields = ("code", "name", "countries", "sort_order")


@admin.register(Region)
class RegionAdmin(AuditedModelAdmin):
    form = RegionAdminForm
    list_display = ("name", "code", "country_count", "countries_list", "sort_order")
    list_editable = ("sort_order",)
    search_fields = ("code", "name")
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
    extra = 0
    fields = ("currency", "amount_minor", "formatted")
    readonly_fields = ("formatted",)

    @display(description=_("price"))
    def formatted(self, price: PlanPrice) -> str:
        return price.money.format() if price.pk else ""


@admin.register(Plan)
class PlanAdmin(AuditedModelAdmin):
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
    search_fields = ("code", "name")
    list_select_related = ("region",)
    prepopulated_fields = {"code": ("name",)}
    inlines = (PlanPriceInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Plan]:
        return super().get_queryset(request).prefetch_related("prices")

    @display(description=_("data"), ordering="data_bytes")
    def data(self, plan: Plan) -> str:
        if plan.is_unlimited:
            return _("unlimited (then %(kbps)d kbit/s)") % {"kbps": plan.fair_use_kbps or 0}
        return format_bytes(plan.data_bytes)

    @display(description=_("prices"))
    def prices_formatted(self, plan: Plan) -> str:
        return " · ".join(price.money.format() for price in plan.prices.all())
