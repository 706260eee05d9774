"""The catalogue in the back office: regions as country lists, plans in human units (GB,
decimal prices) with their names in every language side by side."""

import re
from decimal import Decimal

from django.conf import settings
from django.urls import reverse

from roamcard.catalog.models import Plan, PlanPrice, Region
from roamcard.core.models import AuditEvent
from roamcard.core.tests.staff import changeform_data
from roamcard.testing import GIB, make_plan, make_region

MIB = 1024**2
NAMES = {
    "name_en": "Japan week 10 GB",
    "name_zh_hans": "日本 7天 10GB",
    "name_zh_hant": "日本 7天 10GB",
    "name_ja": "日本 7日間 10GB",
    "name_ko": "일본 7일 10GB",
}


def test_region_countries_are_edited_as_a_comma_separated_list(staff_client):
    region = make_region(countries=["FR", "DE"])
    url = reverse("admin:catalog_region_change", args=[region.pk])

    page = staff_client.get(url)
    assert "FR, DE" in page.content.decode()
    response = staff_client.post(url, changeform_data(page, countries="it, FR ,de,\nES,IT"))

    assert response.status_code == 302
    region.refresh_from_db()
    assert region.countries == ["DE", "ES", "FR", "IT"]
    assert AuditEvent.objects.get(action="region.change").details["fields"] == ["countries"]


def test_unknown_country_codes_are_refused(staff_client):
    region = make_region(countries=["FR"])
    url = reverse("admin:catalog_region_change", args=[region.pk])

    response = staff_client.post(
        url, changeform_data(staff_client.get(url), countries="FR, XX, EU, FRA")
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["countries"]
    assert errors == ["Not ISO 3166-1 alpha-2 country codes: EU, FRA, XX"]
    assert Region.objects.get(pk=region.pk).countries == ["FR"]


def test_plans_list_shows_prices_formatted_per_currency(staff_client):
    make_plan(name="Europe week", prices={"USD": 990, "CNY": 6800, "JPY": 1500})

    content = staff_client.get(reverse("admin:catalog_plan_changelist")).content.decode()

    assert "Europe week" in content
    assert "$9.90" in content and "CN¥68.00" in content and "¥1,500" in content


def test_a_price_edited_inline_is_audited(staff_client):
    plan = make_plan(prices={"USD": 990})
    url = reverse("admin:catalog_plan_change", args=[plan.pk])

    response = staff_client.post(
        url, changeform_data(staff_client.get(url), **{"prices-0-amount": "12.90"})
    )

    assert response.status_code == 302
    assert plan.prices.get().amount_minor == 1290
    inlines = AuditEvent.objects.get(action="plan.change").details["inlines"]
    assert inlines[0]["model"] == "planprice" and list(inlines[0]["changed"].values()) == [
        ["amount"]
    ]


# --- Plans in human units, names in every language ------------------------------------------


def _new_plan_data(staff_client, **changes):
    page = staff_client.get(reverse("admin:catalog_plan_add"))
    japan = make_region(code="japan", name="Japan", countries=["JP"])
    plan = {
        **NAMES,
        "description_en": "Seven days of fast data across Japan.",
        "description_ja": "日本全国で7日間使える高速データ。",
        "code": "japan-week-10-gb",
        "kind": "week",
        "region": str(japan.pk),
        "validity_days": "7",
        "data_amount": "10",
        "data_unit": "GB",
        # USD, JPY and KRW (the rows follow settings.CURRENCIES).
        "prices-2-amount": "10.90",
        "prices-4-amount": "1600",
        "prices-5-amount": "14900",
    }
    return changeform_data(page, **{**plan, **changes})


def test_a_plan_is_created_in_gb_with_five_names_and_decimal_prices(staff_client):
    response = staff_client.post(
        reverse("admin:catalog_plan_add"), _new_plan_data(staff_client, **{"prices-0-amount": "78"})
    )

    assert response.status_code == 302
    plan = Plan.objects.get(code="japan-week-10-gb")
    assert plan.data_bytes == 10 * GIB
    assert {field: getattr(plan, field) for field in NAMES} == NAMES
    assert plan.description_ja == "日本全国で7日間使える高速データ。"
    assert {p.currency: p.amount_minor for p in plan.prices.all()} == {
        "CNY": 7800,
        "USD": 1090,
        "JPY": 1600,
        "KRW": 14900,
    }
    assert AuditEvent.objects.filter(action="plan.add").exists()


def test_the_add_page_shows_the_five_names_together_english_required_and_no_raw_units(
    staff_client,
):
    page = staff_client.get(reverse("admin:catalog_plan_add"))
    content = page.content.decode()

    labels = re.findall(r'for="id_name_[a-z_]+">([^<]+)(<span[^>]*>\*)?', content)
    assert labels == [
        ("Name · English", '<span class="text-red-600 dark:text-red-500">*'),
        ("Name · 简体中文", ""),
        ("Name · 繁體中文", ""),
        ("Name · 日本語", ""),
        ("Name · 한국어", ""),
    ]
    fields = set(page.context["adminform"].form.fields)
    inline_fields = set(page.context["inline_admin_formsets"][0].formset.forms[0].fields)
    assert "data_bytes" not in fields and "amount_minor" not in inline_fields
    assert "bytes" not in content.lower() and "minor unit" not in content.lower()
    currencies = [
        form["currency"].value() for form in page.context["inline_admin_formsets"][0].formset
    ]
    assert currencies == settings.CURRENCIES  # a row for each currency, ready to fill in


def test_a_plan_needs_its_english_name(staff_client):
    response = staff_client.post(
        reverse("admin:catalog_plan_add"), _new_plan_data(staff_client, name_en="")
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["name_en"] == ["This field is required."]
    assert not Plan.objects.exists()


def test_too_many_decimals_for_the_currency_are_refused_and_nothing_is_saved(staff_client):
    data = _new_plan_data(
        staff_client, **{"prices-2-amount": "10.905", "prices-4-amount": "1600.5"}
    )

    response = staff_client.post(reverse("admin:catalog_plan_add"), data)

    assert response.status_code == 200
    forms = response.context["inline_admin_formsets"][0].formset.forms
    assert forms[2].errors["amount"] == ["Prices in USD have at most 2 decimal places."]
    assert forms[4].errors["amount"] == ["Prices in JPY are whole amounts, without decimals."]
    assert not Plan.objects.exists() and not PlanPrice.objects.exists()


def test_the_decimal_error_is_in_the_staff_members_language(staff_client):
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    data = _new_plan_data(staff_client, **{"prices-5-amount": "14900.5"})

    response = staff_client.post(reverse("admin:catalog_plan_add"), data)

    forms = response.context["inline_admin_formsets"][0].formset.forms
    assert forms[5].errors["amount"] == ["KRW 价格只能是整数，不能带小数。"]


def test_an_unlimited_plan_needs_a_fair_use_speed(staff_client):
    url = reverse("admin:catalog_plan_add")

    refused = staff_client.post(url, _new_plan_data(staff_client, data_amount="", unlimited="on"))
    accepted = staff_client.post(
        url, _new_plan_data(staff_client, data_amount="", unlimited="on", fair_use_kbps="1024")
    )

    assert refused.context["adminform"].form.errors["fair_use_kbps"] == [
        "An unlimited plan needs a fair-use speed."
    ]
    assert accepted.status_code == 302
    plan = Plan.objects.get()
    assert plan.data_bytes is None and plan.fair_use_kbps == 1024


def test_a_limited_plan_needs_its_allowance(staff_client):
    response = staff_client.post(
        reverse("admin:catalog_plan_add"), _new_plan_data(staff_client, data_amount="")
    )

    assert response.context["adminform"].form.errors["data_amount"] == [
        "Enter the data allowance, or switch on unlimited data."
    ]


def test_editing_a_plan_shows_and_takes_human_units(staff_client):
    plan = make_plan(data_bytes=1536 * MIB, prices={"USD": 990, "JPY": 1500})
    url = reverse("admin:catalog_plan_change", args=[plan.pk])
    page = staff_client.get(url)
    form = page.context["adminform"].form
    assert (form["data_amount"].value(), form["data_unit"].value()) == (Decimal("1.5"), "GB")
    prices = {
        f["currency"].value(): f["amount"].value()
        for f in page.context["inline_admin_formsets"][0].formset
    }
    assert {k: str(v) for k, v in prices.items()} == {"JPY": "1500", "USD": "9.90"}

    response = staff_client.post(
        url, changeform_data(page, data_amount="500", data_unit="MB", name_ko="유럽 7일")
    )

    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.data_bytes == 500 * MIB
    assert plan.name_ko == "유럽 7일"


def test_saving_without_touching_the_allowance_keeps_its_exact_bytes(staff_client):
    plan = make_plan(data_bytes=1_234_567)
    url = reverse("admin:catalog_plan_change", args=[plan.pk])

    page = staff_client.get(url)
    assert 'name="data_amount" value="1.18"' in page.content.decode()

    response = staff_client.post(url, changeform_data(page, name_ja="テスト"))

    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.data_bytes == 1_234_567 and plan.name_ja == "テスト"


def test_a_whole_allowance_shows_as_a_whole_number(staff_client):
    plan = make_plan(data_bytes=10 * GIB)

    page = staff_client.get(reverse("admin:catalog_plan_change", args=[plan.pk]))

    assert 'name="data_amount" value="10"' in page.content.decode()


def test_plans_list_shows_data_in_gb(staff_client):
    make_plan(name="Japan week", data_bytes=10 * GIB)
    make_plan(name="Japan day", data_bytes=None, fair_use_kbps=1024)

    content = staff_client.get(reverse("admin:catalog_plan_changelist")).content.decode()

    assert "10 GB" in content
    assert "unlimited (then 1024 kbit/s)" in content


def test_a_region_is_named_in_every_language_side_by_side(staff_client):
    region = make_region(countries=["FR"])
    url = reverse("admin:catalog_region_change", args=[region.pk])
    page = staff_client.get(url)

    response = staff_client.post(
        url, changeform_data(page, name_zh_hans="欧洲", name_zh_hant="歐洲", name_ja="ヨーロッパ")
    )

    assert response.status_code == 302
    region.refresh_from_db()
    assert (region.name_en, region.name_zh_hant, region.name_ja, region.name_ko) == (
        "Europe",
        "歐洲",
        "ヨーロッパ",
        None,
    )
