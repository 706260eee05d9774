"""The catalogue in the back office: regions as country lists, plans with their prices."""

from django.urls import reverse

from roamcard.catalog.models import Region
from roamcard.core.models import AuditEvent
from roamcard.core.tests.staff import changeform_data
from roamcard.testing import make_plan, make_region


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
        url, changeform_data(staff_client.get(url), **{"prices-0-amount_minor": "1290"})
    )

    assert response.status_code == 302
    assert plan.prices.get().amount_minor == 1290
    inlines = AuditEvent.objects.get(action="plan.change").details["inlines"]
    assert inlines[0]["model"] == "planprice" and list(inlines[0]["changed"].values()) == [
        ["amount_minor"]
    ]
