"""The automatic renewal page, the card page's section, and the notice's skip link."""

import re

import pytest
from django.urls import reverse

from roamcard.autorenewal.choices import RenewalState, SkipReason
from roamcard.autorenewal.models import AutoRenewal, RenewalPolicy
from roamcard.autorenewal.services import auto_renewal_skip_path
from roamcard.notifications.models import Message

from .helpers import GIB, grant, saved_method, switch_on

pytestmark = pytest.mark.django_db(transaction=True)


def form(plan, method, **changes):
    data = {
        "enabled": "on",
        "plan_id": plan.pk,
        "currency": "CNY",
        "saved_method_id": method.pk,
        "starts": "queued",
        "trigger_percent": "10",
        "trigger_mb": "",
        "trigger_hours": "24",
        "max_renewals": "3",
        "monthly_limit": "",
        "notice_minutes": "60",
    }
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def test_switching_it_on_from_the_page(client, traveller, card, plan):
    grant(card, plan)
    method = saved_method(traveller)
    client.force_login(traveller)
    url = reverse("autorenewal:policy", kwargs={"card_id": card.pk})

    page = client.get(url)
    assert page.status_code == 200
    assert "Renew this card automatically" in page.content.decode()

    response = client.post(url, form(plan, method, monthly_limit="150.50"))
    assert response.status_code == 302
    policy = RenewalPolicy.objects.get()
    assert policy.enabled and policy.monthly_limit_minor == 15050
    page = client.get(url).content.decode()
    assert "Automatic renewal is on." in page
    assert "Next check:" in page


def test_mistakes_are_shown_on_their_fields(client, traveller, card, plan):
    method = saved_method(traveller)
    client.force_login(traveller)
    url = reverse("autorenewal:policy", kwargs={"card_id": card.pk})

    response = client.post(
        url, form(plan, method, trigger_percent="150", monthly_limit="10.555", notice_minutes="")
    )

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"notice_minutes", "monthly_limit"}
    assert errors["monthly_limit"] == ["Prices in CNY have at most 2 decimal places."]
    response = client.post(url, form(plan, method, trigger_percent="150"))
    assert response.context["form"].errors["trigger_percent"] == ["Enter a number from 1 to 99."]
    assert RenewalPolicy.objects.count() == 0


def test_someone_elses_card_is_not_found(client, other_traveller, card):
    client.force_login(other_traveller)
    url = reverse("autorenewal:policy", kwargs={"card_id": card.pk})
    assert client.get(url).status_code == 404


def test_the_page_says_when_it_renews_and_skips_it(client, traveller, card, plan):
    grant(card, plan, remaining=GIB // 4)
    switch_on(traveller, card, plan, saved_method(traveller))
    renewal = AutoRenewal.objects.get()
    client.force_login(traveller)

    page = client.get(reverse("autorenewal:policy", kwargs={"card_id": card.pk})).content.decode()
    assert "Renewing with Europe 5 GB (CN¥68.00) in 59" in page
    card_page = client.get(reverse("cards:detail", kwargs={"card_id": card.pk})).content.decode()
    assert "Renewing with Europe 5 GB in 59" in card_page

    skip = reverse("autorenewal:skip", kwargs={"card_id": card.pk, "public_id": renewal.public_id})
    response = client.post(skip, follow=True)
    assert "This renewal is skipped; nothing was charged." in response.content.decode()
    renewal.refresh_from_db()
    assert renewal.skipped_reason == SkipReason.TRAVELLER
    assert "You skipped it" in response.content.decode()  # in the history


def test_the_skip_link_works_without_logging_in_and_only_once(client, traveller, card, plan):
    grant(card, plan, remaining=GIB // 4)
    switch_on(traveller, card, plan, saved_method(traveller))
    renewal = AutoRenewal.objects.get()
    body = Message.objects.get(kind="autorenewal_coming", channel="email").body
    link = re.search(r"https?://\S+/cards/auto-renewal/skip/\S+/", body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    assert "/" + path == auto_renewal_skip_path(renewal)

    page = client.get("/" + path)  # a link checker opening it skips nothing
    assert page.status_code == 200
    renewal.refresh_from_db()
    assert renewal.state == RenewalState.SCHEDULED

    done = client.post("/" + path)
    assert "This renewal is skipped; nothing was charged." in done.content.decode()
    again = client.post("/" + path)
    assert "Not charged: You skipped it." in again.content.decode()
    renewal.refresh_from_db()
    assert renewal.skipped_reason == SkipReason.TRAVELLER


def test_a_forged_skip_link_is_not_found(client, traveller, card, plan):
    grant(card, plan, remaining=GIB // 4)
    switch_on(traveller, card, plan, saved_method(traveller))
    renewal = AutoRenewal.objects.get()
    forged = reverse("autorenewal:skip_link", kwargs={"token": f"{renewal.public_id.hex}:forged"})
    assert client.post(forged).status_code == 404
    renewal.refresh_from_db()
    assert renewal.state == RenewalState.SCHEDULED


def test_confirming_a_payment_goes_to_the_banks_page(client, traveller, card, plan):
    grant(card, plan, remaining=GIB // 4)
    switch_on(traveller, card, plan, saved_method(traveller, behaviour="action"), notice_minutes=0)
    renewal = AutoRenewal.objects.get()
    assert renewal.state == RenewalState.ACTION_REQUIRED
    client.force_login(traveller)

    page = client.get(reverse("autorenewal:policy", kwargs={"card_id": card.pk})).content.decode()
    assert "Confirm the payment" in page
    kwargs = {"card_id": card.pk, "public_id": renewal.public_id}
    response = client.get(reverse("autorenewal:confirm", kwargs=kwargs))
    assert response.status_code == 302
    assert response["Location"] == renewal.attempt_set.get().payment.redirect_url
